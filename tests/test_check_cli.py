"""`linkaudit check` as a command: JSON, exit statuses, messages (against the simulated web)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

from click.testing import CliRunner

from linkaudit.cli import main
from simweb import Reply, SimWeb, page


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


def test_cli_rejects_a_bad_resolve(tmp_path: Path) -> None:
    catalog = write_catalog(tmp_path / "c.yaml", ["https://example.org/"])
    result = CliRunner().invoke(main, ["check", str(catalog), "--resolve", "example.org:443"])
    assert result.exit_code == 2
    assert "HOST:PORT:ADDRESS" in result.output
