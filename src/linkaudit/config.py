"""Every default and limit of linkaudit, as a named constant (as httpx's `_config.py`).

The command line's defaults are these; so are the bounds that keep one run polite and
small. The heuristics' own thresholds (how alike two pages must be, how short a parking
page is) stay beside their rules, where they are read with the rule.
"""

from __future__ import annotations

from pathlib import Path

from linkaudit import __version__

# --- who we are ------------------------------------------------------------------------
PROJECT_URL = "https://github.com/linkaudit/linkaudit"
USER_AGENT = f"linkaudit/{__version__} (+{PROJECT_URL})"

# --- where things are (relative to where a command runs) ---------------------------------
DEFAULT_CATALOG = Path("catalog")  # what `check` and `catalog ...` read when given no PATH
DEFAULT_DB = Path("reports/history.db")
DEFAULT_REPORT = Path("reports/health.md")

# --- how hard and how politely to ask (`check` options) ----------------------------------
CONCURRENCY = 64  # requests in flight at once, all hosts together
PER_HOST = 4  # requests in flight at once to one host
TIMEOUT = 20.0  # seconds for one request: connect, headers and body
RETRIES = 3  # after a timeout, a reset, a 5xx or a 429
RETRY_AFTER_CAP = 60.0  # seconds: a longer Retry-After makes the URL blocked, not waited for
MAX_REDIRECTS = 10
BACKOFF_BASE = 0.5  # seconds before the first retry; doubles each time, plus jitter
BACKOFF_MAX = 8.0

# --- one host's pace (fetch/hosts.py) ------------------------------------------------------
WINDOW_MARGIN = 0.1  # seconds added to a request window, for the network's jitter
BACKOFF_FIRST = 1.0  # seconds between a host's starts after its first 429/503 without Retry-After
BACKOFF_LONGEST = 4.0  # ... doubling with each further one, at most this
BACKOFF_EASE = 0.9  # each other answer shortens that interval by this factor
MAX_HOST_INTERVAL = 3600.0  # the longest --host-interval accepted, seconds

# --- how much to read --------------------------------------------------------------------
MAX_BODY_BYTES = 256 * 1024  # of a page, decoded
TITLE_SNIPPET = 16 * 1024  # once the title is known, read at least this much for soft-404s
REFUSAL_BODY_BYTES = 32 * 1024  # of a 401/403/429/503 answer: it may be a bot challenge
DRAIN_BYTES = 64 * 1024  # the rest of a body read (and dropped) to keep its connection
MAX_HEAD_BYTES = 100 * 1024  # status line and headers, as httpcore allows h11
READ_BYTES = 64 * 1024  # one socket read, as httpcore
MAX_REFRESH_DELAY = 10.0  # seconds; a longer meta refresh is a page that reloads
VALIDATOR_CHARS = 256  # a longer ETag or Last-Modified is not kept, so never sent back
YOUTUBE_PAGE_BYTES = 3 * 1024 * 1024  # a watch page is ~1-2 MB; its player data is not near the top

# --- how much work one page may cause ----------------------------------------------------
REMOTE_TEXT_CHARS = 300  # a title, or a site's words in a message, cut to this before use
MAX_URL_CHARS = 8000  # a redirect to a longer URL is unusable (RFC 9110 asks for 8000 octets)
ON_LOOP_CHARS = 8 * 1024  # a larger page is parsed in a worker thread, off the event loop

# --- connections and names ---------------------------------------------------------------
KEEPALIVE_EXPIRY = 5.0  # seconds an idle connection is kept for the next request
MAX_IDLE_CONNECTIONS = 256  # in all; each host keeps at most its concurrency
LOOKUP_THREADS = 32  # getaddrinfo blocks a thread per lookup; asyncio's default pool has 6

