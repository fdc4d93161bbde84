"""`linkaudit check` and host policies: --host-interval, --host-concurrency, the TOML
tables, a bad value, and what the run says of how it asked (JSON, report, stderr),
against the simulated web."""

from __future__ import annotations

import itertools
import json
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkaudit.cli import main
from simweb import Reply, SimWeb, page

OUT = ("--db", "h.db", "--report", "health.md", "--json", "run.json")


def write_catalog(path: Path, urls: list[str]) -> Path:
    lines = []
    for i, url in enumerate(urls):
        lines += [f"- url: {url}", f"  title: Page {i}", "  section: Test"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def check(tmp: Path, catalog: Path, *args: str) -> tuple[int, str, dict]:
    """Run `check` with its outputs in `tmp`: (exit code, stderr, the JSON's run)."""
    outputs = [str(tmp / v) if i % 2 else v for i, v in enumerate(OUT)]
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
    """--host-interval: at least 0.25 s between the host's requests, by the server's clock;
    the other host is not held back."""
    slow = [simweb.on(0, f"/s{i}", page(f"Page {i}")) for i in range(4)]
    fast = [simweb.on(1, f"/f{i}", page(f"Page {i + 4}")) for i in range(4)]
    catalog = write_catalog(tmp_path / "c.yaml", slow + fast)
    code, err, run = check(tmp_path, catalog, "--host-interval", f"{simweb.hosts[0]}=0.25")
    assert code == 0, err
    assert all(b - a >= 0.24 for a, b in itertools.pairwise(arrivals(simweb, 0)))
    assert max(arrivals(simweb, 1)) - min(arrivals(simweb, 1)) < 0.2
    assert run["hosts"][simweb.hosts[0]]["min_start_gap_s"] >= 0.25


def test_host_settings_from_pyproject_and_linkaudit_toml_the_command_line_winning(
    simweb: SimWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """./pyproject.toml: host 0 one at a time; the linkaudit.toml beside the catalog: 0.25 s
    between host 1's requests, and 60 s for host 2, which the command line sets to 0."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text(
        f'[project]\nname = "x"\n\n[tool.linkaudit.hosts."{simweb.hosts[0]}"]\nconcurrency = 1\n'
    )
    (tmp_path / "guide").mkdir()
    (tmp_path / "guide" / "linkaudit.toml").write_text(
        f'[hosts."{simweb.hosts[1]}"]\ninterval = 0.25\n\n'
        f'[hosts."{simweb.hosts[2]}"]\ninterval = 60\n'
    )
    one_at_a_time = [simweb.on(0, f"/a{i}", page(f"Page {i}", delay=0.1)) for i in range(3)]
    spaced = [simweb.on(1, f"/b{i}", page(f"Page {i + 3}")) for i in range(3)]
    unpaced = [simweb.on(2, f"/c{i}", page(f"Page {i + 6}")) for i in range(3)]
    catalog = write_catalog(tmp_path / "guide" / "c.yaml", one_at_a_time + spaced + unpaced)
    code, err, run = check(tmp_path, catalog, "--host-interval", f"{simweb.hosts[2]}=0")
    assert code == 0, err
    assert all(b - a >= 0.1 for a, b in itertools.pairwise(arrivals(simweb, 0)))
    assert run["hosts"][simweb.hosts[0]]["max_in_flight"] == 1
    assert all(b - a >= 0.24 for a, b in itertools.pairwise(arrivals(simweb, 1)))
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
    code, err, _ = check(tmp_path, catalog, *args)
    assert code == 2
    assert err.count("\n") == 1 and err.startswith("linkaudit: ") and said in err
    assert simweb.requests == []
    assert not (tmp_path / "h.db").exists()


def test_the_run_says_how_it_asked_each_host(simweb: SimWeb, tmp_path: Path) -> None:
    """run.hosts in the JSON, the "Requests per host" table in the report, and one line on
    stderr for the host that answered 503 (about 1 s: its back-off is waited for)."""
    busy = simweb.on(0, "/busy", Reply(503), page("Page 0"))
    fine = [simweb.on(1, f"/p{i}", page(f"Page {i + 1}")) for i in range(3)]
    catalog = write_catalog(tmp_path / "c.yaml", [busy, *fine])
    code, err, run = check(tmp_path, catalog)
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
