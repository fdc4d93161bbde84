"""The facts of one fetch -> one Observation with a Verdict (the design's verdict table). Pure.

    ok          final 2xx without redirects, or 304 to a conditional request (not_modified)
    redirected  2xx through temporary redirects only (302, 303, 307)
    moved       2xx through at least one permanent redirect (301, 308) or a meta refresh
    dead        404, 410, or the name does not resolve
    blocked     401, 403, 429 (after retries), 451, a bot challenge, a Retry-After beyond
                the cap, or a private address refused by policy: cannot be verified
    error       5xx, other 4xx, timeout, reset, TLS, protocol, redirect loop, too many hops

A bot challenge is known by its `cf-mitigated: challenge` header or, on a 403/429/503
(whose head the Fetcher reads), by the challenge page's own markers (soft404_rules.bot_wall).
Soft-404s (a 2xx that says the thing is gone) are judged later, by providers/soft404.py.
"""

from __future__ import annotations

from linkaudit.model import FailureKind, Fetched, Flag, Observation, Verdict
from linkaudit.providers.soft404_rules import bot_wall

PERMANENT = frozenset({301, 308})
TEMPORARY = frozenset({302, 303, 307})
GONE = frozenset({404, 410})
FORBIDDEN = frozenset({401, 403, 429, 451})

_FAILURES: dict[FailureKind, tuple[Verdict, tuple[Flag, ...]]] = {
    FailureKind.DNS: (Verdict.DEAD, ()),
    FailureKind.PRIVATE_ADDRESS: (Verdict.BLOCKED, (Flag.PRIVATE_ADDRESS_REFUSED,)),
    FailureKind.RETRY_AFTER_TOO_LONG: (Verdict.BLOCKED, (Flag.RATE_LIMITED,)),
}


def verdict_of(fetched: Fetched) -> tuple[Verdict, tuple[Flag, ...]]:
    """The verdict and the flags the facts alone justify."""
    if bot_wall(fetched) is not None:
        return Verdict.BLOCKED, (Flag.BOT_CHALLENGE,)
    if fetched.failure is not None and fetched.failure in _FAILURES:
        return _FAILURES[fetched.failure]
    status = fetched.status
    if status is None or fetched.failure is not None:
        return Verdict.ERROR, ()
    if status == 304:
        return Verdict.OK, (Flag.NOT_MODIFIED,)
    if 200 <= status < 300:
        earlier = {hop.status for hop in fetched.hops[:-1]}
        if fetched.meta_refresh or earlier & PERMANENT:
            return Verdict.MOVED, ()
        if earlier & TEMPORARY:
            return Verdict.REDIRECTED, ()
        return Verdict.OK, ()
    if status in GONE:
        return Verdict.DEAD, ()
    if status in FORBIDDEN:
        return Verdict.BLOCKED, (Flag.RATE_LIMITED,) if status == 429 else ()
    return Verdict.ERROR, ()


def message_of(fetched: Fetched, verdict: Verdict) -> str | None:
    """A short line for a maintainer: why this verdict (None for a plain ok)."""
    if fetched.error:
        return fetched.error
    if fetched.status is not None and not 200 <= fetched.status < 300 and fetched.status != 304:
        return f"HTTP {fetched.status}"
    if verdict is Verdict.BLOCKED:
        return "bot challenge"
    return None


def classify(fetched: Fetched, *, checked_at: str) -> Observation:
    """One Observation for one fetch: verdict, final URL, hops, title, flags."""
    verdict, flags = verdict_of(fetched)
    headers = fetched.headers
    return Observation(
        url=fetched.url,
        verdict=verdict,
        final_url=fetched.final_url,
        http_status=fetched.status,
        hops=fetched.hops,
        title=fetched.title if 200 <= (fetched.status or 0) < 300 else None,  # not an error page's
        flags=tuple(str(flag) for flag in flags),
        error=message_of(fetched, verdict),
        elapsed_ms=fetched.elapsed_ms,
        checked_at=checked_at,
        etag=headers.get("etag"),
        last_modified=headers.get("last-modified"),
        before_http=fetched.before_http,
    )
