"""One table of the health report per section: a few narrow columns to act on. Pure.

    table(health, findings, rules=..., commands=...) -> str   a GFM table, a row a finding
    happened(f, rules, command)   the short "what happened" of a row: `404 · 2 runs`
    STRIP, LEGEND                 the strip of last runs and its legend

Columns: **Resource**, the catalog title as the link to the catalogued URL (beside a title
that is generic link text, such as "here" or "Part 2", the page's own title), then the
catalog section unless a group row above names it; **What happened**, one short cell
(`404 · 2 runs`, `301 → new URL, command 1`, `title changed`) with every flag in words;
**Last runs**; **Fix at**, the catalog's `file:line`. A catalog section with several
rows in a table gets one group row naming it, instead of the path under every title.
The long facts (evidence sentences, redirects, final URLs, whole titles) are the list
under the table (evidence.py); the commands the block after it (commands.py).

Why this fits GitHub's 948 px content column: a GFM table scrolls sideways only when its
narrowest layout, each column as wide as its longest unbroken run, is wider than the
column (a cell adds 27 px: 13 px of padding a side and a border). Fix at cannot wrap
but at its hyphens: `catalog/ml-for-engineers-primer.yaml:123`, 40 characters of
13.6 px monospace (8.2 px each) in a code span (+11 px), is 366 px. Last runs is at most
5 symbols, 79 px with its header. Text runs are given a zero-width space to break at:
What happened is our own words (causes, flags, "command 2"), held to config.CELL_WORD
(20) characters of at most 9.2 px (a digit of 16 px Noto Sans, wider than our lower-case
words' letters), 211 px; Resource is a curator's or a site's text, whose glyphs may be as
wide as a capital W or a CJK character (16.3 px), held to config.CELL_TITLE_WORD (14),
255 px. 399 (Fix at, 44 characters) + 79 + 211 + 255 = 944 px, under 948.
tests/test_report_tables.py holds the rendered reports to these bounds.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from itertools import groupby, pairwise

from linkaudit import config
from linkaudit.catalog import generic_title
from linkaudit.catalog.load import SECTION_SEPARATOR
from linkaudit.model import Finding, Health, Observation, Rules, Verdict
from linkaudit.report.escape import md_code, md_link, md_text
from linkaudit.text import cut, plural
from linkaudit.titles import same_title

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
SEPARATOR = " · "
BREAK = "\u200b"  # zero-width space: where an over-long run of text may wrap

_HEADERS = {
    Health.UNLINKED: ("Resource", "Catalogued at"),
    Health.HEALTHY: ("Resource", "Notes", "Last runs"),
    Health.RECOVERED: ("Resource", "What happened", "Last runs"),
}
_FOUR = ("Resource", "What happened", "Last runs", "Fix at")
_IMPLIED = {Health.DRIFTED: ("title_drift",)}  # said by the section itself
_UNBROKEN = {
    step: re.compile(rf"[^\s{BREAK}-]{{{step + 1},}}")
    for step in (config.CELL_WORD, config.CELL_TITLE_WORD, config.CELL_TITLE_WORD - 2)
}


def table(
    health: Health,
    rows: Sequence[Finding],
    *,
    rules: Rules,
    commands: Sequence[str | None] = (),
) -> str:
    """The table of one section (or of the folded Healthy list); `commands` as
    commands.py gives them, one per row: a row with one points at it by number."""
    header = _HEADERS.get(health, _FOUR)
    lines = ["| " + " | ".join(header) + " |", "|" + "---|" * len(header)]
    numbered = zip(rows, _numbers(commands, len(rows)), strict=True)
    for section, group in groupby(numbered, key=lambda row: row[0].resource.section):
        found = list(group)
        grouped = bool(section) and len(found) > 1
        if grouped:
            lines.append(_row([f"**{_section_text(section, config.CELL_TITLE)}**"], header))
        for f, number in found:
            cells = _cells(health, f, rules, number, section=not grouped)
            lines.append(_row([cell or "—" for cell in cells], header))
    return "\n".join(lines)


def _row(cells: list[str], header: Sequence[str]) -> str:
    cells += [""] * (len(header) - len(cells))
    return "| " + " | ".join(cells) + " |"


def _numbers(commands: Sequence[str | None], count: int) -> list[int | None]:
    """1, 2, ... for the rows that have a command, in row order; None for the others."""
    numbers: list[int | None] = []
    for command in [*commands, *[None] * (count - len(commands))]:
        numbers.append(sum(n is not None for n in numbers) + 1 if command else None)
    return numbers


def _cells(
    health: Health, f: Finding, rules: Rules, command: int | None, *, section: bool
) -> list[str]:
    name = resource_cell(f, section=section)
    if health is Health.UNLINKED:
        return [name, _where(f)]
    what = happened(f, rules, command)
    if health in (Health.HEALTHY, Health.RECOVERED):
        return [name, what, _strip(f)]
    return [name, what, _strip(f), _where(f)]


# --- Resource -------------------------------------------------------------------------


def resource_cell(f: Finding, *, section: bool = True) -> str:
    """The title, a link to the catalogued URL; the page's title beside a generic one;
    the section (its last headings) when `section`."""
    r = f.resource
    title = cell_text(r.title, config.CELL_TITLE)
    name = (md_link(title, r.url) if r.url else None) or title
    if (page := page_title(f)) is not None:
        # the quotes and the parenthesis join the title's first and last runs: 2 shorter
        shown = cell_text(page, config.CELL_PAGE_TITLE, step=config.CELL_TITLE_WORD - 2)
        name += f" (page: “{shown}”)"
    if section and r.section:
        name += f" — _{_section_text(r.section, config.CELL_SECTION)}_"
    return name


def page_title(f: Finding) -> str | None:
    """The page's own title, when the catalog title is generic link text and the page's
    says something else."""
    page, title = f.page_title, f.resource.title
    if page and generic_title(title) and not same_title(page, title):
        return page
    return None


def cell_text(text: str, width: int, *, step: int = config.CELL_TITLE_WORD) -> str:
    """`text` for a cell: one line of at most `width` characters (an ellipsis where it
    was cut), a break offered in any run longer than `step`, escaped."""
    return md_text(_breakable(cut(text, width), step))


def was_cut(text: str, width: int) -> bool:
    return cut(text, width) != " ".join(text.split())


def _breakable(text: str, step: int = config.CELL_WORD) -> str:
    return _UNBROKEN[step].sub(
        lambda m: BREAK.join(m[0][i : i + step] for i in range(0, len(m[0]), step)), text
    )


def _section_text(section: str, width: int) -> str:
    """The section path, its first headings left out (an ellipsis) when it is too long."""
    parts = section.split(SECTION_SEPARATOR)
    while len(parts) > 1 and len(SECTION_SEPARATOR.join(parts)) > width - 4:
        parts.pop(0)
    kept = SECTION_SEPARATOR.join(parts)
    return cell_text(kept if kept == section else f"…{SECTION_SEPARATOR}{kept}", width)


# --- What happened ----------------------------------------------------------------------


def happened(f: Finding, rules: Rules, command: int | None = None) -> str:
    """`404 · 2 runs`, `301 → new URL, command 1`, `title changed`, then the flags."""
    what = _WHAT.get(f.health, _nothing)(f, rules)
    if command is not None:
        what += f", command {command}"
    implied = _IMPLIED.get(f.health, ())
    flags = [flag.replace("_", " ") for flag in f.flags if flag not in implied]
    return md_text(_breakable(SEPARATOR.join(filter(None, [what, *flags]))))


def cause(o: Observation | None) -> str:
    """What failed, in a word or three: `404`, `soft dead`, `timeout`, `not checked`."""
    if o is None:
        return "not checked"
    status = o.http_status
    if status and not (200 <= status < 300 or status == 304):
        return str(status)
    if o.verdict is Verdict.SOFT_DEAD:
        return "soft dead"
    if o.error:
        return cut(o.error.split(":", 1)[0].replace("_", " "), config.CELL_CAUSE)
    return o.verdict.value


def _dead(f: Finding, rules: Rules) -> str:
    archived = f"{SEPARATOR}archived copy" if f.archive else ""
    return f"{cause(f.observation)}{SEPARATOR}{_runs(_streak(f, rules))}{archived}"


def _failing(f: Finding, rules: Rules) -> str:
    o = f.observation
    needed = rules.confirm_after if o and o.verdict.is_gone else rules.error_after
    return f"{cause(o)}{SEPARATOR}{_streak(f, rules)} of {needed} runs"


def _moved(f: Finding, _rules: Rules) -> str:
    hops = f.observation.hops if f.observation else ()
    permanent = next((h.status for h in hops if h.status in (301, 308)), None)
    return f"{permanent or 'refresh'} → new URL"


def _flaky(f: Finding, _rules: Rules) -> str:
    o = f.observation
    now = cause(o) if o and o.verdict.is_failing else "answering"
    live = [v.is_live for v in f.recent if v is not Verdict.BLOCKED]
    changes = sum(a != b for a, b in pairwise(live))
    return f"{now} now{SEPARATOR}{changes} changes in {plural(len(f.recent), 'run')}"


def _blocked(f: Finding, _rules: Rules) -> str:
    return cause(f.observation)


def _recovered(f: Finding, rules: Rules) -> str:
    return f"answering again after {_runs(_streak(f, rules, before=True), 'failing ')}"


def _nothing(_f: Finding, _rules: Rules) -> str:
    return ""


_WHAT: dict[Health, Callable[[Finding, Rules], str]] = {
    Health.DEAD: _dead,
    Health.FAILING: _failing,
    Health.MOVED: _moved,
    Health.DRIFTED: lambda _f, _r: "title changed",
    Health.FLAKY: _flaky,
    Health.BLOCKED: _blocked,
    Health.RECOVERED: _recovered,
}


def _streak(f: Finding, rules: Rules, *, before: bool = False) -> str:
    """The failing runs at the end of the strip (or of the runs `before` this one),
    blocked ones skipped: '2', or '5+' when they fill a full strip (the history may
    hold more)."""
    verdicts = f.recent[:-1] if before else f.recent
    signal = [v for v in verdicts if v is not Verdict.BLOCKED]
    n = 0
    for v in reversed(signal):
        if not v.is_failing:
            break
        n += 1
    full = n == len(signal) and len(f.recent) >= rules.flaky_window
    return f"{n}+" if full else str(n)


def _runs(n: str, what: str = "") -> str:
    return f"{n} {what}{'run' if n == '1' else 'runs'}"


# --- the other cells --------------------------------------------------------------------


def _where(f: Finding) -> str:
    return md_code(f.resource.where) if f.resource.source else ""


def _strip(f: Finding) -> str:
    return f"`{''.join(STRIP[v] for v in f.recent)}`" if f.recent else ""
