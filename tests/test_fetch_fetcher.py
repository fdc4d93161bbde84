"""fetch/fetcher.py and its parts (retry, html, names, failures): the client's edge cases.

Pure parts get tables; the Fetcher itself talks to the simulated web (tests/simweb.py)
or, for edge cases of the protocol, to a respx mock transport.
"""

from __future__ import annotations

import asyncio
import gzip
import socket
import time
from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import httpx
import pytest
import respx

from conftest import simweb_private
from linkaudit.config import USER_AGENT
from linkaudit.fetch.failures import failure_of
from linkaudit.fetch.fetcher import Fetcher
from linkaudit.fetch.names import (
    NO_SUCH_NAME,
    NameNotResolved,
    ResolverUnavailable,
    is_private,
    parse_resolve,
)
from linkaudit.model import CheckOptions, FailureKind, Fetched
from simweb import Reply, SimWeb, html, page

# --- the connection layer (pure parts) ---


def test_private_addresses() -> None:
    for address in [
        "127.0.0.1",
        "10.1.2.3",
        "192.168.0.1",
        "169.254.169.254",
        "::1",
        "fe80::1",
        "224.0.0.1",
        "0.0.0.0",
        "::ffff:127.0.0.1",
    ]:
        assert is_private(address), address
    for address in ["93.184.216.34", "2606:4700::1111"]:
        assert not is_private(address), address


def test_parse_resolve_is_curls_syntax() -> None:
    assert parse_resolve("Example.org:443:10.0.0.1") == ("example.org", 443, "10.0.0.1")
    assert parse_resolve("example.org:80:[::1]") == ("example.org", 80, "::1")
    for bad in ["example.org:443", "example.org:x:1.2.3.4", "example.org:443:not-an-ip"]:
        with pytest.raises(ValueError, match="resolve"):
            parse_resolve(bad)


# --- the Fetcher against the simulated web ---


def fetch(
    web: SimWeb,
    url: str,
    *,
    env: dict[str, str] | None = None,
    names: dict[str, int | str] | None = None,
    **kw: object,
) -> Fetched:
    options = CheckOptions(timeout=1.0, deadline=3.0)

    async def go() -> Fetched:
        async def no_wait(_: float) -> None:
            return None

        fetcher = Fetcher(
            options,
            resolver=web.resolver(names or {"site.test": 1}),
            sleep=no_wait,
            env=env or {},
            private=simweb_private,
        )
        async with fetcher:
            return await fetcher.fetch(url, **kw)  # type: ignore[arg-type]

    return asyncio.run(go())


def test_conditional_headers_are_sent_and_304_is_answered(simweb: SimWeb) -> None:
    url = simweb.on(0, "/c", Reply(304, headers={"ETag": '"v1"'}))
    got = fetch(simweb, url, headers={"If-None-Match": '"v1"'})
    assert got.status == 304
    seen = simweb.requests[-1].headers
    assert seen["if-none-match"] == '"v1"'
    assert seen["user-agent"] == USER_AGENT
    assert "gzip" in seen["accept-encoding"]


def test_gzip_encoded_page_is_decoded(simweb: SimWeb) -> None:
    body = gzip.compress(html("Compressed").encode())
    url = simweb.on(0, "/gz", Reply(body=body, headers={"Content-Encoding": "gzip"}))
    assert fetch(simweb, url).title == "Compressed"


def test_json_body_is_read_whole_for_providers(simweb: SimWeb) -> None:
    url = simweb.on(
        0, "/api", Reply(body='{"title": "x"}' + " " * 40_000, content_type="application/json")
    )
    got = fetch(simweb, url)
    assert got.body_text.startswith('{"title": "x"}') and len(got.body_text) > 40_000
    assert got.title is None


def test_max_body_bytes_overrides_the_limit(simweb: SimWeb) -> None:
    url = simweb.on(0, "/big", Reply(size=2_000_000))
    whole = fetch(simweb, url, max_body_bytes=1_000_000, stop_at_title=False)
    assert len(whole.body_text) == 1_000_000
    assert len(fetch(simweb, url).body_text) < 300_000


