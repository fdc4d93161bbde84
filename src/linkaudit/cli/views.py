"""What the commands show on a terminal. Pure: returns text, never prints.

Progress                count, rate and ETA of `check`: a redrawn bar on a terminal,
                        plain periodic lines otherwise (or when CI is set)
summary(...)            one line per run: URLs checked by verdict, time taken
warnings(...)           what the summary's counts would hide: URLs refused, never asked
throttled(...)          a line per host that answered 429 or 503: how it was paced
render_url_history(...) `linkaudit history URL`: one line per run that checked it
render_runs(...)        `linkaudit runs`: recent runs, their state and counts
summarize(...), kind_counts(...), render_table(...)   `linkaudit catalog list`
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field

from linkaudit.model import (
    Baseline,
    Flag,
    HostStats,
    Observation,
    Resource,
    RunObservation,
    RunRow,
    RunState,
    Verdict,
)
from linkaudit.report.hosts import seconds
from linkaudit.text import columns, cut, plural, seconds_between, took, when

BAR_WIDTH = 24
LINE_EVERY = 5.0  # seconds between plain progress lines
HISTORY_TITLE_WIDTH = 60
LIST_TITLE_WIDTH = 50
LIST_SECTION_WIDTH = 40
UNLINKED = "(unlinked)"

# --- check ------------------------------------------------------------------------------


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass
class Progress:
    """Progress of `total` checks. `tick()` after each one returns text to show, or None."""

    total: int
    tty: bool
    clock: Callable[[], float] = time.monotonic
    done: int = 0
    started: float = field(default=0.0)
    _last: float = field(default=-1e9)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def tick(self) -> str | None:
        self.done += 1
        now = self.clock()
        finished = self.done >= self.total
        if not self.tty and not finished and now - self._last < LINE_EVERY:
            return None
        if self.tty and not finished and now - self._last < 0.1:
            return None
        self._last = now
        return self.render(now)

    def render(self, now: float) -> str:
        spent = max(now - self.started, 1e-9)
        rate = self.done / spent
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        counts = f"{self.done}/{self.total} URLs, {rate:.1f}/s, ETA {_clock(left)}"
        if not self.tty:
            return f"checked {counts}"
        filled = BAR_WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        return f"\r[{bar}] {counts}  "


def summary(observations: Mapping[str, Observation], seconds: float) -> str:
    """`checked 45 URLs in 3.2 s: ok 40, moved 2, dead 1, error 2` (verdicts in design order)."""
    counts = Counter(o.verdict for o in observations.values())
    parts = [f"{verdict.value} {counts[verdict]}" for verdict in Verdict if counts[verdict]]
    head = f"checked {plural(len(observations), 'URL')} in {seconds:.1f} s"
    return f"{head}: {', '.join(parts)}" if parts else head


def warnings(observations: Mapping[str, Observation]) -> list[str]:
    """Lines for stderr about URLs linkaudit refused to ask (blocked by its own policy)."""
    refused = [o for o in observations.values() if Flag.PRIVATE_ADDRESS_REFUSED in o.flags]
    if not refused:
        return []
    return [
        f"{plural(len(refused), 'URL')} not checked: on a loopback, private or link-local "
        f"address (e.g. {refused[0].url}); pass --allow-private to check them"
    ]


def throttled(hosts: Sequence[HostStats]) -> list[str]:
    """`www.youtube.com answered 429 twice; paced to 1 request / 2 s`: a line for each
    host that asked us to slow down, and what linkaudit did about it."""
    lines = []
    for h in hosts:
        answers = [
            f"{status} {_times(n)}" for status, n in ((429, h.status_429), (503, h.status_503)) if n
        ]
        if not answers:
            continue
        done = []
        if h.backoff_s:
            done.append(f"paced to 1 request / {seconds(h.backoff_s)}")
        if h.paused_s:
            done.append(f"paused {seconds(h.paused_s)}")
        names = ", ".join(h.names) or h.key  # the names it asked, not a group's key
        lines.append("; ".join([f"{names} answered {' and '.join(answers)}", *done]))
    return lines


def _times(n: int) -> str:
    return {1: "once", 2: "twice"}.get(n, f"{n} times")


# --- history and runs --------------------------------------------------------------


def render_url_history(url: str, rows: Sequence[RunObservation], baseline: Baseline | None) -> str:
    """One line per run that checked `url`, oldest first, under a short header."""
    lines = [url]
    if baseline is not None:
        since = when(baseline.since, zone=False)
        lines.append(f"baseline title: {baseline.title!r} ({baseline.how}, {since})")
    table = [("run", "checked", "verdict", "status", "title / error", "")]
    for row in rows:
        o = row.observation
        note = "" if row.run_state is RunState.COMPLETE else f"[{row.run_state}: not counted]"
        detail = o.title if o.verdict.is_live else (o.error or o.title or "")
        if o.verdict is Verdict.MOVED and o.final_url:
            detail = f"-> {o.final_url}  {detail or ''}".rstrip()
        table.append(
            (
                str(row.run_id),
                when(o.checked_at, zone=False),
                o.verdict.value,
                str(o.http_status or "-"),
                cut(detail or "", HISTORY_TITLE_WIDTH),
                note,
            )
        )
    if len(table) == 1:
        lines.append("no observations yet")
    else:
        lines.extend(columns(table))
    return "\n".join(lines)


def render_runs(runs: Sequence[RunRow]) -> str:
    """Recent runs, newest first: when, how long, state, URLs and verdict counts."""
    if not runs:
        return "no runs yet"
    table = [("run", "started", "took", "state", "URLs", "verdicts")]
    for r in runs:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(r.counts.items())) or "-"
        table.append(
            (
                str(r.id),
                when(r.started_at, zone=False),
                took(seconds_between(r.started_at, r.finished_at)) if r.finished_at else "-",
                r.state.value,
                str(r.resources),
                counts if r.state is RunState.COMPLETE else f"{counts}  {r.note or ''}".strip(),
            )
        )
    return "\n".join(columns(table))


# --- catalog list -------------------------------------------------------------------


def summarize(resources: Sequence[Resource]) -> str:
    """`N resources (L linked, U unlinked) in F files`."""
    linked = sum(1 for r in resources if r.url)
    files = len({r.source for r in resources})
    return (
        f"{plural(len(resources), 'resource')} ({linked} linked, "
        f"{len(resources) - linked} unlinked) in {plural(files, 'file')}"
    )


def kind_counts(resources: Sequence[Resource]) -> str:
    """`web 20, arxiv 3, ...`, most common first."""
    counts = Counter(str(r.kind) for r in resources)
    return ", ".join(f"{kind} {n}" for kind, n in counts.most_common())


def render_table(resources: Sequence[Resource]) -> str:
    """An aligned table: title, kind, section, URL. Titles and sections are cut with an
    ellipsis to keep rows on one line; URLs are never cut (they are what gets copied)."""
    rows = [("TITLE", "KIND", "SECTION", "URL")] + [
        (
            cut(r.title, LIST_TITLE_WIDTH),
            str(r.kind),
            cut(r.section, LIST_SECTION_WIDTH),
            r.url or UNLINKED,
        )
        for r in resources
    ]
    return "\n".join(columns(rows, last_free=True))
