"""arXiv: ids from URLs, batched API answers read by identifier, polite pacing, abs fallback."""

from __future__ import annotations

import asyncio
import random
from urllib.parse import parse_qs, urlsplit

import pytest

from linkaudit.catalog import detect_kind
from linkaudit.catalog.urls import Paper, arxiv_paper
from linkaudit.fetch.fetcher import Fetcher
from linkaudit.model import CheckOptions, Fetched, Flag, HostStats, Observation, Resource, Verdict
from linkaudit.providers import CheckContext, arxiv, route
from replica import replica
from simweb import Reply, SimWeb

ATTENTION = "Attention Is All You Need"


def entry_xml(ident: str, version: int, title: str, comment: str = "", summary: str = "") -> str:
    return replica("arxiv_entry.xml").format(
        ident=ident,
        version=version,
        title=title,
        comment=comment or "15 pages, 5 figures",
        summary=summary or "The dominant sequence transduction models are based on ...",
    )


def feed_xml(entries: list[str], id_list: str = "x") -> str:
    return replica("arxiv_feed.xml").format(
        id_list=id_list, max_results=len(entries), total=len(entries), entries="\n".join(entries)
    )


@pytest.mark.parametrize(
    ("url", "ident", "version"),
    [
        ("https://arxiv.org/abs/1706.03762", "1706.03762", None),
        ("https://arxiv.org/abs/1706.03762v1", "1706.03762", 1),
        ("https://arxiv.org/pdf/1706.03762v5.pdf", "1706.03762", 5),
        ("https://arxiv.org/pdf/1706.03762", "1706.03762", None),
        ("http://arxiv.org/abs/2301.00001v12/", "2301.00001", 12),
        ("https://arxiv.org/abs/cs/0112017", "cs/0112017", None),
        ("https://arxiv.org/abs/math.GT/0309136v2", "math.GT/0309136", 2),
        ("https://arxiv.org/abs/hep-th/9711200", "hep-th/9711200", None),
        ("https://export.arxiv.org/abs/1706.03762?context=cs", "1706.03762", None),
        ("https://arxiv.org/abs/arXiv:2106.09685", "2106.09685", None),
        ("https://arxiv.org/pdf/arxiv:2106.09685v2.pdf", "2106.09685", 2),
    ],
)
def test_paper_ids_from_urls(url, ident, version):
    assert arxiv_paper(url) == Paper(ident, version)


@pytest.mark.parametrize(
    "url",
    [
        "https://arxiv.org/list/cs.LG/recent",
        "https://arxiv.org/abs/",
        "https://arxiv.org/abs/nonsense",
    ],
)
def test_urls_that_name_no_paper(url):
    assert arxiv_paper(url) is None


def test_ids_are_batched_with_max_results():
    ids = [f"2101.{i:05d}" for i in range(120)]
    urls = arxiv.api_urls("https://export.arxiv.org/api/query", ids)
    assert len(urls) == 2
    assert urls[0].endswith("&max_results=100") and urls[1].endswith("&max_results=20")
    assert "id_list=2101.00000,2101.00001," in urls[0]


def test_feed_entries_are_matched_by_identifier_not_position():
    entries = [entry_xml(f"2101.{i:05d}", 1 + i % 3, f"Paper {i}") for i in range(10)]
    random.Random(4).shuffle(entries)
    feed = arxiv.read_feed(feed_xml(entries))
    assert feed.error is None
    assert feed.entries["2101.00004"] == arxiv.Entry("2101.00004", 2, "Paper 4")
    assert len(feed.entries) == 10


def test_old_style_ids_and_multiline_titles():
    feed = arxiv.read_feed(feed_xml([entry_xml("cs/0112017", 1, "Multi-line\n      title")]))
    assert feed.entries["cs/0112017"].title == "Multi-line title"


def test_api_error_entry_is_an_error_not_a_paper():
    feed = arxiv.read_feed(replica("arxiv_error.xml"))
    assert feed.error == "incorrect id format for 1234.12345" and not feed.entries


def test_unreadable_answer_is_an_error():
    assert arxiv.read_feed("Rate exceeded.").error


@pytest.mark.parametrize(
    ("comment", "summary", "withdrawn"),
    [
        ("This paper has been withdrawn by the author due to a crucial error", "", True),
        ("withdrawn", "", True),
        ("", "This paper has been withdrawn by the authors.", True),
        ("15 pages", "We study withdrawn drugs and their effect on ...", False),
        ("Accepted at NeurIPS", "Attention ...", False),
    ],
)
def test_withdrawal_is_detected_from_comment_or_summary(comment, summary, withdrawn):
    feed = arxiv.read_feed(feed_xml([entry_xml("2101.00001", 2, "T", comment, summary)]))
    assert feed.entries["2101.00001"].withdrawn is withdrawn


