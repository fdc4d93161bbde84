"""Scenarios of `linkaudit check` against the simulated web (tests/simweb.py).

Most run the audit in-process through run_audit (so waits can be recorded instead of
slept and names resolved by the simulated resolver); the CLI tests run the command itself.
Each test asserts what a maintainer would see: verdict, final URL, hops, title.
"""

from __future__ import annotations

import asyncio
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

import pytest

from conftest import simweb_private
from linkaudit.audit import AuditResult, run_audit, snapshot_after, stored_snapshot
from linkaudit.config import REMOTE_TEXT_CHARS
from linkaudit.errors import NetworkDown, StoreError
from linkaudit.history import Store
from linkaudit.model import (
    CheckOptions,
    Finding,
    Health,
    Hop,
    Kind,
    Observation,
    Previous,
    Resource,
    Rules,
    Snapshot,
    Verdict,
)
from rounds import recorded_run
from simweb import Reply, SimWeb, html, page

FAST = CheckOptions(timeout=1.0, deadline=3.0, retries=3)


class Waits:
    """A recording sleep: remembers every wait, waits for none."""

    def __init__(self) -> None:
        self.seconds: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.seconds.append(seconds)


def check(
    web: SimWeb,
    *urls: str,
    options: CheckOptions = FAST,
    names: dict[str, int | str] | None = None,
    waits: Waits | None = None,
) -> dict[str, Observation]:
    resources = [Resource(title="", section="s", kind=Kind.WEB, url=url) for url in urls]
    result = asyncio.run(
        run_audit(
            resources,
            options,
            resolver=web.resolver(names),
            sleep=waits or Waits(),
            private=simweb_private,
        )
    )
    return result.observations


def one(web: SimWeb, url: str, **kw: object) -> Observation:
    return check(web, url, **kw)[url]  # type: ignore[arg-type]


def test_200_with_title(simweb: SimWeb) -> None:
    url = simweb.on(0, "/a", page("Essence of linear algebra"))
    obs = one(simweb, url)
    assert (obs.verdict, obs.final_url, obs.title) == (Verdict.OK, url, "Essence of linear algebra")
    assert obs.hops == (Hop(url, 200),)
    assert obs.http_status == 200


def test_title_only_in_og_title(simweb: SimWeb) -> None:
    head = '<meta property="og:title" content="Deep Learning Book">'
    url = simweb.on(0, "/og", Reply(body=html(None, head=head)))
    obs = one(simweb, url)
    assert (obs.verdict, obs.final_url, obs.title) == (Verdict.OK, url, "Deep Learning Book")
    assert obs.hops == (Hop(url, 200),)


@pytest.mark.parametrize("status", [301, 308])
def test_permanent_redirect_is_moved_with_final_url(simweb: SimWeb, status: int) -> None:
    final = simweb.on(0, "/new", page("New home"))
    url = simweb.on(0, "/old", Reply(status, location="/new"))
    obs = one(simweb, url)
    assert (obs.verdict, obs.final_url, obs.title) == (Verdict.MOVED, final, "New home")
    assert obs.hops == (Hop(url, status), Hop(final, 200))


@pytest.mark.parametrize("status", [302, 307])
def test_temporary_redirect_is_redirected(simweb: SimWeb, status: int) -> None:
    final = simweb.on(0, "/login-free", page("Course"))
    url = simweb.on(0, "/course", Reply(status, location=final))
    obs = one(simweb, url)
    assert (obs.verdict, obs.final_url) == (Verdict.REDIRECTED, final)
    assert [hop.status for hop in obs.hops] == [status, 200]


def test_permanent_then_temporary_is_moved(simweb: SimWeb) -> None:
    final = simweb.on(0, "/c", page("C"))
    simweb.on(0, "/b", Reply(302, location="/c"))
    url = simweb.on(0, "/a", Reply(301, location="/b"))
    obs = one(simweb, url)
    assert obs.verdict is Verdict.MOVED
    assert [(h.url, h.status) for h in obs.hops] == [
        (url, 301),
        (simweb.url(0, "/b"), 302),
        (final, 200),
    ]


