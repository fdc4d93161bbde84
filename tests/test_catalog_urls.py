"""catalog/urls.py: what a URL's shape says, the rules the catalog and the providers share."""

from __future__ import annotations

import pytest

from linkaudit.catalog.urls import Paper, arxiv_paper, dedupe_key, youtube_item
from linkaudit.model import Kind
from linkaudit.text import host_of

VIDEO_ID = "aircAruvnKk"
LIST = "PLZHQObOWTQDNU6R1_67000Dx_ZCJB-3pi"


@pytest.mark.parametrize(
    ("url", "item"),
    [
        (f"https://www.youtube.com/watch?v={VIDEO_ID}", (Kind.YOUTUBE_VIDEO, VIDEO_ID)),
        (f"https://youtu.be/{VIDEO_ID}?t=42", (Kind.YOUTUBE_VIDEO, VIDEO_ID)),
        (f"https://www.youtube.com/shorts/{VIDEO_ID}", (Kind.YOUTUBE_VIDEO, VIDEO_ID)),
        (f"https://www.youtube.com/embed/{VIDEO_ID}", (Kind.YOUTUBE_VIDEO, VIDEO_ID)),
        (f"https://www.youtube-nocookie.com/embed/{VIDEO_ID}", (Kind.YOUTUBE_VIDEO, VIDEO_ID)),
        (f"https://www.youtube.com/playlist?list={LIST}", (Kind.YOUTUBE_PLAYLIST, LIST)),
        # an embedded playlist is the playlist, not a video called "videoseries"
        (f"https://www.youtube.com/embed/videoseries?list={LIST}", (Kind.YOUTUBE_PLAYLIST, LIST)),
        ("https://www.youtube.com/@3blue1brown", (Kind.YOUTUBE_CHANNEL, "@3blue1brown")),
        # a channel's live-stream embed names no video: not a video called "live_stream"
        ("https://www.youtube.com/embed/live_stream?channel=UCYO_jab_esuFRV4b17AJtAw", None),
        ("https://www.youtube.com/embed/not-an-id", None),
        ("https://www.youtube.com/feed/trending", None),
        ("https://example.com/watch?v=aircAruvnKk", None),
        ("https://[::1/", None),
    ],
)
def test_youtube_item(url: str, item: tuple[Kind, str] | None) -> None:
    found = youtube_item(url)
    assert (None if found is None else (found.kind, found.ident)) == item


@pytest.mark.parametrize(
    ("url", "paper"),
    [
        ("https://arxiv.org/abs/1706.03762", Paper("1706.03762")),
        ("https://arxiv.org/abs/1706.03762v5", Paper("1706.03762", 5)),
        ("https://arxiv.org/pdf/1706.03762v1.pdf", Paper("1706.03762", 1)),
        ("https://arxiv.org/abs/arXiv:2106.09685", Paper("2106.09685")),
        ("https://arxiv.org/abs/cs/0112017v2", Paper("cs/0112017", 2)),
        ("https://arxiv.org/list/cs.LG/recent", None),
        ("https://[::1/abs/1706.03762", None),
    ],
)
def test_arxiv_paper(url: str, paper: Paper | None) -> None:
    assert arxiv_paper(url) == paper


def test_youtube_trivia_and_host_names() -> None:
    watch = f"https://www.youtube.com/watch?v={VIDEO_ID}"
    assert dedupe_key(f"{watch}&t=12s&si=abc") == dedupe_key(watch)
    assert dedupe_key(f"https://youtube-nocookie.com/embed/{VIDEO_ID}?si=x") == dedupe_key(
        f"https://youtube-nocookie.com/embed/{VIDEO_ID}"
    )
    assert host_of("HTTPS://Example.ORG/x") == "example.org"
    assert host_of("https://[::1/") == ""
