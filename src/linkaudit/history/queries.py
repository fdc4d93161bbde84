"""The read side of the history database: queries on `self.db`, for store.py's `Store`
(a `Store` is a `HistoryQueries` that can also write). Nothing here writes."""

from __future__ import annotations

import json
from collections.abc import Iterable
from pathlib import Path

from sqlite_utils import Database

from linkaudit.history.schema import (
    Baseline,
    BaselineHow,
    HistoryRow,
    RunRow,
    RunState,
    row_observation,
)
from linkaudit.model import Observation, Verdict

HISTORY_LIMIT = 60  # past observations per URL handed to the judge
DIED = "process ended mid-run"


class HistoryQueries:
    """What the history says; `dead_runs_untidied` makes a reader show a `running` run
    whose process died as `interrupted` without writing it (store.py sets it)."""

    path: Path
    db: Database
    dead_runs_untidied: bool = False

    def history(
        self, urls: Iterable[str], *, limit: int = HISTORY_LIMIT
    ) -> dict[str, list[Observation]]:
        """The last `limit` observations per URL from complete runs, oldest first."""
        wanted = set(urls)
        out: dict[str, list[Observation]] = {u: [] for u in wanted}
        rows = self.db.execute(
            "SELECT * FROM (SELECT o.*, row_number() OVER (PARTITION BY o.url ORDER BY"
            " o.run_id DESC) AS nth FROM observations o JOIN runs r ON r.id = o.run_id"
            " WHERE r.state = ?) WHERE nth <= ? ORDER BY run_id",
            [RunState.COMPLETE.value, limit],
        )
        columns = [c[0] for c in rows.description]
        for values in rows:
            row = dict(zip(columns, values, strict=True))
            if row["url"] in wanted:
                out[row["url"]].append(row_observation(row))
        return out

    def last_live(self, urls: Iterable[str]) -> dict[str, str]:
        """When each URL last answered live in a complete run (checked_at)."""
        live = [v.value for v in Verdict if v.is_live]
        wanted = set(urls)
        rows = self.db.execute(
            "SELECT o.url, max(o.checked_at) FROM observations o JOIN runs r ON r.id = o.run_id"
            f" WHERE r.state = ? AND o.verdict IN ({','.join('?' * len(live))}) GROUP BY o.url",
            [RunState.COMPLETE.value, *live],
        )
        return {url: at for url, at in rows if url in wanted}

    def first_seen(self, urls: Iterable[str]) -> dict[str, str]:
        """When each URL first appeared in the catalog of a run."""
        wanted = set(urls)
        rows = self.db.execute("SELECT url, first_seen FROM resources")
        return {url: at for url, at in rows if url in wanted}

    def baselines(self, urls: Iterable[str] | None = None) -> dict[str, Baseline]:
        wanted = None if urls is None else set(urls)
        return {
            url: Baseline(title, since, BaselineHow(how))
            for url, title, since, how in self.db.execute(
                "SELECT url, title, since, how FROM baselines"
            )
            if wanted is None or url in wanted
        }

    def url_history(self, url: str) -> list[HistoryRow]:
        """Every observation of one URL, in any run state, oldest first."""
        cursor = self.db.execute(
            "SELECT o.*, r.state AS run_state FROM observations o JOIN runs r"
            " ON r.id = o.run_id WHERE o.url = ? ORDER BY o.run_id",
            [url],
        )
        columns = [c[0] for c in cursor.description]
        out = []
        for values in cursor:
            row = dict(zip(columns, values, strict=True))
            state = self._shown_state(RunState(row["run_state"]))
            out.append(HistoryRow(row["run_id"], state, row_observation(row)))
        return out

    def known_url(self, url: str) -> bool:
        return (
            self.db.execute(
                "SELECT 1 FROM resources WHERE url = ? UNION SELECT 1 FROM observations"
                " WHERE url = ? LIMIT 1",
                [url, url],
            ).fetchone()
            is not None
        )

    def runs(self, *, limit: int = 20) -> list[RunRow]:
        """The most recent runs, newest first."""
        rows = self.db.execute(
            "SELECT id, started_at, finished_at, state, tool_version, resources, counts, note"
            " FROM runs ORDER BY id DESC LIMIT ?",
            [limit],
        ).fetchall()
        out = []
        for i, s, f, st, v, n, c, note in rows:
            stored = RunState(st)
            state = self._shown_state(stored)
            shown_note = (note or DIED) if state is not stored else note
            counts = json.loads(c) if c else {}
            out.append(RunRow(i, s, f, state, v or "", n or 0, counts, shown_note))
        return out

    def _shown_state(self, state: RunState) -> RunState:
        """`running` as a reader should see it: interrupted if its process is gone."""
        if state is RunState.RUNNING and self.dead_runs_untidied:
            return RunState.INTERRUPTED
        return state