def test_cross_host_redirect(simweb: SimWeb) -> None:
    final = simweb.on(1, "/book", page("The Book"))
    url = simweb.on(0, "/book", Reply(301, location=final))
    obs = one(simweb, url)
    assert (obs.verdict, obs.final_url, obs.title) == (Verdict.MOVED, final, "The Book")
    assert simweb.hits(1, "/book") == 1


def test_meta_refresh_is_followed_as_a_hop_and_is_moved(simweb: SimWeb) -> None:
    final = simweb.on(1, "/here", page("Moved here"))
    refresh = f'<meta http-equiv="refresh" content="0; url={final}">'
    url = simweb.on(0, "/there", Reply(body=html("Redirecting", head=refresh)))
    obs = one(simweb, url)
    assert (obs.verdict, obs.final_url, obs.title) == (Verdict.MOVED, final, "Moved here")
    assert obs.hops == (Hop(url, 200), Hop(final, 200))


@pytest.mark.parametrize("status", [404, 410])
def test_not_found_and_gone_are_dead(simweb: SimWeb, status: int) -> None:
    url = simweb.on(0, "/gone", Reply(status, body=html("Not here")))
    obs = one(simweb, url)
    assert (obs.verdict, obs.http_status, obs.error) == (Verdict.DEAD, status, f"HTTP {status}")
    assert (obs.hops, obs.title) == ((Hop(url, status),), None)


def test_redirect_loop_is_error(simweb: SimWeb) -> None:
    simweb.on(0, "/ping", Reply(302, location="/pong"))
    url = simweb.on(0, "/pong", Reply(302, location="/ping"))
    obs = one(simweb, url)
    assert obs.verdict is Verdict.ERROR
    assert "loop" in (obs.error or "")
    assert len(obs.hops) == 2


def test_eleven_redirects_is_error_ten_is_fine(simweb: SimWeb) -> None:
    for i in range(11):
        simweb.on(0, f"/r{i}", Reply(301, location=f"/r{i + 1}"))
    simweb.on(0, "/r11", page("End"))
    simweb.on(0, "/s1", Reply(301, location="/r2"))  # 10 redirects to the end
    found = check(simweb, simweb.url(0, "/r0"), simweb.url(0, "/s1"))
    too_many = found[simweb.url(0, "/r0")]
    assert too_many.verdict is Verdict.ERROR
    assert "more than 10 redirects" in (too_many.error or "")
    assert found[simweb.url(0, "/s1")].verdict is Verdict.MOVED


def test_a_redirect_to_an_overlong_url_is_an_error_said_in_one_short_line(
    simweb: SimWeb,
) -> None:
    """A Location of 9,000 characters (beyond RFC 9110's 8,000) is not followed, stored or
    shown whole: the redirect is unusable, and the error quotes the start of it."""
    url = simweb.on(0, "/far", Reply(301, location="/" + "x" * 9000))
    obs = one(simweb, url)
    assert (obs.verdict, obs.hops) == (Verdict.ERROR, (Hop(url, 301),))
    assert (obs.error or "").startswith("redirect to an unusable URL: '/xxx")
    assert len(obs.error or "") == REMOTE_TEXT_CHARS


def test_429_retry_after_is_waited_for_then_ok(simweb: SimWeb) -> None:
    """The wait really happens: the server sees the second request >= 1 s after the first."""
    url = simweb.on(0, "/busy", Reply(429, headers={"Retry-After": "1"}), page("Finally"))
    options = CheckOptions(timeout=2.0, deadline=5.0)
    resources = [Resource(title="", section="s", kind=Kind.WEB, url=url)]
    result = asyncio.run(
        run_audit(resources, options, resolver=simweb.resolver(), private=simweb_private)
    )
    obs = result.observations[url]
    assert (obs.verdict, obs.title) == (Verdict.OK, "Finally")
    first, second = (s.at for s in simweb.requests if s.path == "/busy")
    assert second - first >= 1.0


