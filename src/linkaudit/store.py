"""The history: every run and every observation in one SQLite file (sqlite-utils).

Tables (schema version in ``PRAGMA user_version``, steps applied by sqlite-utils
``Migrations``, each step in its own transaction):

    runs          one row per `linkaudit check`: times, state, version, options, counts
    resources     every URL ever catalogued: title, section, kind, where, first/last seen
    observations  one row per URL per run: verdict, status, hops, title, validators
    baselines     the title each URL is expected to carry, and how it was set

A run is ``running`` while it writes, then ``complete`` or ``aborted``. A run whose
process died stays ``running`` until the next open, which marks it ``interrupted``.
Only ``complete`` runs count as history. One writer at a time: the run holds an
exclusive ``flock`` on ``<db>.lock`` (the OS drops it when the process dies, however
it dies), so a second run fails fast with `StoreBusy` and a crashed one never blocks.

Exceptions:

    StoreError        the database cannot be used
    ├── StoreBusy     another live linkaudit run holds the database
    ├── StoreTooNew   the file was written by a newer linkaudit
    └── StoreMissing  a read-only command was pointed at a file that does not exist
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlite_utils import Database

from linkaudit import __version__
from linkaudit.lockfile import WriterLock
from linkaudit.model import Observation, Resource, Verdict
from linkaudit.store_schema import (
    MIGRATIONS,
    SCHEMA_VERSION,
    Baseline,
    BaselineHow,
    HistoryRow,
    RunRow,
    RunState,
    observation_row,
    row_observation,
)

DEFAULT_DB = Path("reports/history.db")
BUSY_TIMEOUT_MS = 5000
LOCK_PATIENCE = 0.5  # seconds a new run waits for a brief lock holder
HISTORY_LIMIT = 60  # past observations per URL handed to the judge


class StoreError(Exception):
    """The history database cannot be used."""


class StoreBusy(StoreError):
    """Another live linkaudit run holds the database."""


class StoreTooNew(StoreError):
    """The database was written by a newer linkaudit than this one."""


class StoreMissing(StoreError):
    """A read-only command was given a database file that does not exist."""


def utc_now() -> str:
    """Now, ISO 8601 UTC with a Z, to the second."""
    return datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


# --- the store --------------------------------------------------------------------


class Store:
    """The history database. Open with `Store.open`; use as a context manager."""

    def __init__(self, path: Path, db: Database) -> None:
        self.path = path
        self.db = db
        self.run_id: int | None = None
        self.lock = WriterLock(path.with_name(path.name + ".lock"))

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Store:
        """Open (and create, migrate) the database at `path`; tidy up dead runs.

        Raises StoreMissing (create=False and no file), StoreTooNew, StoreBusy (a
        migration is needed while another run holds the file), StoreError.
        """
        path = Path(path)
        if not path.exists():
            if not create:
                raise StoreMissing(f"no history database at {path} (run `linkaudit check` first)")
            path.parent.mkdir(parents=True, exist_ok=True)
        try:
            conn = sqlite3.connect(str(path), timeout=BUSY_TIMEOUT_MS / 1000)
            db = Database(conn)
            version = db.execute("PRAGMA user_version").fetchone()[0]
        except sqlite3.DatabaseError as exc:
            raise StoreError(f"{path} is not a usable SQLite database: {exc}") from exc
        store = cls(path, db)
        try:
            if version > SCHEMA_VERSION:
                raise StoreTooNew(
                    f"{path} has schema version {version}, newer than this linkaudit "
                    f"{__version__} understands ({SCHEMA_VERSION}): upgrade linkaudit"
                )
            db.execute("PRAGMA foreign_keys = ON")
            if version < SCHEMA_VERSION:
                if not store.lock.acquire(patience=LOCK_PATIENCE):
                    raise store._busy()
                try:
                    db.enable_wal()
                    MIGRATIONS.apply(db)
                finally:
                    store.lock.release()
            store._tidy()
        except BaseException:
            db.close()
            raise
        return store

    def close(self) -> None:
        self.lock.release()
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _busy(self) -> StoreBusy:
        row = (
            self.db.execute(
                "SELECT id, started_at, pid FROM runs WHERE state = ? ORDER BY id DESC LIMIT 1",
                [RunState.RUNNING.value],
            ).fetchone()
            if self.db["runs"].exists()
            else None
        )
        holder = f" (run {row[0]}, started {row[1]}, pid {row[2]})" if row else ""
        return StoreBusy(f"another linkaudit run holds {self.path}{holder}")

    def _tidy(self) -> None:
        """Mark dead runs interrupted, if no live run holds the lock (read-only
        directories and files are left as they are)."""
        try:
            if not self.lock.acquire():
                return
        except OSError:
            return
        try:
            self._mark_interrupted()
        except sqlite3.OperationalError:  # e.g. a read-only file: a reader can still read
            pass
        finally:
            self.lock.release()

    def _mark_interrupted(self) -> None:
        """Runs left `running` by a process that died (we hold the lock, so none live)."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE runs SET state = ?, note = coalesce(note, 'process ended mid-run') "
                "WHERE state = ?",
                [RunState.INTERRUPTED.value, RunState.RUNNING.value],
            )

    # --- one run -----------------------------------------------------------------

    def start_run(
        self,
        resources: Sequence[Resource],
        *,
        options: Mapping[str, Any] | None = None,
        started_at: str | None = None,
    ) -> int:
        """Take the writer lock, record a `running` run and the catalog; return its id."""
        if not self.lock.acquire(patience=LOCK_PATIENCE):
            raise self._busy()
        self._mark_interrupted()
        started_at = started_at or utc_now()
        linked = [r for r in resources if r.url]
        with self.db.atomic():
            cursor = self.db.execute(
                "INSERT INTO runs (started_at, state, tool_version, options, catalog_digest,"
                " resources, pid) VALUES (?, ?, ?, ?, ?, ?, ?)",
                [
                    started_at,
                    RunState.RUNNING.value,
                    __version__,
                    json.dumps(dict(options or {}), sort_keys=True, default=str),
                    catalog_digest(resources),
                    len(linked),
                    os.getpid(),
                ],
            )
            self.run_id = int(cursor.lastrowid or 0)
            self.db.conn.executemany(
                "INSERT INTO resources (url, title, section, kind, source, line, first_seen,"
                " last_seen) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT(url) DO UPDATE SET"
                " title = excluded.title, section = excluded.section, kind = excluded.kind,"
                " source = excluded.source, line = excluded.line, last_seen = excluded.last_seen",
                [
                    (
                        r.url,
                        r.title,
                        r.section,
                        str(r.kind),
                        r.source,
                        r.line,
                        started_at,
                        started_at,
                    )
                    for r in linked
                ],
            )
        return self.run_id

    def record(self, observations: Iterable[Observation]) -> int:
        """Write a batch of this run's observations in one transaction; return the count."""
        if self.run_id is None:
            raise StoreError("record() called outside a run")
        rows = [observation_row(self.run_id, o) for o in observations]
        if rows:
            with self.db.atomic():
                self.db.conn.executemany(
                    "INSERT OR REPLACE INTO observations (run_id, url, verdict, http_status,"
                    " final_url, hops, title, flags, error, elapsed_ms, etag, last_modified,"
                    " checked_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    rows,
                )
        return len(rows)

    def finish_run(
        self, state: RunState, *, finished_at: str | None = None, note: str | None = None
    ) -> None:
        """End the run: `complete`; `aborted` (its observations are dropped); or
        `interrupted` (kept for `linkaudit history`, never judged)."""
        if self.run_id is None:
            raise StoreError("finish_run() called outside a run")
        with self.db.atomic():
            if state is RunState.ABORTED:  # records no verdicts
                self.db.execute("DELETE FROM observations WHERE run_id = ?", [self.run_id])
            counts = dict(
                self.db.execute(
                    "SELECT verdict, count(*) FROM observations WHERE run_id = ?"
                    " GROUP BY verdict ORDER BY verdict",
                    [self.run_id],
                ).fetchall()
            )
            self.db.execute(
                "UPDATE runs SET state = ?, finished_at = ?, counts = ?, note = ? WHERE id = ?",
                [state.value, finished_at or utc_now(), json.dumps(counts), note, self.run_id],
            )
        self.run_id = None
        self.lock.release()

    # --- history queries ---------------------------------------------------------

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

    def set_baselines(
        self, titles: Mapping[str, str], *, how: BaselineHow, since: str | None = None
    ) -> None:
        since = since or utc_now()
        with self.db.atomic():
            self.db.conn.executemany(
                "INSERT OR REPLACE INTO baselines (url, title, since, how) VALUES (?, ?, ?, ?)",
                [(url, title, since, how.value) for url, title in titles.items()],
            )

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
            out.append(HistoryRow(row["run_id"], RunState(row["run_state"]), row_observation(row)))
        return out

    def accept_title(self, url: str, *, since: str | None = None) -> tuple[Baseline | None, str]:
        """Make the latest live title of `url` (complete runs) its baseline.

        Returns (the previous baseline or None, the new title). Raises StoreError when
        no complete run saw the page live with a title.
        """
        row = self.db.execute(
            "SELECT o.title FROM observations o JOIN runs r ON r.id = o.run_id WHERE o.url = ?"
            " AND r.state = ? AND o.title IS NOT NULL AND o.verdict IN (?, ?, ?)"
            " ORDER BY o.run_id DESC LIMIT 1",
            [url, RunState.COMPLETE.value, *(v.value for v in Verdict if v.is_live)],
        ).fetchone()
        if row is None:
            raise StoreError(f"no live title recorded for {url}: nothing to accept")
        previous = self.baselines([url]).get(url)
        self.set_baselines({url: row[0]}, how=BaselineHow.ACCEPTED, since=since)
        return previous, row[0]

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
        return [
            RunRow(i, s, f, RunState(st), v or "", n or 0, json.loads(c) if c else {}, note)
            for i, s, f, st, v, n, c, note in rows
        ]


def catalog_digest(resources: Sequence[Resource]) -> str:
    """A short fingerprint of what was catalogued, to tell runs of different catalogs apart."""
    h = hashlib.sha256()
    for r in sorted(resources, key=lambda r: (r.url or "", r.title)):
        h.update(f"{r.url or ''}\t{r.title}\t{r.section}\n".encode())
    return h.hexdigest()[:16]
