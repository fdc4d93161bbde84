"""HTTP/1.1 connections to the simulated web: kept alive (a small unread rest drained), at
most a host's concurrency of them kept idle, never reused in a state that could mix one
answer into the next. (How many are in flight is hosts.py's to bound, tested there.)

Connections are counted at the network backend (the layer under the pool), so these
tests see what a server sees: how many sockets were opened.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import Awaitable, Callable
from typing import Any

import httpcore
import httpx
import pytest

from linkaudit.fetch.fetcher import Fetcher
from linkaudit.fetch.http1 import FixedTerms, Http1Pool, decode_headers
from linkaudit.fetch.names import GuardedBackend
from linkaudit.fetch.sockets import AsyncioBackend
from linkaudit.model import CheckOptions, FailureKind, Fetched
from simweb import Reply, SimWeb, page


class Counting(AsyncioBackend):
    """The real backend, counting the connections it opens."""

    def __init__(self) -> None:
        self.opened = 0

    async def connect_tcp(self, *args: Any, **kwargs: Any) -> httpcore.AsyncNetworkStream:
        self.opened += 1
        return await super().connect_tcp(*args, **kwargs)


class Wanted(FixedTerms):
    """Terms under which some hosts are being asked (their idle connections are needed)."""

    def __init__(self, keep: int, wanted: set[str]) -> None:
        super().__init__(keep)
        self.hosts = wanted

    def wanted(self, name: str) -> bool:
        return name in self.hosts


def run(
    web: SimWeb,
    body: Callable[[Http1Pool], Awaitable[Any]],
    *,
    keep: int = 2,
    expiry: float = 5.0,
    max_idle: int = 256,
    terms: FixedTerms | None = None,
) -> tuple[Any, int]:
    """Run `body` with a pool to `web`; (its result, connections opened)."""
    counting = Counting()
    backend = GuardedBackend(web.resolver(), allow_private=True, inner=counting)

    async def main() -> Any:
        pool = Http1Pool(
            backend,
            ssl_context=ssl.create_default_context(),
            terms=terms or FixedTerms(keep),
            keepalive_expiry=expiry,
            max_idle=max_idle,
        )
        try:
            return await body(pool)
        finally:
            await pool.aclose()

    return asyncio.run(main()), counting.opened


async def get(pool: Http1Pool, url: str) -> tuple[int, bytes]:
    response = await pool.get(httpx.URL(url), {"User-Agent": "test"})
    try:
        return response.status_code, b"".join([chunk async for chunk in response.aiter_raw()])
    finally:
        await response.aclose()


async def unread(pool: Http1Pool, url: str, *, drain: bool) -> int:
    """Ask for `url` and close its answer unread (drained first when `drain`)."""
    response = await pool.get(httpx.URL(url), {})
    loop = asyncio.get_running_loop()
    await response.aclose(until=loop.time() + 5 if drain else None)
    return response.status_code


def test_requests_one_after_another_share_one_connection(simweb: SimWeb) -> None:
    urls = [simweb.on(0, f"/p{i}", page(f"Page {i}")) for i in range(5)]

    async def body(pool: Http1Pool) -> list[tuple[int, bytes]]:
        return [await get(pool, url) for url in urls]

    answers, opened = run(simweb, body)
    assert [status for status, _ in answers] == [200] * 5
    assert all(f"Page {i}".encode() in text for i, (_, text) in enumerate(answers))
    assert opened == 1


def test_a_host_keeps_at_most_its_concurrency_of_idle_connections(simweb: SimWeb) -> None:
    """Four at once open four connections; two stay idle (the host's concurrency), so three
    at once next open one more."""
    urls = [simweb.on(0, f"/slow{i}", page(f"Slow {i}", delay=0.05)) for i in range(7)]

    async def body(pool: Http1Pool) -> list[tuple[int, bytes]]:
        first = await asyncio.gather(*(get(pool, url) for url in urls[:4]))
        return first + await asyncio.gather(*(get(pool, url) for url in urls[4:]))

    answers, opened = run(simweb, body, keep=2)
    assert [status for status, _ in answers] == [200] * 7
    assert opened == 5


@pytest.mark.parametrize(
    ("reply", "opened"),
    [
        (Reply(size=64 * 1024), 1),  # 64 KiB: more than one read brings with the head
        (Reply(404, body="x" * 64 * 1024), 1),  # an error page's body
        (Reply(size=1024 * 1024), 2),  # a megabyte: closed, not read
    ],
    ids=["small-rest", "error-page", "big-rest"],
)
def test_a_small_unread_rest_is_drained_to_keep_the_connection(
    simweb: SimWeb, reply: Reply, opened: int
) -> None:
    url = simweb.on(0, "/page", reply)
    after = simweb.on(0, "/after", page("After"))

    async def body(pool: Http1Pool) -> tuple[int, bytes]:
        await unread(pool, url, drain=True)
        return await get(pool, after)

    (status, text), count = run(simweb, body)
    assert status == 200 and b"<title>After</title>" in text
    assert count == opened


def test_a_body_closed_unread_without_draining_closes_its_connection(simweb: SimWeb) -> None:
    url = simweb.on(0, "/page", Reply(size=64 * 1024))
    after = simweb.on(0, "/after", page("After"))

    async def body(pool: Http1Pool) -> int:
        await unread(pool, url, drain=False)
        return (await get(pool, after))[0]

    assert run(simweb, body) == (200, 2)


def test_a_response_closed_early_never_leaks_into_the_next(simweb: SimWeb) -> None:
    big = simweb.on(0, "/big", Reply(size=1024 * 1024))
    small = simweb.on(0, "/small", page("Small"))

    async def body(pool: Http1Pool) -> tuple[int, bytes]:
        response = await pool.get(httpx.URL(big), {})
        async for _chunk in response.aiter_raw():
            break  # the rest of the megabyte is still on its way
        await response.aclose()
        return await get(pool, small)

    (status, text), opened = run(simweb, body, keep=1)
    assert status == 200 and b"<title>Small</title>" in text
    assert opened == 2


def test_a_server_that_says_close_gets_a_new_connection_next_time(simweb: SimWeb) -> None:
    urls = [simweb.on(0, f"/c{i}", page("Bye", headers={"Connection": "close"})) for i in "ab"]

    async def body(pool: Http1Pool) -> list[int]:
        return [(await get(pool, url))[0] for url in urls]

    assert run(simweb, body) == ([200, 200], 2)


def test_an_idle_connection_past_its_expiry_is_not_reused(simweb: SimWeb) -> None:
    urls = [simweb.on(0, f"/e{i}", page("E")) for i in "ab"]

    async def body(pool: Http1Pool) -> list[int]:
        return [(await get(pool, url))[0] for url in urls]

    assert run(simweb, body, expiry=0.0) == ([200, 200], 2)


def test_idle_connections_are_bounded_overall_the_oldest_closed_first(simweb: SimWeb) -> None:
    first, second = simweb.on(0, "/a", page("A")), simweb.on(1, "/b", page("B"))

    async def body(pool: Http1Pool) -> list[int]:
        return [(await get(pool, url))[0] for url in (first, second, second, first)]

    # one idle connection kept: the first host's is closed when the second's goes idle
    assert run(simweb, body, max_idle=1) == ([200] * 4, 3)


def test_past_the_bound_a_host_being_asked_keeps_its_idle_connection(simweb: SimWeb) -> None:
    """The first host is still being asked: the second host's idle connection goes."""
    first, second = simweb.on(0, "/a", page("A")), simweb.on(1, "/b", page("B"))
    terms = Wanted(2, wanted={simweb.hosts[0]})

    async def body(pool: Http1Pool) -> list[int]:
        return [(await get(pool, url))[0] for url in (first, second, first, second)]

    assert run(simweb, body, max_idle=1, terms=terms) == ([200] * 4, 3)
    assert terms.opened_to == [simweb.hosts[0], simweb.hosts[1], simweb.hosts[1]]


def test_a_server_that_closes_without_answering_is_a_protocol_error(simweb: SimWeb) -> None:
    url = simweb.on(0, "/gone", Reply(close=True))

    async def body(pool: Http1Pool) -> None:
        await get(pool, url)

    with pytest.raises(httpx.RemoteProtocolError, match="without sending a response"):
        run(simweb, body)


def test_a_request_cancelled_while_waiting_never_hands_its_connection_on(
    simweb: SimWeb,
) -> None:
    slow = simweb.on(0, "/hang", Reply(hang=True))
    fine = simweb.on(0, "/fine", page("Fine"))

    async def body(pool: Http1Pool) -> tuple[int, bytes]:
        with pytest.raises(TimeoutError):
            async with asyncio.timeout(0.2):
                await get(pool, slow)
        async with asyncio.timeout(5):
            return await get(pool, fine)

    (status, _), opened = run(simweb, body, keep=1)
    assert status == 200
    assert opened == 2


@pytest.mark.parametrize(
    "raw",
    [
        [(b"Content-Type", b"text/html"), (b"ETag", b'"x"')],
        [(b"Link", b"<a>; rel=x"), (b"X-Other", b"1"), (b"link", b"<b>; rel=y")],
        [(b"Location", "/caf\u00e9".encode())],  # UTF-8 bytes
        [(b"Location", b"/caf\xe9")],  # Latin-1 bytes
        [],
    ],
)
def test_response_headers_read_as_httpx_reads_them(raw: list[tuple[bytes, bytes]]) -> None:
    assert decode_headers(raw) == dict(httpx.Headers(raw).items())


def test_a_request_the_client_refuses_to_send_is_neither_sent_nor_retried(
    simweb: SimWeb,
) -> None:
    """A header no request may carry (not ASCII, or smuggling a line into the request)
    makes the client refuse its own request: nothing reaches the site, the refusal is not
    retried (it would be refused again) and is said as such, never as the site's trouble
    (classify makes it no verdict about the site: test_providers_classify.py); the next
    request is sent as usual."""
    bad, smuggled = simweb.on(0, "/bad", page("Bad")), simweb.on(0, "/smuggled", page("S"))
    good = simweb.on(0, "/good", page("Good"))
    waited: list[float] = []

    async def wait(seconds: float) -> None:
        waited.append(seconds)

    async def main() -> list[Fetched]:
        options = CheckOptions(allow_private=True, retries=3)
        async with Fetcher(options, resolver=simweb.resolver(), sleep=wait) as fetcher:
            return [
                await fetcher.fetch(bad, headers={"If-None-Match": '"caf\u00e9"'}),
                await fetcher.fetch(smuggled, headers={"If-None-Match": '"x"\r\nX-Evil: 1'}),
                await fetcher.fetch(good),
            ]

    refused, refused_too, answered = asyncio.run(main())
    for fetched in (refused, refused_too):
        assert (fetched.failure, fetched.status) == (FailureKind.UNSENDABLE, None)
        assert (fetched.error or "").startswith("not asked: linkaudit could not send")
    assert "not ASCII" in (refused.error or "")
    assert (answered.status, answered.failure) == (200, None)
    assert waited == []  # not retried: no backoff was waited for
    assert simweb.hits(0, "/bad") == simweb.hits(0, "/smuggled") == 0  # nothing was sent
