"""Small shared helpers for time and plain text. Pure (but `utc_now`, which reads the clock).

utc_now()              now, ISO 8601 UTC to the second ("2026-11-22T06:00:00Z")
when(at, zone=True)    "2026-11-22 06:00 UTC" from ISO 8601 (without " UTC" for tables)
day(at)                "2026-11-22"
seconds_between(a, b)  seconds from one ISO 8601 time to another, or None
took(seconds)          "2m 14s", "14s"
plural(n, word)        "1 host", "3 hosts"
plain(text)            typographic apostrophes as ASCII, white space collapsed
cut(text, width)       at most `width` characters, an ellipsis where it was cut
columns(rows)          rows of cells as lines of aligned, space-separated columns
split_url(url)         urllib's urlsplit, remembered (a URL is split when it is loaded,
                       dispatched, classified and judged; ValueError as urlsplit raises it)
host_of(url)           its host name, lower-case ('' when it has none or is no URL)
"""

from __future__ import annotations

import functools
import time
from collections.abc import Sequence
from datetime import UTC, datetime
from urllib.parse import SplitResult, urlsplit

ELLIPSIS = "\u2026"


def utc_now() -> str:
    """ISO 8601 UTC, second precision, as stored and reported."""
    return _iso_second(int(time.time()))


@functools.lru_cache(maxsize=4)  # every observation asks: formatted once a second
def _iso_second(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).isoformat().replace("+00:00", "Z")


def when(at: str | None, *, zone: bool = True) -> str:
    """'2026-11-22 06:00 UTC' (or without the zone) from ISO 8601; `at` as it is when
    it is not ISO 8601, '?' (or '-' without the zone) when there is none."""
    if not at:
        return "?" if zone else "-"
    try:
        moment = datetime.fromisoformat(at)
    except ValueError:
        return at
    return moment.strftime("%Y-%m-%d %H:%M UTC" if zone else "%Y-%m-%d %H:%M")


def day(at: str | None) -> str:
    """The date part of an ISO 8601 time ('' when there is none)."""
    return at[:10] if at else ""


def seconds_between(start: str | None, end: str | None) -> float | None:
    try:
        return (
            datetime.fromisoformat(end or "") - datetime.fromisoformat(start or "")
        ).total_seconds()
    except ValueError:
        return None


def took(seconds: float | None) -> str:
    """'2m 14s' or '14s'; '?' when unknown."""
    if seconds is None:
        return "?"
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m {rest:02d}s" if minutes else f"{rest}s"


def plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"


def plain(text: str) -> str:
    """Typographic apostrophes as ASCII, white space collapsed (for phrase matching)."""
    return " ".join(text.replace("\u2019", "'").replace("\u2018", "'").split())


def cut(text: str, width: int) -> str:
    """`text` on one line, at most `width` characters (an ellipsis where it was cut).
    Only its first 4 x `width` characters are read: a megabyte costs what a line does."""
    head = text[: 4 * width]
    line = " ".join(head.split())
    if len(line) <= width and len(head) == len(text):
        return line
    return line[: width - 1].rstrip() + ELLIPSIS


def columns(rows: Sequence[Sequence[str]], *, last_free: bool = False) -> list[str]:
    """Rows of cells as lines of left-aligned columns two spaces apart; with `last_free`
    the last column is not padded (nor counted in the widths: long URLs)."""
    if not rows:
        return []
    aligned = len(rows[0]) - 1 if last_free else len(rows[0])
    widths = [max(len(row[i]) for row in rows) for i in range(aligned)]
    lines = []
    for row in rows:
        cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
        lines.append("  ".join([*cells, *row[aligned:]]).rstrip())
    return lines


@functools.lru_cache(maxsize=16384)  # a run's URLs (several forms each), split once
def split_url(url: str) -> SplitResult:
    """urlsplit(url), remembered; the same ValueError for a URL it cannot split."""
    return urlsplit(url)


@functools.lru_cache(maxsize=16384)
def host_of(url: str) -> str:
    """The host name of `url`, lower-case ('' when it has none or cannot be split)."""
    try:
        return (split_url(url).hostname or "").lower()
    except ValueError:
        return ""
