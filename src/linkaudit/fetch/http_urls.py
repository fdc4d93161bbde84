"""The URLs a request is sent to, parsed as httpx parses them.

parse_http_url(url)       an http(s) URL with a host, parsed, or None
join_url(base, target)    a redirect's Location (or a refresh URL) against the URL that
                          sent it, without its fragment, or None when unusable (longer
                          than MAX_URL_CHARS included: it is stored and shown as a hop)
"""

from __future__ import annotations

import httpx

from linkaudit.config import MAX_URL_CHARS


def parse_http_url(url: str) -> httpx.URL | None:
    """The URL, parsed, if it is an http(s) URL with a host; else None."""
    try:
        parsed = httpx.URL(url)
    except (httpx.InvalidURL, ValueError, TypeError):
        return None
    return parsed if parsed.scheme in {"http", "https"} and parsed.host else None


def join_url(base: str, target: str) -> str | None:
    """`target` (a Location or a refresh URL) against `base`, without fragment; None if unusable."""
    if len(target) > MAX_URL_CHARS:
        return None
    try:
        joined = httpx.URL(base).join(target.strip())
    except (httpx.InvalidURL, ValueError, TypeError):
        return None
    joined = joined.copy_with(fragment=None)
    text = str(joined)
    return text if len(text) <= MAX_URL_CHARS and parse_http_url(text) is not None else None
