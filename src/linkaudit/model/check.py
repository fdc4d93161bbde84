"""The vocabulary of one check: what is catalogued, fetched, classified and judged.

Kind, Verdict, Health, Flag, FailureKind   the enums (their values are the spelling in
                                           SQLite, JSON and the report alike)
Resource, Hop, Fetched, Judgement, Observation, Previous, Past, Archived,
ArchiveAnswer, Finding, Rules, CheckOptions   (see model/__init__.py)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from linkaudit import config


class Kind(StrEnum):
    """What sort of resource a URL points at; decides which provider checks it."""

    YOUTUBE_PLAYLIST = "youtube_playlist"
    YOUTUBE_VIDEO = "youtube_video"
    YOUTUBE_CHANNEL = "youtube_channel"
    ARXIV = "arxiv"
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
    LOGIN_WALL = "login_wall"


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
    UNSENDABLE = "unsendable"  # linkaudit refused to send its own request: the site not asked
    INVALID_URL = "invalid_url"
    PAUSED = "paused"  # not asked: the host is paused for longer than a request waits


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
    before_http: bool = False  # failed before any HTTP response (DNS, connect)


@dataclass(frozen=True, slots=True)
class Judgement:
    """What a provider or a soft-404 rule concludes about one fetch: a verdict, the title
    it found, flags and its reason in words (the observation's `error` for a verdict that
    is not live, its `note` for one that is); `slow_down`: the site walled us off, ask no
    more of it this run."""

    verdict: Verdict
    title: str | None = None
    flags: tuple[Flag, ...] = ()
    reason: str | None = None
    slow_down: bool = False


@dataclass(frozen=True, slots=True)
class Observation:
    """What one check of one URL found in this run (`elapsed_ms`: as in Fetched).

    `error` says what went wrong (never set for a clean live answer); `note` is a
    provider's remark about a live resource (a newer arXiv version, embedding disabled).
    """

    url: str
    verdict: Verdict
    final_url: str | None = None
    http_status: int | None = None
    hops: tuple[Hop, ...] = ()
    title: str | None = None
    flags: tuple[Flag, ...] = ()
    error: str | None = None
    note: str | None = None
    elapsed_ms: int = 0
    checked_at: str = ""  # ISO 8601, UTC
    etag: str | None = None
    last_modified: str | None = None
    before_http: bool = False  # no HTTP response at all: feeds the network-down guard


@dataclass(frozen=True, slots=True)
class Previous:
    """What the last run saw of one URL, if it was live: for a conditional GET and a 304."""

    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Past:
    """What the history knows of one URL before this run: what the judge weighs."""

    observations: tuple[Observation, ...] = ()  # from complete runs, oldest first
    baseline: str | None = None  # the title the page is expected to carry
    first_seen: str | None = None  # first catalogued (ISO 8601)
    last_live: str | None = None  # last live observation before this run


@dataclass(frozen=True, slots=True)
class Archived:
    """A verified Wayback snapshot: its `url` (/web/<timestamp>/<URL>), its 14-digit `timestamp`."""

    url: str
    timestamp: str


@dataclass(frozen=True, slots=True)
class ArchiveAnswer:
    """The archive's snapshot of `url` closest before `before` (14 digits); None: see `note`."""

    url: str
    before: str
    snapshot: Archived | None
    asked_at: str = ""
    note: str = ""


@dataclass(frozen=True, slots=True)
class Finding:
    """One resource, judged over its history: what a maintainer should do."""

    resource: Resource
    health: Health
    observation: Observation | None = None
    baseline_title: str | None = None
    title_drift: bool = False
    flags: tuple[Flag, ...] = ()
    suggested_url: str | None = None
    evidence: str = ""
    first_seen: str | None = None
    failing_since: str | None = None
    last_live: str | None = None
    recent: tuple[Verdict, ...] = ()  # oldest first, this run last
    page_title: str | None = None  # the last title the page answered with, this run or before
    archive: Archived | None = None  # a dead resource's verified snapshot


@dataclass(frozen=True, slots=True)
class Rules:
    """The thresholds of judgement over time (judge.py); defaults are the CLI's defaults."""

    confirm_after: int = config.CONFIRM_AFTER
    error_after: int = config.ERROR_AFTER
    error_days: float = config.ERROR_DAYS
    flaky_window: int = config.FLAKY_WINDOW
    flaky_changes: int = config.FLAKY_CHANGES


@dataclass(frozen=True, slots=True)
class CheckOptions:
    """How politely and how hard to check. Defaults are the CLI's defaults."""

    concurrency: int = config.CONCURRENCY
    per_host: int = config.PER_HOST
    timeout: float = config.TIMEOUT
    retries: int = config.RETRIES
    resolve: tuple[tuple[str, int, str], ...] = ()  # (host, port, address), as curl
    allow_private: bool = False
    max_body_bytes: int = config.MAX_BODY_BYTES
    max_redirects: int = config.MAX_REDIRECTS
    retry_after_cap: float = config.RETRY_AFTER_CAP
    deadline: float | None = None  # per URL, covering retries and slow bodies; None: derived
    arxiv_api: str | None = None  # export API endpoint; None: export.arxiv.org, same scheme/port
    host_interval: tuple[tuple[str, float], ...] = ()  # (host, seconds): the user's, last wins
    host_concurrency: tuple[tuple[str, int], ...] = ()  # (host, requests in flight): the same
    archive: bool = True  # ask the Wayback Machine for a snapshot of each dead resource
    wayback: str | None = None  # one origin for its APIs and snapshots; None: config.WAYBACK_*

    @property
    def url_deadline(self) -> float:
        """Seconds one URL may take in all, retries and waits included."""
        if self.deadline is not None:
            return self.deadline
        return 3 * self.timeout + self.retry_after_cap
