"""report/ (markdown, tables, results, escape): the report a maintainer reads, the JSON.

Fixed, hand-made findings in; the exact Markdown out (tests/golden/health.md). Set
LINKAUDIT_UPDATE_GOLDEN=1 to rewrite the golden file after an intended change.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import string
from dataclasses import replace
from pathlib import Path

import pytest
from markdown_it import MarkdownIt
from markdown_it.token import Token

from linkaudit.model import (
    Archived,
    Finding,
    Health,
    Hop,
    Kind,
    Observation,
    Resource,
    Rules,
    RunInfo,
    TrendPoint,
    Verdict,
)
from linkaudit.report import (
    json_file_text,
    render_issue,
    render_json,
    render_markdown,
    render_summary,
)
from linkaudit.report.escape import md_code, md_link, md_text

GOLDEN = Path(__file__).parent / "golden" / "health.md"
EVIL = (
    "Evil | cell ](http://x) <script>alert(1)</script>\nsecond line @someone #12 GH-12"
    " www.evil.test"
)
RUN = RunInfo(7, "2026-11-22T06:00:00Z", "2026-11-22T06:02:14Z", tool_version="0.1.0")
PREVIOUS_RUN = RunInfo(6, "2026-11-15T06:00:00Z", "2026-11-15T06:01:50Z")
AT = "2026-11-22T06:00:00Z"
PLAYLIST = "https://www.youtube.com/watch?v=abc&list=PL1"
SNAPSHOT = "https://web.archive.org/web/20261101093000/https://dead.example/course"
HOSTILE_TARGET = "https://new.example/list?id=1&q='$(id)`id`|more;x"  # for the shell
V = Verdict


def res(
    title: str,
    url: str | None,
    section: str = "Math",
    line: int = 1,
    source: str = "catalog/guide.yaml",
) -> Resource:
    return Resource(title, section, Kind.WEB, url, source=source, line=line)


def obs(url: str, verdict: Verdict, **kw) -> Observation:
    return Observation(url, verdict, checked_at=AT, **kw)


def fixture_findings() -> list[Finding]:
    """One resource of every health, deliberately out of order."""
    dead = "https://dead.example/course"
    failing = "https://failing.example/notes"
    moved = "http://old.example/book"
    drift = "https://drift.example/"
    return [
        Finding(
            res("Healthy book", "https://ok.example/", "Books", 9),
            Health.HEALTHY,
            obs("https://ok.example/", V.OK, http_status=200),
            flags=("newer_version",),
            recent=(V.OK, V.OK),
        ),
        Finding(
            res("Deep learning course", dead, "Courses", 3),
            Health.DEAD,
            obs(dead, V.DEAD, http_status=404),
            evidence="dead (HTTP 404) in 2 consecutive runs since 2026-11-15",
            failing_since="2026-11-15T06:00:00Z",
            last_live="2026-11-08T06:00:00Z",
            recent=(V.OK, V.DEAD, V.DEAD),
            archive=Archived(SNAPSHOT, "20261101093000"),
        ),
        Finding(
            res("Course page", "https://deep.example/course/42", "Courses", 10),
            Health.DEAD,
            obs(
                "https://deep.example/course/42",
                V.SOFT_DEAD,
                http_status=200,
                final_url="https://deep.example/",
                hops=(
                    Hop("https://deep.example/course/42", 302),
                    Hop("https://deep.example/", 200),
                ),
                flags=("bounced_home",),
            ),
            flags=("bounced_home",),
            evidence="soft_dead (HTTP 200) in 2 consecutive runs since 2026-11-15",
            failing_since="2026-11-15T06:00:00Z",
            last_live="2026-11-08T06:00:00Z",
            recent=(V.OK, V.SOFT_DEAD, V.SOFT_DEAD),
        ),
        Finding(
            res("Lecture notes", failing, "Courses", 4),
            Health.FAILING,
            obs(failing, V.ERROR, error="timeout after 20 s"),
            evidence="error (timeout after 20 s) in 1 of 4 runs needed to confirm,"
            " since 2026-11-22",
            failing_since=AT,
            last_live="2026-11-15T06:00:00Z",
            recent=(V.OK, V.OK, V.ERROR),
        ),
        Finding(
            res("Old book", moved, "Books", 8),
            Health.MOVED,
            obs(
                moved,
                V.MOVED,
                http_status=200,
                final_url="https://new.example/book",
                hops=(Hop(moved, 301), Hop("https://new.example/book", 200)),
            ),
            suggested_url="https://new.example/book",
            evidence="moved (HTTP 200)",
            recent=(V.MOVED,),
        ),
        Finding(
            res("Lecture playlist", PLAYLIST, "Courses", 7, source="guides/primer.md"),
            Health.MOVED,
            obs(
                PLAYLIST,
                V.MOVED,
                http_status=200,
                final_url=HOSTILE_TARGET,
                title="Cheap watches",
                hops=(Hop(PLAYLIST, 308), Hop(HOSTILE_TARGET, 200)),
            ),
            suggested_url=HOSTILE_TARGET,
            baseline_title="Lecture playlist",
            title_drift=True,
            flags=("withdrawn", "title_drift"),
            evidence="moved (HTTP 200)",
            recent=(V.OK, V.MOVED),
        ),
        Finding(
            res("Drifting page", drift, "Blogs", 2),
            Health.DRIFTED,
            obs(drift, V.OK, http_status=200, title=EVIL),
            baseline_title="Drifting page",
            title_drift=True,
            flags=("title_drift",),
            evidence=f"ok (HTTP 200): title is now {EVIL!r}",
            recent=(V.OK, V.OK),
        ),
        Finding(
            res("Sometimes there", "https://flaky.example/", "Blogs", 1),
            Health.FLAKY,
            obs("https://flaky.example/", V.ERROR, http_status=503),
            evidence="error (HTTP 503)",
            flags=("rate_limited",),
            failing_since=AT,
            recent=(V.OK, V.ERROR, V.OK, V.ERROR),
        ),
        Finding(
            res("Paywalled", "https://blocked.example/", "Papers", 5),
            Health.BLOCKED,
            obs("https://blocked.example/", V.BLOCKED, http_status=403),
            evidence="blocked (HTTP 403): cannot be verified, not evidence of death",
            recent=(V.BLOCKED,),
        ),
        Finding(
            res("Back again", "https://back.example/", "Papers", 6),
            Health.RECOVERED,
            obs("https://back.example/", V.OK, http_status=200),
            evidence="ok (HTTP 200) again after error (HTTP 500) on 2026-11-15",
            recent=(V.ERROR, V.OK),
        ),
        Finding(
            res("Primer chapter | two", None, "Primer", 12),
            Health.UNLINKED,
            evidence="catalogued without a URL",
        ),
    ]


def previous_findings() -> list[Finding]:
    """The run before: the dead one was failing, the drift was healthy, back was failing."""
    now = {f.resource.url: f for f in fixture_findings()}
    was = {
        "https://dead.example/course": Health.FAILING,
        "https://deep.example/course/42": Health.FAILING,
        PLAYLIST: Health.HEALTHY,
        "https://failing.example/notes": Health.HEALTHY,
        "http://old.example/book": Health.HEALTHY,
        "https://drift.example/": Health.HEALTHY,
        "https://flaky.example/": Health.FLAKY,
        "https://blocked.example/": Health.BLOCKED,
        "https://back.example/": Health.FAILING,
        "https://ok.example/": Health.HEALTHY,
    }
    out = [Finding(now[url].resource, health) for url, health in was.items()]
    return [*out, Finding(res("Removed", "https://gone-from-catalog.example/"), Health.HEALTHY)]


TREND = [
    TrendPoint(5, "2026-11-08T06:00:00Z", 8, 0),
    TrendPoint(6, "2026-11-15T06:00:00Z", 6, 2),
    TrendPoint(7, "2026-11-22T06:00:00Z", 5, 3),
]


def shown(text: str) -> str:
    """What a reader sees: one line; an invisible word joiner after @, # and GH- (no
    mentions, no issue references)."""
    joined = re.sub(r"([@#])(?=\w)", "\\1\u2060", " ".join(text.split()))
    return re.sub(r"(?i)\b(gh-)(?=\d)", "\\1\u2060", joined)


def full_report() -> str:
    return render_markdown(
        fixture_findings(),
        RUN,
        previous=previous_findings(),
        previous_run=PREVIOUS_RUN,
        trend=TREND,
    )


def test_report_matches_the_golden_file() -> None:
    text = full_report()
    if os.environ.get("LINKAUDIT_UPDATE_GOLDEN"):
        GOLDEN.parent.mkdir(exist_ok=True)
        GOLDEN.write_text(text)
    assert text == GOLDEN.read_text()


def test_report_is_the_same_whatever_the_order_of_findings() -> None:
    shuffled = list(reversed(fixture_findings()))
    text = render_markdown(
        shuffled, RUN, previous=previous_findings(), previous_run=PREVIOUS_RUN, trend=TREND
    )
    assert text == full_report()


# --- GitHub-flavoured Markdown: tables stay tables, remote text stays text ----------


def gfm() -> MarkdownIt:
    """markdown-it-py's GFM-like preset: tables, strikethrough and linkify (autolinks)."""
    return MarkdownIt("gfm-like")


