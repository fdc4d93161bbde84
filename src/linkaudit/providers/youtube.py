"""YouTube: a 200 from YouTube proves nothing, so ask oEmbed first and then read the page.

    target(url)             which video / playlist / channel a URL names, and where to ask
    read_oembed(fetched)    oEmbed's answer: a title, gone (404), or ambiguous (401/403/400)
    page_wall(fetched)      a consent page, an "unusual traffic" page or a 429 (blocked)
    playability(body)       the watch page's ytInitialPlayerResponse.playabilityStatus
    alerts(body)            the playlist/channel page's ytInitialData alerts, e.g. ERROR
    judge_page(target, fetched)   the page's verdict, title, flags and evidence

`YouTubeProvider` wires these to the Fetcher: every request carries the consent cookie
(SOCS=CAI, as yt-dlp sends) so EU runners are not sent to consent.youtube.com; oEmbed on
the same origin answers most checks in one small request; a 401/403/400 from oEmbed
(private, embedding disabled, unknown to oEmbed) falls back to the page. A missing
og:title is never a death signal (YouTube drops it for suspected bots).
"""

from __future__ import annotations

import asyncio
import html
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit, urlunsplit

from linkaudit.model import Fetched, Flag, Kind, Observation, Resource, Verdict
from linkaudit.providers import CheckContext, soft404

YOUTUBE_HOSTS = frozenset(
    {"youtube.com", "www.youtube.com", "m.youtube.com", "music.youtube.com", "youtu.be"}
)
CANONICAL_HOST = "www.youtube.com"
REQUEST_HEADERS = {"Cookie": "SOCS=CAI", "Accept-Language": "en-US,en;q=0.8"}
CONSENT_HOSTS = ("consent.youtube.com", "consent.google.com")
SLOW_DOWN_SECONDS = 60.0
PAGE_BYTES = 3 * 1024 * 1024  # a watch page is ~1-2 MB; its player data is not near the top
PRIVATE = re.compile(r"\bprivate\b", re.IGNORECASE)
BOT_CHECK = re.compile(r"not a bot|confirm (that )?you.{0,3}re not", re.IGNORECASE)
AGE_GATE = re.compile(r"confirm your age|age-restricted|inappropriate for some users", re.I)
EMBED_OFF = re.compile(r"playback on other websites|embedding (has been )?disabled", re.I)
GONE = re.compile(
    r"no longer available|been removed|has been terminated|copyright claim|violat\w+ YouTube", re.I
)
UNUSUAL_TRAFFIC = re.compile(r"unusual traffic from your computer network", re.IGNORECASE)


@dataclass(frozen=True, slots=True)
class Target:
    """What a YouTube URL names: kind, id, the page to read and the oEmbed query (if any)."""

    kind: Kind
    ident: str
    page_url: str
    oembed_url: str | None


@dataclass(frozen=True, slots=True)
class Judgement:
    """A verdict with its title, flags and words of evidence."""

    verdict: Verdict
    title: str | None = None
    flags: tuple[str, ...] = ()
    evidence: str | None = None
    slow_down: bool = False  # a wall: pause the host, ask no more of it this run


CONSENT_WALL = Judgement(
    Verdict.BLOCKED, None, (Flag.CONSENT_WALL,), "YouTube showed its consent page", True
)
RATE_LIMITED = Judgement(
    Verdict.BLOCKED, None, (Flag.RATE_LIMITED,), "YouTube rate-limits us (429/captcha)", True
)


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


def page_wall(fetched: Fetched) -> Judgement | None:
    """YouTube showed a consent page, an "unusual traffic" page or 429: blocked, slow down."""
    urls = [hop.url for hop in fetched.hops] + [fetched.final_url or ""]
    if any((urlsplit(u).hostname or "") in CONSENT_HOSTS for u in urls) or (
        "before you continue to youtube" in (fetched.title or "").lower()
    ):
        return CONSENT_WALL
    sorry = any("/sorry" in urlsplit(u).path for u in urls)
    if fetched.status == 429 or sorry or UNUSUAL_TRAFFIC.search(fetched.body_text):
        return RATE_LIMITED
    return None


def embedded_json(body: str, name: str) -> dict[str, Any] | None:
    """The object assigned to `name` in the page's scripts (`var name = {...};`)."""
    match = re.search(re.escape(name) + r"[\"']?\]?\s*=\s*\{", body)  # var x = / window["x"] =
    if not match:
        return None
    try:
        value, _ = json.JSONDecoder().raw_decode(body, match.end() - 1)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def text_of(node: Any) -> str:
    """YouTube's text objects: {"simpleText": ...} or {"runs": [{"text": ...}, ...]}."""
    if isinstance(node, str) or not isinstance(node, dict):
        return node if isinstance(node, str) else ""
    if isinstance(node.get("simpleText"), str):
        return node["simpleText"]
    runs = node.get("runs") if isinstance(node.get("runs"), list) else []
    return "".join(r.get("text", "") for r in runs if isinstance(r, dict))


@dataclass(frozen=True, slots=True)
class Playability:
    """The watch page's playabilityStatus: OK, ERROR, UNPLAYABLE, LOGIN_REQUIRED, ..."""

    status: str
    reason: str = ""
    title: str | None = None


