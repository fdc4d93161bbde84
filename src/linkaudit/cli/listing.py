"""Plain-text views of a catalog: the one-line summary and the aligned table (pure)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence

from linkaudit.model import Resource

TITLE_WIDTH = 50
SECTION_WIDTH = 40
UNLINKED = "(unlinked)"
HEADER = ("TITLE", "KIND", "SECTION", "URL")


def summarize(resources: Sequence[Resource]) -> str:
    """`N resources (L linked, U unlinked) in F files`."""
    linked = sum(1 for r in resources if r.url)
    files = len({r.source for r in resources})
    return (
        f"{_plural(len(resources), 'resource')} ({linked} linked, "
        f"{len(resources) - linked} unlinked) in {_plural(files, 'file')}"
    )


def kind_counts(resources: Sequence[Resource]) -> str:
    """`web 20, arxiv 3, ...`, most common first."""
    counts = Counter(str(r.kind) for r in resources)
    return ", ".join(f"{kind} {n}" for kind, n in counts.most_common())


def render_table(resources: Sequence[Resource]) -> str:
    """An aligned table: title, kind, section, URL. Titles and sections are cut with an
    ellipsis to keep rows on one line; URLs are never cut (they are what gets copied)."""
    rows = [HEADER] + [
        (
            _cut(r.title, TITLE_WIDTH),
            str(r.kind),
            _cut(r.section, SECTION_WIDTH),
            r.url or UNLINKED,
        )
        for r in resources
    ]
    widths = [max(len(row[i]) for row in rows) for i in range(3)]
    lines = [
        "  ".join([*(c.ljust(w) for c, w in zip(row, widths, strict=False)), row[3]])
        for row in rows
    ]
    return "\n".join(line.rstrip() for line in lines)


def _cut(text: str, width: int) -> str:
    return text if len(text) <= width else text[: width - 1].rstrip() + "…"


def _plural(n: int, word: str) -> str:
    return f"{n} {word}" if n == 1 else f"{n} {word}s"
