"""How politely a run asked each host: the report's "Requests per host" table. Pure.

    hosts_table(hosts) -> str   one collapsed <details> table, busiest host first ("" when
                                no host was asked: a run recorded before linkaudit kept it)
    label(stats) -> str         the host as a reader knows it: its name, or a group's names
    seconds(value) -> str       "0.41 s", "3 s", "1 min 5 s"

A row per host (or per group of names one operator limits together: YouTube, arXiv):
requests sent (retries and redirects included), the most in flight at once, the
shortest gap between two starts, 429 and 503 answers, the longest interval the back-off
imposed, the time it was paused and the connections opened.
"""

from __future__ import annotations

from collections.abc import Sequence

from linkaudit.model import HostStats
from linkaudit.report.escape import md_text

COLUMNS = (
    "Host",
    "Requests",
    "Most at once",
    "Shortest gap",
    "429 / 503",
    "Back-off",
    "Paused",
    "Connections",
)


def label(stats: HostStats) -> str:
    """`www.youtube.com`, or `YouTube (www.youtube.com, youtu.be)` for a group."""
    names = ", ".join(stats.names)
    if not names or names == stats.key:
        return stats.key
    return f"{stats.key} ({names})"


def seconds(value: float) -> str:
    if value >= 60:
        minutes, rest = divmod(round(value), 60)
        return f"{minutes} min {rest} s" if rest else f"{minutes} min"
    if value >= 10:
        return f"{value:.0f} s"
    return f"{value:.2g} s"


def hosts_table(hosts: Sequence[HostStats]) -> str:
    """The collapsed table of every host asked, busiest first ("" for none)."""
    if not hosts:
        return ""
    lines = ["| " + " | ".join(COLUMNS) + " |", "|" + "---|" * len(COLUMNS)]
    for h in sorted(hosts, key=lambda h: (-h.requests, h.key)):
        cells = (
            md_text(label(h)),
            str(h.requests),
            str(h.max_in_flight),
            seconds(h.min_start_gap_s) if h.min_start_gap_s is not None else "—",
            f"{h.status_429} / {h.status_503}" if h.status_429 or h.status_503 else "—",
            seconds(h.backoff_s) if h.backoff_s else "—",
            seconds(h.paused_s) if h.paused_s else "—",
            str(h.connections),
        )
        lines.append("| " + " | ".join(cells) + " |")
    summary = f"Requests per host ({len(hosts)})"
    return "<details>\n<summary>" + summary + "</summary>\n\n" + "\n".join(lines) + "\n\n</details>"