def playability(body: str) -> Playability | None:
    """Read ytInitialPlayerResponse from a watch page (None when the page has none)."""
    player = embedded_json(body, "ytInitialPlayerResponse")
    if player is None:
        return None
    status_node = player.get("playabilityStatus") or {}
    if not isinstance(status_node, dict):
        return None
    error_screen = (status_node.get("errorScreen") or {}).get("playerErrorMessageRenderer") or {}
    parts = [
        status_node.get("reason") if isinstance(status_node.get("reason"), str) else "",
        text_of(status_node.get("reason")) if isinstance(status_node.get("reason"), dict) else "",
        text_of(error_screen.get("reason")),
        text_of(error_screen.get("subreason")),
    ]
    reason = " — ".join(dict.fromkeys(p.strip() for p in parts if p and p.strip()))
    details = player.get("videoDetails") or {}
    title = details.get("title") if isinstance(details, dict) else None
    return Playability(str(status_node.get("status") or ""), reason, title or None)


@dataclass(frozen=True, slots=True)
class Alert:
    kind: str  # ERROR, INFO, WARNING, ...
    text: str


def alerts(body: str) -> list[Alert]:
    """The alerts of a playlist or channel page (ytInitialData.alerts)."""
    data = embedded_json(body, "ytInitialData") or {}
    found = []
    for wrapper in data.get("alerts") or []:
        if not isinstance(wrapper, dict):
            continue
        for renderer in wrapper.values():
            if isinstance(renderer, dict) and renderer.get("type"):
                found.append(Alert(str(renderer["type"]), text_of(renderer.get("text"))))
    return found


def page_title(body: str, fetched_title: str | None) -> str | None:
    """The item's title from the page's data, else og:title, else <title> minus "- YouTube"."""
    data = embedded_json(body, "ytInitialData") or {}
    metadata = data.get("metadata") or {}
    for key in ("playlistMetadataRenderer", "channelMetadataRenderer"):
        title = (metadata.get(key) or {}).get("title") if isinstance(metadata, dict) else None
        if isinstance(title, str) and title:
            return title
    og = re.search(r'<meta\s+(?:property|name)="og:title"\s+content="([^"]*)"', body)
    if og and og.group(1):
        return html.unescape(og.group(1))
    title = (fetched_title or "").removesuffix(" - YouTube").strip()
    return title if title and title != "YouTube" else None


def judge_page(tgt: Target, fetched: Fetched) -> Judgement:
    """What the page itself says about the video, playlist or channel."""
    wall = page_wall(fetched)
    if wall:
        return wall
    status = fetched.status
    if status is None:
        return Judgement(Verdict.ERROR, evidence=fetched.error or "no response")
    if status >= 400:
        failing = {404: Verdict.DEAD, 410: Verdict.DEAD, 401: Verdict.BLOCKED, 403: Verdict.BLOCKED}
        return Judgement(failing.get(status, Verdict.ERROR), evidence=f"YouTube answered {status}")
    if tgt.kind is not Kind.YOUTUBE_VIDEO and len(fetched.hops) > 1:
        final = urlsplit(fetched.final_url or "")
        if final.path in ("", "/"):
            return Judgement(
                Verdict.SOFT_DEAD,
                flags=(Flag.BOUNCED_HOME,),
                evidence=f"YouTube sent the {tgt.kind.value.split('_')[1]} to its home page",
            )
    if tgt.kind is Kind.YOUTUBE_VIDEO:
        return _judge_video(fetched)
    for alert in alerts(fetched.body_text):
        if alert.kind.upper() == "ERROR":
            flags = (Flag.PRIVATE,) if PRIVATE.search(alert.text) else ()
            prefix = "private: " if flags else ""
            return Judgement(
                Verdict.SOFT_DEAD, flags=flags, evidence=f"{prefix}YouTube says {alert.text!r}"
            )
    title = page_title(fetched.body_text, fetched.title)
    if title:
        return Judgement(Verdict.OK, title=title)
    return Judgement(Verdict.BLOCKED, evidence="the YouTube page did not describe the item")


def _judge_video(fetched: Fetched) -> Judgement:
    play = playability(fetched.body_text)
    title = (play.title if play else None) or page_title(fetched.body_text, fetched.title)
    if play is None or not play.status:
        if title:
            return Judgement(Verdict.OK, title=title)
        return Judgement(Verdict.BLOCKED, evidence="the YouTube page carried no player data")
    said = f"YouTube says {play.status}: {play.reason}" if play.reason else play.status
    if play.status == "OK":
        return Judgement(Verdict.OK, title=title)
    if BOT_CHECK.search(play.reason):
        return Judgement(
            Verdict.BLOCKED, flags=(Flag.BOT_CHALLENGE,), evidence=said, slow_down=True
        )
    if PRIVATE.search(play.reason):
        return Judgement(Verdict.SOFT_DEAD, flags=(Flag.PRIVATE,), evidence=f"private: {said}")
    if play.status == "ERROR" or GONE.search(play.reason):
        return Judgement(Verdict.SOFT_DEAD, evidence=said)
    if EMBED_OFF.search(play.reason):
        return Judgement(Verdict.OK, title=title, flags=(Flag.EMBED_DISABLED,), evidence=said)
    if AGE_GATE.search(play.reason) or play.status in {"AGE_CHECK_REQUIRED", "LIVE_STREAM_OFFLINE"}:
        return Judgement(Verdict.OK, title=title, evidence=said)
    return Judgement(Verdict.BLOCKED, title=title, evidence=said)  # geo, members-only, sign-in


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
            wall = page_wall(answer)
            if wall is not None:  # consent page or rate limit: the page would say the same
                return answer, wall, False, spent
            said = read_oembed(answer)
            if said.title is not None:
                return answer, Judgement(Verdict.OK, title=said.title), False, spent
            if said.gone:  # (said.blocked is already a page_wall)
                gone = Judgement(Verdict.DEAD, evidence="YouTube oEmbed answered 404: gone")
                return answer, gone, False, spent
            hint = said.hint
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
