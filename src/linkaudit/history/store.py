"""The history: every run and every observation in one SQLite file (sqlite-utils).

Tables (schema version in ``PRAGMA user_version``, steps applied by sqlite-utils
``Migrations``, each step in its own transaction):

    runs          one row per `linkaudit check`: times, state, version, options, counts
    resources     every URL ever catalogued: title, section, kind, where, first/last seen
    observations  one row per URL per run: verdict, status, hops, title, validators
    baselines     the title each URL is expected to carry, and how it was set
    archives      what the Wayback Machine answered for a dead URL (remember_archive)

A run is ``running`` while it writes, then ``complete`` or ``aborted``. A run whose
process died stays ``running`` until the next writable open, which marks it
``interrupted`` (a read-only open shows it so without writing). Only ``complete`` runs
count as history. One writer at a time: the run holds an exclusive ``flock`` on
``<db>.lock`` (the OS drops it when the process dies, however it dies), so a second run
fails fast with `StoreBusy` and a crashed one never blocks.

`Store.open(path)` is writable: it creates, migrates, and always uses WAL.
`Store.open(path, create=False)` is read-only (``mode=ro``): it never changes the file
nor creates ``<db>.lock``; its first write (`accept_title`) reopens it writable. A
foreign or damaged file is refused untouched, and SQLite errors become a `StoreError`
(errors.py) that says which file and what to do (file.py).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import Any

from linkaudit import __version__
from linkaudit.config import LOCK_PATIENCE
from linkaudit.errors import StoreBusy, StoreError, StoreMissing
from linkaudit.history.file import check_file, connect, sqlite_errors, unusable
from linkaudit.history.lock import WriterLock
from linkaudit.history.queries import DIED, Queries
from linkaudit.history.schema import (
    LIVE,
    MIGRATIONS,
    OBSERVATION_COLUMNS,
    SCHEMA_VERSION,
    hosts_text,
    observation_row,
)
from linkaudit.model import (
    ArchiveAnswer,
    Baseline,
    BaselineHow,
    HostStats,
    Observation,
    Resource,
    RunState,
)
from linkaudit.text import utc_now


class Store(Queries):
    """The history database. Open with `Store.open`; use as a context manager."""

    def __init__(self, path: Path, *, readonly: bool) -> None:
        self.path = path
        self.readonly = readonly
        self.db = connect(path, readonly=readonly)
        self.run_id: int | None = None
        self.lock = WriterLock(path.with_name(path.name + ".lock"))
        self.dead_runs_untidied = False  # read-only: `running` runs whose process died

    @classmethod
    def open(cls, path: Path, *, create: bool = True) -> Store:
        """Open the database at `path`: writable (create, migrate, WAL, tidy up dead
        runs), or read-only with create=False (see the module docstring).

        Raises StoreMissing (create=False and no history), StoreTooNew, StoreBusy (a
        migration is needed while another run holds the file), StoreError.
        """
        path = Path(path)
        if not path.exists():
            if not create:
                raise StoreMissing(f"no history database at {path} (run `linkaudit check` first)")
            path.parent.mkdir(parents=True, exist_ok=True)
        with sqlite_errors(path):
            store = cls(path, readonly=not create)
            try:
                version = check_file(store.db, path)
                if store.readonly:
                    store._read_only_checks(version)
                else:
                    store._prepare_for_writing(version)
            except BaseException:
                store.db.close()
                raise
        return store

    def _read_only_checks(self, version: int) -> None:
        if version == 0:
            raise StoreMissing(f"no history yet in {self.path} (run `linkaudit check` first)")
        if version < SCHEMA_VERSION:
            raise StoreError(
                f"{self.path} has schema version {version}, older than this linkaudit's "
                f"({SCHEMA_VERSION}): run `linkaudit check` once to upgrade it"
            )
        self.dead_runs_untidied = not self.lock.held_elsewhere()

    def _prepare_for_writing(self, version: int) -> None:
        self.db.enable_wal()
        self.db.execute("PRAGMA foreign_keys = ON")
        if version < SCHEMA_VERSION:
            self._take_lock()
            try:
                MIGRATIONS.apply(self.db)
            finally:
                self.lock.release()
        self._tidy()

    def _writable(self) -> None:
        """Reopen a read-only store writable, for its first write (the schema is current)."""
        if self.readonly:
            self.db.close()
            self.readonly, self.dead_runs_untidied = False, False
            self.db = connect(self.path, readonly=False)
            self.db.enable_wal()
            self.db.execute("PRAGMA foreign_keys = ON")

    def close(self) -> None:
        self.lock.release()
        self.db.close()

    def __enter__(self) -> Store:
        return self

    def __exit__(self, exc_type: object, exc: BaseException | None, tb: object) -> None:
        """Close; an SQLite error that escaped the block becomes a StoreError."""
        self.close()
        error = unusable(self.path, exc)
        if error is not None:
            raise error from exc

    def _take_lock(self) -> None:
        try:
            held = self.lock.acquire(patience=LOCK_PATIENCE)
        except OSError as exc:
            raise StoreError(
                f"cannot take the writer lock {self.lock.path} ({exc}): check the "
                "directory's permissions, or pass --db"
            ) from exc
        if not held:
            raise self._busy()

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
        """Mark dead runs interrupted, if no live run holds the lock."""
        try:
            if not self.lock.acquire():
                return
        except OSError:  # no lock file can be made here: start_run will say so
            return
        try:
            self._mark_interrupted()
        finally:
            self.lock.release()

    def _mark_interrupted(self) -> None:
        """Runs left `running` by a process that died (we hold the lock, so none live)."""
        with self.db.atomic():
            self.db.execute(
                "UPDATE runs SET state = ?, note = coalesce(note, ?) WHERE state = ?",
                [RunState.INTERRUPTED.value, DIED, RunState.RUNNING.value],
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
        self._writable()
        self._take_lock()
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
                    f"INSERT OR REPLACE INTO observations ({OBSERVATION_COLUMNS})"
                    f" VALUES ({', '.join('?' * len(rows[0]))})",
                    rows,
                )
        return len(rows)

    def finish_run(
        self,
        state: RunState,
        *,
        finished_at: str | None = None,
        note: str | None = None,
        baselines: Mapping[str, str] | None = None,
        hosts: Sequence[HostStats] = (),
    ) -> None:
        """End the run: `complete`; `aborted` (its observations are dropped); or
        `interrupted` (kept for `linkaudit history`, never judged). `baselines` (titles
        first seen by this run) and `hosts` (how it asked each) are written in the same
        transaction, so a run killed before it completes leaves none behind."""
        if self.run_id is None:
            raise StoreError("finish_run() called outside a run")
        finished_at = finished_at or utc_now()
        with self.db.atomic():
            if baselines:
                self._write_baselines(baselines, how=BaselineHow.FIRST_SEEN, since=finished_at)
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
                "UPDATE runs SET state = ?, finished_at = ?, counts = ?, note = ?, hosts = ?"
                " WHERE id = ?",
                [
                    state.value,
                    finished_at,
                    json.dumps(counts),
                    note,
                    hosts_text(hosts),
                    self.run_id,
                ],
            )
        self.run_id = None
        self.lock.release()

    def record_hosts(self, run_id: int, hosts: Sequence[HostStats]) -> None:
        """How a complete run asked each host, again: with what it asked after it
        completed (the Wayback Machine, about its dead links)."""
        self._writable()
        with self.db.atomic():
            self.db.execute("UPDATE runs SET hosts = ? WHERE id = ?", [hosts_text(hosts), run_id])

    def remember_archive(self, answer: ArchiveAnswer) -> None:
        """Keep what the archive answered for (url, before), in its own transaction: the
        next run finds it and asks nothing (an answer without snapshot is kept as well)."""
        self._writable()
        snapshot = answer.snapshot
        with self.db.atomic():
            self.db.execute(
                "INSERT OR REPLACE INTO archives (url, before, archive_url, archive_timestamp,"
                " asked_at, note) VALUES (?, ?, ?, ?, ?, ?)",
                [
                    answer.url,
                    answer.before,
                    snapshot.url if snapshot else None,
                    snapshot.timestamp if snapshot else None,
                    answer.asked_at,
                    answer.note,
                ],
            )

    # --- baselines ---------------------------------------------------------------

    def set_baselines(
        self, titles: Mapping[str, str], *, how: BaselineHow, since: str | None = None
    ) -> None:
        self._writable()
        with self.db.atomic():
            self._write_baselines(titles, how=how, since=since or utc_now())

    def _write_baselines(self, titles: Mapping[str, str], *, how: BaselineHow, since: str) -> None:
        self.db.conn.executemany(
            "INSERT OR REPLACE INTO baselines (url, title, since, how) VALUES (?, ?, ?, ?)",
            [(url, title, since, how.value) for url, title in titles.items()],
        )

    def accept_title(self, url: str, *, since: str | None = None) -> tuple[Baseline | None, str]:
        """Make the latest live title of `url` (complete runs) its baseline.

        Returns (the previous baseline or None, the new title). Raises StoreError when
        no complete run saw the page live with a title.
        """
        with sqlite_errors(self.path):
            return self._accept_title(url, since=since)

    def _accept_title(self, url: str, *, since: str | None) -> tuple[Baseline | None, str]:
        row = self.db.execute(
            "SELECT o.title FROM observations o JOIN runs r ON r.id = o.run_id WHERE o.url = ?"
            " AND r.state = ? AND o.title IS NOT NULL AND o.verdict IN (?, ?, ?)"
            " ORDER BY o.run_id DESC LIMIT 1",
            [url, RunState.COMPLETE.value, *LIVE],
        ).fetchone()
        if row is None:
            raise StoreError(f"no live title recorded for {url}: nothing to accept")
        previous = self.baselines([url]).get(url)
        self.set_baselines({url: row[0]}, how=BaselineHow.ACCEPTED, since=since)
        return previous, row[0]


def catalog_digest(resources: Sequence[Resource]) -> str:
    """A short fingerprint of what was catalogued, to tell runs of different catalogs apart."""
    h = hashlib.sha256()
    for r in sorted(resources, key=lambda r: (r.url or "", r.title)):
        h.update(f"{r.url or ''}\t{r.title}\t{r.section}\n".encode())
    return h.hexdigest()[:16]
