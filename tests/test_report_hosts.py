"""report/hosts.py: the report's closing "Requests per host" table, what it shows and that
it is one collapsed block, busiest host first."""

from __future__ import annotations

from linkaudit.model import HostStats, RunInfo
from linkaudit.report import render_markdown
from linkaudit.report.hosts import hosts_table, label, seconds

YOUTUBE = HostStats(
    "YouTube",
    ("www.youtube.com", "youtu.be"),
    requests=31,
    max_in_flight=2,
    min_start_gap_s=0.004,
    status_429=0,
    connections=2,
)
ARXIV = HostStats("arXiv", ("export.arxiv.org",), requests=1, max_in_flight=1, connections=1)
BUSY = HostStats(
    "busy.example",
    ("busy.example",),
    requests=12,
    max_in_flight=4,
    min_start_gap_s=0.0,
    status_429=2,
    status_503=1,
    backoff_s=2.0,
    paused_s=65.0,
    connections=4,
)


def test_the_table_is_one_collapsed_block_busiest_host_first() -> None:
    table = hosts_table([ARXIV, BUSY, YOUTUBE])
    assert table.startswith("<details>\n<summary>Requests per host (3)</summary>\n\n")
    assert table.endswith("\n\n</details>")
    rows = [line for line in table.splitlines() if line.startswith("| ")][1:]
    assert rows == [
        "| YouTube (www\\.youtube.com, youtu.be) | 31 | 2 | 0.004 s | — | — | — | 2 |",
        "| busy.example | 12 | 4 | 0 s | 2 / 1 | 2 s | 1 min 5 s | 4 |",
        "| arXiv (export.arxiv.org) | 1 | 1 | — | — | — | — | 1 |",
    ]


def test_no_hosts_no_table() -> None:
    """A run recorded before linkaudit kept how it asked: the report has no such table."""
    assert hosts_table([]) == ""
    report = render_markdown([], RunInfo(1, "2026-11-22T06:00:00Z", "2026-11-22T06:01:00Z"))
    assert "Requests per host" not in report


def test_the_table_is_the_last_folded_one() -> None:
    run = RunInfo(1, "2026-11-22T06:00:00Z", "2026-11-22T06:01:00Z", hosts=(ARXIV,))
    report = render_markdown([], run)
    assert report.index("Requests per host") < report.index("Last runs, oldest first")


def test_a_group_is_labelled_with_the_names_asked() -> None:
    assert label(YOUTUBE) == "YouTube (www.youtube.com, youtu.be)"
    assert label(BUSY) == "busy.example"
    assert [seconds(s) for s in (0.0, 0.004, 0.41, 3.0, 12.4, 60.0, 3600.0)] == [
        "0 s",
        "0.004 s",
        "0.41 s",
        "3 s",
        "12 s",
        "1 min",
        "60 min",
    ]
