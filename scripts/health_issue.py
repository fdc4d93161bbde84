"""Open, update or close the one "Link health" issue, through the `gh` CLI.

    python scripts/health_issue.py BODY_FILE

BODY_FILE is what `linkaudit report --issue-body BODY_FILE` left: present when something
is dead or moved (open the issue, or update the open one), absent when nothing is (close
the open one, if any). Needs `gh` with GH_TOKEN (issues: write) and GH_REPO or a checkout.
The decision is the pure function `plan`; `main` only asks gh and runs what it returns.
"""

from __future__ import annotations

import json
import subprocess
import sys
from collections.abc import Callable, Sequence
from pathlib import Path

TITLE = "Link health"
CLOSING_NOTE = "Nothing is dead or moved any more: closing. (linkaudit scheduled job)"
Runner = Callable[[Sequence[str]], str]


def plan(open_issues: Sequence[dict[str, object]], body_file: Path | None) -> list[list[str]]:
    """The gh commands that bring the issue in line with BODY_FILE (None: nothing to report).

    Only an open issue titled exactly TITLE counts; if there are several, the oldest is
    kept up to date and the others are left alone."""
    ours = sorted(int(str(i["number"])) for i in open_issues if i.get("title") == TITLE)
    number = str(ours[0]) if ours else None
    if body_file is not None:
        if number:
            return [["gh", "issue", "edit", number, "--body-file", str(body_file)]]
        return [["gh", "issue", "create", "--title", TITLE, "--body-file", str(body_file)]]
    if number:
        return [["gh", "issue", "close", number, "--comment", CLOSING_NOTE]]
    return []


def run_gh(args: Sequence[str]) -> str:
    return subprocess.run(list(args), check=True, capture_output=True, text=True).stdout


def main(argv: Sequence[str], run: Runner = run_gh) -> int:
    if len(argv) != 1:
        print(__doc__, file=sys.stderr)
        return 2
    body = Path(argv[0])
    search = ["--state", "open", "--search", f'"{TITLE}" in:title']
    listing = run(["gh", "issue", "list", *search, "--json", "number,title", "--limit", "100"])
    for command in plan(json.loads(listing or "[]"), body if body.exists() else None):
        print(" ".join(command[:4]))
        run(command)
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