def walk(tokens: list[Token]) -> list[Token]:
    out = []
    for t in tokens:
        out.append(t)
        out.extend(walk(t.children or []))
    return out


def tables(tokens: list[Token]) -> list[list[list[str]]]:
    """Each table as rows of cell texts (header row first)."""
    result: list[list[list[str]]] = []
    row: list[str] | None = None
    for t in tokens:
        if t.type == "table_open":
            result.append([])
        elif t.type == "tr_open":
            row = []
        elif t.type == "tr_close":
            assert row is not None
            result[-1].append(row)
        elif t.type == "inline" and row is not None:
            row.append(t.content)
        elif t.type == "table_close":
            row = None
    return result


def raw_cells(row: str) -> list[str]:
    """The cells of one table row as GitHub splits them, from the raw text: on every `|`
    not escaped (a backslash before ASCII punctuation escapes it, pairs first, as
    cmark-gfm scans), the outer pipes dropped. markdown-it pads or cuts every row to the
    header's width, so counting its cells could never catch a stray pipe."""
    cells, cell, i = [], "", 0
    while i < len(row):
        if row[i] == "\\" and i + 1 < len(row) and row[i + 1] in string.punctuation:
            cell, i = cell + row[i : i + 2], i + 2
            continue
        if row[i] == "|":
            cells.append(cell)
            cell = ""
        else:
            cell += row[i]
        i += 1
    cells.append(cell)
    assert cells[0].strip() == "" and cells[-1].strip() == "", row  # | outer | pipes |
    return [c.strip() for c in cells[1:-1]]


