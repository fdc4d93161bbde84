"""The HTTP client: politeness, retries, redirects hop by hop, bounded body reads.

    Fetcher.fetch(url)   -> Fetched: every hop, the final status, headers, title, the head of
                            the body; network trouble is data (failure, error), never raised
    (the retry policy itself is retry.py: pure, asked at every attempt; one attempt's
    GET and bounded body read are exchange.py's; the transports are transport.py's)

Politeness: a global limit (`concurrency`) on requests in flight and a per-host limit
(`per_host`); a request takes its host's slot first, so a slow host never holds global
slots while it waits. `Retry-After` (or `slow_down`) pauses a whole host.

Time: `timeout` bounds each attempt (connect, headers and body together); the per-URL
deadline (`CheckOptions.url_deadline`) bounds everything, retries and waits included.
`Fetched.elapsed_ms` counts from the first request sent (not the wait for its slots).
"""

from __future__ import annotations

import asyncio
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field, replace
from typing import Any

import httpx
from tenacity import AsyncRetrying, RetryCallState, stop_after_attempt

from linkaudit.fetch.exchange import REFUSALS, exchange
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
from linkaudit.fetch.retry import Outcome, beyond_cap, retry_delay
from linkaudit.fetch.transport import Router, build_router
from linkaudit.model import CheckOptions, FailureKind, Fetched, Hop

REDIRECTS = frozenset({301, 302, 303, 307, 308})
CONDITIONAL = ("if-none-match", "if-modified-since")


@dataclass(slots=True)
class _Trip:
    """One fetch under way: its hops so far, when its first request went out, whether the
    last attempt failed before HTTP, and how far to read a page."""

    stop_at_title: bool
    hops: list[Hop] = field(default_factory=list)
    sent_at: float | None = None
    before_http: bool = False


class _Host:
    """Per-host state, created on first use: its slots and when it may be asked again."""

    def __init__(self, per_host: int) -> None:
        self.slots = asyncio.Semaphore(per_host)
        self.paused_until = 0.0


