"""`linkaudit` as a process (__main__.py): Ctrl-C and SIGTERM, whenever they come, end it
in one line on stderr and exit 130 or 143, and leave the history and the files whole.

Each test holds the process at one moment of its life (an audit hook waits for the test
at an event: a module imported, a file opened, the database connected, a report put in
place), sends the signal the moment the process says it is there, and reads what it
said. No sleeps: the test waits for the process's word, the process for the signal.
"""

from __future__ import annotations

import os
import signal
import sqlite3
import subprocess
import sys
import weakref
from pathlib import Path

import pytest

from linkaudit.__main__ import main
from linkaudit.errors import Stopped
from simweb import SimWeb, page

# Started as at a terminal (a shell starts background jobs with SIGINT ignored, and a
# signal ignored at start stays ignored); then held at the first audit event named in
# argv[1] whose arguments mention argv[2]: it says "held" on stdout and waits on stdin,
# where nothing comes, so only the signal moves it on.
HELD = """
import os, signal, sys
signal.signal(signal.SIGINT, signal.default_int_handler)
event, mention = sys.argv.pop(1), sys.argv.pop(1)
held = []

def hold(name, args):
    if name == event and not held and mention in repr(args):
        held.append(name)
        os.write(1, b"held\\n")
        os.read(0, 1)

sys.addaudithook(hold)
from linkaudit.__main__ import main
main()
"""
STOPS = [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")]


def stopped_at(event: str, mention: str, stop: signal.Signals, *args: str) -> tuple[int, str]:
    """Run `linkaudit ARGS`, signal it once it is held at `event`: (exit status, stderr)."""
    env = {**os.environ, "CI": "true"}
    with subprocess.Popen(
        [sys.executable, "-c", HELD, event, mention, *args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        env=env,
    ) as proc:
        assert proc.stdout is not None
        said = proc.stdout.readline()  # blocks until the process is held (or has ended)
        assert said == b"held\n", (said, proc.communicate(timeout=30))
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=30)
    assert out == b""
    return proc.returncode, err.decode()


def catalog_of(tmp_path: Path, url: str) -> Path:
    path = tmp_path / "c.yaml"
    path.write_text(f"- url: {url}\n  title: Alpha\n", encoding="utf-8")
    return path


def check_args(tmp_path: Path, catalog: Path) -> list[str]:
    db, report = tmp_path / "h.db", tmp_path / "health.md"
    return ["check", str(catalog), "--allow-private", "--db", str(db), "--report", str(report)]


@pytest.mark.parametrize(("stop", "status", "how"), STOPS, ids=["ctrl-c", "sigterm"])
def test_a_stop_while_the_command_line_is_imported_is_one_line(
    tmp_path: Path, stop: signal.Signals, status: int, how: str
) -> None:
    """The first 0.3 s are imports: a Ctrl-C there printed a KeyboardInterrupt traceback."""
    catalog = catalog_of(tmp_path, "https://a.example/")
    assert stopped_at("import", "'click'", stop, "catalog", "validate", str(catalog)) == (
        status,
        f"linkaudit: {how}\n",
    )


def test_a_ctrl_c_while_the_catalog_is_read_is_one_line(tmp_path: Path) -> None:
    """Inside click: a Ctrl-C there was click's blank line, "Aborted!" and exit 1."""
    catalog = catalog_of(tmp_path, "https://a.example/")
    args = ["catalog", "validate", str(catalog)]
    assert stopped_at("open", str(catalog), signal.SIGINT, *args) == (
        130,
        "linkaudit: interrupted\n",
    )


def test_a_stop_while_the_history_is_opened_records_no_run(simweb: SimWeb, tmp_path: Path) -> None:
    """SIGTERM as `check` opens its database, before any request: one line, nothing asked;
    the database, if it was made, holds no run."""
    url = simweb.on(0, "/a", page("Alpha"))
    args = check_args(tmp_path, catalog_of(tmp_path, url))
    db = str(tmp_path / "h.db")
    assert stopped_at("sqlite3.connect", db, signal.SIGTERM, *args) == (
        143,
        "linkaudit: terminated\n",
    )
    assert simweb.hits(0, "/a") == 0
    if Path(db).exists():
        with sqlite3.connect(db) as conn:
            tables = {name for (name,) in conn.execute("select name from sqlite_master")}
            assert "runs" not in tables or not conn.execute("select * from runs").fetchall()


def test_a_sigterm_while_the_report_is_put_in_place_keeps_the_complete_run(
    simweb: SimWeb, tmp_path: Path
) -> None:
    """The run is complete in the history when the report is written: the line says so,
    and no half report (nor its scratch file) is left. (A Ctrl-C there said so before;
    SIGTERM killed the process without a word.)"""
    url = simweb.on(0, "/a", page("Alpha"))
    args = check_args(tmp_path, catalog_of(tmp_path, url))
    report = str(tmp_path / "health.md")
    db = tmp_path / "h.db"
    assert stopped_at("os.rename", report, signal.SIGTERM, *args, "--quiet") == (
        143,
        f"linkaudit: terminated while writing the report; run 1 is complete in {db}"
        " (`linkaudit report` writes it again)\n",
    )
    assert not [p.name for p in tmp_path.iterdir() if "health.md" in p.name]
    with sqlite3.connect(db) as conn:
        assert conn.execute("select state from runs").fetchall() == [("complete",)]


def test_a_signal_ignored_at_start_stays_ignored(tmp_path: Path) -> None:
    """A shell's background job starts with SIGINT ignored: linkaudit leaves it so."""
    script = """
import signal, sys
signal.signal(signal.SIGINT, signal.SIG_IGN)
seen = []

def look(name, args):  # while the catalog is read: what each signal would do
    if name == "open" and sys.argv[-1] in repr(args) and not seen:
        seen.append((signal.getsignal(signal.SIGINT), signal.getsignal(signal.SIGTERM)))

sys.addaudithook(look)
from linkaudit.__main__ import main
try:
    main()
finally:
    (sigint, sigterm), = seen
    print("SIGINT ignored:", sigint is signal.SIG_IGN, "SIGTERM handled:", callable(sigterm))
"""
    catalog = catalog_of(tmp_path, "https://a.example/")
    result = subprocess.run(
        [sys.executable, "-c", script, "catalog", "validate", str(catalog)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("catalog ok")
    assert result.stdout.endswith("SIGINT ignored: True SIGTERM handled: True\n")


@pytest.mark.parametrize(
    "after", ["is dropped by Python", "returns", "exits 0", "raises RuntimeError"]
)
def test_a_stop_that_python_swallowed_still_ends_the_command(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str], after: str
) -> None:
    """Python drops an exception raised in a weakref callback (a Ctrl-C as a module lock
    is released: the command ran on to "catalog ok" and exit 0) and 3.11 wraps one raised
    in __set_name__ in a RuntimeError (a traceback, exit 1): the signal still ends it."""
    import linkaudit.cli

    def swallowing(prog_name: str) -> None:
        if after == "is dropped by Python":  # as in importlib's _get_module_lock callback
            lock = Lock()
            _ = weakref.ref(lock, lambda _: signal.raise_signal(signal.SIGINT))
            del lock
            return
        try:
            signal.raise_signal(signal.SIGINT)
        except Stopped:
            if after == "raises RuntimeError":
                raise RuntimeError("Error calling __set_name__") from None
        if after == "exits 0":
            raise SystemExit(0)

    monkeypatch.setattr(linkaudit.cli, "main", swallowing)
    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    try:
        with pytest.raises(SystemExit) as ended:
            main()
    finally:
        for signum, handler in handlers.items():
            signal.signal(signum, handler)
    assert ended.value.code == 130
    assert capsys.readouterr().err == "linkaudit: interrupted\n"  # no "Exception ignored"


class Lock:
    """Anything a weak reference can point at."""
