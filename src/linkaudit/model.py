"""The shared vocabulary of linkaudit: plain, frozen data passed between the stages.

    Resource      one catalogued item (catalog.py)
    Hop           one step of a redirect chain (fetch.py)
    Fetched       the raw facts of fetching one URL (fetch.py, providers/)
    Observation   what one check of one URL found, with a Verdict (classify.py)
    Finding       what a maintainer should do about one resource, with a Health (judge.py)

Enum values are the spelling used in SQLite, JSON and the report alike.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum


class Kind(StrEnum):
    """What sort of resource a URL points at; decides which provider checks it."""

    YOUTUBE_PLAYLIST = "youtube_playlist"
    YOUTUBE_VIDEO = "youtube_video"
    YOUTUBE_CHANNEL = "youtube_channel"
    ARXIV = "arxiv"
    PDF = "pdf"
    GITHUB = "github"
    WEB = "web"


class Verdict(StrEnum):
    """What one check of one URL found."""

    OK = "ok"
    REDIRECTED = "redirected"
    MOVED = "moved"
    DEAD = "dead"
    SOFT_DEAD = "soft_dead"
    BLOCKED = "blocked"
    ERROR = "error"

    @property
    def is_live(self) -> bool:
        """The resource answered and looks real."""
        return self in _LIVE

    @property
    def is_failing(self) -> bool:
        """Evidence against the resource (blocked is not evidence either way)."""
        return self in _FAILING

    @property
    def is_gone(self) -> bool:
        """The site itself says the resource is gone."""
        return self in _GONE


# Built once (a set display in the properties was built anew at every call: 0.5 µs).
_LIVE = frozenset({Verdict.OK, Verdict.REDIRECTED, Verdict.MOVED})
_FAILING = frozenset({Verdict.DEAD, Verdict.SOFT_DEAD, Verdict.ERROR})
_GONE = frozenset({Verdict.DEAD, Verdict.SOFT_DEAD})


class Health(StrEnum):
    """What a maintainer should do about a resource, judged from its history.

    Members are listed from most to least urgent; the report follows this order.
    """

    DEAD = "dead"
    FAILING = "failing"
    MOVED = "moved"
    DRIFTED = "drifted"
    FLAKY = "flaky"
    BLOCKED = "blocked"
    RECOVERED = "recovered"
    HEALTHY = "healthy"
    UNLINKED = "unlinked"


class Flag(StrEnum):
    """What a maintainer should know beyond the verdict (JSON `flags`)."""

    TITLE_DRIFT = "title_drift"
    NEWER_VERSION = "newer_version"
    WITHDRAWN = "withdrawn"
    PRIVATE = "private"
    EMBED_DISABLED = "embed_disabled"
    CONSENT_WALL = "consent_wall"
    POSSIBLE_WRONG_LINK = "possible_wrong_link"
    BOT_CHALLENGE = "bot_challenge"
    RATE_LIMITED = "rate_limited"
    PRIVATE_ADDRESS_REFUSED = "private_address_refused"
    SOFT_404 = "soft_404"
    PARKED_DOMAIN = "parked_domain"
    BOUNCED_HOME = "bounced_home"
    NOT_MODIFIED = "not_modified"


@dataclass(frozen=True, slots=True)
class Resource:
    """One catalogued item. `url` is exactly as the catalog wrote it, or None (unlinked)."""

    title: str
    section: str
    kind: Kind
    url: str | None = None
    source: str = ""
    line: int = 0

    @property
    def where(self) -> str:
        """`file:line`, for messages."""
        return f"{self.source}:{self.line}"


@dataclass(frozen=True, slots=True)
class Hop:
    """One response in a redirect chain: the URL requested and the status it answered."""

    url: str
    status: int


class FailureKind(StrEnum):
    """Why a fetch ended without a usable HTTP response."""

    DNS = "dns"  # the name does not resolve
    CONNECT = "connect"  # refused, unreachable
    TIMEOUT = "timeout"  # no answer, or the per-URL deadline passed
    TLS = "tls"
    RESET = "reset"  # connection closed without (complete) response
    REDIRECT_LOOP = "redirect_loop"
    TOO_MANY_REDIRECTS = "too_many_redirects"
    PRIVATE_ADDRESS = "private_address"  # refused by policy, see --allow-private
    RETRY_AFTER_TOO_LONG = "retry_after_too_long"
    PROTOCOL = "protocol"  # malformed HTTP
    INVALID_URL = "invalid_url"


@dataclass(frozen=True, slots=True)
class Fetched:
    """The facts of fetching one URL, before any judgement.

    `hops` holds every response received, in order, the last one included; a
    `failure` says why no final response was reached (then `status` may be None).
    `elapsed_ms` runs from the first request sent for the URL (its slots taken, so not
    the time it queued behind other requests) to the end of the fetch, redirects,
    retries and Retry-After waits included; 0 when no request was sent.
    """

    url: str
    hops: tuple[Hop, ...] = ()
    status: int | None = None
    final_url: str | None = None
    headers: dict[str, str] = field(default_factory=dict)
    title: str | None = None
    body_text: str = ""  # decoded head of the body (bounded), for soft-404 checks
    failure: FailureKind | None = None
    error: str | None = None
    meta_refresh: bool = False  # a <meta http-equiv="refresh"> was followed
    elapsed_ms: int = 0
    attempts: int = 1
    before_http: bool = False  # failed before any HTTP response (DNS, connect)


@dataclass(frozen=True, slots=True)
class Observation:
    """What one check of one URL found in this run (`elapsed_ms`: as in Fetched)."""

    url: str
    verdict: Verdict
    final_url: str | None = None
    http_status: int | None = None
    hops: tuple[Hop, ...] = ()
    title: str | None = None
    flags: tuple[str, ...] = ()
    error: str | None = None
    elapsed_ms: int = 0
    checked_at: str = ""  # ISO 8601, UTC
    etag: str | None = None
    last_modified: str | None = None
    before_http: bool = False  # no HTTP response at all: feeds the network-down guard


@dataclass(frozen=True, slots=True)
class Finding:
    """One resource, judged over its history: what a maintainer should do."""

    resource: Resource
    health: Health
    observation: Observation | None = None
    baseline_title: str | None = None
    title_drift: bool = False
    flags: tuple[str, ...] = ()
    suggested_url: str | None = None
    evidence: str = ""
    first_seen: str | None = None
    failing_since: str | None = None
    last_live: str | None = None
    recent: tuple[Verdict, ...] = ()  # oldest first, this run last


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How politely and how hard to check. Defaults are the CLI's defaults."""

    concurrency: int = 64
    per_host: int = 4
    timeout: float = 20.0
    retries: int = 3
    resolve: tuple[tuple[str, int, str], ...] = ()  # (host, port, address), as curl
    allow_private: bool = False
    max_body_bytes: int = 256 * 1024
    max_redirects: int = 10
    retry_after_cap: float = 60.0
    deadline: float | None = None  # per URL, covering retries and slow bodies; None: derived
    arxiv_api: str | None = None  # export API endpoint; None: export.arxiv.org, same scheme/port

    @property
    def url_deadline(self) -> float:
        """Seconds one URL may take in all, retries and waits included."""
        if self.deadline is not None:
            return self.deadline
        return 3 * self.timeout + self.retry_after_cap
