"""The shared vocabulary of linkaudit: plain, frozen data passed between the stages.

    Resource      one catalogued item (catalog/)
    Hop           one step of a redirect chain (fetch/)
    Fetched       the raw facts of fetching one URL (fetch/, for providers/)
    Judgement     what a provider or a rule concludes about one fetch (providers/)
    Observation   what one check of one URL found, with a Verdict (providers/ classify)
    Previous      what the last live check saw of a URL: validators, title (history/)
    Past          what the history knows of a URL before this run, for the judge (history/)
    Finding       what a maintainer should do about one resource, with a Health (judge.py)
    Archived, ArchiveAnswer   a verified Wayback snapshot; what the archive answered for
                  one URL before one time (providers/wayback.py, remembered by history/)
    Rules         the judge's thresholds
    RunState, Baseline, RunRow, RunObservation   the stored runs (history/)
    RunInfo, TrendPoint, Snapshot                what a report is about (audit.py, report/)
    HostStats     how one host (or one operator's group of hosts) was asked in a run (fetch/)
    CheckOptions  how politely and how hard to check (defaults: config.py)

Enum values are the spelling used in SQLite, JSON and the report alike.
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


# --- the stored runs ---------------------------------------------------------------------


class RunState(StrEnum):
    """A run is `running` while it writes, then `complete`, `aborted` (nothing recorded)
    or `interrupted` (Ctrl-C, SIGTERM, or its process died); only complete runs count."""

    RUNNING = "running"
    COMPLETE = "complete"
    ABORTED = "aborted"
    INTERRUPTED = "interrupted"


class BaselineHow(StrEnum):
    FIRST_SEEN = "first_seen"
    ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class Baseline:
    """The title a URL is expected to carry, since when and how it was set."""

    title: str
    since: str
    how: BaselineHow


@dataclass(frozen=True, slots=True)
class RunRow:
    """One stored run, as `linkaudit runs` shows it."""

    id: int
    started_at: str
    finished_at: str | None
    state: RunState
    tool_version: str
    resources: int
    counts: dict[str, int]
    note: str | None
    hosts: tuple[HostStats, ...] = ()  # how each host was asked (a complete run's)


@dataclass(frozen=True, slots=True)
class RunObservation:
    """One stored observation of one URL with the state of its run (`linkaudit history`)."""

    run_id: int
    run_state: RunState
    observation: Observation


# --- what a report is about ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HostStats:
    """How a run asked one host (or `key` "YouTube": one operator's names): requests (and
    retries, redirects), most in flight, shortest gaps from a start and from an end to the
    next start, 429/503 answers, seconds paused, longest back-off, connections opened."""

    key: str
    names: tuple[str, ...] = ()
    requests: int = 0
    max_in_flight: int = 0
    min_start_gap_s: float | None = None
    min_end_to_start_s: float | None = None
    status_429: int = 0
    status_503: int = 0
    paused_s: float = 0.0
    backoff_s: float = 0.0
    connections: int = 0


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The run a report is about (or the one it is compared with)."""

    id: int | None
    started_at: str
    finished_at: str | None = None
    state: str = "complete"
    tool_version: str = ""
    hosts: tuple[HostStats, ...] = ()


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One complete run's checks, before any judging over time: how many URLs answered
    (ok, redirected, moved) and how many failed the check (dead, soft dead, error)."""

    run_id: int
    started_at: str
    answered: int
    failed: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a report says: a run's findings, those of the run it is compared with
    (None: there is none), the trend of complete runs and the rules of the judgement."""

    run: RunInfo
    findings: list[Finding]
    previous_run: RunInfo | None = None
    previous: list[Finding] | None = None
    trend: list[TrendPoint] = field(default_factory=list)
    rules: Rules = field(default_factory=Rules)


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
