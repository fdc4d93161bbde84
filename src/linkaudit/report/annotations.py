"""GitHub Actions annotations: one workflow command per row a maintainer must act on. Pure.

    render_annotations(findings)   the lines to print: `::error file=F,line=N,title=Dead
                        link::MESSAGE` per dead resource, then `::warning ...` per moved,
                        drifted or possibly wrong link; at most ANNOTATIONS (50), then one
                        plain line saying how many more there are
    workflow_command(name, message, properties)   one command, escaped
    escape_data(text), escape_property(text)      GitHub's escaping (actions/toolkit command.ts)

Everything in a command is escaped as the runner unescapes it: in the message `%` first
(%25), then CR (%0D) and LF (%0A); in a property also `:` (%3A) and `,` (%2C). So a page
title can neither end the command early, nor start another one on a new line, nor add a
property. A property without a value is left out, as the toolkit leaves it out.
"""

from __future__ import annotations

import shlex
from collections.abc import Iterable, Sequence

from linkaudit.config import ANNOTATIONS
from linkaudit.model import Finding, Flag, Health
from linkaudit.report.archives import archive_command
from linkaudit.report.commands import moved

ERROR, WARNING = "error", "warning"


def escape_data(text: str) -> str:
    """A workflow command's message, escaped."""
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def escape_property(text: str) -> str:
    """A workflow command's property value, escaped."""
    return escape_data(text).replace(":", "%3A").replace(",", "%2C")


def workflow_command(name: str, message: str, properties: Sequence[tuple[str, object]]) -> str:
    """`::name key=value,...::message`, every part escaped; empty values left out."""
    props = ",".join(f"{k}={escape_property(str(v))}" for k, v in properties if v)
    return f"::{name}{' ' + props if props else ''}::{escape_data(message)}"


def render_annotations(findings: Iterable[Finding], *, limit: int = ANNOTATIONS) -> list[str]:
    """One command per actionable finding, errors first, at most `limit`, then the rest counted."""
    notes = [note for f in findings if (note := _annotation(f)) is not None]
    notes.sort(key=lambda n: (n[0] != ERROR, n[1].resource.source, n[1].resource.line))
    lines = [
        workflow_command(
            kind,
            message,
            [("file", f.resource.source), ("line", f.resource.line), ("title", title)],
        )
        for kind, f, title, message in notes[:limit]
    ]
    if len(notes) > limit:
        more = len(notes) - limit
        lines.append(
            f"linkaudit: {more} more finding{'s' * (more != 1)} to act on not annotated "
            f"(at most {limit} a run): the report lists them all"
        )
    return lines


def _annotation(f: Finding) -> tuple[str, Finding, str, str] | None:
    """(error or warning, the finding, the annotation's title, its message), or None."""
    r, o = f.resource, f.observation
    if not r.url:
        return None
    if f.health is Health.DEAD:
        fix = "find its new home or remove the entry"
        if f.archive is not None:
            command = archive_command(f)
            fix = f"archived copy {f.archive.url}"
            fix += f"; to use it: {command}" if command else ""
        return ERROR, f, "Dead link", f"{r.title}: {r.url} is dead ({f.evidence}); {fix}"
    if f.health is Health.MOVED and f.suggested_url:
        command = moved(f)  # the report's own command: none for a URL the catalog refuses
        said = f"{r.title}: {r.url} moved permanently to {f.suggested_url}"
        return WARNING, f, "Moved link", f"{said}; to follow: {command}" if command else said
    title = o.title if o else None
    if f.health is Health.DRIFTED:
        said = (
            f"{r.title}: the page title is now {title!r}, expected {f.baseline_title!r}; "
            f"if it is the right page: {shlex.join(['linkaudit', 'accept', r.url])}"
        )
        return WARNING, f, "Title drift", said
    if Flag.POSSIBLE_WRONG_LINK in f.flags:
        said = f"{r.title}: the page title {title!r} shares no word with the catalogued title"
        return WARNING, f, "Possible wrong link", f"{said}; check {r.url}"
    return None
