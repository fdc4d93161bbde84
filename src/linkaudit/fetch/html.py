"""What the fetcher needs from the head of an HTML page: its text, title and meta refresh.

    decode(body, content_type)          bytes -> str, charset from header, <meta>, or sniffed
    title_of(text)                      <title>, else og:title; entities decoded, space
                                        collapsed, cut to REMOTE_TEXT_CHARS
    page_title(text)                    the same, awaited: a large head parsed off the loop
    meta_refresh(text)                  the target of <meta http-equiv="refresh">, if any
    BodyReader                          a streamed body, decoded and bounded in decoded size
    off_loop(size, work, *args)         work(*args), in a worker thread when `size` (of the
                                        text it parses) is beyond ON_LOOP_CHARS

All pure (off_loop aside), all tolerant of a body cut short in the middle of a tag or a
character.

Why a worker thread: lexbor's tree building is quadratic in the depth of nesting (a page
of 50,000 unclosed <div>s, 256 KiB, takes 2.7 s to parse, 8 KiB of them 6 ms), and it
releases the GIL while it parses, so the event loop runs on meanwhile.
"""

from __future__ import annotations

import asyncio
import codecs
import re
import zlib
from collections.abc import Callable
from typing import Any, ParamSpec, TypeVar

from selectolax.lexbor import LexborHTMLParser

from linkaudit.config import MAX_REFRESH_DELAY, ON_LOOP_CHARS, REMOTE_TEXT_CHARS, TITLE_SNIPPET
from linkaudit.text import cut

P = ParamSpec("P")
T = TypeVar("T")

_HEADER_CHARSET = re.compile(r"charset\s*=\s*[\"']?([\w.:-]+)", re.IGNORECASE)
_META_CHARSET = re.compile(rb"<meta[^>]+charset\s*=\s*[\"']?\s*([\w.:-]+)", re.IGNORECASE)
_REFRESH = re.compile(
    r"^\s*\d*(?:\.\d*)?\s*[;,]?\s*(?:url\s*=\s*)?(.*)$", re.IGNORECASE | re.DOTALL
)
_SIMPLE_TITLE = re.compile(r"<title(?:\s[^<>\"']*)?>([^<&\x00]*)</title[\s/>]", re.IGNORECASE)
_OPAQUE = (  # elements whose content is not markup, or where a <title> means something else
    "script|style|textarea|xmp|iframe|noembed|noframes|noscript|plaintext|template|svg|math|select"
)
_PLAIN_HEAD = re.compile(  # text, a doctype, tags with well-quoted attributes; possessive: linear
    r"(?:[^<]++|<!doctype[^<>]*+>"
    rf"|</?(?!(?:{_OPAQUE}|title)\b)[a-z][a-z0-9-]*+"
    r"(?:\s++[^\s\"'<>/=]++(?:\s*+=\s*+(?:\"[^\"]*+\"|'[^']*+'|[^\s\"'<>]++))?+)*+\s*+/?>)*+",
    re.IGNORECASE,
)
_META_TITLES = ("og:title", "twitter:title")  # what the parser looks for beside <title>


def charset_of(body: bytes, content_type: str | None) -> str | None:
    """The declared encoding: the Content-Type header wins, then a <meta> in the first 2 KiB."""
    for found in (
        _HEADER_CHARSET.search(content_type or ""),
        _META_CHARSET.search(body[:2048]),
    ):
        if found:
            name = found.group(1)
            name = name.decode("ascii", "replace") if isinstance(name, bytes) else name
            try:
                return codecs.lookup(name).name
            except LookupError:
                continue
    return None


def decode(body: bytes, content_type: str | None) -> str:
    """Text of a (possibly truncated) body; undeclared bodies are UTF-8, else windows-1252."""
    charset = charset_of(body, content_type)
    if charset is not None:
        return body.decode(charset, "replace")
    try:
        return body.decode("utf-8")
    except UnicodeDecodeError as exc:
        if exc.start >= len(body) - 3:  # cut in the middle of a character
            return body[: exc.start].decode("utf-8", "replace")
        return body.decode("cp1252", "replace")


def is_html(content_type: str | None) -> bool:
    kind = (content_type or "").split(";")[0].strip().lower()
    return kind in {"", "text/html", "application/xhtml+xml"}


def _clean(text: str | None) -> str | None:
    """One line of at most REMOTE_TEXT_CHARS (a title is compared, stored and shown)."""
    if text is None:
        return None
    return cut(text, REMOTE_TEXT_CHARS) or None


def title_of(text: str) -> str | None:
    """The page title: <title>, else og:title (or twitter:title)."""
    head = _head(text)
    return (_plain_title(head) or _parsed_title(head)) if head is not None else None


