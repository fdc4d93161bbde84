"""text.py: the small shared helpers, as tables of cases."""

from __future__ import annotations

import re

import pytest

from linkaudit import text


def test_utc_now_is_iso_8601_to_the_second() -> None:
    assert re.fullmatch(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z", text.utc_now())


@pytest.mark.parametrize(
    ("at", "zone", "shown"),
    [
        ("2026-11-22T06:00:00Z", True, "2026-11-22 06:00 UTC"),
        ("2026-11-22T06:00:00Z", False, "2026-11-22 06:00"),
        ("yesterday", True, "yesterday"),
        (None, True, "?"),
        ("", False, "-"),
    ],
)
def test_when(at: str | None, zone: bool, shown: str) -> None:
    assert text.when(at, zone=zone) == shown


@pytest.mark.parametrize(
    ("seconds", "shown"), [(None, "?"), (0, "0s"), (59.6, "1m 00s"), (134, "2m 14s")]
)
def test_took(seconds: float | None, shown: str) -> None:
    assert text.took(seconds) == shown


def test_seconds_between_and_day() -> None:
    assert text.seconds_between("2026-11-22T06:00:00Z", "2026-11-22T06:02:14Z") == 134
    assert text.seconds_between("2026-11-22T06:00:00Z", None) is None
    assert (text.day("2026-11-22T06:00:00Z"), text.day(None)) == ("2026-11-22", "")


@pytest.mark.parametrize(
    ("n", "word", "said"), [(0, "host", "0 hosts"), (1, "host", "1 host"), (2, "URL", "2 URLs")]
)
def test_plural(n: int, word: str, said: str) -> None:
    assert text.plural(n, word) == said


def test_plain_and_cut() -> None:
    assert text.plain("This page  isn\u2019t\nhere") == "This page isn't here"
    assert text.cut("a  very long   title", 10) == "a very lo\u2026"
    assert text.cut("short", 10) == "short"


def test_cut_reads_only_what_it_keeps() -> None:
    """A megabyte of remote text costs what a line does; a cut is always marked."""
    assert text.cut("word " * 2_000_000, 12) == "word word w\u2026"
    assert text.cut(" " * 100 + "late", 10) == "\u2026"  # beyond what is read: said cut
    assert text.cut("ab  " * 10, 40) == ("ab " * 10).strip()  # all read: nothing cut


def test_columns_align_all_but_a_free_last_column() -> None:
    rows = [("run", "state", "URL"), ("12", "complete", "https://a.example/")]
    assert text.columns(rows) == ["run  state     URL", "12   complete  https://a.example/"]
    wide = [("a", "https://a.example/very/long"), ("bbb", "x")]
    assert text.columns(wide, last_free=True) == ["a    https://a.example/very/long", "bbb  x"]
    assert text.columns([]) == []
