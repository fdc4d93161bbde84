"""One run's writes to the history, for audit.py: it records, it never judges.

    with Recorder.start(store, resources, options=..., started_at=...) as recorder:
        async with recorder.flushing():   # what is queued is written every second
            recorder.add(observation)     # as observations arrive; BATCH_SIZE a transaction
        recorder.complete(finished_at=..., baselines=...)   # the run counts from now on

While `flushing()` runs, nothing finished waits more than about BATCH_DELAY to be
written, however long the last hosts hang: a run killed then loses at most that much.

`Recorder.start(None, ...)` records nothing (a run without history). Leaving the block
without `complete` ends the run `aborted` (an Exception, e.g. the network is down: its
observations are dropped) or `interrupted` (KeyboardInterrupt, cancellation: what was
checked is kept); a run whose process is killed outright stays `running` until the next
run marks it `interrupted` (readers show it so). An SQLite error that escapes the block
becomes a StoreError.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from types import TracebackType
from typing import Any

from linkaudit.config import BATCH_DELAY, BATCH_SIZE
from linkaudit.history.file import sqlite_errors, unusable
from linkaudit.history.store import Store
from linkaudit.model import HostStats, Observation, Resource, RunState

STOPPED = "stopped before the end (Ctrl-C or SIGTERM)"  # an interrupted run's note


class Recorder:
    """The writes of one run (see the module docstring)."""

    def __init__(self, store: Store | None) -> None:
        self.store = store
        self.run_id: int | None = None
        self._pending: list[Observation] = []
        self._completed = False

    @classmethod
    def start(
        cls,
        store: Store | None,
        resources: Sequence[Resource],
        *,
        options: Mapping[str, Any] | None = None,
        started_at: str | None = None,
    ) -> Recorder:
        """Record a `running` run and its catalog (StoreBusy if another run holds the store)."""
        recorder = cls(store)
        if store is not None:
            with sqlite_errors(store.path):
                recorder.run_id = store.start_run(resources, options=options, started_at=started_at)
        return recorder

    def add(self, observation: Observation) -> None:
        """Queue one observation; write the queue when it is full (see `flushing`)."""
        if self.store is None:
            return
        self._pending.append(observation)
        if len(self._pending) >= BATCH_SIZE:
            self.flush()

    def flush(self) -> None:
        """Write what is queued, in one transaction."""
        if self.store is not None and self._pending:
            self.store.record(self._pending)
            self._pending = []

    @asynccontextmanager
    async def flushing(self, every: float = BATCH_DELAY) -> AsyncIterator[None]:
        """While the block runs, write what is queued every `every` seconds, so that
        observations finished before the last hosts hang are on disk, not in memory.
        A failed write ends the timer and is raised when the block ends."""
        if self.store is None:
            yield
            return
        timer = asyncio.create_task(self._flush_every(every))
        try:
            yield
        finally:
            timer.cancel()
            await asyncio.wait([timer])
            if not timer.cancelled() and (error := timer.exception()) is not None:
                raise error

    async def _flush_every(self, every: float) -> None:
        while True:
            await asyncio.sleep(every)
            self.flush()

    def complete(
        self,
        *,
        finished_at: str | None = None,
        baselines: Mapping[str, str] | None = None,
        hosts: Sequence[HostStats] = (),
    ) -> None:
        """Write what is left, then mark the run complete and record the titles it saw
        first (its new baselines) and how it asked each host, in one transaction (a run
        killed before it completes sets no baseline: the next one still does, and still
        flags a possible wrong link)."""
        if self.store is None:
            return
        self.flush()
        self.store.finish_run(
            RunState.COMPLETE, finished_at=finished_at, baselines=baselines, hosts=hosts
        )
        self._completed = True

    def __enter__(self) -> Recorder:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End a run that did not complete (see the module docstring)."""
        if self.store is None or self._completed or self.run_id is None:
            return
        with sqlite_errors(self.store.path):
            if exc is None or isinstance(exc, Exception):
                note = (str(exc) or type(exc).__name__) if exc else "ended without a verdict"
                self.store.finish_run(RunState.ABORTED, note=note)
            else:
                self.flush()
                self.store.finish_run(RunState.INTERRUPTED, note=STOPPED)
        error = unusable(self.store.path, exc)
        if error is not None:
            raise error from exc
