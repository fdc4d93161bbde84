"""history/store.py and queries.py: the history file survives crashes, concurrent runs and
version changes, and reads back what was written."""

from __future__ import annotations

import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
from sqlite_utils import Database

from linkaudit.errors import StoreBusy, StoreError, StoreMissing, StoreTooNew
from linkaudit.history import Store, queries
from linkaudit.history.schema import MIGRATIONS, SCHEMA_VERSION
from linkaudit.model import (
    ArchiveAnswer,
    Archived,
    BaselineHow,
    Hop,
    HostStats,
    Kind,
    Observation,
    Resource,
    RunState,
    Verdict,
)

A = "https://a.example/x"
B = "https://b.example/y"
CATALOG = [
    Resource(title="Page A", section="S", kind=Kind.WEB, url=A, source="c.yaml", line=1),
    Resource(title="Page B", section="S", kind=Kind.WEB, url=B, source="c.yaml", line=4),
    Resource(title="No link yet", section="S", kind=Kind.WEB),
]


def ob(url: str, verdict: Verdict = Verdict.OK, **kw) -> Observation:
    return Observation(url=url, verdict=verdict, checked_at="2026-11-22T06:00:00Z", **kw)


def seen(store: Store, urls: list[str]) -> dict[str, list[Observation]]:
    """The observations of complete runs the judge would weigh, per URL."""
    return {url: list(past.observations) for url, past in store.past(urls).items()}


def one_run(path: Path, *observations: Observation, state=RunState.COMPLETE) -> int:
    with Store.open(path) as store:
        run_id = store.start_run(CATALOG)
        store.record(observations)
        store.finish_run(state)
    return run_id