def test_proxy_from_the_environment_is_used(simweb: SimWeb) -> None:
    """HTTP_PROXY sends the request to the proxy (host 3) in absolute form; NO_PROXY skips it."""
    target = f"http://site.test:{simweb.port}/via"
    simweb.on(3, target, page("Through the proxy"))
    simweb.on("site.test", "/via", page("Direct"))
    proxy = {"HTTP_PROXY": simweb.url(3, "")}
    assert fetch(simweb, target, env=proxy).title == "Through the proxy"
    assert fetch(simweb, target, env={**proxy, "NO_PROXY": "site.test"}).title == "Direct"


def test_slow_down_pauses_a_host(simweb: SimWeb) -> None:
    url = simweb.on(0, "/p", page("P"))
    waits: list[float] = []

    async def go() -> None:
        async def record(seconds: float) -> None:
            waits.append(seconds)

        async with Fetcher(
            CheckOptions(), resolver=simweb.resolver(), sleep=record, private=simweb_private
        ) as f:
            f.slow_down(simweb.hosts[0], 30)
            await f.fetch(url)

    asyncio.run(go())
    assert len(waits) == 1 and 29 < waits[0] <= 30


def test_elapsed_runs_from_the_first_request_sent_not_from_the_wait_for_a_slot(
    simweb: SimWeb,
) -> None:
    """One request at a time to the host: the second URL queues while the first is
    answered, then is answered itself; its elapsed_ms is its own answer's time."""
    urls = [simweb.on(0, f"/slow{i}", page("Slow", delay=0.4)) for i in range(2)]

    async def go() -> tuple[list[Fetched], float]:
        options = CheckOptions(per_host=1, timeout=5.0, deadline=10.0)
        async with Fetcher(options, resolver=simweb.resolver(), private=simweb_private) as f:
            started = time.monotonic()
            got = await asyncio.gather(*(f.fetch(url) for url in urls))
            return got, time.monotonic() - started

    got, took = asyncio.run(go())
    assert took >= 0.8  # one after the other
    for fetched in got:
        assert fetched.status == 200
        assert 400 <= fetched.elapsed_ms < 700  # not the 800 ms since the second was asked


def test_elapsed_includes_retries_and_the_retry_after_wait(simweb: SimWeb) -> None:
    url = simweb.on(0, "/busy", Reply(503, headers={"Retry-After": "1"}), page("Back"))

    async def go() -> Fetched:
        async def shortened(seconds: float) -> None:  # the 1 s wait, made 0.3 s
            await asyncio.sleep(min(seconds, 0.3))

        async with Fetcher(
            CheckOptions(), resolver=simweb.resolver(), sleep=shortened, private=simweb_private
        ) as f:
            return await f.fetch(url)

    got = asyncio.run(go())
    assert (got.status, simweb.hits(0, "/busy")) == (200, 2)
    assert got.elapsed_ms >= 300


def waits_of(simweb: SimWeb, url: str, **options: object) -> tuple[Fetched, list[float]]:
    """Fetch `url` with the waits recorded and skipped: (what came back, the waits)."""
    waits: list[float] = []

    async def recorded(seconds: float) -> None:
        waits.append(seconds)

    async def go() -> Fetched:
        opts = CheckOptions(**options)  # type: ignore[arg-type]
        async with Fetcher(
            opts, resolver=simweb.resolver(), sleep=recorded, private=simweb_private
        ) as f:
            return await f.fetch(url)

    return asyncio.run(go()), waits


def test_a_500s_retry_after_is_waited_by_that_url(simweb: SimWeb) -> None:
    """Only a 429 or 503 pauses the host; a 500's Retry-After is the wait of its URL
    alone, and it is waited (it was retried at once, a millisecond apart)."""
    url = simweb.on(0, "/err", Reply(500, headers={"Retry-After": "2"}), page("Back"))
    got, waits = waits_of(simweb, url)
    assert (got.status, simweb.hits(0, "/err")) == (200, 2)
    assert waits == [2.0]


def test_an_unreadable_retry_after_falls_back_to_the_backoff(simweb: SimWeb) -> None:
    url = simweb.on(0, "/soon", Reply(503, headers={"Retry-After": "soon"}), page("Back"))
    got, waits = waits_of(simweb, url)
    assert got.status == 200
    assert 0.5 <= waits[0] <= 0.75  # BACKOFF_BASE with its jitter (then the host's eased pace)


