"""Findings -> the Markdown health report. Pure: no I/O, no clock.

    render_markdown   the whole report (reports/health.md)
    render_summary    header, changes and the urgent sections (GITHUB_STEP_SUMMARY)
    render_issue      the body of the "Link health" issue, or None when nothing is dead/moved

The urgent sections (Dead, Failing, Moved) come first, then the trend, then the rest,
then what is folded away (Healthy, and hosts.py's "Requests per host"). A section is its
heading and advice, its table (tables.py: a few narrow columns, so that it fits GitHub's
page), the long facts in a folded list under it (evidence.py) and, when it has fixes, one
block of the exact commands (commands.py). The job summary and the issue body are made
of the same sections. Everything that came from the web is hostile and goes through
escape.py. Rows are sorted by section, title and URL, so the committed report diffs
cleanly week to week.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from linkaudit import config
from linkaudit.model import Finding, Flag, Health, Rules, RunInfo, TrendPoint
from linkaudit.report.commands import commands, sh_block
from linkaudit.report.escape import md_text
from linkaudit.report.evidence import evidence
from linkaudit.report.hosts import hosts_table
from linkaudit.report.results import counts
from linkaudit.report.tables import LEGEND, table
from linkaudit.text import plural, seconds_between, took, when

TITLE = "Link health"
URGENT = (Health.DEAD, Health.FAILING, Health.MOVED)
ISSUE = (Health.DEAD, Health.MOVED)


@dataclass(frozen=True, slots=True)
class Section:
    health: Health
    title: str
    advice: str  # may name the judge's thresholds: {r.confirm_after}, {r.error_after} ...


SECTIONS = (
    Section(
        Health.DEAD,
        "Dead",
        "Confirmed over several runs. Find the resource's new home (search its title) and "
        "point the catalog at it with `linkaudit catalog set-url URL NEW_URL`, or remove "
        "the entry at the line under Fix at. A row with an archived copy has the Wayback "
        "Machine's snapshot from before the link died (under Evidence) and the command "
        "below the table that points the catalog at it "
        "(`linkaudit catalog set-url --archived` applies every such command).",
    ),
    Section(
        Health.FAILING,
        "Failing",
        "Failed in this run, not yet confirmed: nothing to do unless it is urgent. A page "
        "reported gone (404, 410, unknown host, soft dead) becomes Dead after "
        "{r.confirm_after} consecutive failing runs; an error (timeout, 5xx, reset) after "
        "{r.error_after} consecutive failing runs over at least {r.error_days:g} days.",
    ),
    Section(
        Health.MOVED,
        "Moved",
        "Permanently redirected. Check that the new URL is the same resource, then run the "
        "row's command, below the table: it rewrites only that URL in the catalog file "
        "(`linkaudit catalog set-url --moved` applies every row of this section).",
    ),
    Section(
        Health.DRIFTED,
        "Title drift",
        "The page title changed since it was first seen. If the page is still the right "
        "one, accept its new title with the row's command, below the table (`linkaudit "
        "accept URL`); otherwise fix the link at the line under Fix at.",
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
        "cannot be verified, not evidence of death. Open it in a browser now and then. A "
        "URL refused for its private address (flag `private_address_refused`) was never "
        "asked: check it from inside that network, or run with `--allow-private`.",
    ),
    Section(Health.RECOVERED, "Recovered", "Answering again after failing: nothing to do."),
    Section(
        Health.UNLINKED,
        "Unlinked",
        "Catalogued without a URL: add a `url:` when the resource's link is known.",
    ),
)


def render_markdown(
    findings: Sequence[Finding],
    run: RunInfo,
    *,
    previous: Sequence[Finding] | None = None,
    previous_run: RunInfo | None = None,
    trend: Sequence[TrendPoint] = (),
    rules: Rules | None = None,
) -> str:
    """The whole health report: what broke first, then the trend, then the rest."""
    rules = rules or Rules()
    groups = _group(findings)
    parts = [_header(findings, run), _changes(findings, previous, previous_run)]
    parts += _sections(groups, URGENT, rules)
    chart = _trend(trend)
    if chart:
        parts.append(chart)
    parts += _sections(groups, [s.health for s in SECTIONS if s.health not in URGENT], rules)
    folded = [_healthy(groups, rules), hosts_table(run.hosts)]  # the folded tables end it
    parts += [part for part in folded if part]
    parts.append(_legend())
    return "\n\n".join(parts) + "\n"


def render_summary(
    findings: Sequence[Finding],
    run: RunInfo,
    *,
    previous: Sequence[Finding] | None = None,
    previous_run: RunInfo | None = None,
    rules: Rules | None = None,
) -> str:
    """Header, changes and the urgent sections only: for GITHUB_STEP_SUMMARY."""
    parts = [_header(findings, run), _changes(findings, previous, previous_run)]
    urgent = _sections(_group(findings), URGENT, rules or Rules())
    parts += [*urgent, _legend()] if urgent else []
    return "\n\n".join(parts) + "\n"


def render_issue(
    findings: Sequence[Finding],
    run: RunInfo,
    *,
    report_url: str = "",
    rules: Rules | None = None,
) -> str | None:
    """The body of the "Link health" issue, or None when nothing is dead or moved. The
    issue is titled "Link health" already: the body starts with the counts."""
    if not any(f.health in ISSUE for f in findings):
        return None
    head = [_counts_line(findings, run)]
    if report_url:
        head.append(f"Full report: {report_url}")
    sections = [*_sections(_group(findings), ISSUE, rules or Rules()), _legend()]
    end = (
        "The scheduled linkaudit job updates this issue, and closes it when nothing is dead "
        "or moved."
    )
    body = "\n\n".join([*head, *sections, end]) + "\n"
    if len(body) <= config.ISSUE_BODY_CHARS:
        return body
    too_long = (
        f"The dead and moved resources take {len(body):,} characters, more than an issue "
        "holds: the full report lists them, with the commands that fix them."
    )
    return "\n\n".join([*head, too_long, end]) + "\n"


def _legend() -> str:
    return f"Last runs, oldest first: {LEGEND}."


def _sections(
    groups: Mapping[Health, list[Finding]], healths: Sequence[Health], rules: Rules
) -> list[str]:
    return [
        _section(s, groups[s.health], rules)
        for s in SECTIONS
        if s.health in healths and groups.get(s.health)
    ]


def _group(findings: Iterable[Finding]) -> dict[Health, list[Finding]]:
    """Findings by health, each group in report order (section, title, URL)."""
    groups: dict[Health, list[Finding]] = {}
    for f in sorted(findings, key=_order):
        groups.setdefault(f.health, []).append(f)
    return groups


def _order(f: Finding) -> tuple[str, str, str, int]:
    r = f.resource
    return (r.section.casefold(), r.title.casefold(), r.url or "", r.line)


def _header(findings: Sequence[Finding], run: RunInfo) -> str:
    return f"# {TITLE}\n\n{_counts_line(findings, run)}"


def _counts_line(findings: Sequence[Finding], run: RunInfo) -> str:
    spent = took(seconds_between(run.started_at, run.finished_at))
    where = f"run {run.id}, " if run.id is not None else ""
    line = f"Checked {when(run.started_at)} ({where}took {spent}): " + plural(
        len(findings), "resource"
    )
    by = ", ".join(f"{n} {h}" for h, n in counts(findings).items())
    return f"{line}: {by or 'none'}."


def _key(f: Finding) -> str:
    return f.resource.url or f"{f.resource.where} {f.resource.title}"


def _changes(
    findings: Sequence[Finding],
    previous: Sequence[Finding] | None,
    previous_run: RunInfo | None,
) -> str:
    wrong = _possible_wrong_links(findings)
    if previous is None:
        return "\n\n".join(["No previous complete run to compare with.", *wrong])
    before = {_key(f): f for f in previous}
    kinds: dict[str, list[Finding]] = {}
    for f in sorted(findings, key=_order):
        for kind in _change_kinds(f, before.get(_key(f))):
            kinds.setdefault(kind, []).append(f)
    added = len({_key(f) for f in findings} - before.keys())
    removed = len(before.keys() - {_key(f) for f in findings})
    since = (
        f"run {previous_run.id} ({when(previous_run.started_at)})"
        if previous_run
        else "the previous run"
    )
    if not kinds and not added and not removed:
        return "\n\n".join([f"No change since {since}.", *wrong])
    lines = [f"Since {since}:", ""]
    for name in ("newly dead", "newly failing", "recovered", "newly moved", "new title drift"):
        if name in kinds:
            titles = "; ".join(md_text(f.resource.title) for f in kinds[name])
            lines.append(f"- {len(kinds[name])} {name}: {titles}")
    if added or removed:
        lines.append(f"- catalog: {added} added, {removed} removed")
    return "\n".join(lines + wrong)


def _possible_wrong_links(findings: Sequence[Finding]) -> list[str]:
    """A list item for the URLs whose page, seen for the first time, shares no word with
    the catalogued title (said once, so said where it is read); none when there are none."""
    wrong = [f for f in sorted(findings, key=_order) if Flag.POSSIBLE_WRONG_LINK in f.flags]
    if not wrong:
        return []
    titles = "; ".join(
        f"{md_text(f.resource.title)} (page: “{md_text(f.observation.title or '')}”)"
        if f.observation
        else md_text(f.resource.title)
        for f in wrong
    )
    links = plural(len(wrong), "possible wrong link")
    return [f"- {links} (first sight, check by hand): {titles}"]


def _change_kinds(f: Finding, before: Finding | None) -> list[str]:
    """How `f` changed since the run before (None: it was not catalogued then)."""
    failing = {Health.DEAD, Health.FAILING, Health.FLAKY}
    was = before.health if before else None
    kinds = []
    if f.health is Health.DEAD and was is not Health.DEAD:
        kinds.append("newly dead")
    elif f.health in {Health.FAILING, Health.FLAKY} and was not in failing:
        kinds.append("newly failing")
    elif f.health is Health.RECOVERED or (
        was in failing and f.health not in failing | {Health.BLOCKED}
    ):
        kinds.append("recovered")
    if f.health is Health.MOVED and was is not Health.MOVED:
        kinds.append("newly moved")
    if f.title_drift and not (before and before.title_drift):
        kinds.append("new title drift")
    return kinds


def _trend(trend: Sequence[TrendPoint]) -> str:
    points = sorted(trend, key=lambda p: p.run_id)[-config.TREND_RUNS :]
    if len(points) < 2:
        return ""
    days = [p.started_at[5:10] for p in points]
    labels = days if len(set(days)) == len(days) else [f"#{p.run_id}" for p in points]
    top = max(max(p.answered, p.failed) for p in points) or 1
    return "\n".join(
        [
            "## Trend",
            "",
            f"The last {len(points)} complete runs: what each run's checks found, "
            "before judging over time (bars: URLs that answered; line: URLs found dead, "
            "soft dead or in error):",
            "",
            "```mermaid",
            "xychart-beta",
            '    title "Checks per run: answered and failed"',
            "    x-axis [" + ", ".join(f'"{label}"' for label in labels) + "]",
            f'    y-axis "URLs" 0 --> {top}',
            "    bar [" + ", ".join(str(p.answered) for p in points) + "]",
            "    line [" + ", ".join(str(p.failed) for p in points) + "]",
            "```",
        ]
    )


def _section(section: Section, rows: Sequence[Finding], rules: Rules) -> str:
    """Heading, advice, table, the folded evidence, then the commands (when any)."""
    lines = commands(section.health, rows)
    parts = [
        f"## {section.title} ({len(rows)})",
        section.advice.format(r=rules),
        table(section.health, rows, rules=rules, commands=lines),
    ]
    items = evidence(section.health, rows)
    if items:
        parts.append(_folded(f"Evidence ({len(items)})", "\n".join(items)))
    shown = [line for line in lines if line]
    if shown:
        numbers = {1: "Command 1", 2: "Commands 1 and 2"}.get(
            len(shown), f"Commands 1 to {len(shown)}"
        )
        parts += [f"{numbers}, as numbered in the table:", sh_block(shown)]
    return "\n\n".join(parts)


def _healthy(groups: Mapping[Health, list[Finding]], rules: Rules) -> str:
    """The folded Healthy table and its notes ('' when nothing is healthy)."""
    healthy = groups.get(Health.HEALTHY, [])
    if not healthy:
        return ""
    notes = evidence(Health.HEALTHY, healthy)
    body = [table(Health.HEALTHY, healthy, rules=rules), *(["\n".join(notes)] if notes else [])]
    return _folded(f"Healthy ({len(healthy)})", "\n\n".join(body))


def _folded(summary: str, body: str) -> str:
    return f"<details>\n<summary>{summary}</summary>\n\n{body}\n\n</details>"
