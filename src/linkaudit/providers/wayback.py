"""An archived copy of a dead resource: the Wayback Machine's snapshot closest BEFORE the last
time linkaudit saw the resource live, with original status 200, verified once.

    wanted(findings, endpoints)   the findings worth asking about: dead, or failing with a
                                  dead/soft_dead verdict; their URL and `before` (14 digits)
    lookup(fetch, want, ...)      the few requests for one URL -> ArchiveAnswer, or None when
                                  the archive could not be asked (nothing learned: ask again)
    attach(findings, answers)     each finding with its verified snapshot (Finding.archive)

`before` is when the resource was last seen live; a resource never seen live is asked
for the snapshot closest before its first failing check (that is, before the run that
first found it failing: a date that stays the same from week to week, so the answer
remembered for it is found again, as the history keys it by URL and `before`).

The requests, one URL at a time (audit.py asks; issue 11's per-host policy paces them):

    1. the Availability API  archive.org/wayback/available?url=U&timestamp=T: its one
       `closest` capture, taken only when it is a 200 at or before T (it may be after T,
       or of any status: its documentation promises neither)
    2. else the CDX server   web.archive.org/cdx/search/cdx?url=U&output=json
       &filter=statuscode:200&to=T&limit=-1: the last capture at or before T with status
       200 (InternetArchiveBot's first query, in its CDX form); `[]`: there is none
    3. the capture itself, raw (web/<T>id_/U, no toolbar): it must answer 200 with a
       Memento-Datetime (a real capture; Wayback's own pages carry none), of the same URL
       at or before T, and be no bot wall, parked domain or "not found" page by the
       soft-404 rules. The snapshot named is the view URL, web/<T>/U.

A network error, a 5xx or a 429, or an answer that is not the API's JSON is no answer:
nothing is remembered, the next run asks again.
"""

from __future__ import annotations

import json
import re
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime
from urllib.parse import urlencode

from linkaudit.catalog import dedupe_key
from linkaudit.config import WAYBACK_AVAILABILITY, WAYBACK_ORIGIN
from linkaudit.model import (
    ArchiveAnswer,
    Archived,
    Fetched,
    Finding,
    Flag,
    Health,
    Hop,
    Judgement,
    Kind,
    Verdict,
)
from linkaudit.providers import soft404
from linkaudit.providers.login_walls import sign_in_page
from linkaudit.providers.soft404_rules import bot_wall
from linkaudit.providers.youtube_page import classify_page
from linkaudit.text import host_of, split_url

YOUTUBE_KINDS = frozenset({Kind.YOUTUBE_VIDEO, Kind.YOUTUBE_PLAYLIST, Kind.YOUTUBE_CHANNEL})

ARCHIVE_HOSTS = ("archive.org",)  # and its subdomains: web.archive.org, wayback.archive.org
# Wayback's own pages, never a capture (tests/replicas/wayback_not_archived.html): the
# "has not archived" answer (404), the newer wording, and an excluded URL (served with 200).
WAYBACK_ERRORS = re.compile(
    r"wayback machine has not archived that url|wayback machine doesn.t have that page archived"
    r"|this url has been excluded from the wayback machine",
    re.IGNORECASE,
)
CAPTURE_PATH = re.compile(r"/web/(?P<timestamp>\d{14})(?:[a-z]{2}_)?/(?P<original>.+)")
_SCHEME_WWW = re.compile(r"^[a-z][a-z0-9+.-]*://(www\.)?", re.IGNORECASE)
Fetch = Callable[[str], Awaitable[Fetched]]


@dataclass(frozen=True, slots=True)
class Endpoints:
    """Where the archive is asked: the Availability API, the CDX server, the snapshots."""

    availability: str = WAYBACK_AVAILABILITY
    cdx: str = f"{WAYBACK_ORIGIN}/cdx/search/cdx"
    snapshots: str = WAYBACK_ORIGIN

    @classmethod
    def at(cls, origin: str | None) -> Endpoints:
        """The archive's own endpoints, or all three on one `origin` (CheckOptions.wayback)."""
        if origin is None:
            return cls()
        base = origin.rstrip("/")
        return cls(f"{base}/wayback/available", f"{base}/cdx/search/cdx", base)

    @property
    def hosts(self) -> set[str]:
        return {host_of(u) for u in (self.availability, self.cdx, self.snapshots)}


@dataclass(frozen=True, slots=True)
class Want:
    """One URL to ask about: the snapshot closest before `before`, like `title` (a page of
    `kind`: a YouTube item's capture must say the item is there)."""

    url: str
    before: str
    title: str
    kind: Kind = Kind.WEB


# --- which findings, and their snapshots (pure) ---------------------------------------


