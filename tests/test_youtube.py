"""YouTube: what oEmbed and the page say, turned into verdicts a maintainer can act on."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlsplit

import pytest

from linkaudit.catalog import detect_kind
from linkaudit.fetch import Fetcher
from linkaudit.model import (
    CheckOptions,
    Fetched,
    Flag,
    Hop,
    Kind,
    Observation,
    Resource,
    Verdict,
)
from linkaudit.providers import youtube
from replicas.server import Answer, ReplicaWeb, Seen

REPLICAS = Path(__file__).parent / "replicas"
VIDEO = "https://www.youtube.com/watch?v=aircAruvnKk"
PLAYLIST = "https://www.youtube.com/playlist?list=PLZHQObOWTQDNU6R1_67000Dx_ZCJB-3pi"
CHANNEL = "https://www.youtube.com/@3blue1brown"


def replica(name: str) -> str:
    return (REPLICAS / name).read_text(encoding="utf-8")


def fetched(
    body: str, *, url: str = VIDEO, status: int = 200, hops: tuple[Hop, ...] | None = None
) -> Fetched:
    title = body.split("<title>", 1)[1].split("</title>", 1)[0] if "<title>" in body else None
    hops = hops or (Hop(url, status),)
    return Fetched(
        url=url, hops=hops, status=status, final_url=hops[-1].url, title=title, body_text=body
    )


@pytest.mark.parametrize(
    ("url", "kind", "ident", "page", "has_oembed"),
    [
        (VIDEO, Kind.YOUTUBE_VIDEO, "aircAruvnKk", VIDEO, True),
        ("https://youtu.be/aircAruvnKk?t=42", Kind.YOUTUBE_VIDEO, "aircAruvnKk", VIDEO, True),
        (
            "https://youtube.com/shorts/abcdefghijk",
            Kind.YOUTUBE_VIDEO,
            "abcdefghijk",
            "https://www.youtube.com/shorts/abcdefghijk",
            True,
        ),
        (
            PLAYLIST + "&index=3",
            Kind.YOUTUBE_PLAYLIST,
            "PLZHQObOWTQDNU6R1_67000Dx_ZCJB-3pi",
            PLAYLIST,
            True,
        ),
        (CHANNEL, Kind.YOUTUBE_CHANNEL, "@3blue1brown", CHANNEL, False),
        (
            "http://www.youtube.com:8123/watch?v=aircAruvnKk",
            Kind.YOUTUBE_VIDEO,
            "aircAruvnKk",
            "http://www.youtube.com:8123/watch?v=aircAruvnKk",
            True,
        ),
    ],
)
def test_target_names_the_item_and_where_to_ask(url, kind, ident, page, has_oembed):
    tgt = youtube.target(url)
    assert tgt is not None
    assert (tgt.kind, tgt.ident, tgt.page_url) == (kind, ident, page)
    assert (tgt.oembed_url is not None) is has_oembed


def test_oembed_is_asked_on_the_same_origin_about_the_canonical_url():
    tgt = youtube.target("http://youtu.be:8123/aircAruvnKk")
    assert tgt is not None and tgt.oembed_url == (
        "http://www.youtube.com:8123/oembed?url=https%3A%2F%2Fwww.youtube.com%2Fwatch%3Fv%3D"
        "aircAruvnKk&format=json"
    )


@pytest.mark.parametrize(
    "url", ["https://example.com/watch?v=x", "https://www.youtube.com/feed/trending", "nonsense"]
)
def test_urls_that_name_no_youtube_item(url):
    assert youtube.target(url) is None


@pytest.mark.parametrize(
    ("status", "body", "expected"),
    [
        (
            200,
            replica("youtube_oembed_live.json"),
            youtube.OEmbed(title=("But what is a neural network? | Deep learning chapter 1")),
        ),
        (404, "Not Found", youtube.OEmbed(gone=True)),
        (401, "Unauthorized", youtube.OEmbed(ambiguous=True, hint="embedding disabled or private")),
        (403, "Forbidden", youtube.OEmbed(ambiguous=True, hint="private or forbidden")),
        (400, "Bad Request", youtube.OEmbed(ambiguous=True, hint="oEmbed answered 400")),
        (200, "Forbidden", youtube.OEmbed(ambiguous=True, hint="oEmbed said 'Forbidden'")),
        (429, replica("google_sorry.html"), youtube.OEmbed(blocked=True)),
    ],
    ids=["live", "gone", "401", "403", "400", "200-bare-forbidden", "429"],
)
def test_read_oembed(status, body, expected):
    assert youtube.read_oembed(fetched(body, status=status)) == expected


@pytest.mark.parametrize(
    ("name", "status", "reason_part", "title"),
    [
        (
            "youtube_watch_live.html",
            "OK",
            "",
            "But what is a neural network? | Deep learning chapter 1",
        ),
        ("youtube_watch_deleted.html", "ERROR", "removed by the uploader", None),
        ("youtube_watch_private.html", "LOGIN_REQUIRED", "This video is private", None),
    ],
)
def test_playability_is_read_from_the_player_response(name, status, reason_part, title):
    play = youtube.playability(replica(name))
    assert play is not None
    assert play.status == status and reason_part in play.reason and play.title == title


def test_page_without_player_response_has_no_playability():
    assert youtube.playability("<html><title>YouTube</title></html>") is None


def test_alerts_are_read_from_either_renderer():
    assert youtube.alerts(replica("youtube_playlist_removed.html")) == [
        youtube.Alert("ERROR", "The playlist does not exist.")
    ]
    assert youtube.alerts(replica("youtube_playlist_live.html")) == [
        youtube.Alert("INFO", "Unavailable videos are hidden")
    ]


def judge(url: str, body: str, **kw) -> youtube.Judgement:
    tgt = youtube.target(url)
    assert tgt is not None
    return youtube.judge_page(tgt, fetched(body, url=tgt.page_url, **kw))


@pytest.mark.parametrize(
    ("url", "name", "verdict", "flags", "title"),
    [
        (
            VIDEO,
            "youtube_watch_live.html",
            Verdict.OK,
            (),
            "But what is a neural network? | Deep learning chapter 1",
        ),
        (VIDEO, "youtube_watch_deleted.html", Verdict.SOFT_DEAD, (), None),
        (VIDEO, "youtube_watch_private.html", Verdict.SOFT_DEAD, (Flag.PRIVATE,), None),
        (VIDEO, "youtube_watch_botcheck.html", Verdict.BLOCKED, (Flag.BOT_CHALLENGE,), None),
        (PLAYLIST, "youtube_playlist_live.html", Verdict.OK, (), "Neural networks"),
        (PLAYLIST, "youtube_playlist_removed.html", Verdict.SOFT_DEAD, (), None),
        (PLAYLIST, "youtube_playlist_private.html", Verdict.SOFT_DEAD, (Flag.PRIVATE,), None),
        (CHANNEL, "youtube_channel_live.html", Verdict.OK, (), "3Blue1Brown"),
    ],
    ids=["live", "deleted", "private", "bot-check", "pl-live", "pl-removed", "pl-private", "ch"],
)
def test_page_verdicts(url, name, verdict, flags, title):
    judged = judge(url, replica(name))
    assert (judged.verdict, judged.flags, judged.title) == (verdict, flags, title)
    if verdict is not Verdict.OK:
        assert judged.evidence


def test_private_is_said_in_the_evidence():
    assert judge(VIDEO, replica("youtube_watch_private.html")).evidence.startswith("private:")
    assert "private" in judge(PLAYLIST, replica("youtube_playlist_private.html")).evidence


def test_removed_playlist_evidence_quotes_youtube():
    judged = judge(PLAYLIST, replica("youtube_playlist_removed.html"))
    assert "The playlist does not exist." in (judged.evidence or "")


def test_playlist_redirected_home_is_soft_dead():
    home = "https://www.youtube.com/"
    judged = judge(
        PLAYLIST, replica("youtube_home.html"), hops=(Hop(PLAYLIST, 303), Hop(home, 200))
    )
    assert judged.verdict is Verdict.SOFT_DEAD and judged.flags == (Flag.BOUNCED_HOME,)


def test_missing_og_title_is_not_death():
    body = replica("youtube_watch_live.html")
    assert 'property="og:title"' not in body
    assert judge(VIDEO, body).verdict is Verdict.OK


def test_page_with_neither_player_data_nor_title_is_blocked_not_dead():
    assert judge(VIDEO, "<html><title>YouTube</title></html>").verdict is Verdict.BLOCKED


def test_consent_redirect_is_blocked_and_slows_the_host():
    consent = "https://consent.youtube.com/m?continue=https%3A%2F%2Fwww.youtube.com%2Fwatch"
    judged = judge(
        VIDEO, replica("youtube_consent.html"), hops=(Hop(VIDEO, 302), Hop(consent, 200))
    )
    assert judged.verdict is Verdict.BLOCKED and Flag.CONSENT_WALL in judged.flags
    assert judged.slow_down


@pytest.mark.parametrize("status", [429, 200])
def test_unusual_traffic_page_is_blocked_and_slows_the_host(status):
    judged = judge(VIDEO, replica("google_sorry.html"), status=status)
    assert judged.verdict is Verdict.BLOCKED and Flag.RATE_LIMITED in judged.flags
    assert judged.slow_down


@pytest.mark.parametrize(
    ("status", "verdict"), [(404, Verdict.DEAD), (403, Verdict.BLOCKED), (500, Verdict.ERROR)]
)
def test_page_status_codes(status, verdict):
    assert judge(CHANNEL, "<html></html>", status=status).verdict is verdict


def test_embedding_disabled_video_is_live_with_a_flag():
    body = replica("youtube_watch_live.html").replace(
        '"status":"OK"',
        '"status":"UNPLAYABLE",'
        '"reason":"Playback on other websites has been disabled by the video owner"',
    )
    judged = judge(VIDEO, body)
    assert judged.verdict is Verdict.OK and judged.flags == (Flag.EMBED_DISABLED,)


# --- against the local replica web, through --resolve with the real host names -------------

WATCH = "/watch?v={}"
LIVE_ID, GONE_ID, PRIVATE_ID, ERROR_ID, EMBED_ID = (
    "aircAruvnKk",
    "DELETEDvid1",
    "PRIVATEvid1",
    "REMOVEDpg01",
    "EMBEDoff001",
)
WALL_ID, BUSY_ID = "CONSENTwall", "RATElimited"
PL_LIVE, PL_GONE, PL_PRIVATE, PL_HOME = (
    "PLZHQObOWTQDNU6R1_67000Dx_ZCJB-3pi",
    "PLremoved0000",
    "PLprivate0000",
    "PLbounced0000",
)
OEMBED = {  # what YouTube's oEmbed answers per video/playlist id (see replicas/SOURCES.md)
    LIVE_ID: Answer(200, replica("youtube_oembed_live.json"), content_type="application/json"),
    PL_LIVE: Answer(
        200,
        '{"title":"Neural networks","type":"link","provider_name":"YouTube"}',
        content_type="application/json",
    ),
    GONE_ID: Answer(404, "Not Found", content_type="text/html"),
    PRIVATE_ID: Answer(403, "Forbidden", content_type="text/html"),
    ERROR_ID: Answer(401, "Unauthorized", content_type="text/html"),
    EMBED_ID: Answer(401, "Unauthorized", content_type="text/html"),
    PL_GONE: Answer(400, "Bad Request", content_type="text/html"),
    PL_PRIVATE: Answer(403, "Forbidden", content_type="text/html"),
    PL_HOME: Answer(400, "Bad Request", content_type="text/html"),
    BUSY_ID: Answer(429, replica("google_sorry.html")),
}
PAGES = {
    WATCH.format(LIVE_ID): Answer(200, replica("youtube_watch_live.html")),
    WATCH.format(GONE_ID): Answer(200, replica("youtube_watch_deleted.html")),
    WATCH.format(ERROR_ID): Answer(200, replica("youtube_watch_deleted.html")),
    WATCH.format(PRIVATE_ID): Answer(200, replica("youtube_watch_private.html")),
    WATCH.format(EMBED_ID): Answer(
        200,
        replica("youtube_watch_live.html").replace(
            '"status":"OK"',
            '"status":"UNPLAYABLE","reason":"Playback on other websites has been'
            ' disabled by the video owner"',
        ),
    ),
    f"/playlist?list={PL_LIVE}": Answer(200, replica("youtube_playlist_live.html")),
    f"/playlist?list={PL_GONE}": Answer(200, replica("youtube_playlist_removed.html")),
    f"/playlist?list={PL_PRIVATE}": Answer(200, replica("youtube_playlist_private.html")),
    f"/playlist?list={PL_HOME}": Answer(303, "", {"Location": "/"}),
    "/": Answer(200, replica("youtube_home.html")),
    "/@3blue1brown": Answer(200, replica("youtube_channel_live.html")),
}


def youtube_site(seen: Seen) -> Answer:
    """www.youtube.com: consent redirect without SOCS, oEmbed by id, pages by path."""
    cookie = seen.headers.get("cookie", "")
    if "SOCS=CAI" not in cookie or WALL_ID in seen.target:
        back = quote(f"https://www.youtube.com{seen.target}", safe="")
        port = seen.headers["host"].rsplit(":", 1)[1]
        location = f"http://consent.youtube.com:{port}/m?continue={back}&gl=DE&m=0&pc=yt&src=1"
        return Answer(302, "", {"Location": location})
    if seen.path == "/oembed":
        inner = urlsplit(seen.query["url"][0])
        inner_q = parse_qs(inner.query)
        ident = (inner_q.get("v") or inner_q.get("list") or [""])[0]
        return OEMBED.get(ident, Answer(404, "Not Found", content_type="text/html"))
    return PAGES.get(seen.target, Answer(404, "<title>404 Not Found</title>"))


@pytest.fixture(scope="module")
def web() -> Iterator[ReplicaWeb]:
    with ReplicaWeb() as site:
        site.fallback("www.youtube.com", youtube_site)
        site.fallback("consent.youtube.com", lambda _: Answer(200, replica("youtube_consent.html")))
        yield site


class SpyFetcher(Fetcher):
    """The real Fetcher, remembering every slow_down a provider asks for."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.slowed: list[tuple[str, float]] = []

    def slow_down(self, host: str, seconds: float) -> None:
        self.slowed.append((host, seconds))
        super().slow_down(host, seconds)


