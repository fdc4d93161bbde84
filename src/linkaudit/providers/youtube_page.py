"""What a YouTube page says: walls, the watch page's playability, playlist and channel alerts.

    page_wall(fetched)            a consent page, Google's /sorry captcha, a 429 (blocked)
    playability(body)             the watch page's ytInitialPlayerResponse.playabilityStatus
    alerts(body)                  a playlist/channel page's ytInitialData alerts, e.g. ERROR
    page_title(body, title)       the item's title from the page's data, og:title or <title>
    classify_page(kind, fetched)  the page's Judgement: verdict, title, flags and reason
    classify_reason(reason)       YouTube's own words, read: gone, private, geo, try again...

YouTube words a passing refusal like a death ("Video unavailable"), so only removal
wording condemns: removed, deleted, terminated, does not exist, no longer available,
private. "This content isn't available, try again later" is YouTube's session rate limit
(yt-dlp/yt-dlp#11426, #12958: "rate-limited by YouTube for up to an hour"): blocked, and
the host is slowed down. "Something went wrong", "An error occurred. Please try again
later" are transient: error. "Not made this video available in your country" is
geo-blocking (yt-dlp raises it as geo-restricted): blocked. Pure functions.
"""

from __future__ import annotations

import html
import json
import re
from dataclasses import dataclass
from typing import Any

from linkaudit.config import REMOTE_TEXT_CHARS
from linkaudit.model import Fetched, Flag, Judgement, Kind, Verdict
from linkaudit.providers.classify import not_asked, status_verdict
from linkaudit.providers.login_walls import login_wall
from linkaudit.text import cut, plain, split_url

CONSENT_HOSTS = ("consent.youtube.com", "consent.google.com")
SORRY_HOSTS = frozenset({"google.com", "www.google.com", "ipv4.google.com", "ipv6.google.com"})
PRIVATE = re.compile(r"\bprivate\b", re.IGNORECASE)
BOT_CHECK = re.compile(r"not a bot|confirm (that )?you.{0,3}re not", re.IGNORECASE)
RATE_LIMIT = re.compile(
    r"content isn't available,? try again later|rate[- ]limit|too many requests", re.IGNORECASE
)
TRY_AGAIN = re.compile(
    r"try again|something went wrong|an error occurred|temporarily unavailable", re.IGNORECASE
)
GEO = re.compile(
    r"in your (country|region|location)|not available in your|geo[- ]?restrict", re.IGNORECASE
)
AGE_GATE = re.compile(r"confirm your age|age-restricted|inappropriate for some users", re.I)
EMBED_OFF = re.compile(r"playback on other websites|embedding (has been )?disabled", re.I)
GONE = re.compile(
    r"\b(has been|was|been) (removed|deleted|terminated)\b|\bremoved by\b|\bdeleted\b"
    r"|\bterminated\b|does(n't| not) exist|no longer (available|exists)"
    r"|is(n't| not) available any ?more|copyright claim|violat\w+ YouTube",
    re.IGNORECASE,
)
UNUSUAL_TRAFFIC = re.compile(r"unusual traffic from your computer network", re.IGNORECASE)
PLAYER_DATA = ("ytInitialPlayerResponse", "ytInitialData")
WALL_CHARS = 64 * 1024  # where a wall's words are looked for (the whole 3 MB took 20 ms)


CONSENT_WALL = Judgement(
    Verdict.BLOCKED, None, (Flag.CONSENT_WALL,), "YouTube showed its consent page", True
)
RATE_LIMITED = Judgement(
    Verdict.BLOCKED, None, (Flag.RATE_LIMITED,), "YouTube rate-limits us (429/captcha)", True
)


def page_wall(fetched: Fetched) -> Judgement | None:
    """YouTube showed a consent page, Google's captcha or 429: blocked, slow down.

    The captcha is Google's /sorry/ page (www.google.com/sorry/index?continue=...), or a
    page without player data that says "unusual traffic"; a live video whose description
    happens to quote those words is no wall.
    """
    urls = [hop.url for hop in fetched.hops] + [fetched.final_url or ""]
    if any((split_url(u).hostname or "") in CONSENT_HOSTS for u in urls) or (
        "before you continue to youtube" in (fetched.title or "").lower()
    ):
        return CONSENT_WALL
    if fetched.status == 429 or any(_sorry(u) for u in urls):
        return RATE_LIMITED
    body = fetched.body_text
    if any(name in body for name in PLAYER_DATA):
        return None
    if UNUSUAL_TRAFFIC.search(body, 0, WALL_CHARS):  # a wall is a small page: its top
        return RATE_LIMITED
    return None


def _sorry(url: str) -> bool:
    parts = split_url(url)
    return (parts.hostname or "").lower() in SORRY_HOSTS and parts.path.startswith("/sorry/")


def embedded_json(body: str, name: str) -> dict[str, Any] | None:
    """The object assigned to `name` in the page's scripts (`var name = {...};`)."""
    match = re.search(re.escape(name) + r"[\"']?\]?\s*=\s*\{", body)  # var x = / window["x"] =
    if not match:
        return None
    try:
        value, _ = _DECODER.raw_decode(body, match.end() - 1)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None


