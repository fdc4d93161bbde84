"""Every rule about the shape of a catalogued URL, shared by the catalog and the providers.

    url_problem(url)      why a URL is not a usable http(s) URL, or None
    dedupe_key(url)       the form in which two catalog URLs are the same resource
    detect_kind(url)      what a URL points at, from its host and path alone
    youtube_item(url)     the YouTube video, playlist or channel a URL names, or None
    arxiv_paper(url)      the arXiv id (and version) an /abs/ or /pdf/ URL names, or None

Pure functions of the URL's text; nothing here asks the network.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import parse_qs, parse_qsl, urlencode, urlunsplit

from linkaudit.model import Kind
from linkaudit.text import split_url

YOUTUBE_HOSTS = frozenset(
    {
        "youtube.com",
        "www.youtube.com",
        "m.youtube.com",
        "music.youtube.com",
        "youtu.be",
        "youtube-nocookie.com",
        "www.youtube-nocookie.com",
    }
)
# Query parameters that never change which YouTube item a URL addresses.
YOUTUBE_TRIVIA = frozenset({"index", "t", "pp", "si", "feature", "ab_channel"})
ARXIV_HOSTS = frozenset({"arxiv.org", "www.arxiv.org", "export.arxiv.org"})
_BAD_URL_CHAR = re.compile(r"[\s\x00-\x1f\x7f]")  # \s: whatever str.isspace() says
_VIDEO_ID = re.compile(r"[A-Za-z0-9_-]{11}")  # what YouTube's video ids look like
_EMBED_PAGES = frozenset({"videoseries", "live_stream"})  # /embed/ paths that name no video
_ARXIV_PATH = re.compile(r"^/(abs|pdf)/(.+?)(\.pdf)?/?$")
_ARXIV_NEW = re.compile(r"^(\d{4}\.\d{4,5})(v(\d+))?$")
_ARXIV_OLD = re.compile(r"^([a-z][a-z-]*(\.[A-Z]{2})?/\d{7})(v(\d+))?$")


def url_problem(url: object) -> str | None:
    """Why `url` is not a usable http(s) URL, or None when it is."""
    if url is None or url == "":
        return "empty url (leave the key out for an unlinked resource)"
    if not isinstance(url, str):
        return f"url must be text, not {type(url).__name__}"
    if _BAD_URL_CHAR.search(url):
        return f"URL contains whitespace or control characters: {url!r}"
    try:
        parts = split_url(url)
        host = parts.hostname
        parts.port  # noqa: B018 - raises ValueError for a port that is not a number
    except ValueError as error:
        return f"not a valid URL ({error}): {url}"
    if parts.scheme.lower() not in {"http", "https"}:
        return f"not an http(s) URL: {url}"
    if not host or host.startswith(".") or ".." in host or re.search(r"[^\w.\-:\[\]%]", host):
        return f"URL has no valid host: {url}"
    return None


def dedupe_key(url: str) -> str:
    """The form in which two catalog URLs are the same resource.

    Scheme and host case, a default port, the fragment, a trailing slash and
    YouTube's position/tracking parameters (index, t, pp, si, feature) do not matter;
    everything else (query order included) does. The catalog keeps the URL as written.
    """
    parts = split_url(url.strip())
    host = (parts.hostname or "").lower()
    port = parts.port
    if port is not None and (parts.scheme.lower(), port) not in {("http", 80), ("https", 443)}:
        host = f"{host}:{port}"
    query = parts.query
    if (parts.hostname or "").lower() in YOUTUBE_HOSTS:
        query = urlencode([(k, v) for k, v in parse_qsl(query) if k not in YOUTUBE_TRIVIA])
    return urlunsplit((parts.scheme.lower(), host, parts.path.rstrip("/"), query, ""))


def detect_kind(url: str) -> Kind:
    """The kind of resource a URL points at, from its host and path alone."""
    item = youtube_item(url)
    if item is not None:
        return item.kind
    try:
        parts = split_url(url.strip())
    except ValueError:
        return Kind.WEB
    host = (parts.hostname or "").lower()
    if host in ARXIV_HOSTS and parts.path.startswith(("/abs/", "/pdf/")):
        return Kind.ARXIV
    return Kind.WEB


@dataclass(frozen=True, slots=True)
class YouTubeItem:
    """What a YouTube URL names: a video, a playlist or a channel, and its id (for a
    channel, its path: `@handle`, `channel/UC...`, `c/name`, `user/name`)."""

    kind: Kind
    ident: str


def youtube_item(url: str) -> YouTubeItem | None:
    """The YouTube item a URL names, or None when it names no video, playlist or channel."""
    try:
        parts = split_url(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if host not in YOUTUBE_HOSTS:
        return None
    path = parts.path
    query = parse_qs(parts.query)
    video = None
    if host == "youtu.be":
        video = path.strip("/").split("/")[0] or None
    elif path == "/watch" and query.get("v"):
        video = query["v"][0]
    elif path.startswith(("/shorts/", "/live/")):
        video = path.split("/")[2] or None
    elif path.startswith("/embed/"):
        embedded = path.split("/")[2]
        video = embedded if _VIDEO_ID.fullmatch(embedded) and embedded not in _EMBED_PAGES else None
    if video:
        return YouTubeItem(Kind.YOUTUBE_VIDEO, video)
    playlist_page = path.rstrip("/") in ("/playlist", "/embed/videoseries")
    if playlist_page and query.get("list"):
        return YouTubeItem(Kind.YOUTUBE_PLAYLIST, query["list"][0])
    if path.startswith(("/@", "/channel/", "/c/", "/user/")):
        return YouTubeItem(Kind.YOUTUBE_CHANNEL, path.strip("/"))
    return None


@dataclass(frozen=True, slots=True)
class Paper:
    """An arXiv id, with the version the catalog names (None: "the latest")."""

    ident: str
    version: int | None = None

    @property
    def abs_path(self) -> str:
        return f"/abs/{self.ident}"


def arxiv_paper(url: str) -> Paper | None:
    """The paper an /abs/ or /pdf/ URL (or path) names: new ids and old ones like
    cs/0112017, `arXiv:` prefix allowed."""
    try:
        path = split_url(url.strip()).path
    except ValueError:
        return None
    match = _ARXIV_PATH.match(path)
    if not match:
        return None
    raw = re.sub(r"^arxiv:", "", match.group(2), flags=re.IGNORECASE)  # /abs/arXiv:2106.09685
    for pattern, version_group in ((_ARXIV_NEW, 3), (_ARXIV_OLD, 4)):
        found = pattern.match(raw)
        if found:
            version = found.group(version_group)
            return Paper(found.group(1), int(version) if version else None)
    return None