# --- sites with rules of their own (the names one operator limits together share a pace) ---
# arXiv's terms of use: one request at a time, three seconds apart (API and pages alike)
ARXIV_NAMES = ("export.arxiv.org", "arxiv.org", "www.arxiv.org")
ARXIV_CONCURRENCY = 1
ARXIV_PACE = 3.0  # seconds from one arXiv request's end to the next one's start
ARXIV_BATCH = 100  # ids per export-API request (the API allows up to 2000)
# YouTube publishes no limit; a burst from one address meets 429s and "unusual traffic"
# pages. Every name catalog/urls.py takes for YouTube, and its image host, share one pace.
YOUTUBE_NAMES = (
    "www.youtube.com",
    "youtube.com",
    "m.youtube.com",
    "music.youtube.com",
    "youtu.be",
    "img.youtube.com",
    "www.youtube-nocookie.com",
    "youtube-nocookie.com",
)
YOUTUBE_CONCURRENCY = 2
YOUTUBE_WINDOW = (10, 10.0)  # at most 10 requests in any 10 seconds
YOUTUBE_SLOW_DOWN = 3600.0  # seconds YouTube is left alone after it walls us off ("up to an
# hour", as yt-dlp reports it): longer than any request waits, so the run asks no more
# The Internet Archive (the Wayback Machine's API, CDX server and snapshots): one request
# at a time, at most one a second
ARCHIVE_NAMES = ("web.archive.org", "archive.org", "wayback.archive.org")
ARCHIVE_CONCURRENCY = 1
ARCHIVE_INTERVAL = 1.0  # seconds from one request's start to the next one's
# The Wayback Machine (providers/wayback.py): its Availability API, and the origin of its
# CDX server and of the snapshots (one request at a time: issue 11's per-host policy paces them)
WAYBACK_AVAILABILITY = "https://archive.org/wayback/available"
WAYBACK_ORIGIN = "https://web.archive.org"

# --- the history -------------------------------------------------------------------------
BATCH_SIZE = 100  # observations per transaction, written as soon as they are queued
BATCH_DELAY = 1.0  # seconds: a smaller queue is written at least this often
HISTORY_LIMIT = 60  # past observations per URL handed to the judge
PREVIOUS_DEPTH = 5  # past runs searched for validators a 304 answer did not repeat
BUSY_TIMEOUT_MS = 5000  # SQLite waits this long for a brief lock of another program
LOCK_PATIENCE = 0.5  # seconds a new run waits for a brief holder of the writer lock

# --- judging over time (`Rules`) ----------------------------------------------------------
CONFIRM_AFTER = 2  # consecutive dead runs that confirm `dead` (--confirm-after)
ERROR_AFTER = 4  # consecutive failing runs that confirm `dead` when they span ERROR_DAYS
ERROR_DAYS = 7.0
FLAKY_WINDOW = 5  # runs looked at for flakiness, this one included
FLAKY_CHANGES = 2  # changes between live and failing in that window that make it flaky

# --- the report --------------------------------------------------------------------------
TREND_RUNS = 12  # complete runs in the trend chart
ISSUE_BODY_CHARS = 60_000  # GitHub refuses an issue body over 65,536 characters
# A table cell holds short text, so that every table fits GitHub's 948 px column; the
# longer facts go in the list under the table (report/tables.py says the arithmetic).
CELL_TITLE = 100  # characters of a catalog title; longer: cut, whole in the list
CELL_PAGE_TITLE = 40  # of the page's own title shown beside a generic catalog title
CELL_SECTION = 40  # of a section path shown beside a title: its last headings
CELL_WORD = 20  # our own words: a longer unbroken run is given a break (U+200B) to wrap at
CELL_TITLE_WORD = 14  # the same for a site's or a curator's text, whose glyphs may be wide
CELL_CAUSE = 24  # of what failed, in a "what happened" cell: `404`, `timeout`

ANNOTATIONS = 50  # GitHub annotations printed by a run at most (GitHub keeps 50 a job)