def _mapping(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """Each JSON object as a dict, built by a step of Python: a worker thread decoding a
    page's megabyte hands the GIL back to the event loop at the interpreter's switch
    interval (json's C decoder alone held it for the whole page, 25 ms for 2 MB)."""
    return dict(pairs)


_DECODER = json.JSONDecoder(object_pairs_hook=_mapping)


def text_of(node: Any) -> str:
    """YouTube's text objects: {"simpleText": ...} or {"runs": [{"text": ...}, ...]}."""
    if isinstance(node, str) or not isinstance(node, dict):
        return node if isinstance(node, str) else ""
    simple = node.get("simpleText")
    if isinstance(simple, str):
        return simple
    runs = node.get("runs")
    if not isinstance(runs, list):
        return ""
    return "".join(r.get("text", "") for r in runs if isinstance(r, dict))


@dataclass(frozen=True, slots=True)
class Playability:
    """The watch page's playabilityStatus: OK, ERROR, UNPLAYABLE, LOGIN_REQUIRED, ..."""

    status: str
    reason: str = ""
    title: str | None = None


def playability(body: str) -> Playability | None:
    """Read ytInitialPlayerResponse from a watch page (None when the page has none).

    The reason joins playabilityStatus.reason with errorScreen.playerErrorMessageRenderer's
    reason and subreason, as yt-dlp does ("Video unavailable. This video has been removed").
    """
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
    reason = cut(reason, REMOTE_TEXT_CHARS)  # remote text: matched by the patterns below
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
                text = cut(text_of(renderer.get("text")), REMOTE_TEXT_CHARS)
                found.append(Alert(str(renderer["type"]), text))
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


def classify_reason(reason: str, said: str) -> Judgement | None:
    """What YouTube's words say, when they say something decisive (None: they do not)."""
    text = plain(reason)
    if BOT_CHECK.search(text):
        return Judgement(Verdict.BLOCKED, flags=(Flag.BOT_CHALLENGE,), reason=said, slow_down=True)
    if RATE_LIMIT.search(text):
        return Judgement(Verdict.BLOCKED, flags=(Flag.RATE_LIMITED,), reason=said, slow_down=True)
    if GEO.search(text):
        return Judgement(Verdict.BLOCKED, reason=f"geo-blocked: {said}")
    if PRIVATE.search(text):
        return Judgement(Verdict.SOFT_DEAD, flags=(Flag.PRIVATE,), reason=f"private: {said}")
    if GONE.search(text):
        return Judgement(Verdict.SOFT_DEAD, reason=said)
    if TRY_AGAIN.search(text):
        return Judgement(Verdict.ERROR, reason=f"{said} (transient)")
    return None


def classify_page(kind: Kind, fetched: Fetched) -> Judgement:
    """What the page itself says about the video, playlist or channel."""
    wall = page_wall(fetched) or login_wall(fetched)  # a consent page, Google's sign-in
    if wall:
        return wall
    status = fetched.status
    if status is None:
        return not_asked(fetched) or Judgement(Verdict.ERROR, reason=fetched.error or "no response")
    if status >= 400:
        verdict, flags = status_verdict(status)
        return Judgement(verdict, flags=flags, reason=f"YouTube answered {status}")
    if fetched.failure is not None:  # a redirect loop, a body that stalled: nothing to read
        return Judgement(Verdict.ERROR, reason=fetched.error or fetched.failure.value)
    if kind is not Kind.YOUTUBE_VIDEO and len(fetched.hops) > 1:
        final = split_url(fetched.final_url or "")
        if final.path in ("", "/"):
            return Judgement(
                Verdict.SOFT_DEAD,
                flags=(Flag.BOUNCED_HOME,),
                reason=f"YouTube sent the {kind.value.split('_')[1]} to its home page",
            )
    if kind is Kind.YOUTUBE_VIDEO:
        return _classify_video(fetched)
    for alert in alerts(fetched.body_text):
        if alert.kind.upper() == "ERROR":
            said = f"YouTube says {alert.text!r}"
            return classify_reason(alert.text, said) or Judgement(Verdict.ERROR, reason=said)
    title = page_title(fetched.body_text, fetched.title)
    if title:
        return Judgement(Verdict.OK, title=title)
    return Judgement(Verdict.BLOCKED, reason="the YouTube page did not describe the item")


def _classify_video(fetched: Fetched) -> Judgement:
    play = playability(fetched.body_text)
    title = (play.title if play else None) or page_title(fetched.body_text, fetched.title)
    if play is None or not play.status:
        if title:
            return Judgement(Verdict.OK, title=title)
        return Judgement(Verdict.BLOCKED, reason="the YouTube page carried no player data")
    said = f"YouTube says {play.status}: {play.reason}" if play.reason else play.status
    if play.status == "OK":
        return Judgement(Verdict.OK, title=title)
    decided = classify_reason(play.reason, said)
    if decided is not None:
        return decided
    if EMBED_OFF.search(play.reason):
        return Judgement(Verdict.OK, title=title, flags=(Flag.EMBED_DISABLED,), reason=said)
    if AGE_GATE.search(play.reason) or play.status in {"AGE_CHECK_REQUIRED", "LIVE_STREAM_OFFLINE"}:
        return Judgement(Verdict.OK, title=title, reason=said)
    if play.status == "ERROR":  # no removal wording: "Video unavailable" alone proves nothing
        return Judgement(Verdict.ERROR, reason=said)
    return Judgement(Verdict.BLOCKED, title=title, reason=said)  # members-only, sign-in