def raw_tables(text: str) -> list[list[list[str]]]:
    """Each table of `text` as rows of raw cells (header first, delimiter row dropped)."""
    found: list[list[list[str]]] = []
    previous = ""
    for line in text.splitlines():
        if line.startswith("|"):
            if not previous.startswith("|"):
                found.append([])
            if not re.fullmatch(r"\|(---\|)+", line):
                found[-1].append(raw_cells(line))
        previous = line
    return found


@pytest.mark.parametrize(
    ("row", "cells"),
    [
        ("| a | b |", ["a", "b"]),
        ("| a \\| b | c |", ["a \\| b", "c"]),
        ("| a \\\\| b |", ["a \\\\", "b"]),  # an escaped backslash, then a border
        ("| `x\\|y` | z |", ["`x\\|y`", "z"]),
    ],
)
def test_raw_cells_split_where_github_splits(row: str, cells: list[str]) -> None:
    assert raw_cells(row) == cells


def test_every_table_row_has_as_many_cells_as_its_header() -> None:
    """Counted in the raw text, and each cell read back by a GFM parser as written."""
    text = full_report()
    found = raw_tables(text)
    assert len(found) == 9  # dead, failing, moved, drift, flaky, blocked, recovered,
    # unlinked, healthy
    parsed = tables(gfm().parse(text))
    assert len(parsed) == len(found)
    for raw, table in zip(found, parsed, strict=True):
        header, *rows = raw
        assert rows
        for row in rows:
            assert len(row) == len(header), row
        assert [[c.replace("\\|", "|") for c in row] for row in raw] == table


