"""report/tables.py: tables that fit GitHub's page, rows that say what happened in a few words.

Rendered with markdown-it-py (GFM tables, linkify) from the golden findings and from the
60 resources of tests/sixty.py (every section, generic, long and hostile titles).
"""

from __future__ import annotations

import re
import shlex
from collections.abc import Iterator
from dataclasses import replace

import pytest
from markdown_it.token import Token

import sixty
from linkaudit import config
from linkaudit.model import Finding
from linkaudit.report import render_issue, render_markdown, render_summary
from linkaudit.report.escape import WORD_JOINER, md_text
from linkaudit.report.tables import BREAK
from test_report_markdown import (
    RUN,
    cell,
    evidence_of,
    fixture_findings,
    full_report,
    gfm,
    raw_tables,
    section_of,
    shown,
    walk,
)

# --- the arithmetic of GitHub's 948 px column --------------------------------------------

COLUMN = 948  # px: the 1012 px `markdown-body` column less 2 x 32 px of padding
CELL = 27  # px a cell adds: 13 px of padding a side, a 1 px border
CODE_PAD = 11  # px a code span adds (0.2em 0.4em of 13.6 px)
TEXT_PX = 9.2  # px a character of our own words (16 px Noto Sans) takes at most: a digit
WIDE_PX = 16.3  # px the widest glyph of a site's text takes: a capital W, a CJK character
CODE_PX = 8.2  # px a character of 13.6 px Liberation Mono takes (0.6 em)
# column: (characters a cell may show, longest unbroken run, px a character of it)
BOUNDS = {
    "Resource": (200, config.CELL_TITLE_WORD, WIDE_PX),
    "What happened": (64, config.CELL_WORD, TEXT_PX),
    "Notes": (64, config.CELL_WORD, TEXT_PX),
    "Last runs": (5, 5, CODE_PX),
    "Fix at": (44, 44, CODE_PX),
    "Catalogued at": (44, 44, CODE_PX),
}
HEADERS = {
    ("Resource", "What happened", "Last runs", "Fix at"),
    ("Resource", "What happened", "Last runs"),  # Recovered: nothing to fix
    ("Resource", "Notes", "Last runs"),  # Healthy, folded away
    ("Resource", "Catalogued at"),  # Unlinked
}


def narrowest(column: str) -> float:
    """The px a column needs at least: its longest unbroken run, padded."""
    _, run, px = BOUNDS[column]
    return run * px + (CODE_PAD if px == CODE_PX else 0) + CELL


def test_the_bounds_fit_the_column() -> None:
    """A GFM table scrolls sideways only when its narrowest layout, every column as wide as
    its longest unbroken run, is wider than the column: 255 + 211 + 79 + 399 px = 944 px
    for the four columns at their bounds, under 948 (a title's run of 14 capital Ws)."""
    for header in HEADERS:
        assert sum(narrowest(c) for c in header) <= COLUMN, header


def sixty_documents() -> Iterator[tuple[str, str]]:
    now, before = sixty.findings(), sixty.findings(4)
    yield "sixty report", sixty.report()
    yield "sixty summary", render_summary(now, sixty.RUN, previous=before)
    issue = render_issue(now, sixty.RUN, report_url="https://example.test/health.md")
    assert issue is not None
    yield "sixty issue", issue


DOCUMENTS = {"golden report": full_report(), **dict(sixty_documents())}


def visible(inline: Token) -> str:
    """What a reader sees of a cell: its text and code, no markup, no zero-width spaces."""
    seen = "".join(c.content for c in inline.children or [] if c.type in {"text", "code_inline"})
    return seen.replace(BREAK, "")


def runs(inline: Token) -> list[str]:
    """The unbroken runs of a cell: a code span whole, text split where it may wrap."""
    found = []
    for c in inline.children or []:
        if c.type == "code_inline":
            found.append(c.content)
        elif c.type == "text":
            # a word joiner (after `@`, so no mention) has no width: no part of a run
            found += re.split(rf"[\s{BREAK}-]+", c.content.replace(WORD_JOINER, ""))
    return found