@pytest.mark.parametrize(
    ("ref", "entry", "verdict", "flags", "reason_part"),
    [
        (
            Paper("1706.03762", 1),
            arxiv.Entry("1706.03762", 7, ATTENTION),
            Verdict.OK,
            (Flag.NEWER_VERSION,),
            "newer version v7",
        ),
        (
            Paper("1706.03762", 7),
            arxiv.Entry("1706.03762", 7, ATTENTION),
            Verdict.OK,
            (),
            None,
        ),
        (Paper("1706.03762"), arxiv.Entry("1706.03762", 7, ATTENTION), Verdict.OK, (), None),
        (
            Paper("2101.00001"),
            arxiv.Entry("2101.00001", 2, "T", withdrawn=True),
            Verdict.OK,
            (Flag.WITHDRAWN,),
            "withdrawn",
        ),
    ],
    ids=["newer-version", "same-version", "no-version", "withdrawn"],
)
def test_classify_entry(ref, entry, verdict, flags, reason_part):
    judged = arxiv.classify_entry(ref, entry)
    assert (judged.verdict, judged.flags) == (verdict, flags)
    if reason_part:
        assert reason_part in (judged.reason or "")
    else:
        assert judged.reason is None


def abs_page(status: int = 200, version: int = 7) -> Fetched:
    body = replica("arxiv_abs.html").format(ident="1706.03762", title=ATTENTION, version=version)
    return Fetched(url="https://arxiv.org/abs/1706.03762", status=status, body_text=body)


def test_abs_page_gives_the_citation_title():
    assert arxiv.citation_title(abs_page().body_text) == ATTENTION
    judged = arxiv.classify_abs(Paper("1706.03762"), abs_page())
    assert (judged.verdict, judged.title) == (Verdict.OK, ATTENTION)


@pytest.mark.parametrize(
    ("status", "verdict"), [(404, Verdict.DEAD), (429, Verdict.BLOCKED), (503, Verdict.ERROR)]
)
def test_abs_page_status(status, verdict):
    page = Fetched(url="https://arxiv.org/abs/1", status=status, body_text="Rate exceeded.")
    assert arxiv.classify_abs(Paper("1"), page).verdict is verdict


def test_abs_page_behind_a_bot_challenge_is_blocked_not_an_error():
    body = replica("cloudflare_challenge.html")
    page = Fetched(
        url="https://arxiv.org/abs/1", status=503, title="Just a moment...", body_text=body
    )
    judged = arxiv.classify_abs(Paper("1"), page)
    assert (judged.verdict, judged.flags) == (Verdict.BLOCKED, (Flag.BOT_CHALLENGE,))


def test_endpoint_and_abs_follow_the_resource_scheme_and_port():
    assert arxiv.endpoint_for("https://arxiv.org/abs/1706.03762") == (
        "https://export.arxiv.org/api/query"
    )
    url = "http://arxiv.org:8443/pdf/1706.03762v1"
    assert arxiv.endpoint_for(url) == "http://export.arxiv.org:8443/api/query"
    assert arxiv.abs_url(url, Paper("1706.03762", 1)) == "http://arxiv.org:8443/abs/1706.03762"


# --- against the simulated web: export.arxiv.org and arxiv.org through --resolve ------------

API, ABS = "export.arxiv.org", "arxiv.org"
UNKNOWN = "2101.99999"
NEWER = "1706.03762"
ATOM_TYPE = "application/atom+xml; charset=utf-8"


def target_of(url: str) -> str:
    """The request target (path and query) the server sees for `url`."""
    parts = urlsplit(url)
    return f"{parts.path}?{parts.query}" if parts.query else parts.path


def program_api(
    web: SimWeb, idents: list[str], versions: dict[str, int], comments: dict[str, str] | None = None
) -> list[str]:
    """The export API's answers to the batched queries: shuffled, unknown ids left out."""
    endpoint = arxiv.endpoint_for(web.url(ABS, "/"))
    queries = arxiv.api_urls(endpoint, idents)
    for n, query in enumerate(queries):
        asked = parse_qs(urlsplit(query).query)["id_list"][0].split(",")
        entries = [
            entry_xml(i, versions.get(i, 1), f"Paper {i}", (comments or {}).get(i, ""))
            for i in asked
            if i != UNKNOWN
        ]
        random.Random(n).shuffle(entries)
        body = feed_xml(entries, id_list=",".join(asked))
        web.on(API, target_of(query), Reply(200, body, content_type=ATOM_TYPE))
    return queries


