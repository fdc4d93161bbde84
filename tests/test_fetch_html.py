"""fetch/html.py: titles, charsets, meta refresh and bounded body reads (pure)."""

from __future__ import annotations

import asyncio
import gzip
import threading
import time
from collections.abc import Awaitable

import pytest

from linkaudit.config import ON_LOOP_CHARS, REMOTE_TEXT_CHARS
from linkaudit.fetch.html import (
    BodyReader,
    _parsed_title,
    _plain_title,
    decode,
    is_html,
    meta_refresh,
    off_loop,
    page_title,
    title_of,
)

# --- titles, charsets, meta refresh (pure) ---

TITLES = [
    ("plain", b"<title>Hello</title>", None, "Hello"),
    ("white space collapsed", b"<title>\n  Deep \t Learning\n</title>", None, "Deep Learning"),
    (
        "entities",
        b"<title>Tom &amp; Jerry &#8211; &quot;Q&quot;</title>",
        None,
        'Tom & Jerry \u2013 "Q"',
    ),
    ("og:title fallback", b'<meta property="og:title" content="OG &amp; co">', None, "OG & co"),
    (
        "empty title falls back",
        b'<title> </title><meta property="og:title" content="OG">',
        None,
        "OG",
    ),
    ("none", b"<p>no title here</p>", None, None),
    (
        "header charset",
        "<title>Café</title>".encode("latin-1"),
        "text/html; charset=ISO-8859-1",
        "Café",
    ),
    (
        "meta charset",
        '<meta charset="iso-8859-1"><title>Crème</title>'.encode("latin-1"),
        "text/html",
        "Crème",
    ),
    ("undeclared UTF-8", "<title>Straße</title>".encode(), "text/html", "Straße"),
    ("undeclared windows-1252", "<title>na\xefve</title>".encode("cp1252"), None, "naïve"),
    ("cut mid-title", b"<html><head><title>Partial ti", None, "Partial ti"),
    ("not HTML", b"<title>x</title>", "application/pdf", None),
]


@pytest.mark.parametrize(("case", "body", "ctype", "title"), TITLES, ids=[t[0] for t in TITLES])
def test_title_of_a_body(case: str, body: bytes, ctype: str | None, title: str | None) -> None:
    """The title the fetcher reads from the head of a body (none for what is not HTML)."""
    found = title_of(decode(body, ctype)) if is_html(ctype) else None
    assert found == title, case


def test_decode_survives_a_character_cut_in_half() -> None:
    body = "<title>Zoë</title> ë".encode()[:-1]
    assert decode(body, None).startswith("<title>Zoë</title>")


@pytest.mark.parametrize(
    ("content", "target"),
    [
        ("0; url=https://new.example/", "https://new.example/"),
        ("0;URL='/relative'", "/relative"),
        ("3; url=/later", "/later"),
        ("600; url=/reload", None),  # a page that reloads itself, not a redirect
        ("5", None),
    ],
)
def test_meta_refresh(content: str, target: str | None) -> None:
    text = f'<head><meta http-equiv="Refresh" content="{content}"></head>'
    assert meta_refresh(text) == target


# --- bounded body reads (pure) ---


def test_gzip_bomb_decodes_to_at_most_the_limit() -> None:
    bomb = gzip.compress(bytes(50_000_000))
    reader = BodyReader("gzip", 256 * 1024, html=True, stop_at_title=True)
    done = False
    for i in range(0, len(bomb), 65536):
        done = reader.feed(bomb[i : i + 65536])
        if done:
            break
    assert done
    assert len(reader.body()) == 256 * 1024


def test_html_read_stops_soon_after_the_title() -> None:
    reader = BodyReader("", 256 * 1024, html=True, stop_at_title=True)
    assert not reader.feed(b"<html><head><title>T</title></head>")
    assert reader.feed(b"x" * 20_000)  # title known and 16 KiB read
    assert reader.size < 64 * 1024


def test_unknown_content_encoding_reads_nothing() -> None:
    reader = BodyReader("br", 1024, html=True, stop_at_title=False)
    assert reader.feed(b"\x1b\x00garbage")
    assert reader.body() == b""


# --- the title without a parser: whenever it answers, it is the parser's answer ---

