"""One run's conversation with the history database, for audit.py.

    with RunHistory.open(db_path, resources, options=..., rules=...) as history:
        history.previous          # per URL, if it was live last time: validators, title
        async with history.flushing():   # what is pending is written every second
            history.add(observation)     # as observations arrive; 100 a transaction
        findings = history.conclude(resources, observations, rules=...)   # then complete

While `flushing()` runs, nothing finished waits more than about `BATCH_DELAY` to be
written, however long the last hosts hang: a run killed then loses at most that much.

Given `rules`, `add` judges each observation as it arrives, in the time the run spends
waiting for answers, against what `open` read before the first request: the complete
runs before this one, which no other run can change while this one holds the writer
lock (read then, never on the event loop while requests are out);
`conclude` then only assembles, judging afresh what it was not given the same way (an
observation it did not see, other rules, a baseline `linkaudit accept` changed meanwhile).

`RunHistory.open(None, ...)` is a history-less run: nothing is written and the judge
sees every resource for the first time. Leaving the block with an exception ends the
run `aborted` (an Exception, e.g. the network is down: its observations are dropped)
or `interrupted` (KeyboardInterrupt, cancellation); a run whose process is killed
outright stays `running` until the next run marks it `interrupted` (readers show it so).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Mapping, Sequence
from contextlib import asynccontextmanager
from dataclasses import replace
from pathlib import Path
from types import TracebackType
from typing import Any

from linkaudit.history.file import sqlite_errors, unusable
from linkaudit.history.store import RunState, Store
from linkaudit.judge import History, Rules, judge_one, new_baselines
from linkaudit.model import Finding, Observation, Resource
from linkaudit.providers import Previous

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
        self._rules: Rules | None = None  # judge as observations arrive (see `_expect`)
        self._past: dict[str, History] = {}  # what the judge needs, read by `open`
        self._resources: dict[str, list[Resource]] = {}
        self._early: dict[str, tuple[Observation, dict[Resource, Finding]]] = {}
        self._on_finding: Callable[[Finding], None] | None = None

    @classmethod
    def open(
        cls,
        db_path: Path | None,
        resources: Sequence[Resource],
        *,
        options: Mapping[str, Any] | None = None,
        started_at: str | None = None,
        rules: Rules | None = None,
        on_finding: Callable[[Finding], None] | None = None,
    ) -> RunHistory:
        """Open the store and start a run (StoreBusy if another run holds it); with
        `rules`, `add` judges each observation as it comes (see the module docstring)
        and hands each finding to `on_finding` (check renders it ahead for --json)."""
        if db_path is None:
            history = cls(None, resources)
            history._expect(resources, rules, on_finding)
            return history
        store = Store.open(db_path)
        try:
            with sqlite_errors(store.path):
                history = cls(store, resources)
                history.run_id = store.start_run(resources, options=options, started_at=started_at)
                history._past = history.load(history.urls)
                history.previous = previous_of(
                    {url: hist.past[-PREVIOUS_DEPTH:] for url, hist in history._past.items()}
                )
                history._expect(resources, rules, on_finding)
        except BaseException:
            store.close()
            raise
        return history

    def _expect(
        self,
        resources: Sequence[Resource],
        rules: Rules | None,
        on_finding: Callable[[Finding], None] | None,
    ) -> None:
        """Ready to judge as observations arrive."""
        if rules is None:
            return
        self._rules = rules
        self._on_finding = on_finding
        for resource in resources:
            if resource.url:
                self._resources.setdefault(resource.url, []).append(resource)

    def add(self, observation: Observation) -> None:
        """Queue one observation; write the queue when it is full (see `flushing`)."""
        if self._rules is not None:
            self._judge_early(observation)
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
        rules = rules or Rules()
        if self.store is None:
            return [self._finding(r, observations, {}, rules) for r in resources]
        self.flush()
        past = self._past_now()
        findings = [self._finding(r, observations, past, rules) for r in resources]
        self.store.finish_run(
            RunState.COMPLETE,
            finished_at=finished_at,
            baselines=new_baselines(observations, past),
        )
        return findings

    def _judge_early(self, observation: Observation) -> None:
        assert self._rules is not None
        resources = self._resources.get(observation.url, ())
        hist = self._past.get(observation.url, History())
        findings = {r: judge_one(r, observation, hist, self._rules) for r in resources}
        self._early[observation.url] = (observation, findings)
        if self._on_finding is not None:
            for finding in findings.values():
                self._on_finding(finding)

    def _finding(
        self,
        resource: Resource,
        observations: Mapping[str, Observation],
        past: Mapping[str, History],
        rules: Rules,
    ) -> Finding:
        """The judge's finding: the one made as the observation arrived, if it was this one."""
        if resource.url is None:
            return judge_one(resource, None, History(), rules)
        observation = observations.get(resource.url)
        early = self._early.get(resource.url)
        if early is not None and early[0] is observation and rules == self._rules:
            finding = early[1].get(resource)
            if finding is not None:
                return finding
        return judge_one(resource, observation, past.get(resource.url, History()), rules)

    def _past_now(self) -> dict[str, History]:
        """The past as `load` reads it now: read once (by `open`), its baselines read again
        (the only thing another command, `linkaudit accept`, may change during a run)."""
        assert self.store is not None
        past = self._past
        baselines = self.store.baselines(self.urls)
        for url, hist in past.items():
            title = baselines[url].title if url in baselines else None
            if title != hist.baseline:
                past[url] = replace(hist, baseline=title)
                self._early.pop(url, None)
        return past

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
