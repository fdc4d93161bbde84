"""YouTube: a 200 from YouTube proves nothing, so ask oEmbed first and then read the page.

    target(url)             which video / playlist / channel a URL names, and where to ask
    read_oembed(fetched)    oEmbed's answer: a title, gone (404), or ambiguous (401/403/400)
    judge_page(target, fetched)   the page's verdict (youtube_page.py reads the page:
                            walls, playability, alerts, titles; re-exported here)

`YouTubeProvider` wires these to the Fetcher: every request carries the consent cookie
(SOCS=CAI, as yt-dlp sends) so EU runners are not sent to consent.youtube.com; oEmbed on
the same origin answers most checks in one small request; a 401/403/400 from oEmbed
(private, embedding disabled, unknown to oEmbed) falls back to the page. A 404 from
oEmbed means gone for a video (documented by several clients, see tests/replicas/
SOURCES.md), not for a playlist (not verified): a playlist's page, with its alert,
decides. A missing og:title is never a death signal (YouTube drops it for suspected bots).
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

from linkaudit.model import Fetched, Flag, Kind, Observation, Resource, Verdict
from linkaudit.providers import CheckContext, soft404, youtube_page
from linkaudit.providers.youtube_page import (
    UNUSUAL_TRAFFIC,
    Alert,
    Judgement,
    alerts,
    page_wall,
    playability,
)

__all__ = [
    "Alert",
    "Judgement",
    "OEmbed",
    "Target",
    "YouTubeProvider",
    "alerts",
    "judge_page",
    "playability",
    "read_oembed",
    "target",
]

YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
)
CANONICAL_HOST = "www.youtube.com"
REQUEST_HEADERS = {"Cookie": "SOCS=CAI", "Accept-Language": "en-US,en;q=0.8"}
SLOW_DOWN_SECONDS = 60.0
PAGE_BYTES = 3 * 1024 * 1024  # a watch page is ~1-2 MB; its player data is not near the top


@dataclass(frozen=True, slots=True)
class Target:
    """What a YouTube URL names: kind, id, the page to read and the oEmbed query (if any)."""

    kind: Kind
    ident: str
    page_url: str
    oembed_url: str | None


@dataclass(frozen=True, slots=True)
class OEmbed:
    """oEmbed's answer. `gone`: 404. `ambiguous`: ask the page (hint says why)."""

    title: str | None = None
    gone: bool = False
    ambiguous: bool = False
    hint: str = ""
    blocked: bool = False


def target(url: str) -> Target | None:
    """The YouTube item a URL names, or None when it names no video, playlist or channel."""
    try:
        parts = urlsplit(url.strip())
        host = (parts.hostname or "").lower()
    except ValueError:
        return None
    if host not in YOUTUBE_HOSTS:
        return None
    netloc = CANONICAL_HOST + (f":{parts.port}" if parts.port else "")
    origin = f"{parts.scheme}://{netloc}"
    query = parse_qs(parts.query)
    path = parts.path
    video = None
    if host == "youtu.be":
        video = path.strip("/").split("/")[0] or None
    elif path == "/watch" and query.get("v"):
        video = query["v"][0]
    elif path.startswith(("/shorts/", "/live/")):
        video = path.split("/")[2] or None
    if video:
        canonical = f"https://{CANONICAL_HOST}/watch?v={video}"
        page = (
            f"{origin}/watch?v={video}"
            if host == "youtu.be"
            else urlunsplit((parts.scheme, netloc, path, parts.query, ""))
        )
        return Target(Kind.YOUTUBE_VIDEO, video, page, _oembed(origin, canonical))
    if path.rstrip("/") == "/playlist" and query.get("list"):
        ident = query["list"][0]
        canonical = f"https://{CANONICAL_HOST}/playlist?list={ident}"
        page = f"{origin}/playlist?list={ident}"
        return Target(Kind.YOUTUBE_PLAYLIST, ident, page, _oembed(origin, canonical))
    if path.startswith(("/@", "/channel/", "/c/", "/user/")):
        page = urlunsplit((parts.scheme, netloc, path, parts.query, ""))
        return Target(Kind.YOUTUBE_CHANNEL, path.strip("/"), page, None)
    return None


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
        return OEmbed(ambiguous=True, hint=f"oEmbed said {fetched.body_text.strip()[:40]!r}")
    if status in (404, 410):
        return OEmbed(gone=True)
    if status == 429 or UNUSUAL_TRAFFIC.search(fetched.body_text):
        return OEmbed(blocked=True)
    hints = {401: "embedding disabled or private", 403: "private or forbidden"}
    return OEmbed(ambiguous=True, hint=hints.get(status or 0, f"oEmbed answered {status}"))


