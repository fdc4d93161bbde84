"""The archived copies of dead resources, as the report says them. Pure.

    archive_command(finding)     `linkaudit catalog set-url DEAD_URL SNAPSHOT_URL [FILE]` for
                                 a Dead finding with a verified snapshot, else None (what
                                 `linkaudit catalog set-url --archived` applies)
    archive_fact(finding)        "[archived copy](URL) (captured 2026-11-01)", for Evidence

The snapshot is a Wayback Machine capture closest before the resource was last seen live,
verified once (providers/wayback.py); a failing resource's is only a hint, with no command.
"""

from __future__ import annotations

from linkaudit.catalog import set_url_command, url_problem
from linkaudit.model import Finding, Health
from linkaudit.report.escape import md_code, md_link


def archive_command(f: Finding) -> str | None:
    """The command that points a Dead entry at its snapshot, shell-quoted."""
    old, archive = f.resource.url, f.archive
    if f.health is not Health.DEAD or not old or archive is None:
        return None
    if url_problem(archive.url) is not None:
        return None
    return set_url_command(old, archive.url, f.resource.source)


def archive_fact(f: Finding) -> str | None:
    """The snapshot and the day it was captured (a failing resource's: a hint)."""
    if f.archive is None:
        return None
    stamp = f.archive.timestamp
    when = f"{stamp[:4]}-{stamp[4:6]}-{stamp[6:8]}"
    hint = "" if f.health is Health.DEAD else ", should it stay dead"
    label = md_link("archived copy", f.archive.url) or (
        f"archived copy {md_code(f.archive.url, cell=False)}"
    )
    return f"{label} (captured {when}{hint})"
