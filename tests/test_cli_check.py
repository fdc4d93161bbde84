"""`linkaudit check` as a command: JSON, exit statuses, messages, host policies (against the
simulated web)."""

from __future__ import annotations

import gc
import itertools
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
from linkaudit.history.recorder import STOPPED
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
        "baseline_title", "title_drift", "flags", "error", "note", "archive_url",
        "archive_timestamp", "elapsed_ms", "checked_at", "resource",
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
    assert "network unavailable: 0 of 1 host answered; nothing recorded" in result.output
    assert "Traceback" not in result.output
    assert not (tmp_path / "r.json").exists()
    assert not (tmp_path / "health.md").exists()
    with sqlite3.connect(db) as conn:  # the run is on record, aborted, with no verdicts
        assert conn.execute("select state from runs").fetchall() == [("aborted",)]
        assert conn.execute("select count(*) from observations").fetchone() == (0,)


def test_a_url_refused_for_its_private_address_is_said_on_stderr(tmp_path: Path) -> None:
    """Without --allow-private a loopback URL is never asked: say so, not just 'blocked 1'."""
    local = "http://127.0.0.1:9/admin"
    catalog = write_catalog(tmp_path / "c.yaml", [local])
    args = ["check", str(catalog), "--db", str(tmp_path / "h.db")]
    args += ["--report", str(tmp_path / "health.md")]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    assert "blocked 1" in result.stdout
    assert (
        "linkaudit: 1 URL not checked: on a loopback, private or link-local address "
        f"(e.g. {local}); pass --allow-private to check them"
    ) in result.stderr


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
# (moments other than the requests: test_main.py)
AS_AT_A_TERMINAL = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from linkaudit.__main__ import main; main()"
)


def recorded(db: Path) -> int:
    """Observations written so far by a run in progress (0 before the database exists)."""
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True) as conn:
            return conn.execute("select count(*) from observations").fetchone()[0]
    except sqlite3.Error:
        return 0


@pytest.mark.parametrize(
    ("stop", "status", "how"),
    [(signal.SIGINT, 130, "interrupted"), (signal.SIGTERM, 143, "terminated")],
    ids=["ctrl-c", "sigterm"],
)
def test_a_stopped_check_records_the_run_interrupted_and_keeps_what_it_checked(
    simweb: SimWeb, tmp_path: Path, stop: signal.Signals, status: int, how: str
) -> None:
    """Ctrl-C at a terminal, or SIGTERM from a CI job being cancelled."""
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
        while not (simweb.hits(1, "/slow") and recorded(db)) and proc.poll() is None:
            assert time.monotonic() < deadline, "the check never recorded /a nor asked /slow"
            time.sleep(0.01)
        proc.send_signal(stop)
        out, err = proc.communicate(timeout=30)
    assert proc.returncode == status, err
    assert err == (
        f"linkaudit: {how}: the run is recorded in {db} as interrupted"
        " (what it checked is kept for `linkaudit history`, never judged)\n"
    )
    assert out == ""
    assert not (tmp_path / "health.md").exists()
    with sqlite3.connect(db) as conn:
        assert conn.execute("select state, note from runs").fetchall() == [("interrupted", STOPPED)]
        kept = conn.execute("select url, verdict from observations").fetchall()
    assert kept == [(answered, "ok")]


@pytest.mark.parametrize("option", ["--json", "--report"])
def test_dash_writes_the_document_to_stdout_and_the_summary_to_stderr(
    simweb: SimWeb, tmp_path: Path, option: str
) -> None:
    url = simweb.on(0, "/a", page("Alpha"))
    catalog = write_catalog(tmp_path / "c.yaml", [url])
    paths = {o: str(tmp_path / name) for o, name in OUTPUTS.items()} | {option: "-"}
    args = ["check", str(catalog), "--allow-private", "--quiet"]
    args += [part for pair in paths.items() for part in pair]
    result = CliRunner().invoke(main, args)
    assert result.exit_code == 0, result.output
    if option == "--json":
        assert json.loads(result.stdout)["results"][0]["title"] == "Alpha"
    else:
        assert result.stdout.startswith("# Link health\n")
    assert "checked 1 URL in" in result.stderr
    assert not (tmp_path / "-").exists()


