"""Write what markdown.py and results.py render from a Snapshot: the report file, the JSON,
the GitHub step summary and the issue body. The only file I/O of reporting; `check` and
`report` both call it.

OutputError (errors.py: `cannot write PATH: reason`) is the one exception for a file that
cannot be written; `check_writable` raises it before a run, so a bad path costs no run.
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Mapping
from pathlib import Path

from linkaudit.errors import OutputError
from linkaudit.files import replace_file
from linkaudit.model import Snapshot
from linkaudit.report.markdown import render_issue, render_markdown, render_summary
from linkaudit.report.results import json_file_text

STEP_SUMMARY = "GITHUB_STEP_SUMMARY"

STDOUT = Path("-")  # as a path to write: standard output


def check_writable(path: Path) -> None:
    """Raise OutputError unless `path` can be written (its missing directories created).
    Nothing is created or changed: a probe file comes and goes in the nearest existing
    directory. `-` is standard output, always writable."""
    if path == STDOUT:
        return
    if path.is_dir():
        raise OutputError(path, "it is a directory")
    existing = next(p for p in [path.parent, *path.parent.parents] if p.exists() or p == Path())
    if not existing.is_dir():
        raise OutputError(path, f"{existing} is not a directory")
    try:
        if path.exists():
            with path.open("ab"):
                pass
        else:
            with tempfile.TemporaryFile(dir=existing):
                pass
    except OSError as error:
        raise OutputError(path, error) from None


def write_text(path: Path, text: str) -> None:
    """Write `text` to `path` whole: a reader never sees half a report. OutputError.
    `-` writes it to standard output."""
    if path == STDOUT:
        sys.stdout.write(text)
        sys.stdout.flush()
        return
    try:
        path.parent.mkdir(parents=True, exist_ok=True)
        replace_file(path, text.encode("utf-8"))
    except OSError as error:
        check_writable(path)  # says why more clearly, when it can tell
        raise OutputError(path, error) from None


def markdown(snap: Snapshot) -> str:
    return render_markdown(
        snap.findings,
        snap.run,
        previous=snap.previous,
        previous_run=snap.previous_run,
        trend=snap.trend,
        rules=snap.rules,
    )


def write_report(path: Path, snap: Snapshot) -> None:
    write_text(path, markdown(snap))


def write_json(path: Path, snap: Snapshot) -> None:
    write_text(path, json_file_text(snap.findings, snap.run))


def append_step_summary(env: Mapping[str, str], snap: Snapshot) -> bool:
    """Append the summary and urgent sections to $GITHUB_STEP_SUMMARY, when it is set."""
    if not env.get(STEP_SUMMARY):
        return False  # nothing to render it for
    text = render_summary(
        snap.findings,
        snap.run,
        previous=snap.previous,
        previous_run=snap.previous_run,
        rules=snap.rules,
    )
    return append_step_summary_text(env, text)


def append_step_summary_text(env: Mapping[str, str], text: str) -> bool:
    """Append `text` to $GITHUB_STEP_SUMMARY, when it is set (e.g. why a run aborted)."""
    target = env.get(STEP_SUMMARY)
    if not target:
        return False
    try:
        with Path(target).open("a", encoding="utf-8") as out:
            out.write(text)
    except OSError as error:
        raise OutputError(f"{target} (${STEP_SUMMARY})", error) from None
    return True


def write_issue_body(path: Path, snap: Snapshot, *, report_url: str = "") -> bool:
    """The "Link health" issue body at `path` when something is dead or moved (True);
    otherwise remove `path` (False), so a script can tell by the file alone."""
    body = render_issue(snap.findings, snap.run, report_url=report_url, rules=snap.rules)
    if body is None:
        try:
            path.unlink(missing_ok=True)
        except OSError as error:
            check_writable(path)  # says why more clearly, when it can tell
            raise OutputError(path, error) from None
        return False
    write_text(path, body)
    return True


def publish_check(
    snap: Snapshot, *, report_path: Path, json_path: Path | None, env: Mapping[str, str]
) -> None:
    """After `check`: this run's report, JSON and step summary."""
    write_report(report_path, snap)
    if json_path is not None:
        write_json(json_path, snap)
    append_step_summary(env, snap)