def test_no_remote_text_becomes_a_link_or_html() -> None:
    """The only links are the catalogued URLs and the Wayback snapshots made of them; there
    is no HTML except our <details>."""
    text = full_report()
    tokens = walk(gfm().parse(text))
    catalogued = {f.resource.url for f in fixture_findings() if f.resource.url}
    snapshots = {f.archive.url for f in fixture_findings() if f.archive}
    hrefs = {t.attrGet("href") for t in tokens if t.type == "link_open"}
    assert hrefs <= catalogued | snapshots and SNAPSHOT in hrefs
    html = [t.content.strip() for t in tokens if t.type in {"html_inline", "html_block"}]
    assert all(h.startswith(("<details>", "</details>")) for h in html), html
    rendered = gfm().render(text)
    assert "<script>" not in rendered
    assert 'href="http://x"' not in rendered
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in rendered


def test_hostile_title_renders_as_its_own_text() -> None:
    """A page title that tries a cell border, a link, HTML, a mention and issue references
    reads as its own text where the report quotes it (the Title drift evidence)."""
    item = next(line for line in full_report().splitlines() if line.startswith("- **Drifting"))
    quoted = item.split("now “", 1)[1].removesuffix("”")
    rendered = gfm().renderInline(quoted)
    assert rendered == shown(EVIL).replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


@pytest.mark.parametrize(
    "text",
    [
        EVIL,
        "a\\|b",
        "**bold** _em_ ~~del~~ `code`",
        "&amp; &#60; entity",
        "![img](http://x/i.png)",
        "[link][ref]\n\n[ref]: http://x",
        "$x^2$ :smile:",
        "<http://auto.link> user@example.com https://bare.example www.bare.example",
    ],
)
def test_md_text_shows_exactly_the_text(text: str) -> None:
    cell = md_text(text)
    assert "\n" not in cell
    src = f"| h |\n|---|\n| {cell} |\n"
    tokens = walk(gfm().parse(src))
    assert not [t for t in tokens if t.type in {"link_open", "html_inline", "image", "code_inline"}]
    cell_inline = [t for t in gfm().parse(src) if t.type == "inline"][-1]
    texts = "".join(t.content for t in cell_inline.children or [] if t.type == "text")
    assert texts == shown(text)


@pytest.mark.parametrize(
    ("text", "cell"),
    [
        ("Page 3", "Page 3"),
        ("Straße 12 Ünïcode", "Straße 12 Ünïcode"),
        ("  two   spaces\n", "two spaces"),
        ("snake_case", "snake\\_case"),
        ("gh-12 www.x", "gh-\u206012 www\\.x"),
    ],
)
def test_md_text_leaves_plain_words_as_they_are(text: str, cell: str) -> None:
    assert md_text(text) == cell


@pytest.mark.parametrize("url", ["https://a.example/x|y", "http://x/`a``b`", "`tick"])
def test_md_code_is_one_code_span_with_the_url(url: str) -> None:
    """In a table cell, and in running text (a list item), where `\\|` would show."""
    src = f"| h |\n|---|\n| {md_code(url)} |\n"
    codes = [t.content for t in walk(gfm().parse(src)) if t.type == "code_inline"]
    assert codes == [url]
    item = f"- now at {md_code(url, cell=False)}\n"
    assert [t.content for t in walk(gfm().parse(item)) if t.type == "code_inline"] == [url]


