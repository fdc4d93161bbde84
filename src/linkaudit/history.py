"""One run's conversation with the history database, for audit.py.

    with RunHistory.open(db_path, resources, options=...) as history:
        history.previous          # per URL, if it was live last time: validators, title
        async with history.flushing():   # what is pending is written every second
            history.add(observation)     # as observations arrive; 100 a transaction
        findings = history.conclude(observations, rules=...)   # judge, then complete

While `flushing()` runs, nothing finished waits more than about `BATCH_DELAY` to be
written, however long the last hosts hang: a run killed then loses at most that much.

`RunHistory.open(None, ...)` is a history-less run: nothing is written and the judge
sees every resource for the first time. Leaving the block with an exception ends the
run `aborted` (an Exception, e.g. the network is down: its observations are dropped)
or `interrupted` (KeyboardInterrupt, cancellation); a run whose process is killed
outright stays `running` until the next run marks it `interrupted` (readers show it so).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from types import TracebackType
from typing import Any

from linkaudit.judge import History, Rules, judge, new_baselines
from linkaudit.model import Finding, Observation, Resource
from linkaudit.providers import Previous
from linkaudit.store import RunState, Store
from linkaudit.store_file import sqlite_errors, unusable

BATCH_SIZE = 100  # observations per transaction, written as soon as they are queued
BATCH_DELAY = 1.0  # seconds: flushing() writes a smaller queue at least this often
PREVIOUS_DEPTH = 5  # past runs searched for validators a 304 answer did not repeat
STOPPED = "stopped before the end (Ctrl-C or SIGTERM)"  # an interrupted run's note


class RunHistory:
    """The store side of one audit run (see the module docstring)."""

    def __init__(self, store: Store | None, resources: Sequence[Resource]) -> None:
        self.store = store
        self.urls = sorted({r.url for r in resources if r.url})
        self.run_id: int | None = None
        self.previous: dict[str, Previous] = {}
        self._pending: list[Observation] = []

    @classmethod
    def open(
        cls,
        db_path: Path | None,
        resources: Sequence[Resource],
        *,
        options: Mapping[str, Any] | None = None,
        started_at: str | None = None,
    ) -> RunHistory:
        """Open the store and start a run (StoreBusy if another run holds it)."""
        if db_path is None:
            return cls(None, resources)
        store = Store.open(db_path)
        try:
            with sqlite_errors(store.path):
                history = cls(store, resources)
                history.run_id = store.start_run(resources, options=options, started_at=started_at)
                history.previous = previous_of(store.history(history.urls, limit=PREVIOUS_DEPTH))
        except BaseException:
            store.close()
            raise
        return history

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

    def conclude(
        self,
        resources: Sequence[Resource],
        observations: Mapping[str, Observation],
        *,
        rules: Rules | None = None,
        finished_at: str | None = None,
    ) -> list[Finding]:
        """Write what is left, judge against the complete runs before this one, then
        mark the run complete and record its new title baselines, in one transaction
        (a run killed before it completes sets no baseline: the next one still does,
        and still flags a possible wrong link)."""
        if self.store is None:
            return judge(resources, observations, {}, rules=rules)
        self.flush()
        past = self.load(self.urls)
        findings = judge(resources, observations, past, rules=rules)
        self.store.finish_run(
            RunState.COMPLETE,
            finished_at=finished_at,
            baselines=new_baselines(observations, past),
        )
        return findings

    def load(self, urls: Sequence[str]) -> dict[str, History]:
        """What the judge needs per URL, from complete runs only."""
        assert self.store is not None
        past = self.store.history(urls)
        baselines = self.store.baselines(urls)
        first = self.store.first_seen(urls)
        live = self.store.last_live(urls)
        return {
            url: History(
                past=tuple(past.get(url, ())),
                baseline=baselines[url].title if url in baselines else None,
                first_seen=first.get(url),
                last_live=live.get(url),
            )
            for url in urls
        }

    def close(self) -> None:
        if self.store is not None:
            self.store.close()

    def __enter__(self) -> RunHistory:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        """End a run that did not conclude (see the module docstring); an SQLite error
        that escaped the block becomes a StoreError."""
        if self.store is None:
            return
        try:
            if self.store.run_id is not None:
                with sqlite_errors(self.store.path):
                    self._end_unconcluded(exc)
        finally:
            self.close()
        error = unusable(self.store.path, exc)
        if error is not None:
            raise error from exc

    def _end_unconcluded(self, exc: BaseException | None) -> None:
        assert self.store is not None
        if exc is None or isinstance(exc, Exception):
            note = (str(exc) or type(exc).__name__) if exc else "ended without a verdict"
            self.store.finish_run(RunState.ABORTED, note=note)
        else:
            self.flush()
            self.store.finish_run(RunState.INTERRUPTED, note=STOPPED)


def previous_of(history: Mapping[str, Sequence[Observation]]) -> dict[str, Previous]:
    """Validators and title for URLs that were live in their last complete run.

    A 304 answer need not repeat ETag or Last-Modified: each is taken from the latest
    observation of the live streak that carries it.
    """
    out: dict[str, Previous] = {}
    for url, past in history.items():
        streak: list[Observation] = []
        for o in reversed(past):
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