def judge_page(tgt: Target, fetched: Fetched) -> Judgement:
    """What the page itself says about the item `tgt` names (youtube_page.judge_page)."""
    return youtube_page.judge_page(tgt.kind, fetched)


@dataclass
class YouTubeProvider:
    """Checks youtube_video, youtube_playlist and youtube_channel resources.

    Once YouTube walls us (consent page, rate limit, bot check), the rest of the run's
    YouTube items are reported `blocked` without asking again: the wall is host-wide.
    """

    name: str = "youtube"
    slow_down_seconds: float = SLOW_DOWN_SECONDS
    _wall: Judgement | None = field(default=None, repr=False)

    def __hash__(self) -> int:
        return hash(self.name)

    def claims(self, resource: Resource) -> bool:
        kinds = {Kind.YOUTUBE_VIDEO, Kind.YOUTUBE_PLAYLIST, Kind.YOUTUBE_CHANNEL}
        return resource.kind in kinds and bool(resource.url) and target(resource.url) is not None

    async def check(self, resources: Sequence[Resource], ctx: CheckContext) -> None:
        urls = list(dict.fromkeys(r.url for r in resources if r.url))
        gate = asyncio.Semaphore(max(1, ctx.fetcher.options.per_host))

        async def one(url: str) -> None:
            async with gate:  # so a wall seen now spares the items still waiting
                await self._check_one(url, ctx)

        await asyncio.gather(*(one(url) for url in urls))

    async def _check_one(self, url: str, ctx: CheckContext) -> None:
        if self._wall is not None:
            said = f"not asked: {self._wall.evidence}"
            flags = tuple(map(str, self._wall.flags))
            ctx.emit(
                Observation(url, Verdict.BLOCKED, flags=flags, error=said, checked_at=ctx.now())
            )
            return
        tgt = target(url)
        assert tgt is not None  # claims() guarantees it
        fetched, judged, on_page, spent = await self._judge(tgt, ctx)
        final_url = fetched.final_url if on_page else (url if judged.verdict.is_live else None)
        if judged.slow_down:
            self._slow(ctx, fetched)
            self._wall = self._wall or judged
        ctx.emit(
            Observation(
                url=url,
                verdict=judged.verdict,
                final_url=final_url,
                http_status=fetched.status,
                hops=fetched.hops if on_page else (),
                title=judged.title,
                flags=tuple(str(f) for f in judged.flags),
                error=judged.evidence,
                elapsed_ms=spent,
                checked_at=ctx.now(),
                before_http=fetched.before_http,
            )
        )

    async def _judge(self, tgt: Target, ctx: CheckContext) -> tuple[Fetched, Judgement, bool, int]:
        """oEmbed first; the page when oEmbed cannot tell. (fetched, judgement, on page, ms)"""
        hint, spent = "", 0
        if tgt.oembed_url:
            answer = await ctx.fetcher.fetch(tgt.oembed_url, headers=REQUEST_HEADERS)
            spent = answer.elapsed_ms
            said = read_oembed(answer)
            if said.title is not None:
                return answer, Judgement(Verdict.OK, title=said.title), False, spent
            wall = page_wall(answer)
            if wall is not None:  # consent page or rate limit: the page would say the same
                return answer, wall, False, spent
            if said.gone and tgt.kind is Kind.YOUTUBE_VIDEO:  # (said.blocked: a page_wall)
                gone = Judgement(Verdict.DEAD, evidence="YouTube oEmbed answered 404: gone")
                return answer, gone, False, spent
            hint = said.hint or f"oEmbed answered {answer.status}"
        page = await ctx.fetcher.fetch(
            tgt.page_url, headers=REQUEST_HEADERS, max_body_bytes=PAGE_BYTES, stop_at_title=False
        )
        judged = judge_page(tgt, page)
        if judged.verdict is Verdict.OK and "embedding" in hint and not judged.flags:
            judged = replace(judged, flags=(Flag.EMBED_DISABLED,))
        return page, judged, True, spent + page.elapsed_ms

    def _slow(self, ctx: CheckContext, fetched: Fetched) -> None:
        host = urlsplit(fetched.url).hostname or CANONICAL_HOST
        retry_after = soft404.header(fetched, "retry-after").strip()
        seconds = float(retry_after) if retry_after.isdigit() else self.slow_down_seconds
        ctx.fetcher.slow_down(host, seconds)
