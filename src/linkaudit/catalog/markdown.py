"""The links of a Markdown document, each with its line, its text and its heading path.

    extract_links(text) -> list[MarkdownLink]

Parsed with markdown-it-py (CommonMark), so code blocks, escapes and reference links
behave as in any renderer. A leading `---` YAML front-matter block is skipped, and line
numbers still count from the top of the file. URLs are kept exactly as written.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass

from markdown_it import MarkdownIt
from markdown_it.token import Token


@dataclass(frozen=True, slots=True)
class MarkdownLink:
    """One link. `headings` is the heading path above it (a heading the link is in excluded)."""

    line: int
    url: str
    text: str
    headings: tuple[str, ...]


def extract_links(text: str) -> list[MarkdownLink]:
    """Every link of the document, in order (images are not links)."""
    md = MarkdownIt("commonmark")
    md.normalizeLink = lambda url: url  # type: ignore[method-assign]  # keep URLs as written
    tokens = md.parse(_blank_front_matter(text))
    headings: list[str] = []  # the heading path at the current position; "" for a skipped level
    links: list[MarkdownLink] = []
    for index, token in enumerate(tokens):
        if token.type != "inline" or token.map is None:
            continue
        opener = tokens[index - 1] if index else None
        in_heading = opener is not None and opener.type == "heading_open"
        if opener is not None and in_heading:
            level = int(opener.tag[1])
            headings = [*headings[: level - 1], *[""] * (level - 1 - len(headings))]
        path = tuple(h for h in headings if h)
        links.extend(
            MarkdownLink(line, url, link_text, path) for line, url, link_text in _links(token)
        )
        if in_heading:
            headings.append(_plain_text(token.children or []))
    return links


def _links(inline: Token) -> Iterator[tuple[int, str, str]]:
    """(line, href, text) for each link in an inline token, lines counted through breaks."""
    line = (inline.map or [0])[0] + 1
    href: str | None = None
    start_line = line
    parts: list[Token] = []
    for child in inline.children or []:
        if child.type == "link_open":
            href, start_line, parts = str(child.attrs.get("href", "")), line, []
        elif child.type == "link_close" and href is not None:
            yield start_line, href, _plain_text(parts)
            href = None
        elif href is not None:
            parts.append(child)
        if child.type in {"softbreak", "hardbreak"}:
            line += 1


def _plain_text(children: Sequence[Token]) -> str:
    pieces = []
    for child in children:
        if child.type in {"text", "code_inline"}:
            pieces.append(child.content)
        elif child.type in {"softbreak", "hardbreak"}:
            pieces.append(" ")
        elif child.type == "image":
            pieces.append(_plain_text(child.children or []))
    return " ".join("".join(pieces).split())


def _blank_front_matter(text: str) -> str:
    """The text with a leading `---` YAML front-matter block blanked, line numbers kept."""
    lines = text.split("\n")
    if lines[0].rstrip() != "---":
        return text
    for end in range(1, len(lines)):
        if lines[end].rstrip() in {"---", "..."}:
            return "\n" * (end + 1) + "\n".join(lines[end + 1 :])
    return text
