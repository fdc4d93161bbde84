"""The scheduled job (.github/workflows/linkaudit.yml) and the scripts it calls:
scripts/data-branch.sh (history on its own branch) and scripts/health_issue.py (the one
"Link health" issue). actionlint runs on every workflow when it is installed."""

from __future__ import annotations

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


def tool(name: str) -> str | None:
    """`name` from this virtual environment's bin (pip-installed), else from PATH."""
    here = Path(sys.executable).parent / name
    return str(here) if here.exists() else shutil.which(name)


@pytest.mark.skipif(tool("actionlint") is None, reason="actionlint is not installed")
def test_workflows_pass_actionlint() -> None:
    result = subprocess.run(
        [str(tool("actionlint")), "-no-color", *map(str, WORKFLOWS)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("shellcheck") is None, reason="shellcheck is not installed")
def test_data_branch_script_passes_shellcheck() -> None:
    result = subprocess.run(
        ["shellcheck", str(DATA_BRANCH)], capture_output=True, text=True, check=False
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


def data_branch(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["bash", str(DATA_BRANCH), *args], cwd=cwd, capture_output=True, text=True, check=False
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
