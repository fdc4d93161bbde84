"""Soft-404 heuristics: pages that lie about being alive are caught, live pages never die."""

from __future__ import annotations

import asyncio
import re
import sys
import time
from pathlib import Path

import pytest

from linkaudit.fetch.fetcher import Fetcher
from linkaudit.model import CheckOptions, Fetched, Flag, Hop, Kind, Observation, Resource, Verdict
from linkaudit.providers import CheckContext, soft404
from linkaudit.providers.web import WebProvider
from replica import fetched as page
from replica import replica
from simweb import Reply, SimWeb
from simweb import page as sim_page


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
    signal = soft404.classify_against_probe(same, probe)
    assert signal is not None and signal.flags == (Flag.SOFT_404,)
    assert soft404.classify_against_probe(real, probe) is None


def test_host_that_answers_404_to_the_probe_condemns_nothing():
    probe = soft404.Probe(
        "https://h.example/linkaudit-probe-1", page("<title>x</title>", status=404)
    )
    assert not probe.serves_soft_404
    assert soft404.classify_against_probe(page("<title>x</title>"), probe) is None


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


SPA_SHELL = (
    "<title>Course Portal</title><body><div id='root'></div>"
    "<noscript>You need to enable JavaScript to run this app.</noscript>"
    "<script src='/static/app.js'></script></body>"
)
NAV = "<nav>" + " ".join(f"<a href='/c/{i}'>Course {i}</a>" for i in range(80)) + "</nav>"


def test_two_empty_app_shells_are_not_the_same_page():
    """A single-page app answers every path with the same shell: that proves nothing."""
    live = page(SPA_SHELL, url="https://app.example/courses/ml")
    probe = page(SPA_SHELL, url="https://app.example/courses/linkaudit-probe-1")
    assert not soft404.same_page(live, probe)


def test_pages_sharing_a_long_navigation_are_compared_by_their_main_content():
    lecture = "<main><h1>Lecture 3: eigenvalues</h1><p>" + "Eigenvectors keep direction. " * 8
    missing = "<main><h1>Sorry</h1><p>" + "We could not find anything at this address. " * 3
    live = page(f"<title>Acme</title>{NAV}{lecture}</p></main>", url="https://a.example/l/3")
    probe = page(f"<title>Acme</title>{NAV}{missing}</p></main>", url="https://a.example/l/x")
    assert not soft404.same_page(live, probe)
    assert soft404.same_page(probe, page(probe.body_text, url="https://a.example/l/y"))


def test_pages_of_one_repeated_word_are_compared_at_once():
    """Main contents of 4,000 characters made of one word, over and over: difflib's ratio
    took 0.6 s of CPU on two of them; words counted take a millisecond, and say the same."""

    def repeated(words: str) -> Fetched:
        return page(f"<title>X</title><main>{words}</main>", url="https://h.example/a")

    started = time.process_time()
    assert soft404.same_page(repeated("x " * 2000), repeated("x " * 1999 + "y"))
    assert not soft404.same_page(repeated("x " * 2000), repeated("x y " * 1000))
    assert time.process_time() - started < 0.2


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


def bounced_home(url: str, final: str, title: str) -> Fetched:
    body = f"<title>{title}</title><main><p>Welcome.</p></main>"
    return Fetched(
        url=url,
        hops=(Hop(url, 301), Hop(final, 200)),
        status=200,
        final_url=final,
        title=title,
        body_text=body,
    )


def test_a_bounce_home_with_the_catalogued_title_survives_a_host_that_answers_404():
    fetched = bounced_home("https://acme.example/courses", "https://acme.example/", "Acme Learning")
    result, asked = review(fetched, {}, expected="Acme Learning courses")
    assert asked == ["https://acme.example/linkaudit-probe-t0k3n"]
    assert result.verdict is Verdict.OK and result.error is None


def test_a_bounce_home_is_condemned_when_the_probe_is_bounced_home_too():
    home = "https://acme.example/"
    fetched = bounced_home("https://acme.example/courses", home, "Acme Learning")
    probe = "https://acme.example/linkaudit-probe-t0k3n"
    answers = {probe: bounced_home(probe, home, "Acme Learning")}
    result, _ = review(fetched, answers, expected="Acme Learning courses")
    assert result.verdict is Verdict.SOFT_DEAD and result.flags == ("bounced_home",)
    assert "cannot exist" in (result.error or "")


def test_review_makes_a_challenge_blocked():
    fetched = page("cloudflare_challenge.html", status=503)
    result, _ = review(fetched, {})
    assert result.verdict is Verdict.BLOCKED and result.flags == ("bot_challenge",)


# --- the web provider's soft-404 hook against the simulated web (names via --resolve) ------

MDN_PAGE = (
    "<title>404 Not Found - HTTP | MDN</title><nav>References Guides Plus</nav><main>"
    "<h1>404 Not Found</h1><p>The HTTP 404 Not Found client error response status code"
    " indicates that the server cannot find the requested resource.</p></main>"
)
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