@pytest.mark.parametrize(
    ("url", "link"),
    [
        ("https://a.example/x?a=1&b=(2)", "[t](<https://a.example/x?a=1&b=(2)>)"),
        ("https://a.example/x|y", None),  # would end the table cell
        ("https://a.example/&amp;", None),  # a link would read the entity as "&"
        ("https://a.example/`x`", None),
    ],
)
def test_md_link_links_only_a_url_it_keeps_as_it_is(url: str, link: str | None) -> None:
    assert md_link("t", url) == link
    if link:
        src = f"| h |\n|---|\n| {link} |\n"
        (href,) = [t.attrGet("href") for t in walk(gfm().parse(src)) if t.type == "link_open"]
        assert href == url


# --- content a maintainer relies on -------------------------------------------------


def test_header_counts_and_change_summary() -> None:
    text = full_report()
    assert "Checked 2026-11-22 06:00 UTC (run 7, took 2m 14s): 11 resources:" in text
    assert "2 dead, 1 failing, 2 moved, 1 drifted, 1 flaky, 1 blocked, 1 recovered" in text
    assert "Since run 6 (2026-11-15 06:00 UTC):" in text
    assert "- 2 newly dead: Course page; Deep learning course\n" in text
    assert "- 1 newly failing: Lecture notes\n" in text
    assert "- 1 recovered: Back again\n" in text
    assert "- 2 newly moved: Old book; Lecture playlist\n" in text
    # the playlist moved AND its title drifted: the drift is news too
    assert "- 2 new title drift: Drifting page; Lecture playlist\n" in text
    assert "- catalog: 1 added, 1 removed" in text


def test_sections_in_urgency_order_and_empty_ones_left_out() -> None:
    text = full_report()
    heads = [line for line in text.splitlines() if line.startswith("## ")]
    assert heads == [
        "## Dead (2)",
        "## Failing (1)",
        "## Moved (2)",
        "## Trend",  # after what broke, before the rest
        "## Title drift (1)",
        "## Flaky (1)",
        "## Blocked (1)",
        "## Recovered (1)",
        "## Unlinked (1)",
    ]
    assert "<summary>Healthy (1)</summary>" in text
    only_healthy = render_markdown(fixture_findings()[:1], RUN)
    assert "## " not in only_healthy
    assert "No previous complete run to compare with." in only_healthy
    assert "```mermaid" not in only_healthy  # no trend from fewer than two runs


def is_row_of(row: list[str], title: str) -> bool:
    """The Resource cell starts with the title, as a link or (unlinked) as text."""
    name = md_text(title)
    return row[0].startswith(f"[{name}](") or row[0] == name or row[0].startswith(f"{name} —")


def row_of(text: str, title: str) -> list[str]:
    """The raw cells of the one table row about `title`."""
    for table in raw_tables(text):
        for row in table[1:]:
            if is_row_of(row, title):
                return row
    raise AssertionError(f"no row for {title!r}")


def header_of(text: str, title: str) -> list[str]:
    for table in raw_tables(text):
        if any(is_row_of(row, title) for row in table[1:]):
            return table[0]
    raise AssertionError(f"no table for {title!r}")


def cell(text: str, title: str, column: str) -> str:
    return row_of(text, title)[header_of(text, title).index(column)]


def evidence_of(text: str, title: str) -> str:
    """The list item under a table that gives the long facts about `title`."""
    (item,) = [line for line in text.splitlines() if line.startswith(f"- **{md_text(title)}**: ")]
    return item.split("**: ", 1)[1]


def code_of(cell_text: str) -> str:
    """What a reader sees (and copies) of the code span in a cell, as GFM renders it."""
    tokens = walk(gfm().parse(f"| h |\n|---|\n| {cell_text} |\n"))
    (code,) = [t.content for t in tokens if t.type == "code_inline"]
    return code


def section_of(text: str, title: str) -> str:
    """The `## ...` section whose table has a row about `title`."""
    for part in text.split("\n## ")[1:]:
        if any(is_row_of(row, title) for table in raw_tables(part) for row in table[1:]):
            return part
    raise AssertionError(f"no section for {title!r}")


