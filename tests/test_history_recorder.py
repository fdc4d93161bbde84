"""history/recorder.py: one run's writes, batched, on disk within a second, and ended as the
run ends (complete, aborted, interrupted)."""

from __future__ import annotations

import asyncio
import sqlite3
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from linkaudit.history import Recorder, Store
from linkaudit.model import Health, Kind, Observation, Resource, RunState, Verdict
from rounds import recorded_run

URL = "http://127.0.0.1:9/page"
RES = [Resource(title="Essence of linear algebra", section="Math", kind=Kind.WEB, url=URL)]


@contextmanager
def run_of(
    db: Path, resources: list[Resource], started_at: str | None = None
) -> Iterator[Recorder]:
    """A run recorded in `db` (ended as the block ends, unless completed)."""
    with Store.open(db) as store, Recorder.start(store, resources, started_at=started_at) as rec:
        yield rec


def round_(db: Path, verdict: Verdict, title: str | None = None, day: int = 1) -> Health:
    """One complete run in which URL answered `verdict`; returns its health."""
    at = f"2026-11-{day:02d}T06:00:00Z"
    o = Observation(URL, verdict, title=title, checked_at=at, http_status=200)
    return recorded_run(db, RES, {URL: o}).findings[0].health


def web_resources(*urls: str) -> list[Resource]:
    return [Resource(title="Page", section="Math", kind=Kind.WEB, url=u) for u in urls]


def test_without_a_database_nothing_is_written(tmp_path: Path) -> None:
    o = Observation(URL, Verdict.DEAD, checked_at="2026-11-01T00:00:00Z")
    (finding,) = recorded_run(None, RES, {URL: o}).findings
    assert finding.health is Health.FAILING  # every run is the first
    assert list(tmp_path.iterdir()) == []


def test_an_aborted_run_leaves_no_trace(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    round_(db, Verdict.OK, "Essence of linear algebra")

    class NetworkDown(Exception):  # any exception: the run ends aborted
        pass

    with pytest.raises(NetworkDown), run_of(db, RES) as recorder:
        for _ in range(150):  # more than a batch: some were already written
            recorder.add(Observation(URL, Verdict.ERROR, before_http=True))
        raise NetworkDown("every host failed before HTTP")
    with Store.open(db) as store:
        runs = store.runs()
        assert runs[0].state is RunState.ABORTED
        assert runs[0].note == "every host failed before HTTP"  # the reason, as a person reads it
        assert [h.observation.verdict for h in store.url_history(URL)] == [Verdict.OK]
    assert round_(db, Verdict.DEAD, day=2) is Health.FAILING  # not confirmed by the outage


def test_keyboard_interrupt_marks_the_run_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with pytest.raises(KeyboardInterrupt), run_of(db, RES) as recorder:
        recorder.add(Observation(URL, Verdict.DEAD))
        raise KeyboardInterrupt
    with Store.open(db) as store:
        assert store.runs()[0].state is RunState.INTERRUPTED
        assert store.runs()[0].note == "stopped before the end (Ctrl-C or SIGTERM)"
        assert len(store.url_history(URL)) == 1  # kept for `history`, never judged
    assert round_(db, Verdict.DEAD, day=2) is Health.FAILING


def test_a_full_batch_is_written_at_once(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    urls = [f"http://127.0.0.1:9/{i}" for i in range(150)]
    resources = [Resource(title=u, section="", kind=Kind.WEB, url=u) for u in urls]
    with run_of(db, resources) as recorder:
        reader = sqlite3.connect(db)
        count = "SELECT count(*) FROM observations"
        for u in urls[:99]:
            recorder.add(Observation(u, Verdict.OK))
        assert reader.execute(count).fetchone()[0] == 0
        recorder.add(Observation(urls[99], Verdict.OK))
        assert reader.execute(count).fetchone()[0] == 100  # a full batch, one transaction
        recorder.add(Observation(urls[100], Verdict.OK))
        assert reader.execute(count).fetchone()[0] == 100
        reader.close()
        recorder.complete()


async def rows_appear(db: Path, count: int, timeout: float = 10.0) -> int:
    """Poll the file (as another process would) until it holds `count` observations."""
    reader = sqlite3.connect(db)
    deadline = time.monotonic() + timeout
    try:
        while (n := reader.execute("SELECT count(*) FROM observations").fetchone()[0]) < count:
            if time.monotonic() > deadline:
                return n
            await asyncio.sleep(0.01)
        return n
    finally:
        reader.close()


def test_flushing_writes_a_small_queue_when_nothing_else_arrives(tmp_path: Path) -> None:
    """Two finished observations, then silence (the last hosts hang): they reach the
    file anyway, without a third observation to push them."""
    db = tmp_path / "h.db"
    resources = web_resources(URL, "http://127.0.0.1:9/two")

    async def scenario() -> tuple[int, int]:
        with run_of(db, resources) as recorder:
            async with recorder.flushing(every=0.02):
                recorder.add(Observation(URL, Verdict.OK))
                recorder.add(Observation("http://127.0.0.1:9/two", Verdict.DEAD))
                written = await rows_appear(db, 2)
            after = await rows_appear(db, 2)
            recorder.complete()
        return written, after

    assert asyncio.run(scenario()) == (2, 2)


def test_a_failed_timed_write_is_raised_when_the_block_ends(tmp_path: Path) -> None:
    db = tmp_path / "h.db"

    async def scenario() -> None:
        with run_of(db, RES) as recorder:
            async with recorder.flushing(every=0.01):
                recorder.add(Observation(None, Verdict.OK))  # type: ignore[arg-type]
                for _ in range(1000):  # until the timer has tried to write, and ended
                    if asyncio.all_tasks() == {asyncio.current_task()}:
                        break
                    await asyncio.sleep(0.01)
                assert asyncio.all_tasks() == {asyncio.current_task()}

    with pytest.raises(sqlite3.IntegrityError):
        asyncio.run(scenario())
    with Store.open(db) as store:
        assert store.runs()[0].state is RunState.ABORTED


def test_a_run_that_cannot_complete_sets_no_baseline(tmp_path: Path) -> None:
    """The first-seen baseline is written with the run's completion: if completing
    fails (as a kill between the two would), the next complete run sets it and still
    reports the possible wrong link."""
    db = tmp_path / "h.db"
    with run_of(db, RES):
        pass  # a run that ended without a verdict (aborted)
    with sqlite3.connect(db) as conn:
        conn.execute(
            "CREATE TRIGGER no_completion BEFORE UPDATE OF state ON runs"
            " WHEN NEW.state = 'complete' BEGIN SELECT RAISE(ABORT, 'killed'); END"
        )
    conn.close()
    wrong = Observation(URL, Verdict.OK, title="Cooking with Julia", checked_at="2026-11-01")
    with pytest.raises(sqlite3.IntegrityError):
        recorded_run(db, RES, {URL: wrong})
    with Store.open(db) as store:
        assert store.baselines() == {}
        store.db.execute("DROP TRIGGER no_completion")
    (finding,) = recorded_run(db, RES, {URL: wrong}).findings
    assert "possible_wrong_link" in finding.flags
