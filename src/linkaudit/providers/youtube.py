"""YouTube: a 200 from YouTube proves nothing, so ask oEmbed first and then read the page.

    target(url)             which video / playlist / channel a URL names (catalog.urls's
                            rule), and where to ask about it: its page, its oEmbed query
    read_oembed(fetched)    oEmbed's answer: a title, gone (404), or "ask the page" (hint)
    (youtube_page.py reads the page: walls, playability, alerts, titles)

`YouTubeProvider` wires these to the Fetcher: every request carries the consent cookie
(SOCS=CAI, as yt-dlp sends) so EU runners are not sent to consent.youtube.com; oEmbed on
the same origin answers most checks in one small request; a 401/403/400 from oEmbed
(private, embedding disabled, unknown to oEmbed) falls back to the page. A 404 from
oEmbed means gone for a video (documented by several clients, see tests/replicas/
SOURCES.md), not for a playlist (not verified): a playlist's page, with its alert,
decides. A missing og:title is never a death signal (YouTube drops it for suspected bots).

Pace is the Fetcher's: every YouTube name shares one policy (at most 2 requests at once
and 10 in any 10 seconds, fetch/policies.py). A wall (consent page, rate limit, bot
check) pauses all of YouTube for YOUTUBE_SLOW_DOWN (or its Retry-After): the items not
asked yet are then `blocked` at once (the Fetcher's `paused`), never `error` or `dead`.
"""

from __future__ import annotations

import json
import time
from collections.abc import Sequence
from dataclasses import dataclass, replace
from urllib.parse import quote, urlunsplit

from linkaudit.catalog.urls import youtube_item
from linkaudit.config import YOUTUBE_PAGE_BYTES, YOUTUBE_SLOW_DOWN
from linkaudit.fetch.html import off_loop
from linkaudit.fetch.retry import retry_after
from linkaudit.model import Fetched, Flag, Judgement, Kind, Resource, Verdict
from linkaudit.providers.base import CheckContext
from linkaudit.providers.classify import not_asked, observe
from linkaudit.providers.youtube_page import classify_page, page_wall
from linkaudit.text import split_url

CANONICAL_HOST = "www.youtube.com"
REQUEST_HEADERS = {"Cookie": "SOCS=CAI", "Accept-Language": "en-US,en;q=0.8"}


@dataclass(frozen=True, slots=True)
class Target:
    """What a YouTube URL names: kind, id, the page to read and the oEmbed query (if any)."""

    kind: Kind
    ident: str
    page_url: str
    oembed_url: str | None


@dataclass(frozen=True, slots=True)
class OEmbed:
    """oEmbed's answer: a title, or `gone` (404), or neither: ask the page (`hint`: why)."""

    title: str | None = None
    gone: bool = False
    hint: str = ""


def target(url: str) -> Target | None:
    """The YouTube item a URL names and where to ask about it, or None (no item)."""
    item = youtube_item(url)
    if item is None:
        return None
    parts = split_url(url.strip())
    netloc = CANONICAL_HOST + (f":{parts.port}" if parts.port else "")
    origin = f"{parts.scheme}://{netloc}"
    if item.kind is Kind.YOUTUBE_VIDEO:
        canonical = f"https://{CANONICAL_HOST}/watch?v={item.ident}"
        if (parts.hostname or "").lower() == "youtu.be" or parts.path.startswith("/embed/"):
            page = f"{origin}/watch?v={item.ident}"
        else:
            page = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
        return Target(item.kind, item.ident, page, _oembed(origin, canonical))
    if item.kind is Kind.YOUTUBE_PLAYLIST:
        canonical = f"https://{CANONICAL_HOST}/playlist?list={item.ident}"
        page = f"{origin}/playlist?list={item.ident}"
        return Target(item.kind, item.ident, page, _oembed(origin, canonical))
    page = urlunsplit((parts.scheme, netloc, parts.path, parts.query, ""))
    return Target(item.kind, item.ident, page, None)


def _oembed(origin: str, canonical: str) -> str:
    return f"{origin}/oembed?url={quote(canonical, safe='')}&format=json"