def cells(text: str) -> list[tuple[tuple[str, ...], list[list[Token]]]]:
    """Each table as (header, rows of cell inline tokens)."""
    found: list[tuple[tuple[str, ...], list[list[Token]]]] = []
    header: list[str] = []
    row: list[Token] = []
    in_head = in_table = False
    for t in gfm().parse(text):
        in_table = (in_table or t.type == "table_open") and t.type != "table_close"
        if t.type == "thead_open":
            header, in_head = [], True
        elif t.type == "thead_close":
            found.append((tuple(header), []))
            in_head = False
        elif t.type == "tr_open":
            row = []
        elif t.type == "tr_close" and not in_head:
            found[-1][1].append(row)
        elif t.type == "inline" and in_head:
            header.append(t.content)
        elif t.type == "inline" and in_table:
            row.append(t)
    return found


@pytest.mark.parametrize("name", list(DOCUMENTS))
def test_every_table_has_a_few_narrow_columns_and_short_cells(name: str) -> None:
    """At most four columns; no cell longer than its column's bound (BOUNDS), nor any
    unbroken run in it. Why those bounds: the four bounds of unbroken runs add up to 900 px
    (test_the_bounds_fit_the_column), so no table needs more than GitHub's 948 px column
    whatever it holds; and a 948 px column holds about 100 characters of 16 px text a
    line, so a row whose two text cells hold at most 200 + 64 characters is a few lines
    tall at worst (the old Evidence and Notes columns grew rows to 349 px)."""
    tables = cells(DOCUMENTS[name])
    assert tables
    for header, rows in tables:
        assert header in HEADERS
        for row in rows:
            assert len(row) == len(header)
            for column, inline in zip(header, row, strict=True):
                most, run, _ = BOUNDS[column]
                assert len(visible(inline)) <= most, (column, visible(inline))
                longest = max(runs(inline), key=len, default="")
                assert len(longest) <= run, (column, longest)


def test_both_fixtures_show_every_section() -> None:
    heads = [line for line in sixty.report().splitlines() if line.startswith("## ")]
    assert [h.split(" (")[0] for h in heads] == [
        "## Dead", "## Failing", "## Moved", "## Trend", "## Title drift", "## Flaky",
        "## Blocked", "## Recovered", "## Unlinked",
    ]  # fmt: skip
    assert "<summary>Healthy (30)</summary>" in sixty.report()
    assert len(sixty.findings()) == 60
    assert len(raw_tables(DOCUMENTS["golden report"])) == 9


# --- rows ---------------------------------------------------------------------------------


def test_a_catalog_section_with_several_rows_is_named_once_above_them() -> None:
    text = full_report()
    dead = raw_tables(section_of(text, "Course page"))[0]
    assert dead[1] == ["**Courses**", "", "", ""]
    assert dead[2][0] == "[Course page](<https://deep.example/course/42>)"
    assert dead[3][0] == "[Deep learning course](<https://dead.example/course>)"
    assert cell(text, "Old book", "Resource").endswith(" — _Books_")  # alone in its section


def test_a_long_section_path_beside_a_title_keeps_its_last_headings() -> None:
    text = sixty.report()
    said = cell(text, "Keras (deep learning framework)", "Resource")
    assert said.endswith(" — _… / Hands-on Machine Learning_")


@pytest.mark.parametrize(
    ("title", "happened"),
    [
        ("Randall Balestriero", "404 · 2 runs"),
        ("arXiv Sanity Preserver", "name does not resolve · 2 runs"),
        ("Patterns, Predictions, and Actions by Hardt and Recht", "timeout · 4 runs"),
        ("his mechinterp blog", "soft dead · 2 runs · bounced home"),
        ("RAG web apps", "410 · 1 of 2 runs"),
        ("Machine Learning Glossary (Google)", "308 → new URL, command 2"),
        ("mechinterp glossary", "title changed, command 1"),
        ("Keras (deep learning framework)", "503 now · 3 changes in 5 runs"),
        ("Codecademy Python 3 course", "403 · bot challenge"),
        ("Khan Academy linear algebra", "answering again after 4+ failing runs"),
    ],
)
def test_what_happened_is_said_in_a_few_words(title: str, happened: str) -> None:
    """The cell a maintainer reads first: what failed, for how many runs, what to do."""
    assert cell(sixty.report(), title, "What happened") == md_text(happened)