def command_of(text: str, title: str) -> str:
    """The command the row about `title` points at: line N of its section's `sh` block."""
    number = re.search(r"command (\d+)", row_of(text, title)[1])
    assert number, row_of(text, title)
    (block,) = re.findall(r"^```sh\n(.*?)^```$", section_of(text, title), re.M | re.S)
    return block.splitlines()[int(number[1]) - 1]


def test_moved_row_says_what_happened_and_where_to_fix() -> None:
    """One short cell says it moved and which command fixes it; the redirects and the new
    URL (as code: never a link) are in the list under the table."""
    text = full_report()
    assert cell(text, "Old book", "Resource") == "[Old book](<http://old.example/book>) — _Books_"
    assert cell(text, "Old book", "What happened") == "301 → new URL, command 1"
    assert cell(text, "Old book", "Fix at") == "`catalog/guide.yaml:8`"
    assert cell(text, "Old book", "Last runs") == "`→`"
    assert evidence_of(text, "Old book") == "redirects 301 → 200; now at `https://new.example/book`"


@pytest.mark.parametrize(
    ("title", "argv"),
    [
        (
            "Old book",  # catalogued in catalog/: the default catalog, no PATH needed
            ["catalog", "set-url", "http://old.example/book", "https://new.example/book"],
        ),
        (
            "Lecture playlist",  # elsewhere: its file is named; the shell sees the URLs whole
            ["catalog", "set-url", PLAYLIST, HOSTILE_TARGET, "guides/primer.md"],
        ),
        ("Drifting page", ["accept", "https://drift.example/"]),
    ],
)
def test_the_row_points_at_the_command_that_applies_the_fix(title: str, argv: list[str]) -> None:
    """The section ends with one `sh` block, one exact command a line, nothing else (no
    comments: zsh would run them); the row names its command by number."""
    text = full_report()
    assert shlex.split(command_of(text, title)) == ["linkaudit", *argv]
    (block,) = re.findall(r"^```sh\n(.*?)^```$", section_of(text, title), re.M | re.S)
    assert all(line.startswith("linkaudit ") for line in block.splitlines())
    assert section_of(text, title).rstrip().endswith("```")  # the commands end the section


def test_no_command_for_a_new_url_the_catalog_would_refuse() -> None:
    moved = next(f for f in fixture_findings() if f.resource.title == "Old book")
    spaced = replace(moved, suggested_url="https://new.example/a book")
    text = render_markdown([spaced], RUN)
    assert cell(text, "Old book", "What happened") == "301 → new URL"
    assert "```sh" not in text
    assert "no command\\: the catalog would refuse it" in evidence_of(text, "Old book")


TO_FIX = {Health.DEAD, Health.FAILING, Health.MOVED, Health.DRIFTED, Health.FLAKY, Health.BLOCKED}


def test_every_table_with_something_to_fix_says_where() -> None:
    text = full_report()
    for f in fixture_findings():
        if f.health in TO_FIX:
            assert cell(text, f.resource.title, "Fix at") == f"`{f.resource.where}`"


def test_every_flag_is_on_its_row_and_in_the_evidence_by_name() -> None:
    """Flags beyond the health are never dropped: in words on the row (What happened or
    Notes), by their JSON names in the list under the table. (A Title drift row's drift is
    its section; its expected and current titles are in the list.)"""
    text = full_report()
    for f in fixture_findings():
        row = " | ".join(row_of(text, f.resource.title))
        for flag in f.flags:
            if not (f.health is Health.DRIFTED and flag == "title_drift"):
                assert flag.replace("_", " ") in row, (f.resource.title, flag)
            assert md_text(flag) in evidence_of(text, f.resource.title), (f.resource.title, flag)
    notes = evidence_of(text, "Lecture playlist")
    assert "title expected “Lecture playlist”, now “Cheap watches”" in notes


def test_dead_evidence_says_where_the_request_ended_as_code() -> None:
    text = full_report()
    assert "; ended at `https://deep.example/`;" in evidence_of(text, "Course page")  # home page
    assert "ended at" not in evidence_of(text, "Deep learning course")  # ended where it began