def test_live_look_alikes_stay_live_end_to_end(simweb):
    """The false deaths found in review, through the real fetcher: every page stays live."""
    web = simweb
    home = sim_page("Open Course Hub", "<main><p>All our courses, old and new.</p></main>")
    web.on(COURSE, "/", home)
    live = {
        web.on(
            COURSE,
            "/en-US/docs/Web/HTTP/Status/404",
            Reply(200, MDN_PAGE),
        ): "HTTP 404 status code",
        web.on(
            COURSE,
            "/posts/optimizers",
            sim_page(
                "The best optimizer does not exist", "<h1>The best optimizer does not exist</h1>"
            ),
        ): "The best optimizer does not exist",
        web.on(COURSE, "/index.html", Reply(301, location=web.url(COURSE, "/"))): "Open Course Hub",
        web.on(COURSE, "/en", Reply(301, location=web.url(COURSE, "/"))): "Open Course Hub",
        web.on(ACME, "/3xYz", Reply(301, location=web.url(COURSE, "/2404-attention"))): "Attention",
        web.on(
            COURSE, "/posts/old", Reply(302, location="/posts/error-analysis")
        ): "Error analysis",
        web.on(
            COURSE,
            "/datasets/cars",
            sim_page(
                "Used cars for sale \u2014 a regression dataset",
                "<script>var cookieDomain='.course.example';</script><p>30,000 listings.</p>",
            ),
        ): "Used cars dataset",
    }
    web.on(COURSE, "/2404-attention", sim_page("Attention, 2404 times", "<p>An essay.</p>"))
    web.on(
        COURSE, "/posts/error-analysis", sim_page("Error analysis", "<p>How to read errors.</p>")
    )
    seen = check_web(web, list(live.items()))
    for url, obs in seen.items():
        assert obs.verdict.is_live, (url, obs.verdict, obs.error)
        assert not {"soft_404", "parked_domain", "bounced_home"} & set(obs.flags), url


def test_challenge_pages_are_blocked_whatever_their_status_end_to_end(simweb):
    """The fetcher reads the head of a 403/503 body: the challenge is seen and blocked."""
    web = simweb
    moment = web.on(WALLED, "/a", Reply(503, replica("cloudflare_challenge.html")))
    captcha = web.on(WALLED, "/b", Reply(403, replica("google_sorry.html")))
    down = web.on(WALLED, "/c", Reply(503, "<html><title>Service Unavailable</title></html>"))
    seen = check_web(web, [(moment, "Notes"), (captcha, "Slides"), (down, "Exercises")])
    for url in (moment, captcha):
        assert seen[url].verdict is Verdict.BLOCKED and "bot_challenge" in seen[url].flags
    assert seen[down].verdict is Verdict.ERROR and seen[down].flags == ()


# --- soft404 words ------------------------------------------------------------

REPLICAS = Path(__file__).parent / "replicas"


def alternatives(source: str) -> list[str]:
    """The top-level `|` branches of a regex source (outside groups, classes and escapes)."""
    branches, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(source[start:i])
            start = i + 1
        i += 1
    return [*branches, source[start:]]


def outside_groups(branch: str) -> str:
    """A branch's text that every match contains: groups, classes and `\\b` left out,
    whitespace classes as a space (a word inside an optional group would prove nothing)."""
    text = re.sub(r"\\s[+*]?", " ", branch).replace("\\b", "")
    while re.search(r"\([^()]*\)", text):
        text = re.sub(r"\([^()]*\)[?*+]?", "\x00", text)
    return re.sub(r"\[[^\]]*\][?*+]?", "\x00", text).lower()


def test_every_alternative_contains_one_of_the_words() -> None:
    assert soft404.SUSPECT_TEXT.flags & re.IGNORECASE
    branches = alternatives(soft404.SUSPECT_TEXT.pattern)
    assert len(branches) >= 10
    for branch in branches:
        required = outside_groups(branch)
        assert any(word in required for word in soft404.SUSPECT_WORDS), branch


def test_folding_maps_every_letter_the_pattern_accepts_onto_its_own() -> None:
    """Whatever Unicode letter matches a word's letter case-insensitively (K, dotless i,
    long s, I with a dot above...) folds to that letter, so the word check sees it."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    for letter in set("".join(soft404.SUSPECT_WORDS)) - {" "}:
        accepted = re.findall(re.escape(letter), everything, re.IGNORECASE)
        assert len(accepted) >= 1
        for char in accepted:
            assert soft404.folded_case(char) == letter, (letter, hex(ord(char)))


SAMPLES = [
    "Error 404",
    "404 - Page Not Found",
    "Sorry, the page you requested could not be found.",
    "We couldn\u2019t find that page",
    "This course no longer exists",
    "Oops! Nothing to see here.",
    "The page is missing",
    "THE PAGE YOU ARE LOOKING FOR",
    "the page you are looking for was mi\u017f\u017fing",  # long s: the pattern folds it
    "WE COULDN'T F\u0130ND THAT PAGE",
    "NOT\tFOUND",
    "A live page about error handling, domains and parking lots",
    "<html><head><title>Attention Is All You Need</title></head><body>text</body></html>",
    "",
]


def test_the_word_check_finds_exactly_what_the_pattern_finds() -> None:
    texts = SAMPLES + [path.read_text(encoding="utf-8") for path in REPLICAS.glob("*.html")]
    found = 0
    for text in texts:
        expected = soft404.SUSPECT_TEXT.search(text.replace("\u2019", "'")) is not None
        assert soft404.suspect_text(text) is expected, text[:80]
        found += expected
    assert 0 < found < len(texts)  # the corpus has bodies either way


@pytest.mark.parametrize(
    ("text", "suspect"),
    [("Nothing here, sorry", True), ("Nothing changed in this release", False)],
)
def test_a_word_alone_is_not_suspect(text: str, suspect: bool) -> None:
    assert soft404.suspect_text(text) is suspect
