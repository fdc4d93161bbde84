"""YAML catalog files read by libyaml: every scalar the text written, every problem at its line.

The catalog's own checks (unknown keys, titles, URLs, duplicates) are in test_catalog.py;
these are the YAML-level facts under them that a curator would notice.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from linkaudit.catalog import load_catalog
from linkaudit.catalog.yaml_reader import YamlProblem, read_yaml
from linkaudit.errors import CatalogError


def title_of(text: str) -> object:
    """The value of the first entry's `title:` as the catalog sees it."""
    (item,) = read_yaml(text).items
    assert item.fields is not None
    return item.fields["title"][1]


@pytest.mark.parametrize(
    ("written", "value"),
    [
        ("yes", "yes"),  # YAML 1.1 (PyYAML's default) would say True
        ("No", "No"),
        ("1:30", "1:30"),  # 1.1: sexagesimal 90
        ("017", "017"),  # 1.1: octal 15, 1.2: 17
        ("0x1F", "0x1F"),
        ("1984", "1984"),  # a book's title, not a number
        ("-3.5e2", "-3.5e2"),
        (".inf", ".inf"),
        ("true", "true"),
        ("~", "~"),
        ("null", "null"),
        ("", ""),
        ("'1984'", "1984"),
        ('"caf\\u00e9"', "caf\u00e9"),  # a double-quoted escape is still the text written
        ("2019-04-25", "2019-04-25"),
        ("Attention Is All You Need", "Attention Is All You Need"),
        ("a\n    b", "a b"),  # a plain scalar folded over two lines
        ("[a, b]", ["a", "b"]),
    ],
)
def test_every_scalar_is_the_text_the_curator_wrote(written: str, value: object) -> None:
    assert title_of(f"- title: {written}\n") == value


# Values a YAML type could not hold: each made the reader raise ValueError when it still
# converted scalars (fuzzing `catalog validate` found them, tagged and untagged alike).
UNCONVERTIBLE = [
    "1" * 4301,  # an int beyond Python's 4,300-digit limit for str -> int
    "4908.440_",  # a float by YAML's pattern, not by Python's
    "2001-02-30",  # no such day
    "2001-02-03 29:00:00",  # no such hour
    "2001-00-03",  # no month 0
    "2001-02-03T04:05:06+24:00",  # an offset of 24 hours
]


@pytest.mark.parametrize("tag", ["", "!!int ", "!!float ", "!!timestamp ", "!!set ", "!foo "])
@pytest.mark.parametrize("written", UNCONVERTIBLE, ids=lambda w: w[:20])
def test_a_tag_converts_nothing_and_no_value_fails_to_convert(tag: str, written: str) -> None:
    assert title_of(f"- title: {tag}{written}\n") == written


def test_a_title_that_yaml_1_1_would_call_a_boolean_loads_as_text(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("- title: No\n  url: https://a.example/\n- title: On\n")
    assert [r.title for r in load_catalog([path])] == ["No", "On"]


def test_items_and_keys_carry_their_own_lines() -> None:
    document = read_yaml("# head\n- title: A\n\n  url: https://a.example/\n-\n  title: B\n- x\n")
    assert document.kind == "list"
    first, second, third = document.items
    assert first.line == 2
    assert first.fields == {"title": (2, "A"), "url": (4, "https://a.example/")}
    assert second.line == 6
    assert (third.line, third.fields) == (7, None)


def test_merge_keys_merge_and_the_entry_s_own_keys_win() -> None:
    text = "- &base\n  title: Base\n  section: S\n- <<: *base\n  title: Own\n  url: https://a/\n"
    _, merged = read_yaml(text).items
    assert merged.fields == {"title": (5, "Own"), "url": (6, "https://a/"), "section": (4, "S")}


@pytest.mark.parametrize(
    ("text", "line", "fragment"),
    [
        ("- title: one\n  url: https://a/\n  title: two\n", 3, 'duplicate key "title" (first'),
        ("- title: ok\n- title: [oops\n", 3, "YAML syntax error"),
        ("- title: a\n  url: b: c\n", 2, "mapping values are not allowed"),
        ("- title: A\n- title: b\x07\n", 2, "unacceptable character #x0007"),
        ("- title: A\n---\n- title: B\n", 2, "but found another document"),
        ("- &a\n  <<: *a\n", 1, "alias that contains itself"),
    ],
)  # fmt: skip
def test_unusable_yaml_is_a_problem_at_its_line(text: str, line: int, fragment: str) -> None:
    with pytest.raises(YamlProblem) as problem:
        read_yaml(text)
    assert problem.value.line == line
    assert fragment in problem.value.message


def test_a_yaml_problem_names_the_file_and_line_and_nothing_loads(tmp_path: Path) -> None:
    path = tmp_path / "a.yaml"
    path.write_text("- title: A\n  url: https://a.example/\n- title: B\n  title: C\n")
    with pytest.raises(CatalogError) as error:
        load_catalog([path])
    assert error.value.problems == [
        f'{path}:4: YAML syntax error: duplicate key "title" (first at line 3)'
    ]


@pytest.mark.parametrize(
    ("text", "kind"),
    [("---\n", "empty"), ("# c\n", "empty"), ("a: b\n", "mapping"), ("text\n", "scalar")],
)
def test_the_top_level_kind_is_told(text: str, kind: str) -> None:
    assert read_yaml(text).kind == kind
