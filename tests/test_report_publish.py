"""The report as a maintainer gets it: `linkaudit check` rounds against the local simulated
web (tests/simweb.py), then `linkaudit report` from the database with the network blocked;
exit statuses; the GitHub step summary and the "Link health" issue body."""

from __future__ import annotations

import json
import re
import shlex
import socket
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linkaudit.cli import main
from simweb import Reply, SimWeb, page

DEAD, FAILING, MOVED, DRIFT, BACK, OK = "/gone", "/soon", "/old", "/drift", "/back", "/ok"
TITLES = {
    DEAD: "Gone course",
    FAILING: "Soon gone notes",
    MOVED: "Moving book",
    DRIFT: "Delta lectures",
    BACK: "Back again paper",
    OK: "Steady blog",
}


def write_catalog(path: Path, web: SimWeb, *, broken: bool = False) -> Path:
    lines = []
    for i, (p, title) in enumerate(TITLES.items()):
        lines += [f"- url: {web.url(i % 4, p)}", f"  title: {title}", "  section: Test"]
    lines += ["- title: Primer chapter without a link", "  section: Primer"]
    if broken:
        lines += ["- url: not a url", "  title: Broken"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def program(web: SimWeb, round_: int) -> None:
    """Round 1: everything answers except BACK. Round 2: the changes the report must show."""
    url = {p: web.url(i % 4, p) for i, p in enumerate(TITLES)}
    host = {p: i % 4 for i, p in enumerate(TITLES)}
    web.on(host[OK], OK, page(TITLES[OK]))
    web.on(host[DEAD], DEAD, Reply(404))
    web.on(host[MOVED], MOVED, Reply(301, location=url[MOVED] + "-new"))
    web.on(host[MOVED], MOVED + "-new", page(TITLES[MOVED]))
    if round_ == 1:
        web.on(host[FAILING], FAILING, page(TITLES[FAILING]))
        web.on(host[DRIFT], DRIFT, page(TITLES[DRIFT]))
        web.on(host[BACK], BACK, Reply(500))
    else:
        web.on(host[FAILING], FAILING, Reply(410))
        web.on(host[DRIFT], DRIFT, page("Cheap watches shop"))
        web.on(host[BACK], BACK, page(TITLES[BACK]))


def check(tmp: Path, catalog: Path, *extra: str, env: dict[str, str] | None = None) -> Result:
    args = ["check", str(catalog), "--allow-private", "--retries", "0", "--timeout", "5"]
    args += ["--db", str(tmp / "h.db"), "--report", str(tmp / "health.md"), "-q", *extra]
    return CliRunner().invoke(main, args, env=env)


def part_of(report: str, heading: str) -> str:
    """The text of one `## heading (n)` section."""
    return report.split(f"## {heading} (", 1)[1].split("\n## ", 1)[0]


def rows_of(report: str, heading: str) -> list[str]:
    """The table rows of one `## heading (n)` section (group rows naming a catalog
    section left out)."""
    part = part_of(report, heading).split("<details>", 1)[0]
    rows = [line for line in part.splitlines() if line.startswith("| ") and "---" not in line]
    return [row for row in rows[1:] if not row.startswith("| **")]


def commands_of(report: str, heading: str) -> list[str]:
    """The lines of the `sh` block a section ends with."""
    (block,) = re.findall(r"^```sh\n(.*?)^```$", part_of(report, heading), re.M | re.S)
    return block.splitlines()


@pytest.fixture
def two_rounds(simweb: SimWeb, tmp_path: Path) -> tuple[SimWeb, Path, Path]:
    catalog = write_catalog(tmp_path / "catalog.yaml", simweb)
    program(simweb, 1)
    first = check(tmp_path, catalog, "--fail-on", "never")
    assert first.exit_code == 0, first.output
    program(simweb, 2)
    summary = tmp_path / "step-summary.md"
    second = check(
        tmp_path,
        catalog,
        "--fail-on",
        "never",
        "--json",
        str(tmp_path / "run.json"),
        env={"GITHUB_STEP_SUMMARY": str(summary)},
    )
    assert second.exit_code == 0, second.output
    return simweb, tmp_path, catalog


def test_each_resource_is_in_its_section_after_two_rounds(two_rounds) -> None:
    web, tmp, _ = two_rounds
    report = (tmp / "health.md").read_text()
    assert "(run 2, took" in report
    (dead,) = rows_of(report, "Dead")
    assert f"[Gone course](<{web.url(0, DEAD)}>)" in dead and "| 404 · 2 runs |" in dead
    (failing,) = rows_of(report, "Failing")
    assert "Soon gone notes" in failing and "| 410 · 1 of 2 runs |" in failing
    (moved,) = rows_of(report, "Moved")
    assert "| 301 → new URL, command 1 |" in moved
    assert "catalog.yaml:7`" in moved  # where to fix it
    assert f"redirects 301 → 200; now at `{web.url(2, MOVED)}-new`" in part_of(report, "Moved")
    (drift,) = rows_of(report, "Title drift")
    assert "| title changed, command 1 |" in drift
    said = "title expected “Delta lectures”, now “Cheap watches shop”"
    assert said in part_of(report, "Title drift")
    (back,) = rows_of(report, "Recovered")
    assert "Back again paper" in back and "`!✓`" in back
    (unlinked,) = rows_of(report, "Unlinked")
    assert "Primer chapter without a link" in unlinked
    assert "<summary>Healthy (1)</summary>" in report
    change = report.split("Since run 1", 1)[1].split("\n\n", 2)[1]
    assert "- 1 newly dead: Gone course" in change
    assert "- 1 newly failing: Soon gone notes" in change
    assert "- 1 recovered: Back again paper" in change
    assert "- 1 new title drift: Delta lectures" in change
    assert "xychart-beta" in report
    summary = (tmp / "step-summary.md").read_text()
    assert "## Dead (1)" in summary and "## Moved (1)" in summary
    assert "## Title drift" not in summary


def test_report_rerenders_the_same_report_with_the_network_blocked(
    two_rounds, monkeypatch: pytest.MonkeyPatch
) -> None:
    _, tmp, catalog = two_rounds

    def no_network(*_args: object, **_kw: object) -> None:
        raise OSError("network blocked by the test")

    monkeypatch.setattr(socket.socket, "connect", no_network)
    monkeypatch.setattr(socket, "getaddrinfo", no_network)
    out, js = tmp / "again.md", tmp / "again.json"
    args = ["report", str(catalog), "--db", str(tmp / "h.db"), "--report", str(out)]
    result = CliRunner().invoke(main, [*args, "--json", str(js)])
    assert result.exit_code == 0, result.output
    assert out.read_text() == (tmp / "health.md").read_text()
    assert "<summary>Requests per host (" in out.read_text()  # kept in the history too
    assert json.loads(js.read_text()) == json.loads((tmp / "run.json").read_text())
    older = CliRunner().invoke(
        main, ["report", str(catalog), "--db", str(tmp / "h.db"), "--run", "1", "--report", "-"]
    )
    assert older.exit_code == 0
    assert "(run 1, took" in older.output and "No previous complete run" in older.output
    assert "## Recovered" not in older.output


def test_issue_body_is_written_when_dead_or_moved_and_removed_when_not(two_rounds) -> None:
    web, tmp, catalog = two_rounds
    body = tmp / "issue.md"
    args = ["report", str(catalog), "--db", str(tmp / "h.db"), "--report", str(tmp / "r.md")]
    args += ["--issue-body", str(body), "--report-url", "https://example.test/health.md"]
    assert CliRunner().invoke(main, args).exit_code == 0
    text = body.read_text()
    assert "## Dead (1)" in text and "## Moved (1)" in text and "## Failing" not in text
    assert "Full report: https://example.test/health.md" in text
    for i, p in enumerate(TITLES):  # the third round: all is well
        web.on(i % 4, p, page(TITLES[p]))
    assert check(tmp, catalog).exit_code == 0
    assert CliRunner().invoke(main, args).exit_code == 0
    assert not body.exists()


def test_report_since_compares_with_an_older_run(two_rounds) -> None:
    _, tmp, catalog = two_rounds
    assert check(tmp, catalog, "--fail-on", "never").exit_code == 0  # the 410 confirmed
    base = ["report", str(catalog), "--db", str(tmp / "h.db"), "--report", "-"]
    latest = CliRunner().invoke(main, base)
    assert "Since run 2" in latest.output
    assert "- 1 newly dead: Soon gone notes\n" in latest.output
    since = CliRunner().invoke(main, [*base, "--since", "1"])
    assert "Since run 1" in since.output
    assert "- 2 newly dead: Gone course; Soon gone notes\n" in since.output
    bad = CliRunner().invoke(main, [*base, "--since", "9"])
    assert bad.exit_code == 2 and "run 9 is not a complete run" in bad.output


def test_report_without_a_database_is_one_line_and_exit_2(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["report", "--db", str(tmp_path / "none.db")])
    assert result.exit_code == 2
    assert "no history database" in result.output and "Traceback" not in result.output


# --- exit statuses of check ----------------------------------------------------------


def test_exit_0_when_clean(simweb: SimWeb, tmp_path: Path) -> None:
    for i, p in enumerate(TITLES):
        simweb.on(i % 4, p, page(TITLES[p]))
    catalog = write_catalog(tmp_path / "c.yaml", simweb)
    result = check(tmp_path, catalog)
    assert result.exit_code == 0, result.output
    assert "## " not in (tmp_path / "health.md").read_text().replace("## Unlinked", "")


def test_exit_1_follows_fail_on(simweb: SimWeb, tmp_path: Path) -> None:
    catalog = write_catalog(tmp_path / "c.yaml", simweb)
    program(simweb, 1)  # BACK fails once: failing, not yet dead
    assert check(tmp_path / "a", catalog).exit_code == 0  # --fail-on dead (default)
    assert check(tmp_path / "b", catalog, "--fail-on", "failing").exit_code == 1
    assert check(tmp_path / "a", catalog).exit_code == 1  # second 404 of DEAD: confirmed
    assert check(tmp_path / "a", catalog, "--fail-on", "never").exit_code == 0


def test_exit_2_for_usage_and_catalog_errors(simweb: SimWeb, tmp_path: Path) -> None:
    broken = write_catalog(tmp_path / "c.yaml", simweb, broken=True)
    result = check(tmp_path, broken)
    assert result.exit_code == 2 and "c.yaml:" in result.output
    assert not (tmp_path / "health.md").exists()
    usage = check(tmp_path, broken, "--fail-on", "sometimes")
    assert usage.exit_code == 2 and "Traceback" not in usage.output


def test_exit_3_when_the_network_is_down(simweb: SimWeb, tmp_path: Path) -> None:
    catalog = tmp_path / "c.yaml"
    catalog.write_text(f"- url: {simweb.refused_url('/a')}\n  title: A\n  section: S\n")
    summary = tmp_path / "summary.md"
    result = check(tmp_path, catalog, env={"GITHUB_STEP_SUMMARY": str(summary)})
    assert result.exit_code == 3
    assert not (tmp_path / "health.md").exists()
    assert "Run aborted: network unavailable" in summary.read_text()


def test_the_moved_rows_command_fixes_the_catalog(two_rounds) -> None:
    """Copy the command from the Moved row, run it: the next check finds nothing moved."""
    web, tmp, catalog = two_rounds
    report = (tmp / "health.md").read_text()
    (moved,) = rows_of(report, "Moved")
    number = int(re.findall(r"command (\d+)", moved)[0])
    words = shlex.split(commands_of(report, "Moved")[number - 1])
    assert words[:3] == ["linkaudit", "catalog", "set-url"]
    assert words[3:] == [web.url(2, MOVED), web.url(2, MOVED) + "-new", str(catalog)]
    before = catalog.read_text()
    applied = CliRunner().invoke(main, words[1:])
    assert applied.exit_code == 0, applied.output
    assert catalog.read_text() == before.replace(f"{web.url(2, MOVED)}\n", f"{words[4]}\n")
    assert check(tmp, catalog, "--fail-on", "never").exit_code == 0
    assert "## Moved" not in (tmp / "health.md").read_text()


def test_the_drift_rows_command_accepts_the_new_title(two_rounds) -> None:
    """Copy the command the Title drift row points at, run it: the report made again from
    the history has no drift left."""
    _, tmp, catalog = two_rounds
    report = (tmp / "health.md").read_text()
    (drift,) = rows_of(report, "Title drift")
    number = int(re.findall(r"command (\d+)", drift)[0])
    words = shlex.split(commands_of(report, "Title drift")[number - 1])
    assert words[:2] == ["linkaudit", "accept"]
    accepted = CliRunner().invoke(main, [*words[1:], "--db", str(tmp / "h.db")])
    assert accepted.exit_code == 0, accepted.output
    assert "'Cheap watches shop'" in accepted.output
    args = ["report", str(catalog), "--db", str(tmp / "h.db"), "--report", "-"]
    again = CliRunner().invoke(main, args)
    assert again.exit_code == 0 and "## Title drift" not in again.output


def test_catalog_paths_are_the_same_named_absolute_or_relative(
    simweb: SimWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Inside the current directory a catalog's sources are relative, however it is named:
    the report, the issue and the commands shown agree with what check recorded."""
    monkeypatch.chdir(tmp_path)
    (tmp_path / "catalog").mkdir()
    write_catalog(tmp_path / "catalog" / "guide.yaml", simweb)
    program(simweb, 1)
    assert check(tmp_path, tmp_path / "catalog", "--fail-on", "never").exit_code == 0
    assert check(tmp_path, Path("catalog"), "--fail-on", "never").exit_code == 0
    args = ["report", str(tmp_path / "catalog"), "--db", "h.db", "--report", "again.md"]
    result = CliRunner().invoke(main, [*args, "--issue-body", "issue.md"])
    assert result.exit_code == 0, result.output
    text = (tmp_path / "again.md").read_text() + (tmp_path / "issue.md").read_text()
    wheres = re.findall(r"`([^`]*guide\.yaml:\d+)`", text)
    assert len(wheres) >= 4  # moved and failing (twice: report and issue), unlinked
    assert {w.split(":")[0] for w in wheres} == {"catalog/guide.yaml"}
    assert "| Primer chapter without a link — _Primer_ | `catalog/guide.yaml:19` |" in text
    moved = simweb.url(2, MOVED)
    assert f"\nlinkaudit catalog set-url {moved} {moved}-new\n" in text  # catalog/: no PATH