class Fetcher:
    """Shared transports (transport.py) with politeness, retries and bounded reads.

    `resolver` answers every name lookup (tests inject one; the default asks the system);
    `sleep` is every wait (backoff, Retry-After, host pauses): tests inject a fake;
    `private` says which addresses are refused without --allow-private; `env` is where
    proxies and trust are read from (default os.environ); `transport` replaces the guarded
    connection layer (respx-style unit tests only).
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
    ) -> None:
        self._private = private
        self.options = options
        self._sleep = sleep
        self._resolver = CachingResolver(resolver or system_resolver)
        self._env = env
        self._transport = transport  # respx/unit tests only: bypasses the guarded pool
        self._router: Router | None = None
        # Each attempt is bounded as a whole (asyncio.timeout_at in exchange.py), with no
        # timer per socket read. Connect keeps its own timeout, so an unreachable host is
        # told apart (before_http) from a slow one.
        self._timeouts = httpx.Timeout(None, connect=options.timeout).as_dict()
        self._global = asyncio.Semaphore(options.concurrency)
        self._hosts: dict[str, _Host] = {}
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
                per_host=self.options.per_host,
                env=self._env,
            )
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        if self._router is not None:
            await self._router.aclose()
            self._router = None

    def _host(self, host: str) -> _Host:
        key = host.lower()
        if key not in self._hosts:
            self._hosts[key] = _Host(self.options.per_host)
        return self._hosts[key]

    def slow_down(self, host: str, seconds: float) -> None:
        """Ask nothing more of `host` for `seconds` (a Retry-After, a provider's back-off)."""
        state = self._host(host)
        state.paused_until = max(state.paused_until, time.monotonic() + seconds)

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
        started = time.monotonic()
        deadline = started + self.options.url_deadline
        trip = _Trip(stop_at_title)
        try:
            async with asyncio.timeout_at(deadline):  # the loop's clock is time.monotonic()
                result = await self._follow(
                    url,
                    headers=headers or {},
                    follow_meta_refresh=follow_meta_refresh,
                    max_body_bytes=max_body_bytes,
                    deadline=deadline,
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
        deadline: float,
        trip: _Trip,
    ) -> Fetched:
        hops = trip.hops
        seen = {url}
        current, meta = url, False
        first = dict(headers)
        later = {k: v for k, v in headers.items() if k.lower() not in CONDITIONAL}
        limit = max_body_bytes or self.options.max_body_bytes
        while True:
            outcome = await self._attempts(
                current, first if not hops else later, limit, deadline, trip
            )
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
        self, url: str, headers: Mapping[str, str], limit: int, deadline: float, trip: _Trip
    ) -> Outcome:
        """One hop, retried by policy (tenacity); the last outcome."""
        parsed = parse_http_url(url)  # once per hop: httpx's URL parsing is not cheap
        host = parsed.host if parsed is not None else ""

        delays: dict[int, float | None] = {}  # per attempt: the wait is the one decided on

        def should_retry(retry_state: RetryCallState) -> bool:
            assert retry_state.outcome is not None
            attempt = retry_state.attempt_number
            if attempt not in delays:
                delays[attempt] = self._delay(retry_state.outcome.result(), attempt, deadline)
            return delays[attempt] is not None

        def wait(retry_state: RetryCallState) -> float:
            assert retry_state.outcome is not None
            outcome = retry_state.outcome.result()
            delay = delays.get(retry_state.attempt_number) or 0.0
            if "retry-after" in outcome.headers and host:
                self.slow_down(host, delay)  # the whole host waits, this URL at its gate
                return 0.0
            return delay

        outcome = await self._attempt(parsed, headers, limit, deadline, trip)
        delays[1] = self._delay(outcome, 1, deadline)
        if delays[1] is not None:  # tenacity only once retrying
            replay = [outcome]  # tenacity's attempt 1 is the one already made

            async def attempt(*args: Any) -> Outcome:
                return replay.pop() if replay else await self._attempt(*args)

            retrying = AsyncRetrying(
                stop=stop_after_attempt(self.options.retries + 1),
                retry=should_retry,
                wait=wait,
                sleep=self._sleep,
                retry_error_callback=lambda rs: rs.outcome.result(),  # type: ignore[union-attr]
            )
            outcome = await retrying(attempt, parsed, headers, limit, deadline, trip)
        return beyond_cap(outcome, cap=self.options.retry_after_cap, now=time.time()) or outcome

    def _delay(self, outcome: Outcome, attempt: int, deadline: float) -> float | None:
        return retry_delay(
            outcome,
            attempt,
            retries=self.options.retries,
            cap=self.options.retry_after_cap,
            remaining=deadline - time.monotonic(),
            now=time.time(),
            jitter=self._random.random() * 0.5,
        )

    async def _attempt(
        self,
        parsed: httpx.URL | None,
        headers: Mapping[str, str],
        limit: int,
        deadline: float,
        trip: _Trip,
    ) -> Outcome:
        if parsed is None:
            return Outcome(failure=FailureKind.INVALID_URL, error="not an http(s) URL")
        if is_ip(parsed.host) and self._private(parsed.host) and not self.options.allow_private:
            exc = PrivateAddressRefused(parsed.host, parsed.host)
            return Outcome(failure=FailureKind.PRIVATE_ADDRESS, error=str(exc))
        host = self._host(parsed.host)
        async with host.slots:
            pause = host.paused_until - time.monotonic()
            if pause > 0:
                await self._sleep(pause)
            async with self._global:
                outcome = await self._request(parsed, headers, limit, deadline, trip)
        # The request that waits for these slots goes first (its wake-up is already queued),
        # then this answer is read and judged: every slot is busy again sooner.
        await asyncio.sleep(0)
        return outcome

    async def _request(
        self, url: httpx.URL, headers: Mapping[str, str], limit: int, deadline: float, trip: _Trip
    ) -> Outcome:
        assert self._router is not None, "use Fetcher as an async context manager"
        now = time.monotonic()
        if trip.sent_at is None:
            trip.sent_at = now
        outcome = await exchange(
            self._router,
            url,
            headers,
            limit=limit,
            until=min(deadline, now + self.options.timeout),
            timeouts=self._timeouts,
            stop_at_title=trip.stop_at_title,
        )
        trip.before_http = outcome.before_http
        return outcome