@dataclass
class Ctx:
    fetcher: Any
    emit: Callable[[Observation], None]
    previous: dict = field(default_factory=dict)
    now: Callable[[], str] = lambda: "2026-11-22T09:00:00Z"


def check(web: ReplicaWeb, *targets: str) -> tuple[dict[str, Observation], SpyFetcher]:
    urls = [web.url("www.youtube.com", t) if t.startswith("/") else t for t in targets]
    waits: list[float] = []

    async def no_wait(seconds: float) -> None:
        waits.append(seconds)

    async def main() -> tuple[dict[str, Observation], SpyFetcher]:
        seen: dict[str, Observation] = {}
        options = CheckOptions(
            resolve=web.resolve("www.youtube.com", "youtu.be", "consent.youtube.com"),
            allow_private=True,
            retries=1,
            timeout=5,
        )
        async with SpyFetcher(options, sleep=no_wait) as fetcher:
            ctx = Ctx(fetcher, lambda o: seen.__setitem__(o.url, o))
            resources = [Resource("t", "s", detect_kind(u), url=u) for u in urls]
            await youtube.YouTubeProvider().check(resources, ctx)
        return seen, fetcher

    seen, fetcher = asyncio.run(main())
    assert set(seen) == set(urls)  # exactly one observation per URL
    return seen, fetcher


