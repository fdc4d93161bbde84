"""The scheduled job (.github/workflows/linkaudit.yml) and the scripts it calls:
scripts/data-branch.sh (history on its own branch) and scripts/health_issue.py (the one
"Link health" issue). actionlint runs on every workflow when it is installed."""

from __future__ import annotations

import base64
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from ruamel.yaml import YAML

ROOT = Path(__file__).parent.parent
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.yml"))
SCHEDULED = ROOT / ".github" / "workflows" / "linkaudit.yml"
DATA_BRANCH = ROOT / "scripts" / "data-branch.sh"


def load_issue_script():
    spec = importlib.util.spec_from_file_location("health_issue", ROOT / "scripts/health_issue.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def workflow() -> dict:
    return YAML(typ="safe").load(SCHEDULED.read_text())


# --- the workflow file ---------------------------------------------------------------


def test_runs_weekly_and_by_hand_one_at_a_time() -> None:
    wf = workflow()
    assert wf["on"]["schedule"] == [{"cron": "17 6 * * 1"}]
    assert "workflow_dispatch" in wf["on"]
    assert wf["concurrency"] == {"group": "linkaudit-data", "cancel-in-progress": False}


def test_least_privilege_permissions() -> None:
    wf = workflow()
    assert wf["permissions"] == {}
    (job,) = wf["jobs"].values()
    assert job["permissions"] == {"contents": "write", "issues": "write"}


def test_every_action_is_pinned_to_a_full_commit_sha() -> None:
    for path in WORKFLOWS:
        uses = re.findall(r"uses:\s*(\S+)", path.read_text())
        assert uses
        for ref in uses:
            assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", ref), ref


def test_the_write_token_reaches_only_the_steps_that_need_it() -> None:
    """checkout leaves no credentials in .git/config, so `pip install .`, `check` and
    `report` (code from the network) run without the token; restore, save and the gh
    calls get it in their env, running no installed package (python -I -S: no site)."""
    (job,) = workflow()["jobs"].values()
    (checkout,) = [s for s in job["steps"] if s.get("uses", "").startswith("actions/checkout@")]
    assert checkout["with"]["persist-credentials"] is False
    tokens = {}
    for step in job["steps"]:
        text = str(step.get("env", {})) + step.get("run", "") + str(step.get("with", {}))
        if "token" in text.lower() or "secrets." in text:
            tokens[step.get("name")] = step
    assert set(tokens) == {
        "Restore the history (fails if the branch cannot be asked for)",
        "Save the report and the history",
        'Update the "Link health" issue',
    }
    for step in tokens.values():  # no installed code runs with the token
        assert "pip" not in step["run"] and "linkaudit " not in step["run"]
        assert "python " not in step["run"].replace("python -I -S ", "")
    restore = next(s for s in job["steps"] if "data-branch.sh restore" in s.get("run", ""))
    install = next(s for s in job["steps"] if "pip install" in s.get("run", ""))
    assert job["steps"].index(restore) < job["steps"].index(install)  # before any 3rd-party code


def test_the_job_checks_without_failing_then_saves_and_reports() -> None:
    (job,) = workflow()["jobs"].values()
    runs = "\n".join(step.get("run", "") for step in job["steps"])
    order = [
        "scripts/data-branch.sh restore",
        "linkaudit check --fail-on never",
        "scripts/data-branch.sh save reports/health.md reports/history.db",
        "--issue-body",
        "scripts/health_issue.py",
    ]
    positions = [runs.index(text) for text in order]
    assert positions == sorted(positions)


def test_the_check_step_annotates_the_catalog_lines_and_the_report_step_does_not_repeat_it() -> (
    None
):
    """`check` prints one annotation per dead, moved or drifted link (GitHub shows them on the
    run and on the catalog file's lines); `report` runs in the same job and stays quiet, so
    that each shows once."""
    (job,) = workflow()["jobs"].values()
    check = next(s for s in job["steps"] if "linkaudit check" in s.get("run", ""))
    report = next(s for s in job["steps"] if "linkaudit report" in s.get("run", ""))
    assert "--annotate" in check["run"].split()
    assert "--no-annotate" in report["run"].split()


def tool(name: str) -> str | None:
    """`name` from this virtual environment's bin (pip-installed), else from PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


def required_tool(name: str) -> str:
    """`name`'s path. Missing, the test is skipped on a developer's machine but fails in CI
    (CI set): the test extras install it, so a CI without it would pass unchecked."""
    found = tool(name)
    if found is None:
        if os.environ.get("CI"):
            pytest.fail(f"{name} is not installed, and CI is set: install the test extras")
        pytest.skip(f"{name} is not installed")
    return found


def test_a_missing_linter_fails_in_ci_and_skips_elsewhere(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI is set"):
        required_tool("no-such-linter")
    monkeypatch.delenv("CI")
    with pytest.raises(pytest.skip.Exception):
        required_tool("no-such-linter")


def test_workflows_pass_actionlint() -> None:
    """actionlint, with shellcheck on every `run:` script when shellcheck is there."""
    actionlint = required_tool("actionlint")
    shellcheck = tool("shellcheck")
    checks = [f"-shellcheck={shellcheck}"] if shellcheck else []
    result = subprocess.run(
        [actionlint, "-no-color", *checks, *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_data_branch_script_passes_shellcheck() -> None:
    result = subprocess.run(
        [required_tool("shellcheck"), str(DATA_BRANCH)], capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stdout


# --- scripts/data-branch.sh ------------------------------------------------------------


def git(cwd: Path, *args: str) -> str:
    env = {
        **os.environ,
        "GIT_AUTHOR_NAME": "t",
        "GIT_AUTHOR_EMAIL": "t@t",
        "GIT_COMMITTER_NAME": "t",
    }
    env["GIT_COMMITTER_EMAIL"] = "t@t"
    return subprocess.run(
        ["git", *args], cwd=cwd, capture_output=True, text=True, check=True, env=env
    ).stdout


def clone(tmp: Path, origin: Path, name: str) -> Path:
    git(tmp, "clone", "-q", str(origin), name)
    return tmp / name


def data_branch(
    cwd: Path, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(DATA_BRANCH), *args],
        cwd=cwd,
        capture_output=True,
        text=True,
        check=False,
        env={**os.environ, **(env or {})},
    )


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_history_survives_from_one_job_to_the_next_on_its_own_branch(tmp_path: Path) -> None:
    origin = tmp_path / "origin.git"
    git(tmp_path, "init", "-q", "--bare", str(origin))
    first = clone(tmp_path, origin, "first")
    git(first, "commit", "-q", "--allow-empty", "-m", "code")
    git(first, "push", "-q", "origin", "HEAD:refs/heads/main")
    assert "starting a new history" in data_branch(first, "restore").stdout
    (first / "reports").mkdir()
    (first / "reports/history.db").write_bytes(b"week 1")
    (first / "reports/health.md").write_text("# Link health\n")
    saved = data_branch(first, "save", "reports/health.md", "reports/history.db")
    assert saved.returncode == 0, saved.stderr

    second = clone(tmp_path, origin, "second")  # the next week's fresh checkout
    assert data_branch(second, "restore").returncode == 0
    assert (second / "reports/history.db").read_bytes() == b"week 1"
    (second / "reports/history.db").write_bytes(b"week 2")
    assert data_branch(second, "save", "reports/history.db").returncode == 0
    again = data_branch(second, "save", "reports/history.db")
    assert "nothing changed" in again.stdout

    files = git(origin, "ls-tree", "-r", "--name-only", "linkaudit-data").split()
    assert files == ["reports/health.md", "reports/history.db"]  # only the data
    assert git(origin, "show", "linkaudit-data:reports/history.db") == "week 2"
    assert len(git(origin, "log", "--oneline", "linkaudit-data").splitlines()) == 2
    assert git(origin, "ls-tree", "-r", "--name-only", "main") == ""  # main untouched


# --- scripts/health_issue.py -----------------------------------------------------------


def test_issue_opened_updated_and_closed() -> None:
    plan = load_issue_script().plan
    body = Path("issue.md")
    other = {"number": 3, "title": "Link health check is slow"}
    assert plan([other], body) == [
        ["gh", "issue", "create", "--title", "Link health", "--body-file", "issue.md"]
    ]
    ours = [other, {"number": 9, "title": "Link health"}, {"number": 7, "title": "Link health"}]
    assert plan(ours, body) == [["gh", "issue", "edit", "7", "--body-file", "issue.md"]]
    (close,) = plan(ours, None)
    assert close[:4] == ["gh", "issue", "close", "7"]
    assert plan([other], None) == []


def test_issue_script_asks_gh_then_acts(tmp_path: Path) -> None:
    module = load_issue_script()
    calls: list[list[str]] = []

    def fake_gh(args):
        calls.append(list(args))
        return '[{"number": 4, "title": "Link health"}]' if args[2] == "list" else ""

    body = tmp_path / "issue.md"
    body.write_text("## Dead (1)\n")
    assert module.main([str(body)], run=fake_gh) == 0
    assert calls[0][:3] == ["gh", "issue", "list"]
    assert calls[1] == ["gh", "issue", "edit", "4", "--body-file", str(body)]
    body.unlink()
    calls.clear()
    assert module.main([str(body)], run=fake_gh) == 0
    assert calls[1][:4] == ["gh", "issue", "close", "4"]


def week_one(tmp: Path) -> tuple[Path, Path]:
    """A bare origin whose linkaudit-data branch holds week 1's history; a fresh clone."""
    origin = tmp / "origin.git"
    git(tmp, "init", "-q", "--bare", str(origin))
    first = clone(tmp, origin, "first")
    git(first, "commit", "-q", "--allow-empty", "-m", "code")
    git(first, "push", "-q", "origin", "HEAD:refs/heads/main")
    assert data_branch(first, "restore").returncode == 0
    (first / "reports").mkdir()
    (first / "reports/history.db").write_bytes(b"week 1")
    assert data_branch(first, "save", "reports/history.db").returncode == 0
    return origin, clone(tmp, origin, "second")


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_an_unreachable_remote_fails_restore_and_save_never_replaces_the_history(
    tmp_path: Path,
) -> None:
    """A fetch that fails is no 'new history': restore exits 1, and the save of a run that
    started from nothing is refused, so week 1 survives."""
    origin, second = week_one(tmp_path)
    unreachable = {"REMOTE": str(tmp_path / "no-such-remote.git")}
    restore = data_branch(second, "restore", env=unreachable)
    assert restore.returncode == 1
    assert "cannot ask" in restore.stderr and "the history is left alone" in restore.stderr
    assert "starting a new history" not in restore.stdout
    assert not (second / "reports/history.db").exists()

    (second / "reports").mkdir()
    (second / "reports/history.db").write_bytes(b"one run only")  # what check would leave
    saved = data_branch(second, "save", "reports/history.db")
    assert saved.returncode == 1
    assert "refusing to replace its history (run restore first)" in saved.stderr
    assert data_branch(second, "save", "reports/history.db", env=unreachable).returncode == 1
    assert git(origin, "show", "linkaudit-data:reports/history.db") == "week 1"
    assert len(git(origin, "log", "--oneline", "linkaudit-data").splitlines()) == 1


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_save_refuses_when_the_branch_moved_since_restore(tmp_path: Path) -> None:
    origin, second = week_one(tmp_path)
    assert data_branch(second, "restore").returncode == 0
    third = clone(tmp_path, origin, "third")  # another writer, meanwhile
    assert data_branch(third, "restore").returncode == 0
    (third / "reports/history.db").write_bytes(b"week 2 elsewhere")
    assert data_branch(third, "save", "reports/history.db").returncode == 0
    (second / "reports/history.db").write_bytes(b"week 2 here")
    saved = data_branch(second, "save", "reports/history.db")
    assert saved.returncode == 1 and "refusing" in saved.stderr
    assert git(origin, "show", "linkaudit-data:reports/history.db") == "week 2 elsewhere"


@pytest.mark.skipif(shutil.which("git") is None, reason="git is not installed")
def test_the_token_reaches_git_only_through_its_environment(tmp_path: Path) -> None:
    """DATA_BRANCH_TOKEN becomes an Authorization header in git's environment for the
    commands that talk to the remote: never in argv, never in .git/config."""
    origin, second = week_one(tmp_path)
    shim = tmp_path / "bin"
    shim.mkdir()
    log = tmp_path / "git.log"
    real = shutil.which("git")
    (shim / "git").write_text(
        "#!/bin/sh\n"
        f'printf \'%s | %s\\n\' "${{GIT_CONFIG_VALUE_0:-}}" "$*" >> {log}\n'
        f'exec {real} "$@"\n'
    )
    (shim / "git").chmod(0o755)
    env = {"PATH": f"{shim}:{os.environ['PATH']}", "DATA_BRANCH_TOKEN": "s3cret-token"}
    assert data_branch(second, "restore", env=env).returncode == 0
    (second / "reports/history.db").write_bytes(b"week 2")
    assert data_branch(second, "save", "reports/history.db", env=env).returncode == 0
    header = "AUTHORIZATION: basic " + base64.b64encode(b"x-access-token:s3cret-token").decode()
    calls = [line.split(" | ", 1) for line in log.read_text().splitlines()]
    remote_calls = [args for value, args in calls if value == header]
    asked = [a.split()[0] for a in remote_calls]
    assert asked == ["ls-remote", "fetch", "ls-remote", "fetch", "-C"]  # restore, save
    assert "push" in remote_calls[-1]
    assert all(value in {"", header} for value, _ in calls)
    assert "s3cret" not in log.read_text().replace(header, "")
    assert "s3cret" not in (second / ".git/config").read_text()
    assert git(origin, "show", "linkaudit-data:reports/history.db") == "week 2"
