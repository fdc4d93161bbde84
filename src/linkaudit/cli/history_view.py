"""Plain-text tables for `linkaudit history URL` and `linkaudit runs`: pure functions."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from linkaudit.history.store import Baseline, HistoryRow, RunRow, RunState
from linkaudit.model import Verdict

TITLE_WIDTH = 60


def render_url_history(url: str, rows: Sequence[HistoryRow], baseline: Baseline | None) -> str:
    """One line per run that checked `url`, oldest first, under a short header."""
    lines = [url]
    if baseline is not None:
        lines.append(
            f"baseline title: {baseline.title!r} ({baseline.how}, {_when(baseline.since)})"
        )
    table = [("run", "checked", "verdict", "status", "title / error", "")]
    for row in rows:
        o = row.observation
        note = "" if row.run_state is RunState.COMPLETE else f"[{row.run_state}: not counted]"
        detail = o.title if o.verdict.is_live else (o.error or o.title or "")
        if o.verdict is Verdict.MOVED and o.final_url:
            detail = f"-> {o.final_url}  {detail or ''}".rstrip()
        table.append(
            (
                str(row.run_id),
                _when(o.checked_at),
                o.verdict.value,
                str(o.http_status or "-"),
                _clip(detail or ""),
                note,
            )
        )
    if len(table) == 1:
        lines.append("no observations yet")
    else:
        lines.extend(_columns(table))
    return "\n".join(lines)


def render_runs(runs: Sequence[RunRow]) -> str:
    """Recent runs, newest first: when, how long, state, URLs and verdict counts."""
    if not runs:
        return "no runs yet"
    table = [("run", "started", "took", "state", "URLs", "verdicts")]
    for r in runs:
        counts = ", ".join(f"{k} {v}" for k, v in sorted(r.counts.items())) or "-"
        table.append(
            (
                str(r.id),
                _when(r.started_at),
                _took(r.started_at, r.finished_at),
                r.state.value,
                str(r.resources),
                counts if r.state is RunState.COMPLETE else f"{counts}  {r.note or ''}".strip(),
            )
        )
    return "\n".join(_columns(table))


def _columns(rows: Sequence[Sequence[str]]) -> list[str]:
    widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]))]
    return [
        "  ".join(c.ljust(w) for c, w in zip(row, widths, strict=True)).rstrip() for row in rows
    ]


def _when(at: str | None) -> str:
    """'2026-11-22 06:00' from ISO 8601; the input unchanged if it is not ISO."""
    if not at:
        return "-"
    try:
        return datetime.fromisoformat(at).strftime("%Y-%m-%d %H:%M")
    except ValueError:
        return at


def _took(start: str, end: str | None) -> str:
    if not end:
        return "-"
    try:
        seconds = (datetime.fromisoformat(end) - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return "-"
    return f"{seconds:.0f}s" if seconds < 120 else f"{seconds / 60:.0f}m"


def _clip(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= TITLE_WIDTH else text[: TITLE_WIDTH - 1] + "\u2026"