def test_report_and_json_cannot_both_be_stdout(tmp_path: Path) -> None:
    catalog = write_catalog(tmp_path / "c.yaml", ["https://example.org/"])
    for command in (["check", str(catalog)], ["report"]):
        result = CliRunner().invoke(main, [*command, "--report", "-", "--json", "-"])
        assert result.exit_code == 2
        assert "--report and --json cannot both be '-'" in result.output


# --- host policies: --host-interval, --host-concurrency, the TOML tables; run.hosts ----------


def check_hosts(tmp: Path, catalog: Path, *args: str) -> tuple[int, str, dict]:
    """Run `check` with its outputs in `tmp`: (exit code, stderr, the JSON's run)."""
    outputs = [x for o, name in OUTPUTS.items() for x in (o, str(tmp / name))]
    argv = ["check", str(catalog), "--allow-private", "-q", *outputs, *args]
    result = CliRunner().invoke(main, argv)
    run_json = tmp / "run.json"
    run = json.loads(run_json.read_text())["run"] if run_json.exists() else {}
    return result.exit_code, result.stderr, run


def arrivals(web: SimWeb, host: int) -> list[float]:
    return [s.at for s in web.requests if s.address == web.hosts[host]]


def test_a_host_interval_from_the_command_line_spaces_its_requests(
    simweb: SimWeb, tmp_path: Path
) -> None:
    """--host-interval: at least 0.2 s between the host's requests, by the server's clock;
    the other host is not held back."""
    slow = [simweb.on(0, f"/s{i}", page(f"Resource {i}")) for i in range(3)]
    fast = [simweb.on(1, f"/f{i}", page(f"Resource {i + 3}")) for i in range(3)]
    catalog = write_catalog(tmp_path / "c.yaml", slow + fast)
    code, err, run = check_hosts(tmp_path, catalog, "--host-interval", f"{simweb.hosts[0]}=0.2")
    assert code == 0, err
    assert all(b - a >= 0.19 for a, b in itertools.pairwise(arrivals(simweb, 0)))
    assert max(arrivals(simweb, 1)) - min(arrivals(simweb, 1)) < 0.15
    assert run["hosts"][simweb.hosts[0]]["min_start_gap_s"] >= 0.2