def only(observations: dict[str, Observation]) -> Observation:
    (observation,) = observations.values()
    return observation


def test_live_video_is_ok_with_its_title_from_one_oembed_request(web):
    before = len(web.seen("www.youtube.com"))
    seen, _ = check(web, WATCH.format(LIVE_ID))
    obs = only(seen)
    assert (obs.verdict, obs.title) == (
        Verdict.OK,
        "But what is a neural network? | Deep learning chapter 1",
    )
    asked = web.seen("www.youtube.com")[before:]
    assert [s.path for s in asked] == ["/oembed"]
    assert "SOCS=CAI" in asked[0].headers["cookie"]


def test_short_link_is_checked_through_oembed_on_www(web):
    obs = only(check(web, web.url("youtu.be", f"/{LIVE_ID}?t=42"))[0])
    assert obs.verdict is Verdict.OK


def test_deleted_video_is_dead_from_oembed_404(web):
    obs = only(check(web, WATCH.format(GONE_ID))[0])
    assert obs.verdict is Verdict.DEAD and "404" in (obs.error or "")


def test_video_whose_page_says_error_is_soft_dead(web):
    obs = only(check(web, WATCH.format(ERROR_ID))[0])
    assert obs.verdict is Verdict.SOFT_DEAD
    assert "removed by the uploader" in (obs.error or "")


