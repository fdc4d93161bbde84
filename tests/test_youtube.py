"""YouTube: what oEmbed and the page say, turned into verdicts a maintainer can act on."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkaudit.model import Fetched, Flag, Hop, Kind, Verdict
from linkaudit.providers import youtube

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