def test_host_settings_from_pyproject_and_linkaudit_toml_the_command_line_winning(
    simweb: SimWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """./pyproject.toml: host 0 one at a time; the linkaudit.toml beside the catalog: 0.15 s
    between host 1's requests, and 60 s for host 2, which the command line sets to 0."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n\n[tool.linkaudit.hosts."{simweb.hosts[0]}"]\nconcurrency = 1\n'
    )
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "linkaudit.toml").write_text(
        f'[hosts."{simweb.hosts[1]}"]\ninterval = 0.15\n\n'
        f'[hosts."{simweb.hosts[2]}"]\ninterval = 60\n'
    )
    one_at_a_time = [simweb.on(0, f"/a{i}", page(f"Resource {i}", delay=0.05)) for i in range(3)]
    spaced = [simweb.on(1, f"/b{i}", page(f"Resource {i + 3}")) for i in range(3)]
    unpaced = [simweb.on(2, f"/c{i}", page(f"Resource {i + 6}")) for i in range(3)]
    catalog = write_catalog(tmp_path / "guide" / "c.yaml", one_at_a_time + spaced + unpaced)
    code, err, run = check_hosts(tmp_path, catalog, "--host-interval", f"{simweb.hosts[2]}=0")
    assert code == 0, err
    assert all(b - a >= 0.05 for a, b in itertools.pairwise(arrivals(simweb, 0)))
    assert run["hosts"][simweb.hosts[0]]["max_in_flight"] == 1
    assert all(b - a >= 0.14 for a, b in itertools.pairwise(arrivals(simweb, 1)))
    assert max(arrivals(simweb, 2)) - min(arrivals(simweb, 2)) < 5


@pytest.mark.parametrize(
    ("args", "toml", "said"),
    [
        (("--host-interval", "127.0.0.2"), None, "--host-interval wants HOST=SECONDS"),
        (("--host-concurrency", "127.0.0.2=none"), None, "the concurrency must be a whole"),
        ((), '[hosts."127.0.0.2"]\ninterval = -3\n', 'linkaudit.toml: [hosts."127.0.0.2"]: the'),
        ((), "[hosts\n", "linkaudit.toml: not valid TOML"),
    ],
)
def test_a_bad_host_setting_is_one_line_exit_2_and_nothing_is_asked(
    simweb: SimWeb, tmp_path: Path, args: tuple[str, ...], toml: str | None, said: str
) -> None:
    url = simweb.on(0, "/a", page("A"))
    catalog = write_catalog(tmp_path / "c.yaml", [url])
    if toml is not None:
        (tmp_path / "linkaudit.toml").write_text(toml)
    code, err, _ = check_hosts(tmp_path, catalog, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("linkaudit: ") and said in err
    assert simweb.requests == []
    assert not (tmp_path / "h.db").exists()


def test_the_run_says_how_it_asked_each_host(simweb: SimWeb, tmp_path: Path) -> None:
    """run.hosts in the JSON, the "Requests per host" table in the report, and one line on
    stderr for the host that answered 503 (about 1 s: its back-off is waited for)."""
    busy = simweb.on(0, "/busy", Reply(503), page("Resource 0"))
    fine = [simweb.on(1, f"/p{i}", page(f"Resource {i + 1}")) for i in range(3)]
    catalog = write_catalog(tmp_path / "c.yaml", [busy, *fine])
    code, err, run = check_hosts(tmp_path, catalog)
    assert code == 0, err
    hosts = run["hosts"]
    assert set(hosts) == {simweb.hosts[0], simweb.hosts[1]}
    assert hosts[simweb.hosts[0]] == {
        "names": [simweb.hosts[0]],
        "requests": 2,
        "max_in_flight": 1,
        "min_start_gap_s": hosts[simweb.hosts[0]]["min_start_gap_s"],
        "min_end_to_start_s": hosts[simweb.hosts[0]]["min_end_to_start_s"],
        "status_429": 0,
        "status_503": 1,
        "paused_s": 0.0,
        "backoff_s": 1.0,
        "connections": 1,
    }
    assert hosts[simweb.hosts[0]]["min_start_gap_s"] >= 1.0
    assert hosts[simweb.hosts[1]]["requests"] == 3
    report = (tmp_path / "health.md").read_text()
    assert "<summary>Requests per host (2)</summary>" in report
    assert f"| {simweb.hosts[0]} | 2 | 1 | 1 s | 0 / 1 | 1 s | — | 1 |" in report.replace(
        "\\.", "."
    )
    assert f"linkaudit: {simweb.hosts[0]} answered 503 once; paced to 1 request / 1 s\n" in err


def test_a_stopped_check_says_what_it_left_in_the_history(tmp_path: Path) -> None:
    """Ctrl-C before the run started, during it, or while archived copies were still being
    looked up after it completed (with --no-archive, none are): different messages, each
    true."""
    from linkaudit.cli.check import _stopped
    from linkaudit.history import Store
    from linkaudit.model import Kind, Resource, RunState

    catalog = [Resource("T", "", Kind.WEB, "http://127.0.0.2/x")]
    with Store.open(tmp_path / "h.db") as store:
        assert _stopped(store, 0, archive=True).startswith("nothing was checked")
        store.start_run(catalog)
        store.finish_run(RunState.INTERRUPTED)
        said = _stopped(store, 0, archive=True)
        assert "recorded in" in said and "as interrupted" in said
        store.start_run(catalog)
        store.finish_run(RunState.COMPLETE)
        said = _stopped(store, 1, archive=True)
        assert said.startswith("run 2 is complete") and "archived copies" in said
        said = _stopped(store, 1, archive=False)
        assert said.startswith("run 2 is complete") and "archived" not in said
        assert _stopped(store, 2, archive=True).startswith("nothing was checked")