@pytest.mark.parametrize("value", ["\u00b2", "\u00b9"])  # as Latin-1 bytes B2, B9 decode
def test_a_retry_after_of_digits_that_are_not_ascii_is_no_retry_after(
    simweb: SimWeb, value: str
) -> None:
    """str.isdigit() says yes to "²", float() raises: one such header ended the whole
    run with a traceback. It is read as no Retry-After (backoff; the host not paused)."""
    url = simweb.on(0, "/odd", Reply(429, headers={"Retry-After": value}), page("Back"))
    got, waits = waits_of(simweb, url)
    assert (got.status, got.title) == (200, "Back")
    assert 0.5 <= waits[0] <= 0.75  # the backoff: no Retry-After was read


def test_a_urls_deadline_starts_with_its_turn_not_while_it_waits_for_it(
    simweb: SimWeb,
) -> None:
    """One request at a time to the host, both hang: the second URL's deadline runs only
    once it is asked (its wait behind the first is our pacing, not its slowness)."""
    urls = [simweb.on(0, f"/hang{i}", Reply(hang=True)) for i in range(2)]

    async def go() -> list[Fetched]:
        options = CheckOptions(per_host=1, timeout=5.0, deadline=0.3)
        async with Fetcher(options, resolver=simweb.resolver(), private=simweb_private) as f:
            return await asyncio.gather(*(f.fetch(url) for url in urls))

    first, second = asyncio.run(go())
    assert first.failure is second.failure is FailureKind.TIMEOUT
    for fetched in (first, second):
        assert 250 <= fetched.elapsed_ms < 600
    assert simweb.hits(0, "/hang0") == simweb.hits(0, "/hang1") == 1


# --- protocol edge cases through a mock transport ---


def mocked(router: respx.MockRouter, url: str, **options: object) -> Fetched:
    async def go() -> Fetched:
        async def no_wait(_: float) -> None:
            return None

        transport = httpx.MockTransport(router.handler)
        async with Fetcher(CheckOptions(**options), sleep=no_wait, transport=transport) as f:  # type: ignore[arg-type]
            return await f.fetch(url)

    return asyncio.run(go())


def test_retry_after_as_http_date_is_honoured() -> None:
    router = respx.MockRouter(assert_all_called=False)
    when = format_datetime(datetime.now(UTC) + timedelta(seconds=5), usegmt=True)
    route = router.get("https://example.org/")
    route.side_effect = [
        httpx.Response(429, headers={"Retry-After": when}),
        httpx.Response(200, html=html("After")),
    ]
    got = mocked(router, "https://example.org/")
    assert (got.status, got.title, route.call_count) == (200, "After", 2)


def test_invalid_location_is_an_error_not_a_crash() -> None:
    router = respx.MockRouter(assert_all_called=False)
    router.get("https://example.org/").respond(
        301, headers={"Location": "mailto:someone@example.org"}
    )
    got = mocked(router, "https://example.org/")
    assert got.failure is FailureKind.INVALID_URL


def test_not_http_is_invalid_url() -> None:
    router = respx.MockRouter(assert_all_called=False)
    assert mocked(router, "ftp://example.org/file").failure is FailureKind.INVALID_URL


def test_elapsed_is_measured() -> None:
    router = respx.MockRouter(assert_all_called=False)
    router.get("https://example.org/").respond(200, html=html("T"))
    started = time.monotonic()
    got = mocked(router, "https://example.org/")
    assert 0 <= got.elapsed_ms <= (time.monotonic() - started) * 1000 + 1


def test_resolver_without_answer_is_not_a_dead_name() -> None:
    """EAI_AGAIN (no network) is a connect failure before HTTP, not `dead`; NXDOMAIN is dead."""
    assert failure_of(ResolverUnavailable("name lookup failed")) == (FailureKind.CONNECT, True)
    assert failure_of(NameNotResolved("gone.invalid")) == (FailureKind.DNS, True)
    assert socket.EAI_NONAME in NO_SUCH_NAME
    assert socket.EAI_AGAIN not in NO_SUCH_NAME
