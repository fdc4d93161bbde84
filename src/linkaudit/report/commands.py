"""The commands a section of the report ends with: exact, shell-safe, one a line. Pure.

    commands(health, findings) -> list[str | None]   each finding's command (None: none),
                                                     in the order of the section's rows
    sh_block(lines) -> str                           one fenced `sh` block, ready to copy

A section's commands come from one small function of a finding (COMMANDS, by health):
Dead points the catalogued URL at its archived copy (archives.py), Moved rewrites it to
where it went, Title drift accepts the new title.
Another section gets commands by one more function there. The rows number their
commands ("command 2"), so the block has nothing but commands: no comments, which an
interactive zsh (macOS's shell) would run as words.

The commands are for a fenced block, where Markdown escapes nothing: the quoting is
the shell's alone (shlex.quote). A URL with white space or control characters
(url_problem) gets no command, so a command is always one line and never closes the
fence.
"""

from __future__ import annotations

import shlex
from collections.abc import Callable, Sequence

from linkaudit.catalog import set_url_command, url_problem
from linkaudit.model import Finding, Health
from linkaudit.report.archives import archive_command


def moved(f: Finding) -> str | None:
    """`linkaudit catalog set-url OLD NEW [FILE]`, when the catalog would take NEW."""
    target = new_url(f)
    if not target or not f.resource.url or url_problem(target) is not None:
        return None
    return set_url_command(f.resource.url, target, f.resource.source)


def drifted(f: Finding) -> str | None:
    """`linkaudit accept URL`: the page's current title becomes its expected title."""
    url = f.resource.url
    if not url or url_problem(url) is not None:
        return None
    return f"linkaudit accept {shlex.quote(url)}"


COMMANDS: dict[Health, Callable[[Finding], str | None]] = {
    Health.DEAD: archive_command,
    Health.MOVED: moved,
    Health.DRIFTED: drifted,
}


def commands(health: Health, findings: Sequence[Finding]) -> list[str | None]:
    """The command of each finding of a section (None for all in a section without)."""
    command = COMMANDS.get(health)
    return [command(f) if command else None for f in findings]


def new_url(f: Finding) -> str | None:
    """Where a moved resource is now: the judge's suggestion, else where the request ended."""
    return f.suggested_url or (f.observation.final_url if f.observation else None)


def sh_block(lines: Sequence[str]) -> str:
    return "```sh\n" + "\n".join(lines) + "\n```"