def test_private_video_is_reported_private(web):
    obs = only(check(web, WATCH.format(PRIVATE_ID))[0])
    assert obs.verdict is Verdict.SOFT_DEAD and obs.flags == ("private",)
    assert (obs.error or "").startswith("private:")


def test_embedding_disabled_video_is_live_and_flagged(web):
    obs = only(check(web, WATCH.format(EMBED_ID))[0])
    assert obs.verdict is Verdict.OK and obs.flags == ("embed_disabled",)


def test_playlists(web):
    seen, _ = check(
        web,
        f"/playlist?list={PL_LIVE}",
        f"/playlist?list={PL_GONE}",
        f"/playlist?list={PL_PRIVATE}",
        f"/playlist?list={PL_HOME}",
    )
    by_id = {url.rsplit("=", 1)[1]: obs for url, obs in seen.items()}
    assert (by_id[PL_LIVE].verdict, by_id[PL_LIVE].title) == (Verdict.OK, "Neural networks")
    assert by_id[PL_GONE].verdict is Verdict.SOFT_DEAD
    assert "The playlist does not exist." in (by_id[PL_GONE].error or "")
    assert by_id[PL_PRIVATE].verdict is Verdict.SOFT_DEAD and by_id[PL_PRIVATE].flags == (
        "private",
    )
    assert by_id[PL_HOME].verdict is Verdict.SOFT_DEAD
    assert by_id[PL_HOME].flags == ("bounced_home",)
    assert by_id[PL_HOME].final_url == web.url("www.youtube.com", "/")