def test_retry_after_pauses_the_whole_host(simweb: SimWeb) -> None:
    """The rate-limited host waits the 7 s once, for both its URLs; the other host does not
    wait at all (it is asked before the pause is over)."""
    busy = simweb.on(0, "/busy", Reply(429, headers={"Retry-After": "7"}), page("Later"))
    other = simweb.on(0, "/other", page("Other"))
    elsewhere = simweb.on(1, "/elsewhere", page("Elsewhere"))
    waits = Waits()
    options = CheckOptions(deadline=30, per_host=1)
    found = check(simweb, busy, other, elsewhere, waits=waits, options=options)
    assert {o.verdict for o in found.values()} == {Verdict.OK}
    paused = [s for s in waits.seconds if s > 0]
    assert len(paused) == 1 and 6.5 < paused[0] <= 7.0
    asked = [s.path for s in simweb.requests]
    assert asked.index("/elsewhere") < asked.index("/other")
    assert asked.count("/busy") == 2


def test_retry_after_beyond_the_cap_is_blocked_not_dead(simweb: SimWeb) -> None:
    url = simweb.on(0, "/busy", Reply(429, headers={"Retry-After": "3600"}))
    obs = one(simweb, url)
    assert obs.verdict is Verdict.BLOCKED
    assert "rate_limited" in obs.flags
    assert simweb.hits(0, "/busy") == 1


def test_503_once_then_200_is_ok(simweb: SimWeb) -> None:
    """Retried after its own backoff (0.5 s and jitter), within the host's back-off (a
    503 without Retry-After: 1 s between the host's starts): 1 s from start to start."""
    url = simweb.on(0, "/flaky", Reply(503), page("Back"))
    waits = Waits()
    obs = one(simweb, url, waits=waits)
    assert (obs.verdict, obs.title) == (Verdict.OK, "Back")
    backoff, pace = waits.seconds
    assert 0.5 <= backoff <= 0.75
    assert 0.99 <= backoff + pace <= 1.0


def test_503_always_is_error_after_the_retries(simweb: SimWeb) -> None:
    """Backing off: the host's interval doubles with each 503 (1, 2, 4 s between its
    starts), longer each time than the URL's own backoff (0.5, 1, 2 s and jitter)."""
    url = simweb.on(0, "/down", Reply(503))
    waits = Waits()
    obs = one(simweb, url, waits=waits)
    assert (obs.verdict, obs.http_status) == (Verdict.ERROR, 503)
    assert simweb.hits(0, "/down") == 4  # 1 + --retries 3
    assert 6.9 <= sum(waits.seconds) <= 7.0


def test_hang_is_error_within_the_deadline(simweb: SimWeb) -> None:
    url = simweb.on(0, "/hang", Reply(hang=True))
    started = time.monotonic()
    obs = one(simweb, url, options=CheckOptions(timeout=0.5, deadline=1.5))
    assert obs.verdict is Verdict.ERROR
    assert "timeout" in (obs.error or "")
    assert time.monotonic() - started < 3.0


def test_connection_closed_without_response_is_error(simweb: SimWeb) -> None:
    url = simweb.on(0, "/close", Reply(close=True))
    obs = one(simweb, url)
    assert (obs.verdict, obs.http_status) == (Verdict.ERROR, None)
    assert obs.error and obs.error.startswith("reset")


def test_slow_drip_of_headers_is_error_within_the_deadline(simweb: SimWeb) -> None:
    url = simweb.on(0, "/drip", Reply(drip=0.2, body=html("Slow")))
    started = time.monotonic()
    obs = one(simweb, url, options=CheckOptions(timeout=0.5, deadline=1.5))
    assert (obs.verdict, obs.http_status, obs.hops) == (Verdict.ERROR, None, ())
    assert "timeout" in (obs.error or "")
    assert time.monotonic() - started < 3.0


