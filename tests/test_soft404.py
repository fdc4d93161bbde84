"""Soft-404 heuristics: pages that lie about being alive are caught, live pages never die."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from linkaudit.fetch import Fetcher
from linkaudit.model import CheckOptions, Fetched, Flag, Hop, Kind, Observation, Resource, Verdict
from linkaudit.providers import CheckContext, soft404
from linkaudit.providers.web import WebProvider
from simweb import Reply, SimWeb
from simweb import page as sim_page

REPLICAS = Path(__file__).parent / "replicas"


def replica(name: str) -> str:
    return (REPLICAS / name).read_text(encoding="utf-8")


def page(
    name_or_body: str,
    *,
    url: str = "https://course.example/lectures/5",
    status: int = 200,
    title: str | None = None,
    final_url: str | None = None,
    headers: dict[str, str] | None = None,
) -> Fetched:
    body = replica(name_or_body) if name_or_body.endswith(".html") else name_or_body
    if title is None and "<title>" in body:
        title = body.split("<title>", 1)[1].split("</title>", 1)[0]
    final = final_url or url
    hops = (Hop(url, 302), Hop(final, status)) if final != url else (Hop(url, status),)
    return Fetched(
        url=url,
        hops=hops,
        status=status,
        final_url=final,
        headers=headers or {},
        title=title,
        body_text=body,
    )


@pytest.mark.parametrize(
    ("fetched", "verdict", "flag"),
    [
        (page("parked_sedo.html"), Verdict.SOFT_DEAD, Flag.PARKED_DOMAIN),
        (page("parked_godaddy.html"), Verdict.SOFT_DEAD, Flag.PARKED_DOMAIN),
        (page("parked_dan.html"), Verdict.SOFT_DEAD, Flag.PARKED_DOMAIN),
        (
            page("<html><title>x</title></html>", final_url="https://www.hugedomains.com/d/x"),
            Verdict.SOFT_DEAD,
            Flag.PARKED_DOMAIN,
        ),
        (page("soft404_page_not_found.html"), Verdict.SOFT_DEAD, Flag.SOFT_404),
        (
            page("<title>Lecture 5</title><h1>This course does not exist anymore</h1>"),
            Verdict.SOFT_DEAD,
            Flag.SOFT_404,
        ),
        (page("<title>Error 404</title><p>x</p>"), Verdict.SOFT_DEAD, Flag.SOFT_404),
        (
            page("<title>Home</title>", final_url="https://course.example/"),
            Verdict.SOFT_DEAD,
            Flag.BOUNCED_HOME,
        ),
        (
            page("<title>Oops</title>", final_url="https://course.example/errors/404.html"),
            Verdict.SOFT_DEAD,
            Flag.SOFT_404,
        ),
        (
            page("cloudflare_challenge.html", status=403, headers={"CF-Mitigated": "challenge"}),
            Verdict.BLOCKED,
            Flag.BOT_CHALLENGE,
        ),
        (page("cloudflare_challenge.html", status=503), Verdict.BLOCKED, Flag.BOT_CHALLENGE),
        (page("google_sorry.html", status=429), Verdict.BLOCKED, Flag.BOT_CHALLENGE),
    ],
    ids=[
        "sedo",
        "godaddy",
        "dan-for-sale",
        "sent-to-marketplace",
        "200-page-not-found",
        "heading-does-not-exist",
        "title-error-404",
        "deep-link-bounced-home",
        "redirected-to-404-url",
        "cloudflare-header",
        "cloudflare-503-markers",
        "google-captcha-429",
    ],
)
def test_lying_pages_are_caught_with_a_reason(fetched: Fetched, verdict: Verdict, flag: Flag):
    signal = soft404.judge(fetched.url, fetched)
    assert signal is not None
    assert (signal.verdict, signal.flag) == (verdict, flag)
    assert signal.reason


@pytest.mark.parametrize(
    "fetched",
    [
        page("live_mentions_404.html"),
        page("<title>Not Found: a history of lost things (book review)</title>", status=404),
        page("<title>Deep learning</title>", url="https://course.example/", final_url=None),
        page(
            "<title>Home</title>", url="http://course.example/", final_url="https://course.example/"
        ),
        page("<title>Lecture 5</title>", final_url="https://www.course.example/lectures/5"),
        page("<title>Contact us</title><div class='g-recaptcha'></div><p>form</p>"),
        page("<title>Forbidden</title>", status=403),
    ],
    ids=[
        "body-mentions-404",
        "real-404-is-classify-business",
        "root-url-itself",
        "root-to-root-upgrade",
        "deep-link-moved-deep",
        "page-with-a-captcha-form",
        "plain-403-is-not-a-challenge",
    ],
)
def test_live_pages_are_not_accused(fetched: Fetched):
    assert soft404.judge(fetched.url, fetched) is None


def test_body_that_talks_about_404_is_suspicious_but_not_evidence():
    fetched = page("live_mentions_404.html")
    assert soft404.not_found_page(fetched) is None
    assert soft404.looks_suspicious(fetched)


@pytest.mark.parametrize(
    ("fetched", "expected", "suspicious"),
    [
        (page("catch_all_page.html"), "Linear Algebra lecture 5", True),
        (page("<title>Linear Algebra: lecture 5</title>"), "Linear Algebra lecture 5", False),
        (page("<p>no title</p>", title=""), None, True),
        (page("<title>Essence of calculus</title>"), None, False),
    ],
)
def test_suspicion_triggers_the_probe(fetched: Fetched, expected: str | None, suspicious: bool):
    assert soft404.looks_suspicious(fetched, expected) is suspicious


def test_probe_url_is_a_sibling_that_cannot_exist():
    probe = soft404.probe_url("https://course.example/courses/la/lecture-5?x=1#top", "abc123")
    assert probe == "https://course.example/courses/la/linkaudit-probe-abc123"
    assert (
        soft404.probe_url("http://h.example:8080/page", "t")
        == "http://h.example:8080/linkaudit-probe-t"
    )


def test_catch_all_host_is_unmasked_by_the_probe_and_real_pages_survive():
    catch_all = replica("catch_all_page.html")
    probe = soft404.Probe(
        "https://acme.example/linkaudit-probe-1",
        page(catch_all, url="https://acme.example/linkaudit-probe-1"),
    )
    same = page(catch_all, url="https://acme.example/courses/la-5")
    real = page("live_course_page.html", url="https://acme.example/courses/la-3")
    signal = soft404.judge_against_probe(same, probe)
    assert signal is not None and signal.flag == Flag.SOFT_404
    assert soft404.judge_against_probe(real, probe) is None


def test_host_that_answers_404_to_the_probe_condemns_nothing():
    probe = soft404.Probe(
        "https://h.example/linkaudit-probe-1", page("<title>x</title>", status=404)
    )
    assert not probe.serves_soft_404
    assert soft404.judge_against_probe(page("<title>x</title>"), probe) is None


def test_probe_runs_once_per_host_even_when_asked_concurrently():
    calls: list[str] = []

    async def fetch(url: str) -> soft404.Probe:
        calls.append(url)
        await asyncio.sleep(0)
        return soft404.Probe(url, page("<title>x</title>", url=url, status=404))

    async def main() -> None:
        probes = soft404.HostProbes()
        urls = [f"https://h.example/p/{i}" for i in range(5)] + ["https://other.example/a"]
        await asyncio.gather(*(probes.probe(u, fetch) for u in urls))

    asyncio.run(main())
    assert len(calls) == 2


def observation(fetched: Fetched, verdict: Verdict = Verdict.OK) -> Observation:
    return Observation(url=fetched.url, verdict=verdict, http_status=fetched.status)


def review(fetched: Fetched, answers: dict[str, Fetched], expected: str | None = None):
    asked: list[str] = []

    async def fetch(url: str) -> Fetched:
        asked.append(url)
        return answers.get(url) or page("<title>Not Found</title>", url=url, status=404)

    async def main() -> Observation:
        verdict = Verdict.OK if fetched.status == 200 else Verdict.BLOCKED
        return await soft404.review(
            observation(fetched, verdict),
            fetched,
            expected_title=expected,
            probes=soft404.HostProbes(),
            fetch=fetch,
            token=lambda _url: "t0k3n",
        )

    return asyncio.run(main()), asked


def test_review_turns_a_parked_page_soft_dead_without_probing():
    result, asked = review(page("parked_godaddy.html"), {})
    assert result.verdict is Verdict.SOFT_DEAD and result.flags == ("parked_domain",)
    assert "parked" in (result.error or "") and asked == []


def test_review_probes_a_suspicious_page_and_condemns_a_catch_all_host():
    body = replica("catch_all_page.html")
    probe = "https://acme.example/courses/linkaudit-probe-t0k3n"
    result, asked = review(
        page(body, url="https://acme.example/courses/la-5"),
        {probe: page(body, url=probe)},
        expected="Linear Algebra lecture 5",
    )
    assert asked == [probe]
    assert result.verdict is Verdict.SOFT_DEAD and result.flags == ("soft_404",)


def test_review_keeps_a_live_page_that_mentions_404_when_the_host_answers_404():
    result, asked = review(page("live_mentions_404.html"), {})
    assert len(asked) == 1 and result.verdict is Verdict.OK and result.error is None


def test_review_makes_a_challenge_blocked():
    fetched = page("cloudflare_challenge.html", status=503)
    result, _ = review(fetched, {})
    assert result.verdict is Verdict.BLOCKED and result.flags == ("bot_challenge",)


# --- the web provider's soft-404 hook against the simulated web (names via --resolve) ------

COURSE, PARKED, ACME, WALLED = (
    "course.example",
    "deeplearningcourse.example",
    "acme.example",
    "walled.example",
)


def check_web(web: SimWeb, resources: list[tuple[str, str]]) -> dict[str, Observation]:
    """Run the generic web provider on (url, catalogued title) pairs."""

    async def no_wait(seconds: float) -> None:
        pass

    async def main() -> dict[str, Observation]:
        seen: dict[str, Observation] = {}
        names = (COURSE, PARKED, ACME, WALLED)
        options = CheckOptions(
            resolve=tuple((name, web.port, web.hosts[0]) for name in names),
            allow_private=True,
            retries=0,
            timeout=5,
        )
        async with Fetcher(options, sleep=no_wait) as fetcher:
            ctx = CheckContext(fetcher, lambda o: seen.__setitem__(o.url, o))
            linked = [Resource(title, "s", Kind.WEB, url=url) for url, title in resources]
            await WebProvider().check(linked, ctx)
        return seen

    seen = asyncio.run(main())
    assert set(seen) == {url for url, _ in resources}
    return seen


def probe_target(web: SimWeb, url: str) -> str:
    probe = soft404.probe_url(url, soft404.probe_token(url))
    return probe.split(str(web.port), 1)[1]


def test_lying_pages_through_the_web_provider(simweb):
    web = simweb
    parked = web.on(PARKED, "/course/intro", Reply(200, replica("parked_sedo.html")))
    not_found = web.on(COURSE, "/lectures/5", Reply(200, replica("soft404_page_not_found.html")))
    bounced = web.on(COURSE, "/old/syllabus", Reply(301, location=web.url(COURSE, "/")))
    web.on(COURSE, "/", sim_page("Open Course Hub", "<h1>Welcome</h1><p>All our courses.</p>"))
    walled = web.on(
        WALLED,
        "/notes",
        Reply(403, replica("cloudflare_challenge.html"), {"cf-mitigated": "challenge"}),
    )
    seen = check_web(
        web,
        [
            (parked, "Deep learning course: introduction"),
            (not_found, "Lecture 5: backpropagation"),
            (bounced, "Syllabus"),
            (walled, "Lecture notes"),
        ],
    )
    assert (seen[parked].verdict, seen[parked].flags) == (Verdict.SOFT_DEAD, ("parked_domain",))
    assert (seen[not_found].verdict, seen[not_found].flags) == (Verdict.SOFT_DEAD, ("soft_404",))
    assert (seen[bounced].verdict, seen[bounced].flags) == (Verdict.SOFT_DEAD, ("bounced_home",))
    assert seen[walled].verdict is Verdict.BLOCKED and "bot_challenge" in seen[walled].flags
    for url in (parked, not_found, bounced):
        assert seen[url].error  # the reason, for the report's evidence


def test_catch_all_host_is_caught_only_by_the_probe_once_per_host(simweb):
    web = simweb
    catch_all = replica("catch_all_page.html")
    gone = web.on(ACME, "/courses/la-5", Reply(200, catch_all))
    real = web.on(ACME, "/courses/la-3", Reply(200, replica("live_course_page.html")))
    for url in (gone, real):  # the host answers any path with its catch-all page
        web.on(ACME, probe_target(web, url), Reply(200, catch_all))
    seen = check_web(web, [(gone, "Linear Algebra lecture 5"), (real, "Linear Algebra lecture 3")])
    assert (
        soft404.not_found_page(Fetched(url=gone, title="Acme Learning", body_text=catch_all))
        is None
    )
    assert (seen[gone].verdict, seen[gone].flags) == (Verdict.SOFT_DEAD, ("soft_404",))
    assert "probe" in (seen[gone].error or "")
    assert seen[real].verdict is Verdict.OK  # a real page on the same host survives
    probes = [s for s in web.requests if "linkaudit-probe-" in s.path]
    assert len(probes) == 1  # once per host per run


def test_no_false_death_for_a_live_page_that_talks_about_404s(simweb):
    web = simweb
    url = web.on(COURSE, "/articles/status-codes", Reply(200, replica("live_mentions_404.html")))
    seen = check_web(web, [(url, "HTTP status codes for web developers")])
    assert seen[url].verdict is Verdict.OK and seen[url].flags == ()
    other = check_web(web, [(url, "Something else entirely")])  # suspicious: probe says 404
    assert other[url].verdict is Verdict.OK
