"""Remote text made inert for a GitHub Markdown table cell. Pure.

    md_text(text)   escaped text: never a link, a mention, an issue reference, HTML
    md_code(text)   a code span (never a link), for final URLs and commands; with
                    cell=False for a list item (a `|` needs no escape there)
    md_link(label, url)   a catalogued URL as the link of `label` (Markdown already) when
                    it is a plain http(s) URL, else None

Everything that came from the web (titles, errors, final URLs) is hostile: it goes
through one of these before it reaches the report, the step summary or the issue.
"""

from __future__ import annotations

import re

_SPECIAL = re.compile(r"([\\`*_\[\]<>|&!~#$:@])")
_WWW = re.compile(r"(?i)\bwww\.")
_MENTION = re.compile(r"([@#])(?=\w)")
_GH_REFERENCE = re.compile(r"(?i)\b(gh-)(?=\d)")
_AUTOLINK = re.compile(r"https?://[^\s<>|`\\]+")
_ENTITY = re.compile(r"&#?\w+;")  # decoded in a link's destination, not in an autolink
_TICKS = re.compile(r"`+")
_PLAIN = re.compile(r"[^\W_]+(?: [^\W_]+)*")  # letters and digits, single spaces: inert as is
WORD_JOINER = "\u2060"


def md_text(text: str | None) -> str:
    """Remote text as inert Markdown for one table cell: one line, every character that
    could start a link, an autolink, HTML, an entity, emphasis or a cell border escaped.
    An invisible word joiner after `@`, `#` and `GH-` keeps GitHub from turning `@name`
    into a mention (which notifies) or `#12` and `GH-12` into issue references."""
    if not text:
        return ""
    if _PLAIN.fullmatch(text):
        return text
    flat = " ".join(text.split())
    flat = _MENTION.sub(rf"\1{WORD_JOINER}", flat)
    flat = _GH_REFERENCE.sub(rf"\1{WORD_JOINER}", flat)
    escaped = _SPECIAL.sub(r"\\\1", flat)
    return _WWW.sub(lambda m: m.group(0)[:-1] + "\\.", escaped)


def md_code(text: str, *, cell: bool = True) -> str:
    """`text` as a code span (never a link), safe inside a table cell (`cell`) or in
    running text, where a `\\|` would show its backslash."""
    flat = " ".join(text.split())
    flat = flat.replace("|", "\\|") if cell else flat
    longest = max((len(run) for run in _TICKS.findall(flat)), default=0)
    fence = "`" * (longest + 1)
    pad = " " if flat.startswith("`") or flat.endswith("`") else ""
    return f"{fence}{pad}{flat}{pad}{fence}"


def md_link(label: str, url: str) -> str | None:
    """`label` (inert Markdown, such as md_text's) as a link to `url`, when `url` is a
    plain http(s) URL that a link destination keeps as it is; else None."""
    if _AUTOLINK.fullmatch(url) and not _ENTITY.search(url):
        return f"[{label}](<{url}>)"
    return None
