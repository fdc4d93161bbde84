"""The HTTP client: politeness, retries, redirects hop by hop, bounded body reads.

    Fetcher.fetch(url)   -> Fetched: every hop, the final status, headers, title, the head of
                            the body; network trouble is data (failure, error), never raised
    Fetcher.each(items, work, url=...)   work(item) for every item, as many at once per
                            host as its policy allows (a provider's whole share)
    Fetcher.slow_down(host, seconds, reason)   pause a host (a provider's back-off)
    Fetcher.host_stats() -> HostStats per host asked, for the JSON's run.hosts
    (the retry policy itself is retry.py: pure, asked at every attempt; one attempt's
    GET and bounded body read are exchange.py's; the transports are transport.py's)

Politeness is hosts.py's: every attempt (each retry, each redirect hop) waits for a slot
of its host and one of the run's (`concurrency`), handed out by the host's policy
(policies.py: `per_host`, the sites' rules, the user's settings). A Retry-After pauses
the host; a request that would wait for a pause longer than `retry_after_cap` is not
sent: it fails at once as `paused` (blocked), never as a timeout.

Time: `timeout` bounds each attempt (connect, headers and body together); the per-URL
deadline (`CheckOptions.url_deadline`) bounds the URL's own time from its first request
on (its attempts, its retries' backoff), never the time it waits for its turn: behind
other requests (our own pacing) or for a pause (at most `retry_after_cap` each).
`Fetched.elapsed_ms` counts from the first request sent, every wait included.
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Iterable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any, TypeVar

import httpx
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt

from linkaudit.fetch import workers
from linkaudit.fetch.exchange import REFUSALS, exchange
from linkaudit.fetch.hosts import Hosts, Lease, Paused
from linkaudit.fetch.html import decode, is_html, meta_refresh, page_title
from linkaudit.fetch.http_urls import join_url, parse_http_url
from linkaudit.fetch.names import (
    CachingResolver,
    PrivateAddressRefused,
    Resolver,
    is_ip,
    is_private,
    system_resolver,
)
from linkaudit.fetch.policies import Policies, Settings
from linkaudit.fetch.retry import Outcome, beyond_cap, host_pause, retry_delay
from linkaudit.fetch.transport import Router, build_router
from linkaudit.model import CheckOptions, FailureKind, Fetched, Hop, HostStats

T = TypeVar("T")


REDIRECTS = frozenset({301, 302, 303, 307, 308})
CONDITIONAL = ("if-none-match", "if-modified-since")


@dataclass(slots=True)
class _Trip:
    """One fetch under way: its hops so far, when its first request went out, whether the
    last attempt failed before HTTP, how far to read a page, and its deadline (None until
    its first slot: `timer` stops while it waits for its turn)."""

    stop_at_title: bool
    timer: asyncio.Timeout
    hops: list[Hop] = field(default_factory=list)
    sent_at: float | None = None
    before_http: bool = False
    deadline: float | None = None

    def remaining(self) -> float:
        return (self.deadline or 0.0) - time.monotonic()


class Fetcher:
    """Shared transports (transport.py) with politeness, retries and bounded reads.

    `resolver` answers every name lookup (tests inject one; the default asks the system);
    `sleep` is every wait (backoff, Retry-After, host pauses and pace): tests inject a
    fake, and a wait it skips counts as waited (hosts.py's clock);
    `private` says which addresses are refused without --allow-private; `env` is where
    proxies and trust are read from (default os.environ); `transport` replaces the guarded
    connection layer (respx-style unit tests only); `policies` replaces the hosts' policies
    the options give (tests of a site's rules on the simulated web).
    """

    def __init__(
        self,
        options: CheckOptions,
        *,
        resolver: Resolver | None = None,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
        env: Mapping[str, str] | None = None,
        transport: httpx.AsyncBaseTransport | None = None,
        private: Callable[[str], bool] = is_private,
        policies: Policies | None = None,
    ) -> None:
        self._private = private
        self.options = options
        self._resolver = CachingResolver(resolver or system_resolver)
        self._env = env
        self._transport = transport  # respx/unit tests only: bypasses the guarded pool
        self._router: Router | None = None
        # Each attempt is bounded as a whole (asyncio.timeout_at in exchange.py), with no
        # timer per socket read. Connect keeps its own timeout, so an unreachable host is
        # told apart (before_http) from a slow one.
        self._timeouts = httpx.Timeout(None, connect=options.timeout).as_dict()
        settings = Settings(options.host_interval, options.host_concurrency)
        self.hosts = Hosts(
            policies or Policies(per_host=options.per_host, settings=settings),
            concurrency=options.concurrency,
            patience=options.retry_after_cap,
            sleep=sleep,
        )
        self._random = random.Random()

    async def __aenter__(self) -> Fetcher:
        if self._transport is not None:
            self._router = Router(self._transport)
        else:
            self._router = build_router(
                resolver=self._resolver,
                overrides=self.options.resolve,
                allow_private=self.options.allow_private,
                private=self._private,
                max_connections=self.options.concurrency,
                terms=self.hosts,
                env=self._env,
            )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.hosts.aclose()
        if self._router is not None:
            await self._router.aclose()
            self._router = None

    def slow_down(self, host: str, seconds: float, reason: str = "slowed down") -> None:
        """Ask nothing more of `host` (and the names its operator limits with it) for
        `seconds`: a provider's back-off. Longer than `retry_after_cap`: the requests
        for it are not sent, but fail at once as `paused`."""
        self.hosts.pause(host, seconds, reason)

    def host_stats(self) -> tuple[HostStats, ...]:
        """How each host was asked so far (hosts.py)."""
        return self.hosts.stats()

    async def each(
        self, items: Iterable[T], work: Callable[[T], Awaitable[None]], *, url: Callable[[T], str]
    ) -> None:
        """`await work(item)` for every item, grouped by the host of `url(item)`: at most as
        many at once for one host as its policy lets be in flight (workers.py)."""
        await workers.each(self.hosts, items, work, url=url, concurrency=self.options.concurrency)

    async def fetch(
        self,
        url: str,
        *,
        headers: Mapping[str, str] | None = None,
        follow_meta_refresh: bool = True,
        max_body_bytes: int | None = None,
        stop_at_title: bool = True,
    ) -> Fetched:
        """Fetch `url`, following redirects by hand. Never raises for network trouble.

        The body of a 2xx answer is read up to `max_body_bytes` (default: the options'
        256 KiB); an HTML body stops early once its title is known (and 16 KiB are read),
        unless `stop_at_title=False` (a provider that reads data deep in the page).
        """
        try:
            async with asyncio.timeout(None) as timer:  # set at the first slot (_attempt)
                trip = _Trip(stop_at_title, timer)
                result = await self._follow(
                    url,
                    headers=headers or {},
                    follow_meta_refresh=follow_meta_refresh,
                    max_body_bytes=max_body_bytes,
                    trip=trip,
                )
        except TimeoutError:
            result = Fetched(
                url=url,
                hops=tuple(trip.hops),
                failure=FailureKind.TIMEOUT,
                error=f"timeout: no answer within the {self.options.url_deadline:g} s deadline",
            )
        sent = trip.sent_at  # the clock starts with the first request sent
        elapsed = int((time.monotonic() - sent) * 1000) if sent is not None else 0
        return replace(result, elapsed_ms=elapsed)

    async def _follow(
        self,
        url: str,
        *,
        headers: Mapping[str, str],
        follow_meta_refresh: bool,
        max_body_bytes: int | None,
        trip: _Trip,
    ) -> Fetched:
        hops = trip.hops
        seen = {url}
        current, meta = url, False
        first = dict(headers)
        later = {k: v for k, v in headers.items() if k.lower() not in CONDITIONAL}
        limit = max_body_bytes or self.options.max_body_bytes
        while True:
            outcome = await self._attempts(current, first if not hops else later, limit, trip)
            if outcome.status is None:
                kind = outcome.failure or FailureKind.RESET
                return Fetched(
                    url=url,
                    hops=tuple(hops),
                    failure=kind,
                    error=outcome.error,
                    meta_refresh=meta,
                    before_http=not hops and trip.before_http,
                )
            hops.append(Hop(current, outcome.status))
            target = None
            if outcome.status in REDIRECTS and "location" in outcome.headers:
                target = outcome.headers["location"]
            text = ""
            if outcome.body and (200 <= outcome.status < 300 or outcome.status in REFUSALS):
                text = decode(outcome.body, outcome.headers.get("content-type"))
                html_page = outcome.status < 300 and is_html(outcome.headers.get("content-type"))
                # a refusal page's refresh is never followed: no need to look for one
                refresh = meta_refresh(text[:8192]) if follow_meta_refresh and html_page else None
                if refresh and join_url(current, refresh) not in (None, current):
                    target, meta = refresh, True
            if target is None:
                return await self._final(url, hops=hops, outcome=outcome, text=text, meta=meta)
            nxt = join_url(current, target)
            problem = None
            if nxt is None:
                problem = (FailureKind.INVALID_URL, f"redirect to an unusable URL: {target!r}")
            elif nxt in seen:
                problem = (FailureKind.REDIRECT_LOOP, f"redirect loop back to {nxt}")
            elif len(hops) > (most := self.options.max_redirects):
                problem = (FailureKind.TOO_MANY_REDIRECTS, f"more than {most} redirects")
            if problem is not None:
                return Fetched(
                    url=url,
                    hops=tuple(hops),
                    status=outcome.status,
                    final_url=current,
                    headers=dict(outcome.headers),
                    failure=problem[0],
                    error=problem[1],
                    meta_refresh=meta,
                )
            assert nxt is not None
            seen.add(nxt)
            current = nxt

    async def _final(
        self,
        url: str,
        *,
        hops: list[Hop],
        outcome: Outcome,
        text: str,
        meta: bool,
    ) -> Fetched:
        content_type = outcome.headers.get("content-type")
        title = await page_title(text) if text and is_html(content_type) else None
        return Fetched(
            url=url,
            hops=tuple(hops),
            status=outcome.status,
            final_url=hops[-1].url,
            headers=dict(outcome.headers),
            title=title,
            body_text=text,
            failure=outcome.failure,
            error=outcome.error,
            meta_refresh=meta,
        )

    async def _attempts(
        self, url: str, headers: Mapping[str, str], limit: int, trip: _Trip
    ) -> Outcome:
        """One hop, retried by policy (tenacity); the last outcome."""
        parsed = parse_http_url(url)  # once per hop: httpx's URL parsing is not cheap

        delays: dict[int, float | None] = {}  # per attempt: the wait is the one decided on

        def should_retry(retry_state: RetryCallState) -> bool:
            assert retry_state.outcome is not None
            attempt = retry_state.attempt_number
            if attempt not in delays:
                delays[attempt] = self._delay(retry_state.outcome.result(), attempt, trip)
            return delays[attempt] is not None

        def wait(retry_state: RetryCallState) -> float:
            assert retry_state.outcome is not None
            if host_pause(retry_state.outcome.result(), now=time.time()) is not None:
                return 0.0  # the host is paused (hosts.py): this URL waits for its turn
            return delays.get(retry_state.attempt_number) or 0.0

        outcome = await self._attempt(parsed, headers, limit, trip)
        delays[1] = self._delay(outcome, 1, trip)
        if delays[1] is not None:  # tenacity only once retrying
            replay = [outcome]  # tenacity's attempt 1 is the one already made

            async def attempt(*args: Any) -> Outcome:
                return replay.pop() if replay else await self._attempt(*args)

            retrying = AsyncRetrying(
                stop=stop_after_attempt(self.options.retries + 1),
                retry=should_retry,
                wait=wait,
                sleep=self.hosts.sleep,  # on the hosts' clock: a test's skipped wait counts
                retry_error_callback=lambda rs: rs.outcome.result(),  # type: ignore[union-attr]
            )
            outcome = await retrying(attempt, parsed, headers, limit, trip)
        return beyond_cap(outcome, cap=self.options.retry_after_cap, now=time.time()) or outcome

    def _delay(self, outcome: Outcome, attempt: int, trip: _Trip) -> float | None:
        return retry_delay(
            outcome,
            attempt,
            retries=self.options.retries,
            cap=self.options.retry_after_cap,
            remaining=trip.remaining(),
            now=time.time(),
            jitter=self._random.random() * 0.5,
        )

    async def _attempt(
        self, parsed: httpx.URL | None, headers: Mapping[str, str], limit: int, trip: _Trip
    ) -> Outcome:
        if parsed is None:
            return Outcome(failure=FailureKind.INVALID_URL, error="not an http(s) URL")
        if is_ip(parsed.host) and self._private(parsed.host) and not self.options.allow_private:
            exc = PrivateAddressRefused(parsed.host, parsed.host)
            return Outcome(failure=FailureKind.PRIVATE_ADDRESS, error=str(exc))
        try:
            lease = await self._turn(parsed.host, trip)
        except Paused as paused:
            return Outcome(failure=FailureKind.PAUSED, error=str(paused))
        outcome = None
        try:
            outcome = await self._request(parsed, headers, limit, trip)
        finally:
            self._release(lease, outcome)
        # The request that waits for these slots goes first (its wake-up is already queued),
        # then this answer is read and judged: every slot is busy again sooner.
        await asyncio.sleep(0)
        return outcome

    async def _turn(self, host: str, trip: _Trip) -> Lease:
        """A slot for `host` (hosts.py); the URL's deadline stops while it waits for it."""
        lease = self.hosts.take(host)
        waited = 0.0
        if lease is None:
            if trip.deadline is not None:
                trip.timer.reschedule(None)
            asked = time.monotonic()
            lease = await self.hosts.acquire(host)
            waited = time.monotonic() - asked
        if trip.deadline is None:
            trip.deadline = time.monotonic() + self.options.url_deadline
        elif not waited:
            return lease
        else:
            trip.deadline += waited
        trip.timer.reschedule(trip.deadline)  # the loop's clock is time.monotonic()
        return lease

    def _release(self, lease: Lease, outcome: Outcome | None) -> None:
        status = outcome.status if outcome is not None else None
        asked = host_pause(outcome, now=time.time()) if outcome is not None else None
        reached = outcome is None or not outcome.before_http  # cancelled: it may have
        self.hosts.release(lease, status=status, retry_after=asked, reached=reached)

    async def _request(
        self, url: httpx.URL, headers: Mapping[str, str], limit: int, trip: _Trip
    ) -> Outcome:
        assert self._router is not None, "use Fetcher as an async context manager"
        now = time.monotonic()
        if trip.sent_at is None:
            trip.sent_at = now
        assert trip.deadline is not None  # set with the slot
        outcome = await exchange(
            self._router,
            url,
            headers,
            limit=limit,
            until=min(trip.deadline, now + self.options.timeout),
            timeouts=self._timeouts,
            stop_at_title=trip.stop_at_title,
        )
        trip.before_http = outcome.before_http
        return outcome