def test_a_body_that_stalls_before_its_title_is_an_error_retried_like_a_timeout(
    simweb: SimWeb,
) -> None:
    """Status and headers at once, then the body a byte every 0.5 s: in the 0.2 s of an
    attempt nothing of the page arrives (no title, not the end of its head). No page was
    seen, so no `ok`: `error` ("body stalled"), and asked again as after a timeout."""
    url = simweb.on(0, "/dripbody", Reply(drip_body=0.5, body=html("Slow page", body="x" * 50)))
    waits = Waits()
    started = time.monotonic()
    options = CheckOptions(timeout=0.2, deadline=3.0, retries=1)
    obs = one(simweb, url, options=options, waits=waits)
    assert (obs.verdict, obs.http_status, obs.title) == (Verdict.ERROR, 200, None)
    assert (obs.error or "").startswith("body stalled: ")
    assert simweb.hits(0, "/dripbody") == 2 and len(waits.seconds) == 1
    assert time.monotonic() - started < 2.5


def test_a_body_that_stalls_after_its_title_keeps_its_verdict(simweb: SimWeb) -> None:
    """The head up to the title at once, then the rest a byte every 0.5 s: the page was
    seen, so it is `ok` with its title; the error says the rest of the body did not come."""
    body = html("Slow page", body="x" * 50)
    titled = body.index("</title>") + len("</title>")
    url = simweb.on(0, "/late", Reply(drip_body=0.5, drip_from=titled, body=body))
    obs = one(simweb, url, options=CheckOptions(timeout=0.2, deadline=3.0, retries=1))
    assert (obs.verdict, obs.http_status, obs.title) == (Verdict.OK, 200, "Slow page")
    assert obs.error == "body read timed out"
    assert simweb.hits(0, "/late") == 1


@pytest.mark.parametrize("status", [401, 403])
def test_unauthorized_and_forbidden_are_blocked(simweb: SimWeb, status: int) -> None:
    url = simweb.on(0, "/private", Reply(status, body=html("Sign in")))
    obs = one(simweb, url)
    assert (obs.verdict, obs.http_status, obs.hops) == (
        Verdict.BLOCKED,
        status,
        (Hop(url, status),),
    )
    assert simweb.hits(0, "/private") == 1  # not retried: asking again changes nothing


def test_cloudflare_challenge_is_blocked(simweb: SimWeb) -> None:
    body = html("Just a moment...", body="<script>window._cf_chl_opt={}</script>")
    url = simweb.on(0, "/cf", Reply(403, body=body, headers={"cf-mitigated": "challenge"}))
    obs = one(simweb, url)
    assert obs.verdict is Verdict.BLOCKED
    assert "bot_challenge" in obs.flags


CHALLENGE = html(
    "Just a moment...",
    body="<script>window._cf_chl_opt={cType: 'managed'};</script>"
    "<script src='/cdn-cgi/challenge-platform/h/b/orchestrate/chl_page/v1'></script>",
)
CAPTCHA = html("Security check", body="<form><div class='g-recaptcha'></div></form>")


@pytest.mark.parametrize(
    ("status", "body"),
    [(503, CHALLENGE), (403, CAPTCHA), (429, CHALLENGE)],
    ids=["503-just-a-moment", "403-captcha", "429-just-a-moment"],
)
def test_challenge_page_without_the_header_is_blocked(
    simweb: SimWeb, status: int, body: str
) -> None:
    """No cf-mitigated header: the page itself says it is a challenge (its head is read)."""
    url = simweb.on(0, "/wall", Reply(status, body=body))
    obs = one(simweb, url)
    assert obs.verdict is Verdict.BLOCKED and "bot_challenge" in obs.flags
    assert obs.title is None  # "Just a moment..." is not the page's title


def test_plain_503_page_is_still_an_error_after_the_retries(simweb: SimWeb) -> None:
    url = simweb.on(0, "/down", Reply(503, body=html("Service Unavailable", body="<p>Later.</p>")))
    obs = one(simweb, url)
    assert (obs.verdict, obs.flags) == (Verdict.ERROR, ())
    assert simweb.hits(0, "/down") == 4  # 1 + --retries 3


def test_a_refusal_body_is_read_bounded(simweb: SimWeb) -> None:
    url = simweb.on(0, "/huge403", Reply(403, size=200_000_000))
    started = time.monotonic()
    obs = one(simweb, url)
    assert obs.verdict is Verdict.BLOCKED and obs.flags == ()
    assert time.monotonic() - started < 2.0


