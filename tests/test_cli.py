"""cli/__init__.py: the command group itself. Commands are tested beside the modules they wire."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner

from linkaudit.cli import main
from linkaudit.history.store import RunState, Store, StoreError
from linkaudit.model import Kind, Observation, Resource, Verdict


def test_a_history_error_in_the_middle_of_a_command_is_one_line_and_exit_2(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The database opened fine, then failed (a disk error, say): no traceback."""
    db = tmp_path / "h.db"
    url = "https://a.example/"
    with Store.open(db) as store:
        store.start_run([Resource("A", "s", Kind.WEB, url)], started_at="2026-11-01T06:00:00Z")
        store.record([Observation(url, Verdict.OK, checked_at="2026-11-01T06:00:01Z")])
        store.finish_run(RunState.COMPLETE, finished_at="2026-11-01T06:00:02Z")

    def broken(self: Store, url: str) -> list[object]:
        raise StoreError(f"{db}: disk I/O error while reading the history")

    monkeypatch.setattr(Store, "url_history", broken)
    result = CliRunner().invoke(main, ["history", url, "--db", str(db)])
    assert result.exit_code == 2
    assert result.output.strip() == f"linkaudit: {db}: disk I/O error while reading the history"
    assert result.exception is None or isinstance(result.exception, SystemExit)


@pytest.mark.parametrize("command", [["check"], ["catalog", "list"], ["catalog", "validate"]])
def test_without_a_catalog_directory_the_hint_names_the_command_used(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, command: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, command, prog_name="linkaudit")
    assert result.exit_code == 2
    assert f"(see `linkaudit {' '.join(command)} --help`)" in result.output
    assert result.output.count("\n") == 1


def test_runs_limit_must_be_positive(tmp_path: Path) -> None:
    result = CliRunner().invoke(main, ["runs", "--limit", "0", "--db", str(tmp_path / "h.db")])
    assert result.exit_code == 2
    assert "0 is not in the range x>=1" in result.output
