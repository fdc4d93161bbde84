"""Links of a Markdown document: the lines, texts and heading paths a catalog relies on."""

from __future__ import annotations

from linkaudit.catalog.markdown import MarkdownLink, extract_links


def test_front_matter_is_skipped_and_lines_still_count_from_the_top() -> None:
    text = "---\ntitle: [not](https://front.example/)\n---\n\n[a](https://a.example/)\n"
    assert extract_links(text) == [MarkdownLink(5, "https://a.example/", "a", ())]


def test_lines_are_counted_through_wrapped_paragraphs() -> None:
    text = "# H\n\nfirst line\nsecond [b](https://b.example/) line\nthird [c](https://c.example/)\n"
    assert [(link.line, link.text) for link in extract_links(text)] == [(4, "b"), (5, "c")]


def test_heading_path_follows_levels_and_skipped_levels() -> None:
    text = (
        "# A\n\n### C\n\n[x](https://x.example/)\n\n## B\n\n[y](https://y.example/)\n\n"
        "# D\n\n[z](https://z.example/)\n"
    )
    assert [link.headings for link in extract_links(text)] == [("A", "C"), ("A", "B"), ("D",)]


def test_a_link_in_a_heading_sits_under_the_parent_headings() -> None:
    text = (
        "# Math\n\n## [Essence *of* `algebra`](https://e.example/)\n\n[more](https://m.example/)\n"
    )
    first, second = extract_links(text)
    assert (first.text, first.headings) == ("Essence of algebra", ("Math",))
    assert second.headings == ("Math", "Essence of algebra")


def test_urls_are_kept_as_written_and_code_and_images_are_not_links() -> None:
    text = (
        "[q](https://a.example/w?v=1&list=PL_x&index=1)\n\n"
        "`[no](https://code.example/)`\n\n    [no](https://indented.example/)\n\n"
        "![pic](https://img.example/p.png)\n\n[ref link][r]\n\n[r]: https://ref.example/\n"
    )
    assert [(link.url, link.line) for link in extract_links(text)] == [
        ("https://a.example/w?v=1&list=PL_x&index=1", 1),
        ("https://ref.example/", 9),
    ]
