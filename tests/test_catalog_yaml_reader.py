"""YAML catalog files read by libyaml: values as YAML 1.2 means them, every problem at its line.

The catalog's own checks (unknown keys, titles, URLs, duplicates) are in test_catalog.py;
these are the YAML-level facts under them that a curator would notice.
"""

from __future__ import annotations

import datetime
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
        ("yes", "yes"),  # YAML 1.1 (PyYAML's default) would say True: 1.2 says text
        ("No", "No"),
        ("on", "on"),
        ("1:30", "1:30"),  # 1.1: sexagesimal 90
        ("017", 17),  # 1.1: octal 15
        ("0o17", 15),
        ("0x1F", 31),
        ("1_000", 1000),
        ("1984", 1984),
        ("-3.5e2", -350.0),
        (".inf", float("inf")),
        ("nan", "nan"),
        ("true", True),
        ("~", None),
        ("null", None),
        ("", None),
        ("'1984'", "1984"),
        ("!!str 1984", "1984"),
        ("2019-04-25", datetime.date(2019, 4, 25)),
        ("Attention Is All You Need", "Attention Is All You Need"),
        ("[a, b]", ["a", "b"]),
    ],
)
def test_scalars_mean_what_yaml_1_2_says(written: str, value: object) -> None:
    assert title_of(f"- title: {written}\n") == value


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
        ("- title: !foo bar\n", 1, "unsupported YAML tag !foo"),
        ("- title: !!int many\n", 1, "'many' cannot be read as !!int"),
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
