"""Change one catalogued URL in place: `linkaudit catalog set-url OLD_URL NEW_URL [PATH...]`.

    set_url(resources, old, new) -> Edit   rewrite OLD to NEW in the file that catalogues
                                           it, or EditError (and the file is untouched)
    set_url_command(old, new, source)      the command line that does it, shell-quoted

Only the URL's text changes; every other byte of the file (comments, quoting, blank
lines, line endings) stays as it was. In YAML the entry's `url:` value is rewritten in
the quoting it had; in Markdown the link target (inline, `<autolink>` or reference
definition) of every link to OLD in that file, since they are all one resource.
Before anything is written the edited file is read back as a catalog: it must be
valid and hold the same resources, the one URL apart; NEW must not be catalogued
already. The file is replaced atomically (a temporary file beside it, then rename).
"""

from __future__ import annotations

import json
import re
import shlex
import tempfile
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from linkaudit.catalog.load import YAML_SUFFIXES, load_catalog
from linkaudit.catalog.urls import dedupe_key, url_problem
from linkaudit.config import DEFAULT_CATALOG
from linkaudit.errors import CatalogError, EditError
from linkaudit.files import replace_file
from linkaudit.model import Resource

BOM = "\ufeff"
_YAML_URL = re.compile(
    r"""^(?P<lead>[ \t]*(?:-[ \t]+)?url[ \t]*:[ \t]+)"""
    r"""(?P<value>'(?:[^']|'')*'|"(?:[^"\\]|\\.)*"|[^\s'"#]\S*)"""
    r"""(?P<rest>[ \t]*(?:\#.*)?\r?)$"""
)
_LINK_TARGET_BEFORE = re.compile(r"(?:\]\([ \t]*<?|<|^ {0,3}\[[^\]]+\]:[ \t]*<?)$")
_LINK_TARGET_AFTER = frozenset(") >\t\r\n\"'")


@dataclass(frozen=True, slots=True)
class Edit:
    """A URL rewritten: in `source`, on `lines` (1-based)."""

    source: str
    lines: tuple[int, ...]
    old: str
    new: str

    def __str__(self) -> str:
        where = ", ".join(f"{self.source}:{line}" for line in self.lines)
        return f"{where}: {self.old} -> {self.new}"


def set_url_command(old: str, new: str, source: str = "") -> str:
    """`linkaudit catalog set-url OLD NEW [PATH]`, shell-quoted; PATH is named when the
    file is not in the default catalog/ directory (relative to where check ran)."""
    words = ["linkaudit", "catalog", "set-url", old, new]
    if source and Path(source).parent != DEFAULT_CATALOG:
        words.append(source)
    return shlex.join(words)


def set_url(resources: Sequence[Resource], old: str, new: str) -> Edit:
    """Rewrite `old` to `new` in the catalog file that holds it (see the module docstring).

    `resources` is the whole catalog as loaded (load_catalog), so that a `new` that is
    catalogued anywhere is refused. Raises EditError; then nothing was written."""
    target = _target(resources, old)
    if (problem := url_problem(new)) is not None:
        raise EditError(f"cannot set the URL: {problem}")
    if new == old:
        raise EditError(f"nothing to change: {target.where} already has {new}")
    for other in resources:
        if other is not target and other.url and dedupe_key(other.url) == dedupe_key(new):
            raise EditError(f"{new} is already catalogued at {other.where} ({other.title!r})")
    path = Path(target.source)
    try:
        raw = path.read_bytes().decode("utf-8")
    except (OSError, UnicodeDecodeError) as error:
        raise EditError(f"cannot read {path}: {_reason(error)}") from None
    bom, text = (BOM, raw[1:]) if raw.startswith(BOM) else ("", raw)
    if path.suffix.lower() in YAML_SUFFIXES:
        end = _entry_end(resources, target, text)
        edited, lines = rewrite_yaml(text, old, new, start=target.line, end=end)
    else:
        edited, lines = rewrite_markdown(text, old, new)
    if not lines:
        raise EditError(
            f"cannot find the URL {old} of {target.where} in the file's text "
            "(written differently?): edit it by hand"
        )
    _check_reads_back(path, bom + edited, resources, target, new)
    _replace(path, (bom + edited).encode("utf-8"))
    return Edit(target.source, tuple(lines), old, new)


def _entry_end(resources: Sequence[Resource], target: Resource, text: str) -> int:
    """The line after the YAML entry of `target`: where the next entry starts, or the end."""
    after = [r.line for r in resources if r.source == target.source and r.line > target.line]
    return min(after, default=text.count("\n") + 2)