def wanted(findings: Iterable[Finding], endpoints: Endpoints | None = None) -> list[Want]:
    """Dead findings (and failing ones the site says are gone), one per URL, catalog order;
    never a URL of the archive itself."""
    own = (endpoints or Endpoints()).hosts
    out: dict[str, Want] = {}
    for f in findings:
        url, o = f.resource.url, f.observation
        gone = f.health is Health.FAILING and o is not None and o.verdict.is_gone
        if not url or url in out or not (f.health is Health.DEAD or gone):
            continue
        host = host_of(url)
        if host in own or any(host == d or host.endswith("." + d) for d in ARCHIVE_HOSTS):
            continue
        anchor = f.last_live or f.failing_since or (o.checked_at if o else None)
        if anchor and (before := timestamp_of(anchor)):
            out[url] = Want(url, before, f.resource.title, f.resource.kind)
    return list(out.values())


def attach(
    findings: Sequence[Finding],
    answers: Mapping[tuple[str, str], ArchiveAnswer],
    endpoints: Endpoints | None = None,
) -> list[Finding]:
    """`findings`, each wanted one with the snapshot its answer verified (else as it was)."""
    snapshots = {
        w.url: answer.snapshot
        for w in wanted(findings, endpoints)
        if (answer := answers.get((w.url, w.before))) is not None and answer.snapshot
    }
    if not snapshots:
        return list(findings)
    return [
        replace(f, archive=snapshots[f.resource.url])
        if f.resource.url in snapshots and f.archive is None
        else f
        for f in findings
    ]


def timestamp_of(at: str) -> str | None:
    """An ISO 8601 time as Wayback's 14 digits (UTC), or None."""
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return None
    return (moment.astimezone(UTC) if moment.tzinfo else moment).strftime("%Y%m%d%H%M%S")


def snapshot_url(endpoints: Endpoints, timestamp: str, url: str, mode: str = "") -> str:
    """A capture's URL: web/<timestamp>/<url>; mode `id_`: its original bytes, no toolbar."""
    return f"{endpoints.snapshots}/web/{timestamp}{mode}/{url}"


def availability_query(endpoints: Endpoints, url: str, before: str) -> str:
    return f"{endpoints.availability}?{urlencode({'url': url, 'timestamp': before})}"


def cdx_query(endpoints: Endpoints, url: str, before: str) -> str:
    fields = [("url", url), ("output", "json"), ("filter", "statuscode:200")]
    return f"{endpoints.cdx}?{urlencode([*fields, ('to', before), ('limit', '-1')])}"


def from_availability(text: str, before: str) -> str | None:
    """The Availability API's closest capture, if it is a 200 at or before `before`.
    Raises ValueError when `text` is not its JSON."""
    data = json.loads(text)
    if not isinstance(data, dict) or not isinstance(data.get("archived_snapshots"), dict):
        raise ValueError("not an Availability API answer")
    closest = data["archived_snapshots"].get("closest")
    if not isinstance(closest, dict) or closest.get("available") is not True:
        return None
    stamp, status = str(closest.get("timestamp", "")), str(closest.get("status", ""))
    return stamp if _stamp(stamp) and status == "200" and stamp <= before else None


def from_cdx(text: str, before: str) -> str | None:
    """The last capture at or before `before` with status 200 in a CDX JSON answer (a
    header row of field names, then one row per capture; `[]` when there is none).
    Raises ValueError when `text` is not such JSON."""
    if not text.strip():  # the documented empty answer is [], an empty body is a fault
        raise ValueError("an empty answer from the CDX server")
    rows = json.loads(text)
    if not isinstance(rows, list) or not all(isinstance(r, list) for r in rows):
        raise ValueError("not a CDX JSON answer")
    if not rows:
        return None
    header = [str(name) for name in rows[0]]
    if "timestamp" not in header:
        raise ValueError("a CDX answer without a timestamp field")
    at = header.index("timestamp")
    status = header.index("statuscode") if "statuscode" in header else None
    stamps = [
        str(row[at])
        for row in rows[1:]
        if len(row) == len(header) and (status is None or str(row[status]) == "200")
    ]
    good = [s for s in stamps if _stamp(s) and s <= before]
    return max(good, default=None)


def problem_of_capture(fetched: Fetched, want: Want) -> str | None:
    """Why the raw capture is not a live copy of `want.url` before `want.before` (None: it is)."""
    if fetched.status != 200:
        return f"the capture answered {fetched.status}"
    if not _header(fetched, "memento-datetime"):
        return "not a capture (no Memento-Datetime): a page of the Wayback Machine's own"
    match = CAPTURE_PATH.match(split_url(fetched.final_url or fetched.url).path)
    if match is None or match["timestamp"] > want.before:
        return f"sent to another capture: {fetched.final_url}"
    if _same_page(_original(fetched.final_url or fetched.url)) != _same_page(want.url):
        return f"sent to a capture of another URL: {fetched.final_url}"
    if WAYBACK_ERRORS.search(fetched.body_text):
        return "a page of the Wayback Machine's own"
    as_served = replace(fetched, url=want.url, final_url=want.url, hops=(Hop(want.url, 200),))
    judgement = _not_live(as_served, want)
    return f"the capture is no live page: {judgement.reason}" if judgement else None


