"""The archived copies of dead resources, as the report says them. Pure.

    archive_commands(findings)   `linkaudit catalog set-url DEAD_URL SNAPSHOT_URL [FILE]`, one
                                 per Dead finding with a verified snapshot, in the order given
                                 (what `linkaudit catalog set-url --archived` applies)
    archive_cell(finding)        a table's "Archived copy" cell: the snapshot, when it was
                                 captured, and (for a Dead row) the command that applies it

The snapshot is a Wayback Machine capture closest before the resource was last seen live,
verified once (providers/wayback.py); a failing resource's is only a hint.
"""

from __future__ import annotations

from collections.abc import Iterable

from linkaudit.catalog import set_url_command, url_problem
from linkaudit.model import Finding, Health
from linkaudit.report.escape import md_code, md_url


def archive_commands(findings: Iterable[Finding]) -> list[str]:
    """The command that points each Dead entry at its snapshot, shell-quoted."""
    return [command for f in findings if (command := _command(f))]


def archive_cell(f: Finding) -> str:
    """The snapshot as a link with its capture day; a Dead row's command after it."""
    if f.archive is None:
        return ""
    stamp = f.archive.timestamp
    cell = f"{md_url(f.archive.url)} (captured {stamp[:4]}-{stamp[4:6]}-{stamp[6:8]})"
    command = _command(f)
    return f"{cell}: {md_code(command)}" if command else cell


def _command(f: Finding) -> str:
    old, archive = f.resource.url, f.archive
    if f.health is not Health.DEAD or not old or archive is None:
        return ""
    if url_problem(archive.url) is not None:
        return ""
    return set_url_command(old, archive.url, f.resource.source)