def program_abs(web: SimWeb, idents: list[str]) -> None:
    for ident in idents:
        if ident == UNKNOWN:
            web.on(ABS, f"/abs/{ident}", Reply(404, "Article identifier not recognized"))
            continue
        title = ATTENTION if ident == NEWER else f"Paper {ident}"
        body = replica("arxiv_abs.html").format(ident=ident, title=title, version=7)
        web.on(ABS, f"/abs/{ident}", Reply(200, body))


class Waits:
    """A recording sleep that waits for nothing (the Fetcher counts what it skips as
    waited, so arXiv's pace holds by the Fetcher's clock without taking real time)."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def run(
    web: SimWeb, urls: list[str], waits: Waits | None = None
) -> tuple[dict[str, Observation], HostStats]:
    """The arXiv provider on `urls`; its observations and how arXiv was asked."""

    async def main() -> tuple[dict[str, Observation], HostStats]:
        seen: dict[str, Observation] = {}
        options = CheckOptions(
            resolve=tuple((name, web.port, web.hosts[0]) for name in (API, ABS)),
            allow_private=True,
            retries=1,
            timeout=5,
        )
        async with Fetcher(options, sleep=waits or asyncio.sleep) as fetcher:
            ctx = CheckContext(fetcher, lambda o: seen.__setitem__(o.url, o))
            resources = [Resource("t", "s", detect_kind(u), url=u) for u in urls]
            provider = arxiv.ArxivProvider()
            assert all(provider.claims(r) for r in resources)
            await provider.check(resources, ctx)
            (stats,) = fetcher.host_stats()
        return seen, stats

    seen, stats = asyncio.run(main())
    assert set(seen) == set(urls)  # exactly one observation per URL
    return seen, stats


def paced(waits: Waits, stats: HostStats) -> bool:
    """Every request started 3 s or more after the one before ended, and what was waited
    for in all (retries' backoff included) is just that: 3 s before each but the first."""
    gap = stats.min_end_to_start_s
    return (
        gap is not None and gap >= 3.0 and abs(sum(waits.seconds) - 3 * (stats.requests - 1)) < 0.1
    )


def api_calls(web: SimWeb) -> list[dict[str, list[str]]]:
    return [parse_qs(urlsplit(s.path).query) for s in web.requests if s.host == API]


def test_120_papers_in_two_requests_three_seconds_apart_by_the_servers_clock(simweb):
    """The one real wait of the suite (about 3 s): arXiv's pace, as the server saw it."""
    idents = [f"2101.{i:05d}" for i in range(119)] + [NEWER]
    withdrawn = "This paper has been withdrawn by the author due to an error in Lemma 2"
    program_api(simweb, idents, {NEWER: 7, "2101.00042": 3}, {"2101.00042": withdrawn})
    urls = [simweb.url(ABS, f"/abs/{i}") for i in idents[:-1]]
    urls.append(simweb.url(ABS, f"/pdf/{NEWER}v1"))
    seen, stats = run(simweb, urls)
    calls = [s for s in simweb.requests if s.host == API]
    assert [c["max_results"] for c in api_calls(simweb)] == [["100"], ["20"]]
    assert calls[1].at - calls[0].at >= 3.0
    assert (stats.key, stats.names, stats.max_in_flight) == ("arXiv", (API,), 1)
    assert stats.min_end_to_start_s is not None and stats.min_end_to_start_s >= 3.0
    for ident, url in zip(idents[:119], urls, strict=False):
        assert (seen[url].verdict, seen[url].title) == (Verdict.OK, f"Paper {ident}")
    assert seen[urls[42]].flags == (Flag.WITHDRAWN,) and "withdrawn" in (seen[urls[42]].note or "")
    assert not [s for s in simweb.requests if s.host == ABS]  # the API answered for all
    newer = seen[urls[-1]]
    assert newer.verdict is Verdict.OK and newer.flags == ("newer_version",)
    assert "newer version v7" in (newer.note or "")


@pytest.mark.parametrize(
    "api",
    [
        Reply(503, "Service Unavailable"),
        Reply(429, replica("arxiv_rate_exceeded.txt"), content_type="text/plain"),
        Reply(400, replica("arxiv_error.xml"), content_type=ATOM_TYPE),
    ],
    ids=["api-down", "rate-exceeded", "api-error"],
)
def test_api_trouble_falls_back_to_abs_pages_at_the_same_pace(simweb, api: Reply):
    idents = ["2101.00001", NEWER, UNKNOWN]
    for query in arxiv.api_urls(arxiv.endpoint_for(simweb.url(ABS, "/")), idents):
        simweb.on(API, target_of(query), api)
    program_abs(simweb, idents)
    urls = [
        simweb.url(ABS, "/abs/2101.00001"),
        simweb.url(ABS, f"/abs/{NEWER}v1"),
        simweb.url(ABS, f"/abs/{UNKNOWN}"),
    ]
    waits = Waits()
    seen, stats = run(simweb, urls, waits)
    assert [s.host for s in simweb.requests].count(ABS) == 3
    # the API (its retry after a 429 or 503 too), then three abs pages: one at a time,
    # 3 s apart
    assert paced(waits, stats) and stats.max_in_flight == 1
    assert stats.names == (API, ABS) and stats.requests == (4 if api.status == 400 else 5)
    assert (seen[urls[0]].verdict, seen[urls[0]].title) == (Verdict.OK, "Paper 2101.00001")
    assert seen[urls[1]].title == ATTENTION and seen[urls[1]].flags == ("newer_version",)
    assert seen[urls[2]].verdict is Verdict.DEAD


def test_old_style_ids_and_pdf_links_share_one_request(simweb):
    program_api(simweb, ["cs/0112017", "hep-th/9711200"], {})
    urls = [
        simweb.url(ABS, "/abs/cs/0112017"),
        simweb.url(ABS, "/pdf/cs/0112017v1.pdf"),
        simweb.url(ABS, "/abs/hep-th/9711200"),
    ]
    seen, _ = run(simweb, urls, Waits())
    assert [c["id_list"] for c in api_calls(simweb)] == [["cs/0112017,hep-th/9711200"]]
    assert {o.title for o in seen.values()} == {"Paper cs/0112017", "Paper hep-th/9711200"}


@pytest.mark.parametrize(
    ("listed", "abs_status", "verdict"),
    [
        ([], 200, Verdict.OK),  # one id, an empty feed: the API's flake
        ([], 404, Verdict.DEAD),
        (["2101.00001", "2101.00002"], 200, Verdict.OK),  # a partial feed
        (["2101.00001", "2101.00002"], 404, Verdict.DEAD),
        (["2101.00001", "2101.00002"], 503, Verdict.ERROR),
    ],
    ids=["empty-feed-live", "empty-feed-gone", "partial-live", "partial-gone", "partial-abs-down"],
)
def test_an_id_missing_from_the_feed_is_confirmed_on_its_abs_page(
    simweb, listed: list[str], abs_status: int, verdict: Verdict
):
    missing = "2101.00003"
    idents = [*listed, missing]
    endpoint = arxiv.endpoint_for(simweb.url(ABS, "/"))
    (query,) = arxiv.api_urls(endpoint, idents)
    feed = feed_xml([entry_xml(i, 1, f"Paper {i}") for i in listed], id_list=",".join(idents))
    simweb.on(API, target_of(query), Reply(200, feed, content_type=ATOM_TYPE))
    body = replica("arxiv_abs.html").format(ident=missing, title="Paper three", version=1)
    simweb.on(ABS, f"/abs/{missing}", Reply(abs_status, body if abs_status == 200 else "Nope"))
    urls = [simweb.url(ABS, f"/abs/{i}") for i in idents]
    waits = Waits()
    seen, stats = run(simweb, urls, waits)
    asked = [s.path for s in simweb.requests if s.host == ABS]
    assert asked == [f"/abs/{missing}"] * (2 if abs_status == 503 else 1)  # 503: one retry
    # the confirmation is paced like any request, and so is its retry (its own backoff
    # counts towards the 3 s)
    assert paced(waits, stats)
    gone = seen[urls[-1]]
    assert gone.verdict is verdict
    if verdict is Verdict.DEAD:
        assert missing in (gone.error or "") and "404" in (gone.error or "")
    assert all(seen[u].verdict is Verdict.OK for u in urls[:-1])


def test_a_run_without_network_spends_no_time_pacing(simweb):
    """Every arXiv request fails at DNS: the fallbacks are not paced, and nothing is dead."""
    urls = [simweb.url(ABS, f"/abs/2101.0000{i}") for i in range(5)]
    waits = Waits()

    async def main() -> dict[str, Observation]:
        seen: dict[str, Observation] = {}
        options = CheckOptions(allow_private=True, retries=0, timeout=5)
        async with Fetcher(options, resolver=simweb.resolver({}), sleep=waits) as fetcher:
            ctx = CheckContext(fetcher, lambda o: seen.__setitem__(o.url, o))
            resources = [Resource("t", "s", detect_kind(u), url=u) for u in urls]
            await arxiv.ArxivProvider().check(resources, ctx)
        return seen

    seen = asyncio.run(main())
    assert waits.seconds == []
    assert {o.verdict for o in seen.values()} == {Verdict.ERROR}
    assert all(o.before_http for o in seen.values())


def test_arxiv_prefixed_abs_urls_go_to_the_arxiv_provider():
    url = "https://arxiv.org/abs/arXiv:2106.09685"
    resource = Resource("LoRA", "s", detect_kind(url), url=url)
    routed = {p.name: rs for p, rs in route([resource]).items()}
    assert list(routed) == ["arxiv"]
