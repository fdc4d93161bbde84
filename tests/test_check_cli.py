"""`linkaudit check` as a command: JSON, exit statuses, messages (against the simulated web)."""

from __future__ import annotations

import gc
import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkaudit.cli import main
from simweb import Reply, SimWeb, page

OUTPUTS = {"--db": "h.db", "--report": "health.md", "--json": "run.json"}


def write_catalog(path: Path, urls: list[str]) -> Path:
    lines = []
    for i, url in enumerate(urls):
        lines += [f"- url: {url}", f"  title: Resource {i}", "  section: Test"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def test_cli_check_writes_the_designs_json(simweb: SimWeb, tmp_path: Path) -> None:
    ok = simweb.on(0, "/a", page("Alpha"))
    moved = simweb.on(1, "/old", Reply(301, location="/new"))
    simweb.on(1, "/new", page("New"))
    dead = simweb.on(2, "/gone", Reply(404))
    catalog = write_catalog(tmp_path / "c.yaml", [ok, moved, dead])
    out = tmp_path / "out" / "run.json"
    args = ["check", str(catalog), "--allow-private", "--json", str(out)]
    args += ["--db", str(tmp_path / "h.db"), "--report", str(tmp_path / "health.md")]
    result = CliRunner().invoke(main, args)
    assert "checked 3 URLs" in result.output
    assert "ok 1, moved 1, dead 1" in result.output
    document = json.loads(out.read_text())
    assert set(document) == {"run", "results"}
    rows = {row["url"]: row for row in document["results"]}
    assert list(rows) == [ok, moved, dead]
    assert rows[moved]["verdict"] == "moved"
    assert rows[moved]["final_url"] == simweb.url(1, "/new")
    assert rows[moved]["hops"] == [
        {"url": moved, "status": 301},
        {"url": simweb.url(1, "/new"), "status": 200},
    ]
    assert rows[ok]["title"] == "Alpha"
    assert rows[dead]["http_status"] == 404
    expected_keys = {
        "url", "final_url", "verdict", "health", "http_status", "hops", "title",
        "baseline_title", "title_drift", "flags", "error", "elapsed_ms", "checked_at",
        "resource",
    }  # fmt: skip
    assert set(rows[ok]) == expected_keys


def test_cli_network_down_exits_3_and_records_nothing(simweb: SimWeb, tmp_path: Path) -> None:
    catalog = write_catalog(
        tmp_path / "c.yaml", [simweb.refused_url("/a"), simweb.refused_url("/b")]
    )
    db = tmp_path / "h.db"
    args = ["check", str(catalog), "--allow-private", "--retries", "0", "--db", str(db)]
    args += ["--report", str(tmp_path / "health.md"), "--json", str(tmp_path / "r.json")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 3
    assert "network unavailable: 0 of 1 hosts answered; nothing recorded" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r.json").exists()
    if db.exists():
        with sqlite3.connect(db) as conn:
            tables = {r[0] for r in conn.execute("select name from sqlite_master")}
            if "observations" in tables:
                assert conn.execute("select count(*) from observations").fetchone() == (0,)


@pytest.mark.parametrize("dead", [False, True])
def test_check_in_process_leaves_the_garbage_collector_as_it_found_it(
    simweb: SimWeb, tmp_path: Path, dead: bool
) -> None:
    """check spares what it loaded from collection while it runs (gc.freeze); whatever the
    outcome (exit 0, 1 with a dead link, 3 network down), a caller in the same process
    finds nothing left frozen, so the run's garbage is collected as usual."""
    urls = [simweb.refused_url("/a")] if dead else [simweb.on(0, "/a", page("Alpha"))]
    catalog = write_catalog(tmp_path / "c.yaml", urls)
    args = ["check", str(catalog), "--allow-private", "--retries", "0", "--db"]
    args += [str(tmp_path / "h.db"), "--report", str(tmp_path / "health.md")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == (3 if dead else 0), result.output
    assert gc.get_freeze_count() == 0


def test_cli_rejects_a_bad_resolve(tmp_path: Path) -> None:
    catalog = write_catalog(tmp_path / "c.yaml", ["https://example.org/"])
    result = CliRunner().invoke(main, ["check", str(catalog), "--resolve", "example.org:443"])
    assert result.exit_code == 2
    assert "HOST:PORT:ADDRESS" in result.output


# --- output files: tried before the first request, one line when they fail ---------------


@pytest.mark.parametrize("option", ["--db", "--report", "--json"])
def test_an_unwritable_output_costs_no_run(simweb: SimWeb, tmp_path: Path, option: str) -> None:
    url = simweb.on(0, "/a", page("Alpha"))
    catalog = write_catalog(tmp_path / "c.yaml", [url])
    (tmp_path / "file").write_text("a file, not a directory\n")
    paths = {o: str(tmp_path / name) for o, name in OUTPUTS.items()}
    paths[option] = str(tmp_path / "file" / "sub" / "out")
    args = ["check", str(catalog), "--allow-private"]
    result = CliRunner().invoke(main, [*args, *(x for o in OUTPUTS for x in (o, paths[o]))])
    assert result.exit_code == 2
    not_a_directory = f"{tmp_path / 'file'} is not a directory"
    assert result.output == f"linkaudit: cannot write {paths[option]}: {not_a_directory}\n"
    assert simweb.hits(0, "/a") == 0
    assert not (tmp_path / "h.db").exists() and not (tmp_path / "health.md").exists()


@pytest.mark.skipif(not Path("/proc/self").is_dir(), reason="needs Linux /proc")
def test_a_db_where_no_directory_can_be_made_is_one_line(tmp_path: Path) -> None:
    catalog = write_catalog(tmp_path / "c.yaml", ["http://127.0.0.2:9/a"])
    result = CliRunner().invoke(main, ["check", str(catalog), "--db", "/proc/nope/h.db"])
    assert result.exit_code == 2
    assert result.output.startswith("linkaudit: cannot write /proc/nope/h.db: ")
    assert result.output.count("\n") == 1 and "Traceback" not in result.output


def test_report_command_unwritable_output_is_one_line(simweb: SimWeb, tmp_path: Path) -> None:
    url = simweb.on(0, "/a", page("Alpha"))
    catalog = write_catalog(tmp_path / "c.yaml", [url])
    args = ["check", str(catalog), "--allow-private", "--db", str(tmp_path / "h.db")]
    assert CliRunner().invoke(main, [*args, "--report", str(tmp_path / "r.md")]).exit_code == 0
    (tmp_path / "file").write_text("")
    for option in ("--report", "--json", "--issue-body"):
        out = str(tmp_path / "file" / "x")
        report = ["report", "--db", str(tmp_path / "h.db"), "--report", str(tmp_path / "r.md")]
        result = CliRunner().invoke(main, [*report, option, out])
        assert result.exit_code == 2, option
        not_a_directory = f"{tmp_path / 'file'} is not a directory"
        assert result.output == f"linkaudit: cannot write {out}: {not_a_directory}\n"


# --- Ctrl-C ---------------------------------------------------------------------------------

# SIGINT's default handler restored: a shell starts background jobs with SIGINT ignored
AS_AT_A_TERMINAL = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from linkaudit.cli import main; main(prog_name='linkaudit')"
)


def test_ctrl_c_records_the_run_interrupted_and_exits_130(simweb: SimWeb, tmp_path: Path) -> None:
    answered = simweb.on(0, "/a", page("Alpha"))
    hanging = simweb.on(1, "/slow", Reply(hang=True))
    catalog = write_catalog(tmp_path / "c.yaml", [answered, hanging])
    db = tmp_path / "h.db"
    args = ["check", str(catalog), "--allow-private", "--db", str(db), "--timeout", "60"]
    args += ["--report", str(tmp_path / "health.md"), "--quiet"]
    env = {**os.environ, "CI": "true"}
    with subprocess.Popen(
        [sys.executable, "-c", AS_AT_A_TERMINAL, *args],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=env,
    ) as proc:
        deadline = time.monotonic() + 30
        while simweb.hits(1, "/slow") == 0 and proc.poll() is None:  # wait for the request
            assert time.monotonic() < deadline, "the check never asked for /slow"
            time.sleep(0.01)
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == 130, err
    assert err == (
        f"linkaudit: interrupted: the run is recorded in {db} as interrupted"
        " (what it checked is kept for `linkaudit history`, never judged)\n"
    )
    assert out == ""
    assert not (tmp_path / "health.md").exists()
    with sqlite3.connect(db) as conn:
        assert conn.execute("select state from runs").fetchall() == [("interrupted",)]