async def page_title(text: str) -> str | None:
    """title_of(text), with the parse (when the title needs one) off the loop when large."""
    head = _head(text)
    if head is None:
        return None
    return _plain_title(head) or await off_loop(len(head), _parsed_title, head)


def _head(text: str) -> str | None:
    """The text up to `</head` (the head is enough), or None when it holds no markup."""
    if "<" not in text:
        return None
    end = text.find("</head")
    end = end if end >= 0 else text.find("</HEAD")
    return text[:end] if end > 0 else text


def _plain_title(head: str) -> str | None:
    """The title without an HTML parser (a tenth of the time) when nothing before it can
    hide or change it: only text, a doctype and plain tags precede it (no comment, script,
    style, template, svg... and no other title), and its text has no entity or tag."""
    found = _SIMPLE_TITLE.search(head)
    if found is None or not _PLAIN_HEAD.fullmatch(head, 0, found.start()):
        return None
    return _clean(found.group(1))


def _parsed_title(head: str) -> str | None:
    if "<title" not in head.lower() and not any(name in head for name in _META_TITLES):
        return None  # nothing the parser could find (and a hostile head costs it seconds)
    tree = LexborHTMLParser(head)
    node = tree.css_first("title")
    title = _clean(node.text(deep=True)) if node is not None else None
    if title:
        return title
    for selector in ('meta[property="og:title"]', 'meta[name="twitter:title"]'):
        meta = tree.css_first(selector)
        if meta is not None:
            content = _clean(meta.attributes.get("content"))
            if content:
                return content
    return None


def meta_refresh(text: str) -> str | None:
    """The URL a `<meta http-equiv="refresh" content="0; url=...">` sends to (as written)."""
    if "refresh" not in text.lower():
        return None
    tree = LexborHTMLParser(text)
    for meta in tree.css("meta[http-equiv]"):
        if (meta.attributes.get("http-equiv") or "").strip().lower() != "refresh":
            continue
        content = meta.attributes.get("content") or ""
        delay = content.split(";")[0].split(",")[0].strip() or "0"
        try:
            if float(delay) > MAX_REFRESH_DELAY:
                return None
        except ValueError:
            return None
        found = _REFRESH.match(content)
        target = (found.group(1) if found else "").strip().strip("'\"").strip()
        return target or None
    return None


async def off_loop(size: int, work: Callable[P, T], *args: P.args, **kwargs: P.kwargs) -> T:
    """`work(*args)` here, or in a worker thread when `size` (the length of the text it
    parses) is beyond ON_LOOP_CHARS, so that no page holds the event loop for long."""
    if size <= ON_LOOP_CHARS:
        return work(*args, **kwargs)
    return await asyncio.to_thread(work, *args, **kwargs)


class BodyReader:
    """Decoded bytes of a streamed body, bounded in decoded size (so gzip bombs stay small).

    `html`: the body is a page, `titled` once its `</title` or `</head` has arrived;
    `stop_at_title`: reading stops once it is titled and TITLE_SNIPPET is in. `enough`:
    what arrived can be judged, a page titled or TITLE_SNIPPET long, any other body a
    byte of it (exchange.py: a body that stalls before that is an error, not the page)."""

    def __init__(self, encoding: str, limit: int, *, html: bool, stop_at_title: bool) -> None:
        encoding = encoding.strip().lower()
        self.decoder: Any = None
        if encoding in {"gzip", "x-gzip"}:
            self.decoder = zlib.decompressobj(16 + zlib.MAX_WBITS)
        elif encoding == "deflate":
            self.decoder = zlib.decompressobj()
        self.unreadable = encoding not in {"", "identity", "gzip", "x-gzip", "deflate"}
        self.limit = limit
        self.html = html
        self.stop_at_title = stop_at_title and html
        self.parts: list[bytes] = []
        self.size = 0
        self.titled = False

    def feed(self, chunk: bytes) -> bool:
        """Take one raw chunk; True when enough has been read."""
        if self.unreadable:
            return True
        while chunk:
            room = self.limit - self.size
            if self.decoder is None:
                data, chunk = chunk[:room], b""
            else:
                try:
                    data = self.decoder.decompress(chunk, room)
                except zlib.error:
                    return True
                chunk = self.decoder.unconsumed_tail
            self._take(data)
            if self.size >= self.limit:
                return True
        return self.stop_at_title and self.titled and self.size >= TITLE_SNIPPET

    def _take(self, data: bytes) -> None:
        if not data:
            return
        if self.html and not self.titled:
            tail = (self.parts[-1][-8:] if self.parts else b"") + data
            lowered = tail.lower()
            self.titled = b"</title" in lowered or b"</head" in lowered
        self.parts.append(data)
        self.size += len(data)

    @property
    def enough(self) -> bool:
        if self.html:
            return self.titled or self.size >= TITLE_SNIPPET
        return self.size > 0

    def body(self) -> bytes:
        return b"".join(self.parts)