def read_oembed(fetched: Fetched) -> OEmbed:
    """Turn an oEmbed response into a title, a death, or "ask the page"."""
    status = fetched.status
    if status == 200:
        try:
            data = json.loads(fetched.body_text)
        except ValueError:
            data = None
        if isinstance(data, dict) and isinstance(data.get("title"), str):
            return OEmbed(title=data["title"])
        # YouTube has answered 200 with a bare "Forbidden"/"Unauthorized" body.
        return OEmbed(hint=f"oEmbed said {fetched.body_text.strip()[:40]!r}")
    if status in (404, 410):
        return OEmbed(gone=True)
    hints = {401: "embedding disabled or private", 403: "private or forbidden"}
    return OEmbed(hint=hints.get(status or 0, f"oEmbed answered {status}"))


@dataclass
class YouTubeProvider:
    """Checks youtube_video, youtube_playlist and youtube_channel resources.

    Once YouTube walls us (consent page, rate limit, bot check), all of YouTube is paused
    (`slow_down_seconds`, or its Retry-After): the wall is host-wide.
    """

    name: str = "youtube"
    slow_down_seconds: float = YOUTUBE_SLOW_DOWN

    def __hash__(self) -> int:
        return hash(self.name)

    def claims(self, resource: Resource) -> bool:
        kinds = {Kind.YOUTUBE_VIDEO, Kind.YOUTUBE_PLAYLIST, Kind.YOUTUBE_CHANNEL}
        return (
            resource.kind in kinds and resource.url is not None and target(resource.url) is not None
        )

    async def check(self, resources: Sequence[Resource], ctx: CheckContext) -> None:
        urls = list(dict.fromkeys(r.url for r in resources if r.url))

        async def one(url: str) -> None:
            await self._check_one(url, ctx)

        await ctx.fetcher.each(urls, one, url=lambda url: _asked(url).page_url)

    async def _check_one(self, url: str, ctx: CheckContext) -> None:
        tgt = _asked(url)
        fetched, judgement, on_page, spent = await self._classify(tgt, ctx)
        final_url = fetched.final_url if on_page else (url if judgement.verdict.is_live else None)
        if judgement.slow_down:
            self._slow(ctx, fetched, judgement.reason or "YouTube walled us off")
        ctx.emit(
            observe(
                url,
                judgement,
                fetched,
                checked_at=ctx.now(),
                elapsed_ms=spent,
                final_url=final_url,
                hops=fetched.hops if on_page else (),
            )
        )

    async def _classify(
        self, tgt: Target, ctx: CheckContext
    ) -> tuple[Fetched, Judgement, bool, int]:
        """oEmbed first; the page when oEmbed cannot tell. (fetched, judgement, on page, ms)"""
        hint, spent = "", 0
        if tgt.oembed_url:
            answer = await ctx.fetcher.fetch(tgt.oembed_url, headers=REQUEST_HEADERS)
            spent = answer.elapsed_ms
            paused = not_asked(answer)
            if paused is not None:  # the page would be paused too
                return answer, paused, False, spent
            said = read_oembed(answer)
            if said.title is not None:
                return answer, Judgement(Verdict.OK, title=said.title), False, spent
            wall = page_wall(answer)
            if wall is not None:  # consent page or rate limit: the page would say the same
                return answer, wall, False, spent
            if said.gone and tgt.kind is Kind.YOUTUBE_VIDEO:
                gone = Judgement(Verdict.DEAD, reason="YouTube oEmbed answered 404: gone")
                return answer, gone, False, spent
            hint = said.hint or f"oEmbed answered {answer.status}"
        page = await ctx.fetcher.fetch(
            tgt.page_url,
            headers=REQUEST_HEADERS,
            max_body_bytes=YOUTUBE_PAGE_BYTES,
            stop_at_title=False,
        )
        # a page is ~1-2 MB: read off the loop (youtube_page.embedded_json lets the GIL go)
        judgement = await off_loop(len(page.body_text), classify_page, tgt.kind, page)
        if judgement.verdict is Verdict.OK and "embedding" in hint and not judgement.flags:
            judgement = replace(judgement, flags=(Flag.EMBED_DISABLED,))
        return page, judgement, True, spent + page.elapsed_ms

    def _slow(self, ctx: CheckContext, fetched: Fetched, reason: str) -> None:
        host = split_url(fetched.url).hostname or CANONICAL_HOST
        asked = retry_after(fetched.headers.get("retry-after"), now=time.time())
        seconds = asked if asked is not None else self.slow_down_seconds
        ctx.fetcher.slow_down(host, seconds, reason)


def _asked(url: str) -> Target:
    found = target(url)
    assert found is not None  # claims() guarantees it
    return found
