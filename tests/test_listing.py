"""The catalog table and summary a user reads."""

from __future__ import annotations

from linkaudit.cli.listing import render_table, summarize
from linkaudit.model import Kind, Resource


def resource(
    title: str, url: str | None = None, section: str = "S", source: str = "a.yaml"
) -> Resource:
    return Resource(title=title, section=section, kind=Kind.WEB, url=url, source=source, line=1)


def test_columns_line_up_and_unlinked_rows_say_so() -> None:
    lines = render_table(
        [resource("Short", "https://a.example/"), resource("A longer title", None, "Math / LA")]
    ).splitlines()
    assert lines[0].split() == ["TITLE", "KIND", "SECTION", "URL"]
    starts = {line.index("web") for line in lines[1:]}
    assert len(starts) == 1
    assert lines[2].endswith("(unlinked)")


def test_long_titles_and_sections_are_cut_but_urls_never() -> None:
    url = "https://example.com/" + "x" * 150
    (row,) = render_table([resource("T" * 80, url, "S" * 80)]).splitlines()[1:]
    assert "T" * 49 + "…" in row
    assert "T" * 50 not in row
    assert "S" * 39 + "…" in row
    assert row.endswith(url)


def test_summary_counts_linked_unlinked_and_files() -> None:
    rows = [resource("a", "https://a.example/"), resource("b"), resource("c", source="b.yaml")]
    assert summarize(rows) == "3 resources (1 linked, 2 unlinked) in 2 files"
    assert summarize(rows[:1]) == "1 resource (1 linked, 0 unlinked) in 1 file"