def peak_bytes_while(call: Callable[[], Observation]) -> tuple[Observation, int]:
    """What `call` returns, and the peak of Python memory allocated while it ran (all
    threads, the simulated web's included)."""
    tracemalloc.start()
    try:
        obs = call()
        return obs, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


@pytest.mark.parametrize(
    ("content_type", "title"),
    [("text/html; charset=utf-8", "Big"), ("application/octet-stream", None)],
    ids=["html-with-title", "binary-without-title"],
)
def test_200_mb_body_is_ok_fast_and_memory_bounded(
    simweb: SimWeb, content_type: str, title: str | None
) -> None:
    """Only the head of the body is read: the title's, or 256 KiB when there is none."""
    url = simweb.on(0, "/huge", Reply(size=200_000_000, content_type=content_type))
    started = time.monotonic()
    obs, peak = peak_bytes_while(lambda: one(simweb, url))
    assert (obs.verdict, obs.title, obs.hops) == (Verdict.OK, title, (Hop(url, 200),))
    assert time.monotonic() - started < 5.0
    assert peak < 16 * 2**20, f"{peak / 2**20:.1f} MiB allocated at the peak"


def test_gzip_bomb_is_read_bounded(simweb: SimWeb) -> None:
    """100 MB of zeros in 100 KB of gzip: inflated only up to the read limit."""
    url = simweb.on(0, "/bomb", Reply(gzip_bomb=100_000_000))
    obs, peak = peak_bytes_while(lambda: one(simweb, url))
    assert (obs.verdict, obs.hops) == (Verdict.OK, (Hop(url, 200),))
    assert peak < 16 * 2**20, f"{peak / 2**20:.1f} MiB allocated at the peak"


def test_latin1_title_and_entities_are_decoded(simweb: SimWeb) -> None:
    body = "<html><head><title>Caf\xe9 &amp; cr\xe8me &#8212; R&eacute;sum&eacute;</title>"
    url = simweb.on(
        0,
        "/latin1",
        Reply(body=body.encode("iso-8859-1"), content_type="text/html; charset=ISO-8859-1"),
    )
    assert one(simweb, url).title == "Café & crème — Résumé"


def test_connection_refused_is_error(simweb: SimWeb) -> None:
    ok = simweb.on(0, "/up", page("Up"))
    refused = simweb.refused_url("/x")
    found = check(simweb, ok, refused)
    assert found[refused].verdict is Verdict.ERROR
    assert "connect" in (found[refused].error or "")


def test_unresolvable_name_is_dead(simweb: SimWeb) -> None:
    ok = simweb.on(0, "/up", page("Up"))
    gone = simweb.url("gone.invalid", "/")
    obs = check(simweb, ok, gone)[gone]
    assert obs.verdict is Verdict.DEAD
    assert obs.error == "name does not resolve: gone.invalid"


@pytest.mark.parametrize("target", ["http://127.0.0.1:{port}/admin", "http://intranet.test/"])
def test_redirect_to_a_private_address_is_refused(simweb: SimWeb, target: str) -> None:
    url = simweb.on(0, "/sneaky", Reply(302, location=target.format(port=simweb.port)))
    obs = one(simweb, url, names={"intranet.test": "10.0.0.5"})
    assert obs.verdict is Verdict.BLOCKED
    assert "private_address_refused" in obs.flags
    assert "--allow-private" in (obs.error or "")
    assert obs.hops == (Hop(url, 302),)


