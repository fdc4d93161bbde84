"""Read and validate catalog files: YAML lists of entries, and Markdown documents.

    load_catalog(paths) -> list[Resource]   every resource, in file order; or CatalogError

(What a URL's shape says, its kind and when two URLs are one resource, is urls.py's.)

A directory stands for every *.yaml, *.yml and *.md file directly in it, sorted by name.
A file named explicitly is YAML if it ends in .yaml or .yml, and Markdown otherwise.

YAML: a list of mappings with the keys `url` (optional: no url means unlinked), `title`
(required), `section` and `kind` (detected from the URL when absent); each value is the
text the curator wrote (`title: 1984` is the title "1984", see yaml_reader.py).
Markdown: every absolute http(s) link is a resource; its text is the title (prefixed
with the heading it sits under when the text is generic, like "here" or "Part 2"); the
heading path is the section. Relative, fragment, mailto: and tel: links are not
resources. A URL linked twice in one Markdown file is one resource (the first link).

Problems are collected, never raised one at a time: CatalogError carries them all,
one `path:line: message` each, in file order. File-level problems point at line 1.
Any bytes at all give either resources or such problems (tests/test_catalog_load.py
holds the loader to that with hypothesis), never another exception.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from linkaudit.catalog.urls import dedupe_key, detect_kind, url_problem
from linkaudit.catalog.yaml_reader import Item, YamlProblem, kind_of, read_yaml
from linkaudit.config import REMOTE_TEXT_CHARS
from linkaudit.errors import CatalogError
from linkaudit.model import Kind, Resource
from linkaudit.text import cut

if TYPE_CHECKING:
    from linkaudit.catalog.markdown import MarkdownLink

YAML_SUFFIXES = (".yaml", ".yml")
MARKDOWN_SUFFIXES = (".md",)
ENTRY_KEYS = ("url", "title", "section", "kind")
KINDS = frozenset(Kind)
SECTION_SEPARATOR = " / "
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+.-]*(?=:)")  # what urlsplit takes for a scheme
TITLE_SEPARATOR = " — "  # between a heading and the generic link text it gives context to
# Link text that says nothing about the resource: the one rule for the Markdown reader (it
# puts the heading before such text), the report (it shows the page's own title beside
# it) and `catalog validate` (it warns).
GENERIC_LINK_TEXT = re.compile(
    r"(here|there|this|that|link|this link|click here|more|read more|source|website|"
    r"video|slides|pdf|part(?:\s+(?:\d{1,3}|[ivxlc]{1,6}|[a-z]|one|two|three|four|five)|\d{1,3})"
    r"|\d{1,3}|"
    r"(?:(?:has|his|her|their|my|our|the) )?(?:an? )?(?:blog|site|homepage|(?:youtube )?channel))"
    r"[.:!]?",
    re.IGNORECASE,
)


def generic_title(title: str) -> bool:
    """The title is generic link text ("here", "Part 2", "3"), alone or after the heading
    the Markdown reader put before it ("Deep Learning — Part 2")."""
    return bool(GENERIC_LINK_TEXT.fullmatch(title.rsplit(TITLE_SEPARATOR, 1)[-1].strip()))


@dataclass(frozen=True, slots=True)
class _Problem:
    order: int  # position of the file among those read, so problems stay in file order
    source: str
    line: int
    message: str

    def __str__(self) -> str:
        return f"{self.source}:{self.line}: {self.message}"


class _Problems:
    """Collects problems for one file at a time."""

    def __init__(self) -> None:
        self.found: list[_Problem] = []
        self.order = 0
        self.source = ""

    def add(self, line: int, message: str, *, source: str | None = None) -> None:
        self.found.append(_Problem(self.order, source or self.source, line, message))

    def sorted(self) -> list[str]:
        return [str(p) for p in sorted(self.found, key=lambda p: (p.order, p.line))]


def load_catalog(paths: Sequence[Path]) -> list[Resource]:
    """Every resource in `paths` (files or directories), or CatalogError with all problems."""
    problems = _Problems()
    resources: list[Resource] = []
    first_seen: dict[str, Resource] = {}
    for order, path in enumerate(_expand(paths, problems), start=1):
        problems.order, problems.source = order, str(path)
        for resource in _load_file(path, problems):
            if resource.url is not None:
                first = first_seen.setdefault(dedupe_key(resource.url), resource)
                if first is not resource:
                    problems.add(resource.line, _duplicate_message(resource.url, first))
                    continue
            resources.append(resource)
    if problems.found:
        raise CatalogError(problems.sorted())
    return resources


def _duplicate_message(url: str, first: Resource) -> str:
    if first.url == url:
        return f"duplicate URL {url} (first at {first.where})"
    return f"duplicate URL {url} (same resource as {first.url} at {first.where})"


def _expand(paths: Sequence[Path], problems: _Problems) -> list[Path]:
    """Files to read, in order, each once; missing paths and empty directories are problems."""
    files: list[Path] = []
    seen: set[Path] = set()
    for path in paths:
        if path.is_dir():
            found = sorted(
                child
                for child in path.iterdir()
                if child.suffix.lower() in YAML_SUFFIXES + MARKDOWN_SUFFIXES and not child.is_dir()
            )
            if not found:
                problems.add(
                    1, "no *.yaml, *.yml or *.md files in this directory", source=str(path)
                )
        elif path.exists() or path.is_symlink():
            found = [path]
        else:
            problems.add(1, "no such file or directory", source=str(path))
            found = []
        for file in found:
            if file.resolve() not in seen:
                seen.add(file.resolve())
                files.append(file)
    return files


def _load_file(path: Path, problems: _Problems) -> list[Resource]:
    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError as error:
        problems.add(1, f"cannot read: not UTF-8 text (bad byte at offset {error.start})")
        return []
    except OSError as error:
        problems.add(1, f"cannot read: {error.strerror or error}")
        return []
    if not text.strip():
        problems.add(1, "empty file")
        return []
    if path.suffix.lower() in YAML_SUFFIXES:
        return _read_yaml(text, problems)
    return _read_markdown(text, problems)


# --- YAML -----------------------------------------------------------------------------


def _read_yaml(text: str, problems: _Problems) -> list[Resource]:
    try:
        document = read_yaml(text)
    except YamlProblem as problem:
        problems.add(problem.line, problem.message)
        return []
    if document.kind == "empty":
        problems.add(1, "empty file (only comments)")
        return []
    if document.kind != "list":
        problems.add(document.line, "the top level must be a list of entries (`- title: ...`)")
        return []
    if not document.items:
        problems.add(1, "empty file (an empty list)")
        return []
    resources = []
    for item in document.items:
        if item.fields is None:
            problems.add(item.line, "an entry must be a mapping with at least a `title:`")
            continue
        resource = _yaml_entry(item, problems)
        if resource is not None:
            resources.append(resource)
    return resources


def _yaml_entry(item: Item, problems: _Problems) -> Resource | None:
    """One entry as a Resource, its problems recorded. None only when its URL is unusable;
    an entry with other problems still comes back, so duplicates of its URL are found
    too (any problem makes load_catalog raise, so such a Resource never escapes)."""
    fields = item.fields or {}
    entry = {key: value for key, (_, value) in fields.items()}

    def key_line(key: object) -> int:
        return fields[key][0]

    for key in entry:
        if key not in ENTRY_KEYS:
            problems.add(
                key_line(key), f"unknown key {_shown(key)} (allowed: {', '.join(ENTRY_KEYS)})"
            )
    title = entry.get("title")
    if "title" not in entry:
        problems.add(item.line, "entry has no title")
    elif title is None or (isinstance(title, str) and not title.strip()):
        problems.add(key_line("title"), "empty title")
    elif not isinstance(title, str):
        problems.add(key_line("title"), "title must be text (put it in quotes)")
    section = entry.get("section") or ""
    if not isinstance(section, str):
        problems.add(key_line("section"), "section must be text (put it in quotes)")
    kind = entry.get("kind")
    if "kind" in entry and not (isinstance(kind, str) and kind in KINDS):
        allowed = ", ".join(Kind)
        problems.add(key_line("kind"), f"unknown kind {_shown(kind)} (one of: {allowed})")
        kind = None
    url = entry.get("url")
    if "url" in entry and (problem := url_problem(url)) is not None:
        problems.add(key_line("url"), problem)
        return None
    return Resource(
        title=title.strip() if isinstance(title, str) else "",  # else a problem, reported
        section=section.strip() if isinstance(section, str) else "",
        kind=Kind(kind) if kind else (detect_kind(url) if url else Kind.WEB),
        url=url,
        source=problems.source,
        line=item.line,
    )


def _shown(value: object) -> str:
    """A value in a message: text as written (cut), a list or a mapping by its kind
    alone (aliases make a few lines of YAML into billions of items; str() would spell
    them all out)."""
    if isinstance(value, list | dict):
        return f"a {kind_of(value)}"
    return cut(repr(value), REMOTE_TEXT_CHARS)  # text, a number, a yaml_reader.ComplexKey


# --- Markdown -------------------------------------------------------------------------


def _read_markdown(text: str, problems: _Problems) -> list[Resource]:
    resources: list[Resource] = []
    seen: set[str] = set()
    from linkaudit.catalog.markdown import extract_links  # noqa: PLC0415 - markdown-it only for .md

    for link in extract_links(text):
        resource = _markdown_link(link, problems)
        if resource is not None and resource.url and dedupe_key(resource.url) not in seen:
            seen.add(dedupe_key(resource.url))
            resources.append(resource)
    if not resources and not any(p.source == problems.source for p in problems.found):
        problems.add(1, "no links found (a Markdown catalog lists [title](https://...) links)")
    return resources


def _markdown_link(link: MarkdownLink, problems: _Problems) -> Resource | None:
    url, title, context = link.url, link.text, link.headings
    found = _SCHEME.match(url)  # read without urlsplit, which raises for `https://[::1/`
    scheme = found.group(0).lower() if found else ""
    if url.startswith(("#", "/", ".")) or not scheme or scheme in {"mailto", "tel"}:
        return None  # a link within the site or not a web page: not a resource
    if (problem := url_problem(url)) is not None:
        problems.add(link.line, problem)
        return None
    if (not title or GENERIC_LINK_TEXT.fullmatch(title)) and context:
        title = f"{context[-1]}{TITLE_SEPARATOR}{title}" if title else context[-1]
    if not title:
        problems.add(link.line, f"link without text and outside any heading: {url}")
        return None
    return Resource(
        title=title,
        section=SECTION_SEPARATOR.join(context),
        kind=detect_kind(url),
        url=url,
        source=problems.source,
        line=link.line,
    )