def test_new_database_has_the_schema_version_and_wal(tmp_path: Path) -> None:
    path = tmp_path / "reports" / "history.db"
    with Store.open(path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        assert store.db.journal_mode == "wal"
        assert {"runs", "resources", "observations", "baselines"} <= set(store.db.table_names())


def test_observation_round_trip(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    full = ob(
        A,
        Verdict.MOVED,
        final_url="https://a.example/new",
        http_status=200,
        hops=(Hop(A, 301), Hop("https://a.example/new", 200)),
        title="Page A",
        flags=("not_modified",),
        elapsed_ms=12,
        etag='"v1"',
        last_modified="Sat, 21 Nov 2026 10:00:00 GMT",
    )
    one_run(db, full, ob(B, Verdict.DEAD, http_status=404))
    with Store.open(db) as store:
        history = seen(store, [A, B])
        assert history[A] == [full]
        assert history[B][0].verdict is Verdict.DEAD
        past = store.past([A, B])
        assert past[A].first_seen == store.runs()[0].started_at
        assert (past[A].last_live, past[B].last_live) == ("2026-11-22T06:00:00Z", None)


def test_only_complete_runs_are_history(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    one_run(db, ob(A, Verdict.OK))
    one_run(db, ob(A, Verdict.DEAD), state=RunState.ABORTED)
    one_run(db, ob(A, Verdict.ERROR))
    with Store.open(db) as store:
        assert [o.verdict for o in seen(store, [A])[A]] == [Verdict.OK, Verdict.ERROR]
        states = [r.state for r in store.runs()]
        assert states == [RunState.COMPLETE, RunState.ABORTED, RunState.COMPLETE]
        # an aborted run leaves no verdicts behind at all
        assert [h.run_id for h in store.url_history(A)] == [1, 3]


def test_runs_carry_counts_and_catalog_size(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    one_run(db, ob(A, Verdict.OK), ob(B, Verdict.DEAD))
    with Store.open(db) as store:
        (run,) = store.runs()
        assert run.counts == {"dead": 1, "ok": 1}
        assert run.resources == 2  # linked resources only
        assert run.finished_at is not None


def test_a_run_whose_process_died_is_marked_interrupted_on_next_open(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    store = Store.open(db)
    store.start_run(CATALOG)
    store.record([ob(A, Verdict.DEAD)])
    store.close()  # no finish_run: as if the process had been killed
    with Store.open(db) as again:
        (run,) = again.runs()
        assert run.state is RunState.INTERRUPTED
        assert seen(again, [A]) == {A: []}


def test_second_writer_fails_fast_naming_the_holder(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with Store.open(db) as first:
        first.start_run(CATALOG)
        with Store.open(db) as second:
            with pytest.raises(StoreBusy, match=r"another linkaudit run holds .*h\.db \(run 1, "):
                second.start_run(CATALOG)
            assert second.runs()[0].state is RunState.RUNNING  # a live run is left alone
        first.record([ob(A)])
        first.finish_run(RunState.COMPLETE)
    # the lock goes with the run: the next one may start
    assert one_run(db, ob(A)) == 2


def test_a_failed_batch_writes_nothing(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with Store.open(db) as store:
        store.start_run(CATALOG)
        bad = Observation(url=None, verdict=Verdict.OK)  # type: ignore[arg-type]
        with pytest.raises(sqlite3.IntegrityError):
            store.record([ob(A), bad])
        store.record([ob(B)])
        store.finish_run(RunState.COMPLETE)
        assert seen(store, [A, B]) == {A: [], B: [ob(B)]}


def test_newer_database_is_a_clear_error(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    Store.open(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreTooNew, match="newer than this linkaudit"):
        Store.open(db)


def test_an_empty_older_file_is_migrated_forward(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    sqlite3.connect(db).close()  # version 0, no tables
    one_run(db, ob(A))
    with Store.open(db) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_missing_and_broken_files(tmp_path: Path) -> None:
    with pytest.raises(StoreMissing, match="no history database"):
        Store.open(tmp_path / "nope.db", create=False)
    junk = tmp_path / "junk.db"
    junk.write_text("this is not sqlite, just text long enough to look like a header" * 20)
    with pytest.raises(StoreError, match=r"junk\.db is not a linkaudit history, or is damaged"):
        Store.open(junk)


def test_schema_version_is_the_number_of_migrations(tmp_path: Path) -> None:
    """Each migration sets user_version to its own number: forgetting to raise
    SCHEMA_VERSION (or to append a migration) would skip or repeat a step."""
    assert len(MIGRATIONS.pending(Database(memory=True))) == SCHEMA_VERSION
    with Store.open(tmp_path / "h.db") as store:
        assert len(MIGRATIONS.applied(store.db)) == SCHEMA_VERSION
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION


def test_every_writable_open_uses_wal(tmp_path: Path) -> None:
    """Not only the open that migrates: a current file in rollback-journal mode (copied,
    or switched by another tool) is put back in WAL, where readers never block a run."""
    db = tmp_path / "h.db"
    Store.open(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA journal_mode = delete")
    with Store.open(db) as store:
        assert store.db.journal_mode == "wal"


def test_finishing_a_run_writes_its_baselines_in_the_same_transaction(tmp_path: Path) -> None:
    """If the run cannot be marked complete, the titles it saw first are not kept."""
    db = tmp_path / "h.db"
    Store.open(db).close()
    with sqlite3.connect(db) as conn:  # the moment of completion fails, as a kill would
        conn.execute(
            "CREATE TRIGGER no_completion BEFORE UPDATE OF state ON runs"
            " WHEN NEW.state = 'complete' BEGIN SELECT RAISE(ABORT, 'killed'); END"
        )
    with Store.open(db) as store:
        store.start_run(CATALOG)
        store.record([ob(A, title="Page A")])
        with pytest.raises(sqlite3.IntegrityError, match="killed"):
            store.finish_run(RunState.COMPLETE, baselines={A: "Page A"})
        assert store.baselines() == {}
        store.db.execute("DROP TRIGGER no_completion")
        store.finish_run(RunState.COMPLETE, baselines={A: "Page A"}, finished_at="2026-11-22")
        assert store.baselines()[A].how is BaselineHow.FIRST_SEEN
        assert store.baselines()[A].since == "2026-11-22"


def test_baselines_first_seen_then_accepted(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with Store.open(db) as store:
        store.set_baselines({A: "Old"}, how=BaselineHow.FIRST_SEEN, since="2026-11-01T00:00:00Z")
        store.set_baselines({A: "New"}, how=BaselineHow.ACCEPTED)
        base = store.baselines([A])[A]
        assert (base.title, base.how) == ("New", BaselineHow.ACCEPTED)
        assert store.baselines([B]) == {}


def test_history_is_limited_to_recent_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    db = tmp_path / "h.db"
    for verdict in [Verdict.DEAD, Verdict.OK, Verdict.OK]:
        one_run(db, ob(A, verdict))
    monkeypatch.setattr(queries, "HISTORY_LIMIT", 2)
    with Store.open(db) as store:
        assert [o.verdict for o in seen(store, [A])[A]] == [Verdict.OK, Verdict.OK]
        assert store.known_url(A)
        assert not store.known_url("https://never.example/")


WRITER = """
import sys
from pathlib import Path
from linkaudit.model import Kind, Observation, Resource, Verdict
from linkaudit.history import Store

store = Store.open(Path(sys.argv[1]))
store.start_run([Resource(title="t", section="", kind=Kind.WEB, url="https://a.example/x")])
for batch in range(1000):
    store.record(
        Observation(f"https://a.example/{batch}/{i}", Verdict.DEAD) for i in range(50)
    )
    print(batch, flush=True)
    if batch == 3:  # open a transaction, write, and never commit it
        store.db.execute("BEGIN")
        store.db.execute("DELETE FROM observations")
        print("mid-transaction", flush=True)
        sys.stdin.read()
"""


def test_a_killed_writer_leaves_a_consistent_database(tmp_path: Path) -> None:
    """SIGKILL during a run, even inside an open transaction: the committed batches
    survive, the uncommitted one vanishes, and the run becomes `interrupted`."""
    db = tmp_path / "h.db"
    child = subprocess.Popen(
        [sys.executable, "-c", WRITER, str(db)],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    assert child.stdout is not None
    lines = [child.stdout.readline().strip() for _ in range(5)]
    assert lines[-1] == "mid-transaction"
    # while the writer lives, it holds the database
    with Store.open(db) as store, pytest.raises(StoreBusy, match=r"\(run 1, started "):
        store.start_run(CATALOG)
    child.kill()
    child.wait()
    with Store.open(db) as store:
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert store.db.execute("SELECT count(*) FROM observations").fetchone()[0] == 200
        assert store.runs()[0].state is RunState.INTERRUPTED
        assert seen(store, ["https://a.example/0/0"]) == {"https://a.example/0/0": []}
        assert store.start_run(CATALOG) == 2  # the lock died with the process


def test_a_version_1_database_moves_live_remarks_to_note(tmp_path: Path) -> None:
    """Schema 2: what version 1 kept as a live observation's `error` (a provider's remark)
    becomes its `note`; a real error, and a body cut short on a live page, stay errors."""
    db_path = tmp_path / "h.db"
    db = Database(db_path)
    MIGRATIONS.apply(db, stop_before="m002_observation_notes")
    db.execute(
        "INSERT INTO runs (id, started_at, state) VALUES (1, '2026-11-22T06:00:00Z', 'complete')"
    )
    rows = [
        (A, "ok", "newer version v7 (catalog cites v1)"),
        (B, "dead", "HTTP 404"),
        ("https://c.example/", "ok", "body cut short: reset"),
    ]
    db.conn.executemany(
        "INSERT INTO observations (run_id, url, verdict, error) VALUES (1, ?, ?, ?)", rows
    )
    db.conn.commit()
    db.close()
    with Store.open(db_path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        seen = store.observations_of(1)
    assert (seen[A].error, seen[A].note) == (None, "newer version v7 (catalog cites v1)")
    assert (seen[B].error, seen[B].note) == ("HTTP 404", None)
    assert seen["https://c.example/"].error == "body cut short: reset"


def test_a_complete_run_keeps_how_it_asked_each_host(tmp_path: Path) -> None:
    """`linkaudit report` draws the "Requests per host" table of a stored run from this."""
    hosts = (
        HostStats("YouTube", ("www.youtube.com", "youtu.be"), requests=31, max_in_flight=2),
        HostStats("a.example", ("a.example",), requests=2, min_start_gap_s=1.0, status_503=1),
    )
    path = tmp_path / "h.db"
    with Store.open(path) as store:
        store.start_run(CATALOG)
        store.record([ob(A)])
        store.finish_run(RunState.COMPLETE, hosts=hosts)
    one_run(path, ob(A))  # a run without them
    with Store.open(path) as store:
        first, second = store.complete_runs()
    assert first.hosts == hosts
    assert second.hosts == ()


def test_a_version_3_database_gains_the_runs_hosts(tmp_path: Path) -> None:
    """Schema 4: runs recorded before it know no hosts, and read back with none."""
    db_path = tmp_path / "h.db"
    db = Database(db_path)
    MIGRATIONS.apply(db, stop_before="m004_run_hosts")
    db.execute(
        "INSERT INTO runs (id, started_at, finished_at, state) VALUES"
        " (1, '2026-11-22T06:00:00Z', '2026-11-22T06:01:00Z', 'complete')"
    )
    db.conn.commit()
    db.close()
    with Store.open(db_path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        (run,) = store.complete_runs()
    assert run.hosts == ()


def test_a_version_2_database_gains_the_archive_memo_and_keeps_its_answers(
    tmp_path: Path,
) -> None:
    """Schema 3: what the Wayback Machine answered per (URL, before) is kept, found and
    none found alike, so that the next run asks nothing; a version 2 file migrates."""
    db_path = tmp_path / "h.db"
    db = Database(db_path)
    MIGRATIONS.apply(db, stop_before="m003_archives")
    db.close()
    one_run(db_path, ob(A, Verdict.DEAD))
    snapshot = Archived(f"https://web.archive.org/web/20261020000000/{A}", "20261020000000")
    with Store.open(db_path) as store:
        assert store.db.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        store.remember_archive(ArchiveAnswer(A, "20261101060000", snapshot, "t1", "verified"))
        store.remember_archive(ArchiveAnswer(B, "20261101060000", None, "t1", "no capture"))
    with Store.open(db_path, create=False) as store:
        keys = [(A, "20261101060000"), (B, "20261101060000"), (A, "20261108060000")]
        assert store.archive_answers(keys) == {
            keys[0]: ArchiveAnswer(A, "20261101060000", snapshot, "t1", "verified"),
            keys[1]: ArchiveAnswer(B, "20261101060000", None, "t1", "no capture"),
        }
        assert store.archive_answers([]) == {}