def test_allow_private_lets_the_redirect_through(simweb: SimWeb) -> None:
    """With --allow-private, a redirect into the 'intranet' (here: host 3) is followed."""
    final = simweb.on("intranet.test", "/wiki", page("Wiki"))
    final = f"http://intranet.test:{simweb.port}/wiki"
    url = simweb.on(0, "/in", Reply(302, location=final))
    resources = [Resource(title="", section="s", kind=Kind.WEB, url=url)]

    def private(address: str) -> bool:
        return address == simweb.hosts[3] or simweb_private(address)

    found = {}
    for allow in (False, True):
        options = CheckOptions(timeout=1.0, deadline=3.0, allow_private=allow)
        audit = run_audit(
            resources,
            options,
            resolver=simweb.resolver({"intranet.test": 3}),
            private=private,
            sleep=Waits(),
        )
        found[allow] = asyncio.run(audit).observations[url]
    assert found[False].verdict is Verdict.BLOCKED
    assert (found[True].verdict, found[True].title) == (Verdict.REDIRECTED, "Wiki")


def test_every_host_unreachable_aborts(simweb: SimWeb) -> None:
    urls = [simweb.refused_url("/a"), simweb.url("gone.invalid", "/b")]
    resources = [Resource(title="", section="s", kind=Kind.WEB, url=u) for u in urls]
    with pytest.raises(NetworkDown, match=r"network unavailable: 0 of 2 hosts answered"):
        asyncio.run(
            run_audit(
                resources, FAST, resolver=simweb.resolver(), sleep=Waits(), private=simweb_private
            )
        )


def test_resolve_connects_to_the_address_but_keeps_the_name(simweb: SimWeb) -> None:
    simweb.on("docs.example", "/guide", page("Guide"))
    url = f"http://docs.example:{simweb.port}/guide"
    options = CheckOptions(
        timeout=1.0, deadline=3.0, resolve=(("docs.example", simweb.port, simweb.hosts[2]),)
    )
    obs = one(simweb, url, options=options)
    assert (obs.verdict, obs.title) == (Verdict.OK, "Guide")
    seen = next(s for s in simweb.requests if s.path == "/guide")
    assert (seen.host, seen.address) == ("docs.example", simweb.hosts[2])


def test_per_host_limit_holds_and_other_hosts_are_not_held_back(simweb: SimWeb) -> None:
    slow = [simweb.on(0, f"/slow{i}", page("Slow", delay=0.3)) for i in range(8)]
    fast = [simweb.on(1, f"/fast{i}", page("Fast")) for i in range(4)]
    options = CheckOptions(timeout=2.0, deadline=5.0, per_host=2, concurrency=8)
    found = check(simweb, *slow, *fast, options=options)
    assert all(o.verdict is Verdict.OK for o in found.values())
    by_path = {s.path: s.at for s in simweb.requests}
    starts = sorted(by_path[f"/slow{i}"] for i in range(8))
    assert starts[2] - starts[0] >= 0.25  # never more than 2 at once on host 0
    assert max(by_path[f"/fast{i}"] for i in range(4)) - starts[0] < 0.25


def test_user_agent_names_linkaudit(simweb: SimWeb) -> None:
    url = simweb.on(0, "/ua", page("UA"))
    one(simweb, url)
    agent = simweb.requests[0].headers["user-agent"]
    assert agent.startswith("linkaudit/") and "github.com/linkaudit/linkaudit" in agent


def test_304_to_a_conditional_request_is_ok_and_keeps_the_title(simweb: SimWeb) -> None:
    url = simweb.on(0, "/same", Reply(304, headers={"ETag": '"v1"'}))
    resources = [Resource(title="", section="s", kind=Kind.WEB, url=url)]
    previous = {url: Previous(etag='"v1"', title="Last title")}
    audit = run_audit(
        resources, FAST, resolver=simweb.resolver(), private=simweb_private, previous=previous
    )
    obs = asyncio.run(audit).observations[url]
    assert (obs.verdict, obs.title, obs.flags) == (Verdict.OK, "Last title", ("not_modified",))
    assert simweb.requests[-1].headers["if-none-match"] == '"v1"'


def test_a_resolver_that_never_answers_counts_as_network_down(simweb: SimWeb) -> None:
    """A CI runner without DNS: lookups hang until the timeout. Nothing may be marked dead."""

    async def silent(host: str, port: int) -> list[str]:
        await asyncio.Event().wait()
        return []

    urls = ["http://docs.example/a", "http://blog.example/b"]
    resources = [Resource(title="", section="s", kind=Kind.WEB, url=u) for u in urls]
    options = CheckOptions(timeout=0.3, deadline=1.0, retries=1)
    with pytest.raises(NetworkDown, match="0 of 2 hosts answered"):
        asyncio.run(run_audit(resources, options, resolver=silent, sleep=Waits()))