def test_failing_advice_follows_the_rules_in_force() -> None:
    text = render_markdown(fixture_findings(), RUN)
    assert "gone (404, 410, unknown host, soft dead) becomes Dead after 2 consecutive" in text
    assert "(timeout, 5xx, reset) after 4 consecutive failing runs over at least 7 days" in text
    strict = render_markdown(
        fixture_findings(), RUN, rules=Rules(confirm_after=3, error_after=6, error_days=10)
    )
    assert "becomes Dead after 3 consecutive failing runs" in strict
    assert "after 6 consecutive failing runs over at least 10 days" in strict


def test_trend_comes_after_what_broke_and_says_it_counts_checks() -> None:
    """The first screen shows Dead, Failing and Moved; the chart counts each run's checks
    (answered / failed), which is no health: its words are not the header's."""
    text = full_report()
    assert text.index("## Moved (") < text.index("```mermaid") < text.index("## Title drift (")
    before, block = text.split("```mermaid\n", 1)
    assert "(bars: URLs that answered; line: URLs found dead, " in before.rsplit("\n\n", 2)[-2]
    block = block.split("```", 1)[0]
    assert block.splitlines()[0] == "xychart-beta"
    assert '    title "Checks per run: answered and failed"' in block
    assert '    x-axis ["11-08", "11-15", "11-22"]' in block
    assert "    bar [8, 6, 5]" in block
    assert "    line [0, 2, 3]" in block
    assert "failing" not in block


def test_summary_has_only_the_urgent_sections() -> None:
    text = render_summary(fixture_findings(), RUN, previous=previous_findings())
    heads = [line for line in text.splitlines() if line.startswith("## ")]
    assert heads == ["## Dead (2)", "## Failing (1)", "## Moved (2)"]


def part(text: str, heading: str) -> str:
    """One `## heading` section, up to the next."""
    return heading + text.split(f"\n## {heading}", 1)[1].split("\n## ", 1)[0].rstrip()


def test_summary_and_issue_body_show_their_sections_as_the_report_does() -> None:
    """The same tables, folded evidence and commands: one layout wherever it is read."""
    report = full_report()
    summary = render_summary(fixture_findings(), RUN, previous=previous_findings())
    body = render_issue(fixture_findings(), RUN)
    assert body is not None
    for heading in ("Dead (2)", "Moved (2)"):
        said = part(report, heading)
        assert "<summary>Evidence (2)</summary>" in said
        assert said in summary and said in body
    assert "```sh\nlinkaudit catalog set-url http://old.example/book " in body


def test_issue_body_only_when_something_is_dead_or_moved() -> None:
    body = render_issue(fixture_findings(), RUN, report_url="https://example.test/health.md")
    assert body is not None
    heads = [line for line in body.splitlines() if line.startswith("## ")]
    assert heads == ["## Dead (2)", "## Moved (2)"]
    assert body.startswith("Checked 2026-11-22 06:00 UTC (run 7")  # the issue has a title
    assert not [line for line in body.splitlines() if line.startswith("# ")]
    assert "Full report: https://example.test/health.md" in body
    calm = [f for f in fixture_findings() if f.health not in {Health.DEAD, Health.MOVED}]
    assert render_issue(calm, RUN) is None


def test_issue_body_references_no_issue_and_mentions_no_one() -> None:
    """GitHub links GH-12 and #12 in an issue, and @name notifies someone."""
    dead = next(f for f in fixture_findings() if f.health is Health.DEAD)
    hostile = replace(dead, resource=replace(dead.resource, title="Fix GH-12, gh-3, #4 @bob"))
    body = render_issue([hostile], RUN)
    assert body is not None
    assert "GH-\u206012, gh-\u20603, \\#\u20604 \\@\u2060bob" in body
    assert not re.search(r"(?i)gh-\d|#\d|@\w", body)