def _target(resources: Sequence[Resource], old: str) -> Resource:
    for r in resources:
        if r.url == old:
            return r
    near = [r for r in resources if r.url and dedupe_key(r.url) == dedupe_key(old)]
    hint = f"; {near[0].where} has {near[0].url}" if near else ""
    raise EditError(f"{old} is not in the catalog{hint}")


# --- the rewrites (pure) -----------------------------------------------------------


def rewrite_yaml(text: str, old: str, new: str, *, start: int, end: int) -> tuple[str, list[int]]:
    """The `url: old` line of the entry on lines [start, end) rewritten, quoting kept."""
    lines = text.split("\n")
    for index in range(start - 1, min(end - 1, len(lines))):
        match = _YAML_URL.match(lines[index])
        if match is None or _yaml_value(match["value"]) != old:
            continue
        value = _yaml_quoted(new, like=match["value"])
        lines[index] = match["lead"] + value + match["rest"]
        return "\n".join(lines), [index + 1]
    return text, []


def _yaml_value(raw: str) -> str | None:
    if raw.startswith("'"):
        return raw[1:-1].replace("''", "'")
    if raw.startswith('"'):
        if "\\" not in raw:
            return raw[1:-1]
        try:
            return str(json.loads(raw))  # YAML's double-quoted escapes include JSON's
        except ValueError:
            return None
    return raw


def _yaml_quoted(url: str, *, like: str) -> str:
    if like.startswith("'"):
        return "'" + url.replace("'", "''") + "'"
    if like.startswith('"'):
        return '"' + url.replace("\\", "\\\\").replace('"', '\\"') + '"'
    return url


def rewrite_markdown(text: str, old: str, new: str) -> tuple[str, list[int]]:
    """Every link target spelled `old` rewritten to `new` (a mention of the URL in plain
    text or in code is no link, and is left alone)."""
    before = _links_to(text, old)
    hits = []
    for at in _occurrences(text, old):
        if _LINK_TARGET_BEFORE.search(text[text.rfind("\n", 0, at) + 1 : at]) is None:
            continue
        after = at + len(old)
        if after < len(text) and text[after] not in _LINK_TARGET_AFTER:
            continue
        if _links_to(text[:at] + new + text[after:], old) < before:
            hits.append(at)
    lines = [text.count("\n", 0, at) + 1 for at in hits]
    for at in reversed(hits):
        text = text[:at] + new + text[at + len(old) :]
    return text, lines


def _occurrences(text: str, needle: str) -> list[int]:
    found, at = [], text.find(needle)
    while at >= 0:
        found.append(at)
        at = text.find(needle, at + 1)
    return found


def _links_to(text: str, url: str) -> int:
    from linkaudit.catalog.markdown import extract_links  # noqa: PLC0415 - markdown-it only for .md

    return sum(1 for link in extract_links(text) if link.url == url)


# --- reading back, writing ----------------------------------------------------------


def _check_reads_back(
    path: Path, edited: str, resources: Sequence[Resource], target: Resource, new: str
) -> None:
    """The edited file, read as a catalog, holds the same resources but for the one URL."""
    with tempfile.TemporaryDirectory(prefix="linkaudit-set-url-") as scratch:
        copy = Path(scratch) / path.name
        copy.write_text(edited, encoding="utf-8")
        try:
            again = load_catalog([copy])
        except CatalogError as error:
            first = error.problems[0].replace(str(copy), target.source, 1)
            raise EditError(f"the edit would make the catalog invalid: {first}") from None
    expected = [
        (
            _retitled(r, new) if r is target else r.title,
            r.section,
            new if r is target else r.url,
            r.line,
        )
        for r in resources
        if r.source == target.source
    ]
    if [(r.title, r.section, r.url, r.line) for r in again] != expected:
        raise EditError(
            f"rewriting {target.url} in {target.source} would change more than that URL "
            "(is it written elsewhere in the file too?): edit it by hand"
        )


def _retitled(target: Resource, new: str) -> str:
    """A Markdown autolink (`<https://...>`) is its own title: it changes with the URL."""
    return new if target.title == target.url else target.title


def _replace(path: Path, data: bytes) -> None:
    """Write `data` over `path` atomically: a reader sees the old file or the new one."""
    try:
        replace_file(path, data)
    except OSError as error:
        raise EditError(f"cannot write {path}: {_reason(error)}") from None


def _reason(error: Exception) -> str:
    if isinstance(error, UnicodeDecodeError):
        return "not UTF-8 text"
    return getattr(error, "strerror", None) or str(error)