def test_a_generic_title_shows_the_last_title_the_page_was_seen_with() -> None:
    """ "here" says nothing: the row shows the page's own title, the last one seen even
    when the page refuses the checker now (blocked since run 3)."""
    text = sixty.report()
    here = cell(text, "Advanced Research — here", "Resource").replace(BREAK, "")
    assert "(page: “People followed by Richard (\\@\u2060bae\\_theore…”)" in here
    assert "page title “People followed by Richard (\\@\u2060bae\\_theorem) / X”" in evidence_of(
        text, "Advanced Research — here"
    )  # cut in the cell, whole in the list
    blog = cell(text, "Distill.pub — has a blog", "Resource")
    assert "(page: “Home - colah's blog”)" in blog
    named = cell(text, "Codecademy Python 3 course", "Resource")
    assert "(page:" not in named
    same = cell(text, '"Deep Learning" Coursera specialization by Andrew Ng — Part 3', "Resource")
    assert "(page:" not in same  # the page says what the catalog says


def long_title_finding(title: str) -> Finding:
    moved = next(f for f in fixture_findings() if f.resource.title == "Old book")
    return replace(moved, resource=replace(moved.resource, title=title))


def test_a_long_title_is_cut_in_its_cell_and_whole_in_the_list() -> None:
    title = "A tour of " + " ".join(f"topic{i}" for i in range(40))
    text = render_markdown([long_title_finding(title)], RUN)
    (row,) = [r for t in raw_tables(text) for r in t[1:] if r[0].startswith("[A tour of")]
    shown_title = row[0].split("](", 1)[0].removeprefix("[")
    assert len(shown_title) == config.CELL_TITLE and shown_title.endswith("…")
    assert f"- **{title}**: " in text


def test_a_long_unbroken_run_gets_a_place_to_break() -> None:
    title = "W" * 60
    text = render_markdown([long_title_finding(title)], RUN)
    resource = next(r[0] for t in raw_tables(text) for r in t[1:] if r[0].startswith("[W"))
    label = resource.split("](", 1)[0].removeprefix("[")
    assert label.split(BREAK) == ["W" * 14] * 4 + ["W" * 4]


# --- hostile text -------------------------------------------------------------------------


def test_no_remote_text_becomes_a_link_or_html_in_sixty_resources() -> None:
    """The only links are the catalogued URLs; the only HTML is our <details>; a hostile
    catalog title and a hostile page title read as their own text."""
    text = sixty.report()
    tokens = walk(gfm().parse(text))
    catalogued = {r.url for r in sixty.catalog() if r.url}
    assert {t.attrGet("href") for t in tokens if t.type == "link_open"} <= catalogued
    html = [t.content.strip() for t in tokens if t.type in {"html_inline", "html_block"}]
    assert all(h.startswith(("<details>", "</details>")) for h in html), html
    unlinked = next(
        inline
        for _, rows in cells(text)
        for row in rows
        for inline in row[:1]
        if "Primer chapter" in inline.content
    )
    assert visible(unlinked) == shown(sixty.HOSTILE_CATALOG_TITLE) + " — Math for Machine Learning"
    rendered = gfm().render(text)
    assert "<script>" not in rendered and "<img" not in rendered


# --- commands -----------------------------------------------------------------------------


def test_the_commands_come_in_the_order_of_the_rows_that_point_at_them() -> None:
    text = sixty.report()
    part = text.split("## Moved (6)", 1)[1].split("\n## ", 1)[0]
    rows = [r for t in raw_tables(part) for r in t[1:] if not r[0].startswith("**")]
    (block,) = re.findall(r"^```sh\n(.*?)^```$", part, re.M | re.S)
    lines = block.splitlines()
    assert [f"command {i}" in r[1] for i, r in enumerate(rows, start=1)] == [True] * 6
    for row, line in zip(rows, lines, strict=True):
        old = row[0].split("](<", 1)[1].split(">)", 1)[0]
        words = shlex.split(line)
        assert words[:4] == ["linkaudit", "catalog", "set-url", old]


def test_a_section_without_fixes_has_no_commands() -> None:
    text = sixty.report()
    for heading in ("Dead", "Failing", "Flaky", "Blocked", "Recovered", "Unlinked"):
        part = text.split(f"## {heading} (", 1)[1].split("\n## ", 1)[0]
        assert "```sh" not in part and not re.search(r"command \d", part), heading