def _not_live(as_served: Fetched, want: Want) -> Judgement | None:
    """What in the captured page says it is no copy of the resource: a bot challenge, a
    sign-in page, YouTube's own word (a removed playlist, a deleted video, its consent
    page), the soft-404 rules (parked, "not found")."""
    if (wall := bot_wall(as_served)) is not None:
        return wall
    if sign_in_page(as_served):
        return Judgement(Verdict.BLOCKED, flags=(Flag.LOGIN_WALL,), reason="a sign-in page")
    if want.kind in YOUTUBE_KINDS:
        judgement = classify_page(want.kind, as_served)
        return None if judgement.verdict.is_live else judgement
    return soft404.classify(want.url, as_served, want.title)


def capture_stamp(fetched: Fetched, fallback: str) -> str:
    match = CAPTURE_PATH.match(split_url(fetched.final_url or fetched.url).path)
    return match["timestamp"] if match else fallback


def _original(capture: str) -> str:
    """The archived URL in a capture's URL (its query included)."""
    parts = split_url(capture)
    match = CAPTURE_PATH.match(parts.path)
    original = match["original"] if match else ""
    return f"{original}?{parts.query}" if parts.query else original


def _same_page(url: str) -> str:
    """What the archive counts as one URL: as the catalog does, whatever the scheme and
    with or without `www.` (the CDX server's SURT keys drop both; its redirects may name
    either)."""
    return _SCHEME_WWW.sub("", dedupe_key(url))


def _stamp(text: str) -> bool:
    return len(text) == 14 and text.isdigit()


def _header(fetched: Fetched, name: str) -> str:
    return next((v for k, v in fetched.headers.items() if k.lower() == name), "")


# --- the requests ---------------------------------------------------------------------


def unanswered(fetched: Fetched) -> bool:
    """No answer from the archive: a network error, a 5xx, a 429 (ask again next run)."""
    status = fetched.status
    return fetched.failure is not None or status is None or status == 429 or status >= 500


def excluded(fetched: Fetched) -> bool:
    """The CDX server refuses a blocked or robots-excluded site (403 and a runtime error)."""
    return fetched.status == 403 and bool(_header(fetched, "x-archive-wayback-runtime-error"))


async def lookup(
    fetch: Fetch, want: Want, *, endpoints: Endpoints, asked_at: str
) -> ArchiveAnswer | None:
    """The verified snapshot of `want.url` closest before `want.before`, or an answer that
    says there is none; None when the archive could not be asked (see the module docstring)."""
    closest = await _closest(fetch, want, endpoints)
    if closest is None:
        return None
    found, note = closest
    if found is not None:
        capture = await fetch(snapshot_url(endpoints, found, want.url, "id_"))
        if unanswered(capture):
            return None
        problem = problem_of_capture(capture, want)
        if problem is None:
            stamp = capture_stamp(capture, found)
            snapshot = Archived(snapshot_url(endpoints, stamp, want.url), stamp)
            return ArchiveAnswer(want.url, want.before, snapshot, asked_at, "verified")
        note = f"capture {found}: {problem}"
    return ArchiveAnswer(want.url, want.before, None, asked_at, note)


async def _closest(fetch: Fetch, want: Want, endpoints: Endpoints) -> tuple[str | None, str] | None:
    """(the timestamp of the capture to verify, or None and why there is none); None when
    the archive did not answer."""
    available = await _ask(fetch, availability_query(endpoints, want.url, want.before), want)
    if available is None or available[1] is not None:
        return None if available is None else (available[1], "")
    listed = await _ask(fetch, cdx_query(endpoints, want.url, want.before), want, cdx=True)
    if listed is None:
        return None
    answer, stamp = listed
    if excluded(answer):
        return None, "the archive excludes this URL"
    return stamp, "" if stamp else f"no capture with status 200 before {want.before}"


async def _ask(
    fetch: Fetch, query: str, want: Want, *, cdx: bool = False
) -> tuple[Fetched, str | None] | None:
    """The API's answer and the capture it names (Availability API, or CDX server with
    `cdx`); None when it did not answer, or not with its JSON."""
    answer = await fetch(query)
    if cdx and excluded(answer):
        return answer, None
    if unanswered(answer) or answer.status != 200:
        return None
    try:
        return answer, (from_cdx if cdx else from_availability)(answer.body_text, want.before)
    except ValueError:
        return None
