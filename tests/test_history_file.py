"""history/file.py: a damaged, foreign or empty file is refused in one clear line and left
exactly as it was; read-only commands never change the history file."""

from __future__ import annotations

import sqlite3
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkaudit.cli import main
from linkaudit.errors import StoreError, StoreMissing
from linkaudit.history import Store
from linkaudit.history.file import unusable
from linkaudit.model import Kind, Observation, Resource, RunState, Verdict

URL = "http://127.0.0.1:9/page/1"
PAGE = 4096  # SQLite's default page size, which these files use


def history_file(path: Path, runs: int = 1) -> Path:
    """A real history: `runs` complete runs over 300 URLs (many pages of data)."""
    urls = [f"http://127.0.0.1:9/page/{i}" for i in range(300)]
    resources = [Resource(title=f"Page {u}", section="S", kind=Kind.WEB, url=u) for u in urls]
    with Store.open(path) as store:
        for _ in range(runs):
            store.start_run(resources)
            store.record(Observation(u, Verdict.OK, title="A page " * 8) for u in urls)
            store.finish_run(RunState.COMPLETE)
    return path


def damaged(path: Path) -> Path:
    """A history whose data pages are overwritten: the header (and user_version) still
    reads, every table behind it is garbage, as after a bad copy or a failing disk."""
    data = bytearray(history_file(path).read_bytes())
    for page in range(2, len(data) // PAGE):
        data[page * PAGE : page * PAGE + 100] = b"\xff" * 100
    path.write_bytes(data)
    path.with_name(path.name + ".lock").unlink()  # left by the writer that made it
    return path


def foreign(path: Path) -> Path:
    """Another program's SQLite file that happens to have a `runs` table."""
    with sqlite3.connect(path) as conn:
        conn.execute("CREATE TABLE runs (id INTEGER PRIMARY KEY, distance_km REAL)")
        conn.execute("INSERT INTO runs (distance_km) VALUES (5.2)")
    conn.close()
    return path


def empty(path: Path) -> Path:
    path.write_bytes(b"")
    return path


def snapshot(directory: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in directory.iterdir() if p.is_file()}


# --- Store.open ---------------------------------------------------------------------


@pytest.mark.parametrize("create", [True, False], ids=["writable", "read-only"])
def test_a_foreign_database_is_refused_untouched(tmp_path: Path, create: bool) -> None:
    db = foreign(tmp_path / "h.db")
    before = snapshot(tmp_path)
    with pytest.raises(StoreError) as caught:
        Store.open(db, create=create)
    assert str(caught.value) == (
        f"{db} is not a linkaudit history (an SQLite database with tables runs):"
        " move it away or pass --db"
    )
    assert snapshot(tmp_path) == before  # no migrations table, no WAL, no lock file


@pytest.mark.parametrize("create", [True, False], ids=["writable", "read-only"])
def test_a_damaged_history_is_refused_before_anything_is_written(
    tmp_path: Path, create: bool
) -> None:
    db = damaged(tmp_path / "h.db")
    before = db.read_bytes()
    with pytest.raises(StoreError, match=r"h\.db is not a linkaudit history, or is damaged \("):
        Store.open(db, create=create)
    assert db.read_bytes() == before
    assert not (tmp_path / "h.db.lock").exists()


def test_an_empty_file_is_no_history_yet_for_a_reader(tmp_path: Path) -> None:
    db = empty(tmp_path / "h.db")
    with pytest.raises(StoreMissing, match=r"no history yet in .*h\.db \(run `linkaudit check`"):
        Store.open(db, create=False)
    assert snapshot(tmp_path) == {"h.db": b""}
    with Store.open(db) as store:  # a writer makes it a history
        assert store.runs() == []


def test_a_read_only_open_changes_nothing(tmp_path: Path) -> None:
    db = history_file(tmp_path / "h.db")
    (tmp_path / "h.db.lock").unlink()
    before = db.read_bytes()
    with Store.open(db, create=False) as store:
        assert [r.state for r in store.runs()] == [RunState.COMPLETE]
        assert len(store.url_history(URL)) == 1
        with pytest.raises(sqlite3.OperationalError, match="readonly"):
            store.db.execute("DELETE FROM runs")
    assert db.read_bytes() == before
    assert not (tmp_path / "h.db.lock").exists()


def test_a_reader_shows_a_dead_run_as_interrupted_without_writing(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    writer = Store.open(db)
    writer.start_run([Resource(title="t", section="", kind=Kind.WEB, url=URL)])
    writer.record([Observation(URL, Verdict.DEAD)])
    with Store.open(db, create=False) as reader:  # the run is alive: shown as it is
        assert reader.runs()[0].state is RunState.RUNNING
    writer.close()  # no finish_run: as if the process had been killed
    with Store.open(db, create=False) as reader:
        (run,) = reader.runs()
        assert (run.state, run.note) == (RunState.INTERRUPTED, "process ended mid-run")
        assert [h.run_state for h in reader.url_history(URL)] == [RunState.INTERRUPTED]
    with sqlite3.connect(db) as conn:  # ... which the next writer will record
        assert conn.execute("SELECT state FROM runs").fetchone()[0] == "running"


def test_accepting_a_title_reopens_a_reader_for_writing(tmp_path: Path) -> None:
    db = history_file(tmp_path / "h.db")
    with Store.open(db, create=False) as store:
        previous, title = store.accept_title(URL)
        assert (previous, title) == (None, "A page " * 8)
        assert not store.readonly and store.db.journal_mode == "wal"
    with Store.open(db, create=False) as store:
        assert store.baselines()[URL].how == "accepted"


def sqlite_error(kind: type[sqlite3.Error], name: str, text: str) -> sqlite3.Error:
    error = kind(text)
    error.sqlite_errorname = name  # type: ignore[attr-defined]
    return error


@pytest.mark.parametrize(
    ("error", "message"),
    [
        (
            sqlite_error(sqlite3.DatabaseError, "SQLITE_CORRUPT", "disk image is malformed"),
            "h.db is not a linkaudit history, or is damaged (disk image is malformed):"
            " move it away or pass --db",
        ),
        (
            sqlite_error(sqlite3.OperationalError, "SQLITE_READONLY", "readonly database"),
            "h.db cannot be written (readonly database): check its permissions, or pass --db",
        ),
        (
            sqlite_error(sqlite3.OperationalError, "SQLITE_FULL", "database or disk is full"),
            "h.db cannot grow, the disk is full (database or disk is full): free some space",
        ),
        (
            sqlite_error(sqlite3.OperationalError, "SQLITE_BUSY", "database is locked"),
            "h.db is locked by another program (database is locked): try again when it is done",
        ),
        (sqlite_error(sqlite3.IntegrityError, "SQLITE_CONSTRAINT", "NOT NULL"), None),
        (sqlite3.ProgrammingError("Cannot operate on a closed database."), None),
        (ValueError("not SQLite's"), None),
    ],
)
def test_sqlite_errors_say_what_the_file_is_and_what_to_do(
    error: BaseException, message: str | None
) -> None:
    """Errors about the file are for people; a constraint or misuse is a bug and keeps
    its traceback."""
    translated = unusable(Path("h.db"), error)
    assert (str(translated) if translated else None) == message


# --- the commands: one line, exit 2, no traceback, the file unchanged ----------------

COMMANDS = {
    "history": lambda db, _tmp: ["history", URL, "--db", str(db)],
    "runs": lambda db, _tmp: ["runs", "--db", str(db)],
    "accept": lambda db, _tmp: ["accept", URL, "--db", str(db)],
    "report": lambda db, tmp: ["report", "--db", str(db), "--report", str(tmp / "r.md")],
    "check": lambda db, tmp: [
        "check",
        str(catalog(tmp)),
        "--db",
        str(db),
        "--report",
        str(tmp / "r.md"),
        "--allow-private",
        "--quiet",
    ],
}


def catalog(tmp: Path) -> Path:
    path = tmp / "c.yaml"
    path.write_text(f"- url: {URL}\n  title: Page\n  section: S\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("command", sorted(COMMANDS))
@pytest.mark.parametrize(
    ("make", "says"),
    [
        (damaged, "is not a linkaudit history, or is damaged ("),
        (foreign, "is not a linkaudit history (an SQLite database with tables runs)"),
    ],
    ids=["damaged", "foreign"],
)
def test_commands_refuse_an_unusable_file_in_one_line(
    tmp_path: Path, command: str, make: Callable[[Path], Path], says: str
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    db = make(files / "history.db")
    before = db.read_bytes()
    result = CliRunner().invoke(main, COMMANDS[command](db, tmp_path))
    assert result.exit_code == 2, result.output
    assert result.output.startswith(f"linkaudit: {db} {says}")
    assert result.output.endswith(": move it away or pass --db\n")
    assert result.output.count("\n") == 1
    assert "Traceback" not in result.output
    assert db.read_bytes() == before
    assert not (files / "history.db.lock").exists()


@pytest.mark.parametrize("command", ["history", "runs", "report"])
def test_read_only_commands_on_an_empty_file_say_there_is_no_history(
    tmp_path: Path, command: str
) -> None:
    files = tmp_path / "files"
    files.mkdir()
    db = empty(files / "history.db")
    result = CliRunner().invoke(main, COMMANDS[command](db, tmp_path))
    assert result.exit_code == 2
    assert result.output == f"linkaudit: no history yet in {db} (run `linkaudit check` first)\n"
    assert snapshot(files) == {"history.db": b""}  # not migrated, no lock file


def test_read_only_commands_leave_the_history_file_as_it_was(tmp_path: Path) -> None:
    db = history_file(tmp_path / "history.db", runs=2)
    (tmp_path / "history.db.lock").unlink()
    before = db.read_bytes()
    runner = CliRunner()
    for command in ("history", "runs", "report"):
        result = runner.invoke(main, COMMANDS[command](db, tmp_path))
        assert result.exit_code == 0, result.output
    assert db.read_bytes() == before
    assert not (tmp_path / "history.db.lock").exists()