PARSER_HARD = [
    "<!doctype html><html><head><title>Page 3</title></head><body>x</body></html>",
    '<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0//EN" "http://x/y.dtd"><HTML><TITLE>Up</TITLE>',
    '<html lang="en"><head><meta charset=utf-8><meta name="d" content="a > b"><title>T</title>',
    '<meta content="<title>Inside</title>"><title>Outside</title>',
    "<!-- <title>Commented</title> --><title>Real</title>",
    "<script>var t = '<title>Script</title>'</script><title>Real</title>",
    "<style>a{}</style><title>After style</title>",
    "<noscript><title>No script</title></noscript><title>Real</title>",
    "<svg><title>Icon</title></svg><title>Page</title>",
    "<template><title>Template</title></template><title>Page</title>",
    "<textarea><title>Text</title></textarea><title>Page</title>",
    "<select><title>Ignored</title></select><title>Page</title>",
    "<title>Tom &amp; Jerry</title>",
    "<title>a < b</title>",
    "<title>First</title><title>Second</title>",
    "<title/>Slash</title><title>Next</title>",
    "<title>Almost</titlex></title>",
    "<title>Cut short",
    "<title>  </title><meta property='og:title' content='OG'>",
    "<title id=x lang='en'>Attributes</title>",
    '<title data-x="a>b">Quoted angle</title>',
    "<?xml version='1.0'?><title>XHTML</title>",
    "text before <title>Text first</title>",
    "<p>a < b</p><title>Loose angle</title>",
    "<head></head><title>After head</title>",
    "<title>\r\n  Spread \t over\r\n lines </title>",
    "<base href=/x/><link rel=icon href=a.png /><title>Unquoted</title>",
    "<title>Nul\x00here</title>",
    "<TiTlE>Mixed case</tItLe >",
]


@pytest.mark.parametrize("text", PARSER_HARD)
def test_title_without_a_parser_is_the_parser_s_title(text: str) -> None:
    end = text.find("</head")
    head = text[:end] if end > 0 else text
    assert title_of(text) == _parsed_title(head)
    plain = _plain_title(head)
    assert plain is None or plain == _parsed_title(head)


def test_title_without_a_parser_answers_for_ordinary_heads() -> None:
    answered = [t for t in PARSER_HARD if _plain_title(t) is not None]
    assert len(answered) >= 8  # the fast way is taken, not always skipped


# --- bounded work: a hostile page costs what an ordinary one does ---


def test_a_title_is_cut_to_the_length_kept_of_remote_text() -> None:
    title = title_of("<title>" + "word " * 200_000 + "</title>")
    assert title is not None and len(title) == REMOTE_TEXT_CHARS
    assert title.startswith("word word") and title.endswith("\u2026")
    assert title_of("<!-- x --><title>Tom &amp; Jerry</title>") == "Tom & Jerry"  # parsed, cut


async def _ticks(work: Awaitable[object], every: float = 0.002) -> tuple[object, float]:
    """`work`'s result and the longest the event loop went without a tick meanwhile."""
    longest, done = 0.0, asyncio.Event()

    async def tick() -> None:
        nonlocal longest
        last = time.perf_counter()
        while not done.is_set():
            await asyncio.sleep(every)
            now = time.perf_counter()
            longest, last = max(longest, now - last), now

    ticker = asyncio.create_task(tick())
    await asyncio.sleep(0)
    try:
        return await work, longest
    finally:
        done.set()
        await ticker


def test_a_deeply_nested_head_is_parsed_while_the_event_loop_runs() -> None:
    """14,000 unclosed <div>s before a title: lexbor's tree building is quadratic in the
    nesting (a fifth of a second here), so page_title parses a large head in a worker
    thread, and the loop keeps ticking (every check in flight keeps being served)."""
    text = "<!-- a comment: parsed, not matched -->" + "<div>" * 14_000 + "<title>Deep</title>"
    started = time.perf_counter()
    assert title_of(text) == "Deep"
    on_the_loop = time.perf_counter() - started
    title, longest = asyncio.run(_ticks(page_title(text)))
    assert title == "Deep"
    assert longest < on_the_loop / 3, (longest, on_the_loop)


def test_a_head_with_nothing_a_parser_could_call_a_title_is_not_parsed() -> None:
    """50,000 unclosed <div>s and no title: parsing them took 2.7 s of CPU for nothing."""
    started = time.process_time()
    assert title_of("<!doctype html><html><head><!-- x -->" + "<div>" * 50_000) is None
    assert time.process_time() - started < 0.5
    assert title_of('<!-- x --><meta name="twitter:title" content="Bird">') == "Bird"


def test_a_small_head_is_parsed_in_place() -> None:
    """No thread for an ordinary head: off_loop runs small work where it stands."""
    calls: list[str] = []

    def work(text: str) -> str:
        calls.append(threading.current_thread().name)
        return text

    async def main() -> None:
        await off_loop(ON_LOOP_CHARS, work, "small")
        await off_loop(ON_LOOP_CHARS + 1, work, "large")

    asyncio.run(main())
    assert calls[0] == threading.main_thread().name != calls[1]
