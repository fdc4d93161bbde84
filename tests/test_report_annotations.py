"""report/annotations.py and its wiring: in a GitHub Actions run, `check` and `report` print
one workflow command per row to act on, pointing at the catalog line, escaped so that no
page title can end a command, start another or add a property; at most 50, then a count.

`runner_parse` reads a line as GitHub's runner does (actions/runner ActionCommand.cs: a
command starts with `::`, properties split on `,` and the first `=`, `%0D` `%0A` `%3A`
`%2C` unescaped and `%25` last), so the tests check what GitHub would show."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from linkaudit.cli import main
from linkaudit.model import Archived, Finding, Flag, Health, Kind, Observation, Resource, Verdict
from linkaudit.report.annotations import (
    escape_data,
    escape_property,
    render_annotations,
    workflow_command,
)
from simweb import Reply, SimWeb, page

HOSTILE = "Evil %0A 100% \r\n::error::pwned, title=x:y"


def runner_parse(line: str) -> tuple[str, dict[str, str], str]:
    """(command, properties, message) as the Actions runner reads a line."""
    assert line.startswith("::")
    head, separator, data = line[2:].partition("::")
    assert separator, line
    name, _, props = head.partition(" ")
    properties = {}
    for pair in filter(None, props.split(",")):
        key, _, value = pair.partition("=")
        properties[key.lower()] = _unescape(value, prop=True)
    return name, properties, _unescape(data)


def _unescape(text: str, *, prop: bool = False) -> str:
    text = text.replace("%0D", "\r").replace("%0A", "\n")
    if prop:
        text = text.replace("%3A", ":").replace("%2C", ",")
    return text.replace("%25", "%")


@pytest.mark.parametrize(
    ("text", "data", "prop"),
    [
        ("plain", "plain", "plain"),
        ("100%", "100%25", "100%25"),
        ("%0A", "%250A", "%250A"),  # an escape in the text is not an escape
        ("a\r\nb", "a%0D%0Ab", "a%0D%0Ab"),
        ("a:b,c", "a:b,c", "a%3Ab%2Cc"),
        ("::error::x", "::error::x", "%3A%3Aerror%3A%3Ax"),
    ],
)
def test_escaping_is_githubs(text: str, data: str, prop: bool) -> None:
    assert escape_data(text) == data
    assert escape_property(text) == prop


def test_a_property_without_a_value_is_left_out() -> None:
    assert workflow_command("error", "m", [("file", ""), ("line", 0)]) == "::error::m"
    assert workflow_command("warning", "m", [("title", "T")]) == "::warning title=T::m"


def res(title: str, url: str, line: int, source: str = "catalog/guide.yaml") -> Resource:
    return Resource(title, "Courses", Kind.WEB, url, source=source, line=line)


def dead(title: str, url: str, line: int, **kw: object) -> Finding:
    o = Observation(url, Verdict.DEAD, http_status=404)
    evidence = "dead (HTTP 404) in 2 consecutive runs since 2026-11-15"
    return Finding(res(title, url, line), Health.DEAD, o, evidence=evidence, **kw)  # type: ignore[arg-type]


def test_a_hostile_title_stays_inside_its_one_command() -> None:
    finding = dead(HOSTILE, "https://dead.example/x", 3)
    (line,) = render_annotations([finding], limit=50)
    assert "\n" not in line and "\r" not in line
    name, properties, message = runner_parse(line)
    assert name == "error"
    assert properties == {"file": "catalog/guide.yaml", "line": "3", "title": "Dead link"}
    assert message.startswith(f"{HOSTILE}: https://dead.example/x is dead (")
    assert line.startswith("::error file=catalog/guide.yaml,line=3,title=Dead link::Evil %250A")


def test_a_hostile_file_name_stays_one_property() -> None:
    finding = Finding(
        res("A", "https://a.example/", 7, source="cat,alog/x:y.yaml"),
        Health.MOVED,
        Observation("https://a.example/", Verdict.MOVED, final_url="https://b.example/"),
        suggested_url="https://b.example/",
    )
    (line,) = render_annotations([finding])
    assert line.startswith("::warning file=cat%2Calog/x%3Ay.yaml,line=7,title=Moved link::")
    assert runner_parse(line)[1]["file"] == "cat,alog/x:y.yaml"


def test_one_command_per_row_to_act_on_errors_first() -> None:
    live = Observation("https://w.example/", Verdict.OK, title="Cooking with Julia")
    snapshot = "https://web.archive.org/web/20250101000000/https://d.example/"
    findings = [
        Finding(res("Fine", "https://ok.example/", 1), Health.HEALTHY, live),
        Finding(
            res("Drifting", "https://drift.example/", 2),
            Health.DRIFTED,
            live,
            baseline_title="Linear algebra",
        ),
        Finding(
            res("Wrong", "https://w.example/", 4),
            Health.HEALTHY,
            live,
            flags=(Flag.POSSIBLE_WRONG_LINK,),
        ),
        dead("Gone", "https://d.example/", 9, archive=Archived(snapshot, "20250101000000")),
        Finding(res("Walled", "https://x.example/", 5), Health.BLOCKED, live),
        Finding(res("Failing", "https://f.example/", 6), Health.FAILING, live),
    ]
    parsed = [runner_parse(line) for line in render_annotations(findings)]
    assert [(n, p["line"], p["title"]) for n, p, _ in parsed] == [
        ("error", "9", "Dead link"),
        ("warning", "2", "Title drift"),
        ("warning", "4", "Possible wrong link"),
    ]
    assert parsed[0][2].endswith(
        f"archived copy {snapshot}; to use it: linkaudit catalog set-url https://d.example/ "
        f"{snapshot}"
    )
    assert "linkaudit accept https://drift.example/" in parsed[1][2]


def test_at_most_fifty_then_how_many_more() -> None:
    findings = [dead(f"Gone {i}", f"https://d.example/{i}", i) for i in range(1, 61)]
    lines = render_annotations(findings)
    assert len(lines) == 51
    assert all(line.startswith("::error ") for line in lines[:50])
    assert lines[-1] == (
        "linkaudit: 10 more findings to act on not annotated (at most 50 a run): "
        "the report lists them all"
    )
    assert len(render_annotations(findings[:50])) == 50


# --- the commands ---------------------------------------------------------------------


def test_check_and_report_annotate_in_github_actions_only(
    simweb: SimWeb, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    moved = simweb.on(0, "/old", Reply(301, location="/new"))
    simweb.on(0, "/new", page("Resource 0"))
    (tmp_path / "c.yaml").write_text(f"- url: {moved}\n  title: Resource 0\n")
    monkeypatch.chdir(tmp_path)
    check = ["check", "c.yaml", "--allow-private", "--retries", "0", "--no-archive", "-q"]
    warning = "::warning file=c.yaml,line=1,title=Moved link::Resource 0: "

    outside = CliRunner().invoke(main, check)
    assert outside.exit_code == 0, outside.output
    assert "::" not in outside.output

    inside = CliRunner(env={"GITHUB_ACTIONS": "true"}).invoke(main, check)
    assert [line for line in inside.output.splitlines() if line.startswith("::")] == [
        f"{warning}{moved} moved permanently to {simweb.url(0, '/new')}; to follow: "
        f"linkaudit catalog set-url {moved} {simweb.url(0, '/new')} c.yaml"
    ]
    off = CliRunner(env={"GITHUB_ACTIONS": "true"}).invoke(main, [*check, "--no-annotate"])
    assert "::" not in off.output
    asked = CliRunner().invoke(main, [*check, "--annotate"])
    assert warning in asked.output

    runner = CliRunner(env={"GITHUB_ACTIONS": "true"})
    report = runner.invoke(main, ["report", "c.yaml", "--report", "-"])
    assert report.exit_code == 0, report.stderr
    assert "::" not in report.stdout.replace("`", "")  # stdout carries the report
    assert warning in report.stderr
    quiet = CliRunner(env={"GITHUB_ACTIONS": "true"}).invoke(main, ["report", "--no-annotate"])
    assert quiet.exit_code == 0 and "::" not in quiet.output