# --- snapshot ------------------------------------------------------------

A, B, C = "http://127.0.0.2:9/a", "http://127.0.0.3:9/b", "http://127.0.0.4:9/c"
RES = [
    Resource("Alpha course", "Courses", Kind.WEB, A, "c.yaml", 1),
    Resource("Beta notes", "Notes", Kind.WEB, B, "c.yaml", 4),
    Resource("Gamma book", "Books", Kind.WEB, C, "c.yaml", 7),
]
UNLINKED = Resource("Delta chapter", "Primer", Kind.WEB, None, "c.yaml", 10)
ROUNDS = [  # (A, B, C) per run
    ((Verdict.OK, "Alpha course"), (Verdict.OK, "Beta notes"), (Verdict.OK, "Unrelated shop")),
    ((Verdict.DEAD, None), (Verdict.OK, "Beta notes"), (Verdict.ERROR, None)),
    ((Verdict.DEAD, None), (Verdict.OK, "Completely different"), (Verdict.OK, "Unrelated shop")),
]


def run_round(db: Path, n: int) -> AuditResult:
    at = f"2026-11-{n + 1:02d}T06:00:00Z"
    obs = {
        r.url: Observation(r.url, v, title=t, http_status=200 if t else 404, checked_at=at)
        for r, (v, t) in zip(RES, ROUNDS[n], strict=True)
        if r.url
    }
    return recorded_run(db, [*RES, UNLINKED], obs)


def replayed(store: Store, **kw: object) -> Snapshot:
    return stored_snapshot(store, rules=Rules(), **kw)  # type: ignore[arg-type]


def by_url(findings: list[Finding]) -> dict[str | None, Finding]:
    return {f.resource.url: f for f in findings}


def test_every_run_judged_again_gives_the_same_findings(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    judged = [run_round(db, n).findings for n in range(len(ROUNDS))]
    assert by_url(judged[2])[B].health is Health.DRIFTED
    assert "possible_wrong_link" in by_url(judged[0])[C].flags  # first sight only
    with Store.open(db, create=False) as store:
        for run_id, findings in enumerate(judged, start=1):
            snap = replayed(store, run_id=run_id, unlinked=[UNLINKED])
            assert by_url(snap.findings) == by_url(findings), run_id


def test_snapshot_compares_with_the_previous_complete_run_and_trends(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    results = [run_round(db, n) for n in range(len(ROUNDS))]
    judged = [r.findings for r in results]
    with Store.open(db, create=False) as store:
        snap = replayed(store, unlinked=[UNLINKED])
        assert snap.run.id == 3
        assert snap.previous_run is not None and snap.previous_run.id == 2
        assert by_url(snap.previous or []) == by_url(judged[1])
        assert [(p.run_id, p.answered, p.failed) for p in snap.trend] == [
            (1, 3, 0),
            (2, 1, 2),
            (3, 2, 1),
        ]
        first = replayed(store, run_id=1)
        assert first.previous is None and len(first.trend) == 1
        fresh = snapshot_after(store, results[2], rules=Rules(), since=1)
        assert fresh.previous_run is not None and fresh.previous_run.id == 1


def test_an_accepted_title_ends_the_drift_in_a_rerendered_report(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    for n in range(len(ROUNDS)):
        run_round(db, n)
    with Store.open(db, create=False) as store:
        store.accept_title(B)
        assert by_url(replayed(store).findings)[B].health is Health.HEALTHY


def test_no_complete_run_is_a_clear_error(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h.db") as store, pytest.raises(StoreError, match="no complete"):
        replayed(store)
    db = tmp_path / "h.db"
    run_round(db, 0)
    with Store.open(db) as store, pytest.raises(StoreError, match="run 5 is not"):
        replayed(store, run_id=5)
