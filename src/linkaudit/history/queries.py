"""The read side of the history database: queries on `self.db`, for store.py's `Store`
(a `Store` is a `Queries` that can also write). Nothing here writes, nothing judges.

    past(urls, before=None)   per URL, what the judge weighs: its observations in complete
                              runs (before run `before`, when given), baseline, first seen,
                              last live (model.Past); the one way it is read
    previous_of(past)         validators and title for URLs that were live last time
    observations_of(run_id), resources_of(urls), complete_runs()   a stored run, replayed
    runs(limit), url_history(url), known_url(url), baselines(urls)  for the commands
    archive_answers(keys)     what the Wayback Machine answered per (url, before) asked
"""

from __future__ import annotations

import json
import sys
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from linkaudit.config import HISTORY_LIMIT, PREVIOUS_DEPTH
from linkaudit.history.schema import LIVE, hosts_of, row_observation
from linkaudit.model import (
    ArchiveAnswer,
    Archived,
    Baseline,
    BaselineHow,
    Kind,
    Observation,
    Past,
    Previous,
    Resource,
    RunObservation,
    RunRow,
    RunState,
)

DIED = "process ended mid-run"
_KINDS = frozenset(Kind)
_ALL_RUNS = sys.maxsize  # `before` when every complete run counts


class Queries:
    """What the history says; `dead_runs_untidied` makes a reader show a `running` run
    whose process died as `interrupted` without writing it (store.py sets it)."""

    path: Path
    db: Database
    dead_runs_untidied: bool = False

    def past(self, urls: Iterable[str], *, before: int | None = None) -> dict[str, Past]:
        """What the judge weighs per URL, from the complete runs (before run `before`).

        A baseline first seen by a run counts only if an earlier complete run saw the
        page live with a title (so a stored run is judged again as it was judged then);
        an accepted baseline always counts (a re-rendered report honours `accept`)."""
        wanted = list(dict.fromkeys(urls))
        limit = _ALL_RUNS if before is None else before
        seen = self._observations_before(set(wanted), limit)
        live = self._last_live_before(limit)
        first = self.first_seen(wanted)
        baselines = self.baselines(wanted)
        out = {}
        for url in wanted:
            observations = tuple(seen.get(url, ()))
            baseline = baselines.get(url)
            counted = baseline is not None and (
                baseline.how is BaselineHow.ACCEPTED
                or len(observations) >= HISTORY_LIMIT
                or any(o.verdict.is_live and o.title for o in observations)
            )
            out[url] = Past(
                observations=observations,
                baseline=baseline.title if counted and baseline else None,
                first_seen=first.get(url),
                last_live=live.get(url),
            )
        return out

    def _observations_before(self, wanted: set[str], before: int) -> dict[str, list[Observation]]:
        """The last HISTORY_LIMIT observations per URL from complete runs, oldest first."""
        out: dict[str, list[Observation]] = {}
        rows = self._rows(
            "SELECT * FROM (SELECT o.*, row_number() OVER (PARTITION BY o.url ORDER BY"
            " o.run_id DESC) AS nth FROM observations o JOIN runs r ON r.id = o.run_id"
            " WHERE r.state = ? AND o.run_id < ?) WHERE nth <= ? ORDER BY run_id",
            [RunState.COMPLETE.value, before, HISTORY_LIMIT],
        )
        for row in rows:
            if row["url"] in wanted:
                out.setdefault(row["url"], []).append(row_observation(row))
        return out

    def _last_live_before(self, before: int) -> dict[str, str]:
        """When each URL last answered live in a complete run (checked_at)."""
        rows = self.db.execute(
            "SELECT o.url, max(o.checked_at) FROM observations o JOIN runs r ON r.id = o.run_id"
            f" WHERE r.state = ? AND o.run_id < ? AND o.verdict IN ({','.join('?' * len(LIVE))})"
            " GROUP BY o.url",
            [RunState.COMPLETE.value, before, *LIVE],
        )
        return dict(rows.fetchall())

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

    def archive_answers(
        self, keys: Iterable[tuple[str, str]]
    ) -> dict[tuple[str, str], ArchiveAnswer]:
        """The remembered answers of the archive for these (url, before) keys."""
        wanted = set(keys)
        if not wanted:
            return {}
        rows = self.db.execute(
            "SELECT url, before, archive_url, archive_timestamp, asked_at, note FROM archives"
        )
        return {
            (url, before): ArchiveAnswer(
                url, before, Archived(at, stamp) if at and stamp else None, asked or "", note or ""
            )
            for url, before, at, stamp, asked, note in rows
            if (url, before) in wanted
        }

    def observations_of(self, run_id: int) -> dict[str, Observation]:
        """Every observation of one run, by URL."""
        rows = self._rows("SELECT * FROM observations WHERE run_id = ? ORDER BY url", [run_id])
        return {str(r["url"]): row_observation(r) for r in rows}

    def resources_of(self, urls: Sequence[str]) -> list[Resource]:
        """The catalog entries last recorded for `urls` (a URL the database has no entry
        for stands as its own title)."""
        wanted = set(urls)
        known = {
            str(r["url"]): Resource(
                title=str(r["title"] or ""),
                section=str(r["section"] or ""),
                kind=Kind(str(r["kind"])) if r["kind"] in _KINDS else Kind.WEB,
                url=str(r["url"]),
                source=str(r["source"] or ""),
                line=int(str(r["line"] or 0)),
            )
            for r in self._rows("SELECT * FROM resources ORDER BY source, line, url", [])
            if r["url"] in wanted
        }
        missing = [
            Resource(title=u, section="", kind=Kind.WEB, url=u) for u in urls if u not in known
        ]
        return [*known.values(), *missing]

    def complete_runs(self) -> list[RunRow]:
        """Every complete run, oldest first."""
        rows = self.db.execute("SELECT count(*) FROM runs").fetchone()[0]
        return [r for r in reversed(self.runs(limit=rows)) if r.state is RunState.COMPLETE]

    def url_history(self, url: str) -> list[RunObservation]:
        """Every observation of one URL, in any run state, oldest first."""
        rows = self._rows(
            "SELECT o.*, r.state AS run_state FROM observations o JOIN runs r"
            " ON r.id = o.run_id WHERE o.url = ? ORDER BY o.run_id",
            [url],
        )
        return [
            RunObservation(
                row["run_id"], self._shown_state(RunState(row["run_state"])), row_observation(row)
            )
            for row in rows
        ]

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
            "SELECT id, started_at, finished_at, state, tool_version, resources, counts, note,"
            " hosts FROM runs ORDER BY id DESC LIMIT ?",
            [limit],
        ).fetchall()
        out = []
        for i, s, f, st, v, n, c, note, hosts in rows:
            stored = RunState(st)
            state = self._shown_state(stored)
            shown_note = (note or DIED) if state is not stored else note
            counts = json.loads(c) if c else {}
            row = RunRow(i, s, f, state, v or "", n or 0, counts, shown_note, hosts_of(hosts))
            out.append(row)
        return out

    def _shown_state(self, state: RunState) -> RunState:
        """`running` as a reader should see it: interrupted if its process is gone."""
        if state is RunState.RUNNING and self.dead_runs_untidied:
            return RunState.INTERRUPTED
        return state

    def _rows(self, sql: str, params: Sequence[object]) -> list[dict[str, Any]]:
        cursor = self.db.execute(sql, list(params))
        columns = [c[0] for c in cursor.description]
        return [dict(zip(columns, values, strict=True)) for values in cursor]


def previous_of(past: Mapping[str, Past]) -> dict[str, Previous]:
    """Validators and title for URLs that were live in their last complete run.

    A 304 answer need not repeat ETag or Last-Modified: each is taken from the latest
    observation of the live streak (of the last PREVIOUS_DEPTH runs) that carries it.
    """
    out: dict[str, Previous] = {}
    for url, known in past.items():
        streak: list[Observation] = []
        for o in reversed(known.observations[-PREVIOUS_DEPTH:]):
            if not o.verdict.is_live:
                break
            streak.append(o)
        if streak:
            out[url] = Previous(
                etag=next((o.etag for o in streak if o.etag), None),
                last_modified=next((o.last_modified for o in streak if o.last_modified), None),
                title=next((o.title for o in streak if o.title), None),
            )
    return out