def test_json_has_design_shape_one_result_per_catalogued_url() -> None:
    doc = render_json(fixture_findings(), RUN)
    json.dumps(doc)  # serialisable as is
    assert doc["run"]["id"] == 7
    assert doc["run"]["duration_s"] == 134
    assert doc["run"]["counts"]["unlinked"] == 1
    results = doc["results"]
    assert len(results) == 10  # the unlinked resource has no URL
    assert results[0]["url"] == "https://ok.example/"  # catalog order
    moved = next(r for r in results if r["health"] == "moved")
    assert set(moved) == {
        "url", "final_url", "verdict", "health", "http_status", "hops", "title",
        "baseline_title", "title_drift", "flags", "error", "note", "archive_url",
        "archive_timestamp", "elapsed_ms", "checked_at", "resource",
    }  # fmt: skip
    assert moved["hops"] == [
        {"url": "http://old.example/book", "status": 301},
        {"url": "https://new.example/book", "status": 200},
    ]
    assert moved["resource"] == {
        "title": "Old book",
        "section": "Books",
        "kind": "web",
        "source": "catalog/guide.yaml",
        "line": 8,
    }
    drift = next(r for r in results if r["health"] == "drifted")
    assert drift["title"] == EVIL  # JSON carries the raw text; only Markdown escapes
    assert drift["flags"] == ["title_drift"]


def test_a_possible_wrong_link_is_said_in_the_summary_on_its_only_sighting() -> None:
    """It is flagged once, on first sight: the maintainer must meet it at the top, not
    only in the folded Healthy table."""
    url = "https://ok.example/strang"
    wrong = Finding(
        res("Gilbert Strang's linear algebra", url, "Math", 4),
        Health.HEALTHY,
        obs(url, V.OK, http_status=200, title="Cheap watches"),
        flags=("possible_wrong_link",),
        recent=(V.OK,),
    )
    line = (
        "- 1 possible wrong link (first sight, check by hand): Gilbert Strang's linear"
        " algebra (page: “Cheap watches”)"
    )
    first_run = render_markdown([wrong], RUN)
    assert f"No previous complete run to compare with.\n\n{line}\n" in first_run
    again = render_markdown([wrong], RUN, previous=[], previous_run=PREVIOUS_RUN)
    assert f"- catalog: 1 added, 0 removed\n{line}\n" in again
    quiet = replace(wrong, flags=())
    assert "possible wrong link" not in render_markdown([quiet], RUN)


def test_json_file_is_the_document_with_one_result_a_line() -> None:
    """A diff of two runs' files shows the URLs whose result changed, line by line."""
    doc = render_json(fixture_findings(), RUN)
    text = json_file_text(fixture_findings(), RUN)
    assert json.loads(text) == doc
    lines = text.splitlines()
    assert json.loads(lines[0].removesuffix(",") + "}") == {"run": doc["run"]}
    assert lines[1] == '"results": ['
    rows = [json.loads(line.removesuffix(",")) for line in lines[2:-1]]
    assert rows == doc["results"]
    assert lines[-1] == "]}" and text.endswith("]}\n")
    assert json.dumps(EVIL) in text  # hostile text as it is, only JSON-escaped
    cafe = Finding(res("Café — résumé", "https://ok.example/café"), Health.HEALTHY)
    assert "Café — résumé" in json_file_text([cafe], RUN)  # as it is, not \\u escapes
    assert json.loads(json_file_text([], RUN)) == render_json([], RUN)


def test_the_summary_and_the_issue_say_what_the_strip_of_last_runs_means() -> None:
    for text in (render_summary(fixture_findings(), RUN), render_issue(fixture_findings(), RUN)):
        assert text is not None and "Last runs, oldest first: ✓ ok" in text


def test_an_issue_body_too_long_for_github_points_at_the_report() -> None:
    """GitHub refuses an issue body over 65,536 characters: a huge one says so instead."""
    dead = next(f for f in fixture_findings() if f.health is Health.DEAD)
    many = [
        replace(dead, resource=replace(dead.resource, title=f"Course {i}", url=f"https://d/{i}"))
        for i in range(400)
    ]
    body = render_issue(many, RUN, report_url="https://example.test/health.md")
    assert body is not None and len(body) < 2000
    assert "more than an issue holds" in body and "https://example.test/health.md" in body
