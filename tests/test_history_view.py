"""history_view.py: what `linkaudit runs` and `linkaudit history` show for runs that
did not complete."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from linkaudit.cli import main
from linkaudit.history.store import RunState, Store
from linkaudit.model import Kind, Observation, Resource, Verdict

A, B = "http://127.0.0.1:9/a", "http://127.0.0.1:9/b"
CATALOG = [Resource(title="t", section="", kind=Kind.WEB, url=u) for u in (A, B)]


def a_run(db: Path, day: int, state: RunState | None, note: str | None, *verdicts: Verdict) -> None:
    """One run on 2026-11-`day` that took three minutes; `state` None: killed mid-run."""
    store = Store.open(db)
    store.start_run(CATALOG, started_at=f"2026-11-{day:02d}T06:00:00Z")
    at = f"2026-11-{day:02d}T06:00:05Z"
    store.record(Observation(u, v, checked_at=at) for u, v in zip((A, B), verdicts, strict=False))
    if state is not None:
        store.finish_run(state, finished_at=f"2026-11-{day:02d}T06:03:00Z", note=note)
    store.close()


def squeezed(output: str) -> list[str]:
    """The lines of a table with its column padding squeezed to one space."""
    return [" ".join(line.split()) for line in output.splitlines()]


def test_runs_shows_why_a_run_did_not_complete(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    a_run(db, 1, RunState.COMPLETE, None, Verdict.OK, Verdict.DEAD)
    a_run(db, 8, RunState.ABORTED, "NetworkDown: every host failed before HTTP", Verdict.ERROR)
    a_run(db, 15, RunState.INTERRUPTED, "KeyboardInterrupt", Verdict.OK)
    a_run(db, 22, None, None, Verdict.OK)  # the process was killed
    result = CliRunner().invoke(main, ["runs", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert squeezed(result.output) == [
        "run started took state URLs verdicts",
        "4 2026-11-22 06:00 - interrupted 2 - process ended mid-run",
        "3 2026-11-15 06:00 3m interrupted 2 ok 1 KeyboardInterrupt",
        "2 2026-11-08 06:00 3m aborted 2 - NetworkDown: every host failed before HTTP",
        "1 2026-11-01 06:00 3m complete 2 dead 1, ok 1",
    ]
    with sqlite3.connect(db) as conn:  # shown, not written: `runs` only reads
        assert conn.execute("SELECT state FROM runs WHERE id = 4").fetchone()[0] == "running"


def test_history_marks_observations_that_are_not_counted(tmp_path: Path) -> None:
    """An aborted run leaves nothing; interrupted runs show, marked as not counted."""
    db = tmp_path / "h.db"
    a_run(db, 1, RunState.COMPLETE, None, Verdict.OK)
    a_run(db, 8, RunState.ABORTED, "NetworkDown", Verdict.ERROR)
    a_run(db, 15, RunState.INTERRUPTED, "KeyboardInterrupt", Verdict.DEAD)
    a_run(db, 22, None, None, Verdict.DEAD)
    result = CliRunner().invoke(main, ["history", A, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert squeezed(result.output)[2:] == [
        "1 2026-11-01 06:00 ok -",
        "3 2026-11-15 06:00 dead - [interrupted: not counted]",
        "4 2026-11-22 06:00 dead - [interrupted: not counted]",
    ]