def test_channels(web):
    seen, _ = check(web, "/@3blue1brown", "/@gone-channel")
    live, gone = (
        seen[web.url("www.youtube.com", "/@3blue1brown")],
        seen[web.url("www.youtube.com", "/@gone-channel")],
    )
    assert (live.verdict, live.title) == (Verdict.OK, "3Blue1Brown")
    assert gone.verdict is Verdict.DEAD


def test_consent_redirect_is_blocked_and_slows_youtube_down(web):
    obs, fetcher = check(web, WATCH.format(WALL_ID))
    obs = only(obs)
    assert obs.verdict is Verdict.BLOCKED and obs.flags == ("consent_wall",)
    assert [host for host, _ in fetcher.slowed] == ["www.youtube.com"]


def test_unusual_traffic_429_is_blocked_not_dead_and_slows_youtube_down(web):
    before = len(web.seen("www.youtube.com", "/oembed"))
    obs, fetcher = check(web, WATCH.format(BUSY_ID))
    obs = only(obs)
    assert obs.verdict is Verdict.BLOCKED and obs.flags == ("rate_limited",)
    assert fetcher.slowed and fetcher.slowed[0][0] == "www.youtube.com"
    assert len(web.seen("www.youtube.com", "/oembed")) - before == 2  # retried once, no page


def test_consent_wall_costs_one_request_not_two(web):
    before = len(web.seen("www.youtube.com"))
    check(web, WATCH.format(WALL_ID))
    assert [s.path for s in web.seen("www.youtube.com")[before:]] == ["/oembed"]
