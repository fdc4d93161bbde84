"""Findings -> the Markdown health report and the JSON results. Pure: no I/O, no clock.

    render_markdown   the whole report (reports/health.md)
    render_summary    header, changes and the urgent sections (GITHUB_STEP_SUMMARY)
    render_issue      the body of the "Link health" issue, or None when nothing is dead/moved
    render_json       the `--json` document (design.md's shape), the single place it is built

Everything that came from the web (titles, errors, final URLs) is hostile: `md_text`
escapes it for a table cell, `md_code` shows a URL as code (never a link). Rows are
sorted by section, title and URL, so the committed report diffs cleanly week to week.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime

from linkaudit.model import Finding, Health, Verdict
from linkaudit.report_json import RunInfo, counts, render_json, run_seconds

__all__ = [
    "RunInfo",
    "TrendPoint",
    "counts",
    "md_code",
    "md_text",
    "md_url",
    "render_issue",
    "render_json",
    "render_markdown",
    "render_summary",
]

# Verdict -> one symbol of the "last runs" strip (oldest first, this run last).
STRIP = {
    Verdict.OK: "✓",
    Verdict.REDIRECTED: "↪",
    Verdict.MOVED: "→",
    Verdict.DEAD: "✗",
    Verdict.SOFT_DEAD: "⊘",
    Verdict.ERROR: "!",
    Verdict.BLOCKED: "?",
}
LEGEND = "✓ ok · ↪ redirected · → moved · ✗ dead · ⊘ soft dead · ! error · ? blocked"
URGENT = (Health.DEAD, Health.FAILING, Health.MOVED)
ISSUE = (Health.DEAD, Health.MOVED)
TREND_RUNS = 12


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One complete run's verdict counts, for the trend chart."""

    run_id: int
    started_at: str
    live: int
    failing: int


@dataclass(frozen=True, slots=True)
class Section:
    health: Health
    title: str
    advice: str


SECTIONS = (
    Section(
        Health.DEAD,
        "Dead",
        "Confirmed over several runs. Find the resource's new home (search its title) and "
        "replace the URL at the catalog line shown, or remove the entry.",
    ),
    Section(
        Health.FAILING,
        "Failing",
        "Failed in this run, not yet confirmed: nothing to do unless it is urgent. "
        "It becomes Dead if the next run fails too.",
    ),
    Section(
        Health.MOVED,
        "Moved",
        "Permanently redirected. No linkaudit command rewrites the catalog: open the catalog "
        "line shown, check the new URL is the same resource, and replace the URL with it.",
    ),
    Section(
        Health.DRIFTED,
        "Title drift",
        "The page title changed since it was first seen. If the page is still the right "
        "one, accept its new title with `linkaudit accept URL`; otherwise fix the link.",
    ),
    Section(
        Health.FLAKY,
        "Flaky",
        "Alternates between answering and failing: check by hand before changing anything.",
    ),
    Section(
        Health.BLOCKED,
        "Blocked",
        "The site refused the checker (401/403/429, bot challenge), or it was not checked: "
        "cannot be verified, not evidence of death. Open it in a browser now and then.",
    ),
    Section(Health.RECOVERED, "Recovered", "Answering again after failing: nothing to do."),
    Section(
        Health.UNLINKED,
        "Unlinked",
        "Catalogued without a URL: add a `url:` when the resource's link is known.",
    ),
)

# --- escaping ---------------------------------------------------------------------

_SPECIAL = re.compile(r"([\\`*_\[\]<>|&!~#$:@])")
_WWW = re.compile(r"(?i)\bwww\.")
_MENTION = re.compile(r"([@#])(?=\w)")
WORD_JOINER = "\u2060"


def md_text(text: str | None) -> str:
    """Remote text as inert Markdown for one table cell: one line, every character that
    could start a link, an autolink, HTML, an entity, emphasis or a cell border escaped.
    An invisible word joiner after `@` and `#` keeps GitHub from turning `@name` into a
    mention (which notifies) or `#12` into an issue reference."""
    if not text:
        return ""
    flat = _MENTION.sub(rf"\1{WORD_JOINER}", " ".join(text.split()))
    escaped = _SPECIAL.sub(r"\\\1", flat)
    return _WWW.sub(lambda m: m.group(0)[:-1] + "\\.", escaped)


def md_code(text: str) -> str:
    """`text` as a code span (never a link), safe inside a table cell."""
    flat = " ".join(text.split()).replace("|", "\\|")
    longest = max((len(run) for run in re.findall(r"`+", flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_url(url: str) -> str:
    """A catalogued URL as a clickable autolink when it is a plain http(s) URL, else code."""
    if re.fullmatch(r"https?://[^\s<>|`\\]+", url):
        return f"<{url}>"
    return md_code(url)


# --- the report -------------------------------------------------------------------


def render_markdown(
    findings: Sequence[Finding],
    run: RunInfo,
    *,
    previous: Sequence[Finding] | None = None,
    previous_run: RunInfo | None = None,
    trend: Sequence[TrendPoint] = (),
) -> str:
    """The whole health report."""
    groups = _group(findings)
    parts = [_header(findings, run), _changes(findings, previous, previous_run)]
    chart = _trend(trend)
    if chart:
        parts.append(chart)
    for section in SECTIONS:
        if groups.get(section.health):
            parts.append(_section(section, groups[section.health]))
    healthy = groups.get(Health.HEALTHY, [])
    if healthy:
        parts.append(
            f"<details>\n<summary>Healthy ({len(healthy)})</summary>\n\n"
            f"{_table(Health.HEALTHY, healthy)}\n\n</details>"
        )
    parts.append(f"Last runs, oldest first: {LEGEND}.")
    return "\n\n".join(parts) + "\n"


def render_summary(
    findings: Sequence[Finding],
    run: RunInfo,
    *,
    previous: Sequence[Finding] | None = None,
    previous_run: RunInfo | None = None,
) -> str:
    """Header, changes and the urgent sections only: for GITHUB_STEP_SUMMARY."""
    groups = _group(findings)
    parts = [_header(findings, run), _changes(findings, previous, previous_run)]
    parts += [
        _section(s, groups[s.health])
        for s in SECTIONS
        if s.health in URGENT and groups.get(s.health)
    ]
    return "\n\n".join(parts) + "\n"


def render_issue(findings: Sequence[Finding], run: RunInfo, *, report_url: str = "") -> str | None:
    """The body of the "Link health" issue, or None when nothing is dead or moved."""
    groups = _group(findings)
    if not any(groups.get(h) for h in ISSUE):
        return None
    parts = [_header(findings, run)]
    if report_url:
        parts.append(f"Full report: {report_url}")
    parts += [
        _section(s, groups[s.health])
        for s in SECTIONS
        if s.health in ISSUE and groups.get(s.health)
    ]
    parts.append(
        "The scheduled linkaudit job updates this issue, and closes it when nothing is dead "
        "or moved."
    )
    return "\n\n".join(parts) + "\n"


def _group(findings: Iterable[Finding]) -> dict[Health, list[Finding]]:
    groups: dict[Health, list[Finding]] = {}
    for f in sorted(findings, key=_order):
        groups.setdefault(f.health, []).append(f)
    return groups


def _order(f: Finding) -> tuple[str, str, str, int]:
    r = f.resource
    return (r.section.casefold(), r.title.casefold(), r.url or "", r.line)


def _header(findings: Sequence[Finding], run: RunInfo) -> str:
    took = _took(run.started_at, run.finished_at)
    where = f"run {run.id}, " if run.id is not None else ""
    line = f"Checked {_when(run.started_at)} ({where}took {took}): {len(findings)} resources"
    by = ", ".join(f"{n} {h}" for h, n in counts(findings).items())
    return f"# Link health\n\n{line}: {by or 'none'}."


def _key(f: Finding) -> str:
    return f.resource.url or f"{f.resource.where} {f.resource.title}"


def _changes(
    findings: Sequence[Finding],
    previous: Sequence[Finding] | None,
    previous_run: RunInfo | None,
) -> str:
    if previous is None:
        return "No previous complete run to compare with."
    before = {_key(f): f.health for f in previous}
    failing = {Health.DEAD, Health.FAILING, Health.FLAKY}
    kinds: dict[str, list[Finding]] = {}
    for f in sorted(findings, key=_order):
        was = before.get(_key(f))
        if f.health is Health.DEAD and was is not Health.DEAD:
            kinds.setdefault("newly dead", []).append(f)
        elif f.health in {Health.FAILING, Health.FLAKY} and was not in failing:
            kinds.setdefault("newly failing", []).append(f)
        elif f.health is Health.RECOVERED or (
            was in failing and f.health not in failing | {Health.BLOCKED}
        ):
            kinds.setdefault("recovered", []).append(f)
        if f.health is Health.MOVED and was is not Health.MOVED:
            kinds.setdefault("newly moved", []).append(f)
        if f.title_drift and was is not Health.DRIFTED and f.health is Health.DRIFTED:
            kinds.setdefault("new title drift", []).append(f)
    now = {_key(f) for f in findings}
    added = len(now - before.keys())
    removed = len(before.keys() - now)
    since = (
        f"run {previous_run.id} ({_when(previous_run.started_at)})"
        if previous_run
        else "the previous run"
    )
    if not kinds and not added and not removed:
        return f"No change since {since}."
    lines = [f"Since {since}:", ""]
    for name in ("newly dead", "newly failing", "recovered", "newly moved", "new title drift"):
        if name in kinds:
            titles = "; ".join(md_text(f.resource.title) for f in kinds[name])
            lines.append(f"- {len(kinds[name])} {name}: {titles}")
    if added or removed:
        lines.append(f"- catalog: {added} added, {removed} removed")
    return "\n".join(lines)


def _trend(trend: Sequence[TrendPoint]) -> str:
    points = sorted(trend, key=lambda p: p.run_id)[-TREND_RUNS:]
    if len(points) < 2:
        return ""
    days = [p.started_at[5:10] for p in points]
    labels = days if len(set(days)) == len(days) else [f"#{p.run_id}" for p in points]
    top = max(max(p.live, p.failing) for p in points) or 1
    return "\n".join(
        [
            f"Trend over the last {len(points)} complete runs (bars: live, line: failing):",
            "",
            "```mermaid",
            "xychart-beta",
            '    title "Live and failing URLs per run"',
            "    x-axis [" + ", ".join(f'"{label}"' for label in labels) + "]",
            f'    y-axis "URLs" 0 --> {top}',
            "    bar [" + ", ".join(str(p.live) for p in points) + "]",
            "    line [" + ", ".join(str(p.failing) for p in points) + "]",
            "```",
        ]
    )


def _section(section: Section, rows: Sequence[Finding]) -> str:
    return f"## {section.title} ({len(rows)})\n\n{section.advice}\n\n{_table(section.health, rows)}"


def _table(health: Health, rows: Sequence[Finding]) -> str:
    if health is Health.MOVED:
        head = ["Resource", "Catalogued URL", "Now at", "Redirects", "Fix at", "Last runs"]
        body = [[_name(f), _url(f), _final(f), _hops(f), _where(f), _strip(f)] for f in rows]
    elif health is Health.DRIFTED:
        head = ["Resource", "URL", "Expected title", "Title now", "Last runs"]
        body = [
            [_name(f), _url(f), md_text(f.baseline_title), md_text(_title(f)), _strip(f)]
            for f in rows
        ]
    elif health is Health.UNLINKED:
        head = ["Resource", "Catalogued at"]
        body = [[_name(f), _where(f)] for f in rows]
    elif health is Health.HEALTHY:
        head = ["Resource", "URL", "Notes", "Last runs"]
        body = [[_name(f), _url(f), md_text(_notes(f)), _strip(f)] for f in rows]
    else:
        head = ["Resource", "URL", "Evidence", "Failing since", "Last live", "Last runs"]
        body = [
            [
                _name(f),
                _url(f),
                md_text("; ".join(filter(None, [f.evidence, _notes(f)]))),
                _day(f.failing_since),
                _day(f.last_live),
                _strip(f),
            ]
            for f in rows
        ]
    lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
    lines += ["| " + " | ".join(cell or "—" for cell in row) + " |" for row in body]
    return "\n".join(lines)


def _name(f: Finding) -> str:
    r = f.resource
    return f"{md_text(r.title)} — _{md_text(r.section)}_" if r.section else md_text(r.title)


def _notes(f: Finding) -> str:
    """Flags beyond the health (title drift has its own section)."""
    flags = [flag for flag in f.flags if flag != "title_drift"]
    return f"flags: {', '.join(flags)}" if flags else ""


def _url(f: Finding) -> str:
    return md_url(f.resource.url) if f.resource.url else ""


def _final(f: Finding) -> str:
    target = f.suggested_url or (f.observation.final_url if f.observation else None)
    return md_code(target) if target else ""


def _hops(f: Finding) -> str:
    hops = f.observation.hops if f.observation else ()
    return " → ".join(str(h.status) for h in hops)


def _where(f: Finding) -> str:
    return md_code(f.resource.where) if f.resource.source else ""


def _title(f: Finding) -> str | None:
    return f.observation.title if f.observation else None


def _strip(f: Finding) -> str:
    return f"`{''.join(STRIP[v] for v in f.recent)}`" if f.recent else ""


def _day(at: str | None) -> str:
    return at[:10] if at else ""


def _when(at: str) -> str:
    try:
        return datetime.fromisoformat(at).strftime("%Y-%m-%d %H:%M UTC")
    except ValueError:
        return at or "?"


def _took(start: str, end: str | None) -> str:
    s = run_seconds(start, end)
    if s is None:
        return "?"
    minutes, seconds = divmod(round(s), 60)
    return f"{minutes}m {seconds:02d}s" if minutes else f"{seconds}s"
