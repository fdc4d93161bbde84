"""fetch/hosts.py: one scheduler per host. How many at once, how far apart, pauses and
back-off, who goes next, what it counted.

Most tests run the scheduler alone on a virtual clock (`Virtual`): a request "takes"
time by sleeping on it, and the clock jumps to the next sleeper's time whenever nothing
else can run, so minutes of pacing take no real time and every start is exact. The
last tests ask the simulated web through the Fetcher, as a check does.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import random
from collections.abc import Awaitable, Callable, Coroutine
from typing import Any

import pytest

from conftest import simweb_private
from linkaudit import config
from linkaudit.catalog.urls import ARXIV_HOSTS, YOUTUBE_HOSTS
from linkaudit.fetch.fetcher import Fetcher
from linkaudit.fetch.hosts import Hosts, Paused
from linkaudit.fetch.policies import HostPolicy, Policies, Settings
from linkaudit.model import CheckOptions
from simweb import Reply, SimWeb, page


class Virtual:
    """A clock and a sleep on it; `run(main)` drives the loop, jumping the clock."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._order = itertools.count()

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        future = asyncio.get_running_loop().create_future()
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), next(self._order), future))
        await future

    def run(self, main: Coroutine[Any, Any, Any]) -> Any:
        async def drive() -> Any:
            task = asyncio.ensure_future(main)
            while not task.done():
                for _ in range(50):  # everything that can run, runs
                    await asyncio.sleep(0)
                if task.done():
                    break
                when, _, future = heapq.heappop(self._sleepers)  # nothing can: time passes
                if not future.cancelled():
                    self.now = max(self.now, when)
                    future.set_result(None)
            return task.result()

        return asyncio.run(drive())


class Recorder:
    """Requests through a Hosts on a virtual clock, each remembered: host, start, end."""

    def __init__(self, clock: Virtual, hosts: Hosts) -> None:
        self.clock = clock
        self.hosts = hosts
        self.starts: dict[str, list[float]] = {}
        self.ends: dict[str, list[float]] = {}
        self.in_flight: dict[str, int] = {}
        self.most: dict[str, int] = {}

    async def request(
        self,
        name: str,
        seconds: float = 0.5,
        *,
        status: int = 200,
        retry_after: float | None = None,
        reached: bool = True,
        group: str | None = None,
    ) -> None:
        key = group or name
        lease = await self.hosts.acquire(name)
        self.starts.setdefault(key, []).append(self.clock.now)
        self.in_flight[key] = self.in_flight.get(key, 0) + 1
        self.most[key] = max(self.most.get(key, 0), self.in_flight[key])
        await self.clock.sleep(seconds if reached else 0.0)
        self.in_flight[key] -= 1
        self.ends.setdefault(key, []).append(self.clock.now)
        self.hosts.release(lease, status=status, retry_after=retry_after, reached=reached)


def scheduler(
    concurrency: int = 64,
    *,
    per_host: int = 4,
    patience: float = 60.0,
    settings: Settings = Settings(),  # noqa: B008 - frozen
) -> tuple[Virtual, Hosts, Recorder]:
    clock = Virtual()
    policies = Policies(per_host=per_host, settings=settings)
    hosts = Hosts(
        policies, concurrency=concurrency, patience=patience, clock=clock, sleep=clock.sleep
    )
    return clock, hosts, Recorder(clock, hosts)


def gaps(times: list[float]) -> list[float]:
    return [round(b - a, 6) for a, b in itertools.pairwise(times)]


def most_in_window(starts: list[float], seconds: float) -> int:
    """The most starts in any half-open window of `seconds`."""
    starts = sorted(starts)
    return max((sum(1 for t in starts if s <= t < s + seconds) for s in starts), default=0)


def run_all(clock: Virtual, *requests: Awaitable[None]) -> None:
    async def main() -> None:
        await asyncio.gather(*requests)

    clock.run(main())


# --- the sites' policies ---------------------------------------------------------------


def test_arxiv_is_asked_one_at_a_time_three_seconds_from_the_end_of_the_last() -> None:
    """The API and the abs pages alike: requests of 0.5 s start 3.5 s apart."""
    clock, _, rec = scheduler()
    names = ["export.arxiv.org", "arxiv.org", "export.arxiv.org", "arxiv.org", "arxiv.org"]
    run_all(clock, *(rec.request(n, 0.5, group="arXiv") for n in names))
    assert rec.starts["arXiv"] == [0.0, 3.5, 7.0, 10.5, 14.0]
    assert rec.most["arXiv"] == 1


def test_youtube_names_share_at_most_2_at_once_and_10_in_any_10_seconds() -> None:
    clock, hosts, rec = scheduler()
    aliases = [
        "www.youtube.com",
        "youtube.com",
        "m.youtube.com",
        "youtu.be",
        "img.youtube.com",
        "music.youtube.com",
    ]
    run_all(clock, *(rec.request(aliases[i % 6], 0.2, group="YouTube") for i in range(30)))
    starts = rec.starts["YouTube"]
    assert rec.most["YouTube"] == 2
    assert all(later - first >= 10.0 for first, later in itertools.pairwise(starts[::10]))
    assert all(b - a >= 10.0 for a, b in zip(starts, starts[10:], strict=False))
    assert most_in_window(starts, 10.0) == 10
    (stats,) = hosts.stats()
    assert (stats.key, stats.requests, stats.max_in_flight) == ("YouTube", 30, 2)
    assert set(stats.names) == set(aliases)


def test_the_window_holds_for_any_durations() -> None:
    """A sliding log, not a token bucket: never 11 starts in 10 s, whatever the timing."""
    clock, _, rec = scheduler()
    durations = random.Random(7).choices([0.01, 0.3, 2.0, 6.0], k=60)
    run_all(clock, *(rec.request("www.youtube.com", d, group="YouTube") for d in durations))
    assert most_in_window(rec.starts["YouTube"], 10.0) <= 10


def test_the_internet_archive_is_asked_one_at_a_time_a_second_apart() -> None:
    clock, _, rec = scheduler()
    names = ["web.archive.org", "archive.org"] * 3
    run_all(clock, *(rec.request(n, 0.2, group="Internet Archive") for n in names))
    assert gaps(rec.starts["Internet Archive"]) == [1.0] * 5
    assert rec.most["Internet Archive"] == 1


def test_every_name_linkaudit_takes_for_youtube_or_arxiv_shares_its_sites_pace() -> None:
    """The catalog's rules (catalog/urls.py) and the scheduler's groups cannot disagree."""
    policies = Policies()
    assert {policies.key(name) for name in YOUTUBE_HOSTS} == {"YouTube"}
    assert {policies.key(name) for name in ARXIV_HOSTS} == {"arXiv"}
    assert policies.key("WWW.YouTube.com.") == "YouTube"
    assert policies.key("example.org") == "example.org"


def test_per_host_caps_a_sites_concurrency_and_a_users_setting_wins() -> None:
    assert Policies(per_host=1).policy("YouTube").concurrency == 1
    settings = Settings(interval=(("youtu.be", 2.0),), concurrency=(("arxiv.org", 2),))
    policies = Policies(settings=settings)
    assert policies.policy("YouTube") == HostPolicy(2, interval=2.0, window=(10, 10.0))
    assert policies.policy("arXiv") == HostPolicy(2, gap=config.ARXIV_PACE)
    later = Policies(settings=Settings(interval=(("a.example", 1.0), ("a.example", 3.0))))
    assert later.policy("a.example").interval == 3.0


# --- an ordinary host: concurrency, interval, pauses, back-off ---------------------------------


def test_an_ordinary_host_has_per_host_in_flight_and_no_interval() -> None:
    clock, _, rec = scheduler(per_host=4)
    run_all(clock, *(rec.request("a.example", 1.0) for _ in range(8)))
    assert rec.starts["a.example"] == [0.0] * 4 + [1.0] * 4
    assert rec.most["a.example"] == 4


def test_an_interval_spaces_the_starts_of_a_host() -> None:
    clock, _, rec = scheduler(settings=Settings(interval=(("a.example", 2.0),)))
    run_all(clock, *(rec.request("a.example", 0.1) for _ in range(4)))
    assert rec.starts["a.example"] == [0.0, 2.0, 4.0, 6.0]


def test_retry_after_pauses_its_host_only() -> None:
    clock, _, rec = scheduler(per_host=1)

    async def busy_host() -> None:
        await rec.request("a.example", 0.5, status=429, retry_after=7.0)
        await rec.request("a.example", 0.5)

    run_all(clock, busy_host(), *(rec.request("b.example", 1.0) for _ in range(3)))
    assert rec.starts["a.example"] == [0.0, 7.5]  # 7 s after the 429's end
    assert rec.starts["b.example"] == [0.0, 1.0, 2.0]


def test_a_429_without_retry_after_lengthens_the_interval_and_successes_ease_it() -> None:
    """1 s after the first 429, 2 s after the second; each answer after shortens it."""
    clock, hosts, rec = scheduler(per_host=1)

    async def sequence() -> None:
        for status in (429, 429, *([200] * 30)):
            await rec.request("a.example", 0.1, status=status)

    run_all(clock, sequence())
    spaced = gaps(rec.starts["a.example"])
    assert spaced[:3] == [1.0, 2.0, pytest.approx(2.0 * config.BACKOFF_EASE)]
    assert spaced[1:] == sorted(spaced[1:], reverse=True)
    assert spaced[-1] == pytest.approx(0.1)  # eased away: back to the policy (no interval)
    (stats,) = hosts.stats()
    assert (stats.status_429, stats.backoff_s) == (2, 2.0)


def test_429s_of_one_burst_lengthen_the_interval_once() -> None:
    clock, hosts, rec = scheduler(per_host=4)
    run_all(clock, *(rec.request("a.example", 0.5, status=429) for _ in range(4)))
    (stats,) = hosts.stats()
    assert (stats.status_429, stats.backoff_s) == (4, 1.0)


def test_a_pause_longer_than_the_patience_fails_the_waiters_at_once() -> None:
    """Walled off for an hour: what waits, and what comes later, is not asked (but the
    request that had the slot when the wall was seen is under way already)."""
    clock, hosts, rec = scheduler(per_host=1, patience=60.0)
    failures: list[str] = []

    async def wall() -> None:
        await rec.request("www.youtube.com", 0.5, group="YouTube")
        hosts.pause("youtu.be", 3600.0, "consent wall")
        await waiting("youtube.com")

    async def waiting(name: str) -> None:
        try:
            await rec.request(name, 0.5, group="YouTube")
        except Paused as paused:
            failures.append(str(paused))

    run_all(clock, wall(), *(waiting(n) for n in ["www.youtube.com", "m.youtube.com", "youtu.be"]))
    assert rec.starts["YouTube"] == [0.0, 0.5]
    assert len(failures) == 3
    assert failures[0].startswith("not asked: YouTube is paused for 3600 s more (consent wall)")
    assert clock.now == 1.0  # nobody waited for the hour


def test_a_pause_the_patience_allows_is_waited_for() -> None:
    clock, hosts, rec = scheduler(per_host=1)

    async def slowed() -> None:
        await rec.request("a.example", 0.5)
        hosts.pause("a.example", 30.0, "slow down")
        await rec.request("a.example", 0.5)

    run_all(clock, slowed())
    assert rec.starts["a.example"] == [0.0, 30.5]
    (stats,) = hosts.stats()
    assert stats.paused_s == 30.0


def test_a_request_that_never_reached_the_host_makes_no_one_wait() -> None:
    """arXiv's gap runs from the last request that reached it (a DNS failure loaded no one)."""
    clock, hosts, rec = scheduler()
    reached = [True, False, True]
    run_all(clock, *(rec.request("arxiv.org", 0.5, reached=r, group="arXiv") for r in reached))
    assert rec.starts["arXiv"] == [0.0, 3.5, 3.5]
    (stats,) = hosts.stats()
    assert stats.requests == 2


# --- who goes next -----------------------------------------------------------------------


def test_a_free_slot_goes_to_the_host_with_fewest_in_flight() -> None:
    """Two slots for the run; 100 requests for A are queued before B's two: B is not
    starved behind them, its first takes the first slot freed, and then they share."""
    clock, _, rec = scheduler(concurrency=2, per_host=4)
    run_all(
        clock,
        *(rec.request("a.example", 1.0) for _ in range(100)),
        *(rec.request("b.example", 1.0) for _ in range(2)),
    )
    assert rec.starts["b.example"] == [1.0, 2.0]
    assert rec.starts["a.example"][:4] == [0.0, 0.0, 1.0, 2.0]


def test_hosts_with_as_many_in_flight_take_turns() -> None:
    clock, _, rec = scheduler(concurrency=1, per_host=1)
    order: list[str] = []

    async def one(name: str) -> None:
        await rec.request(name, 1.0)
        order.append(name)

    run_all(clock, *(one(n) for n in ["a", "a", "a", "b", "b", "b", "c", "c"]))
    assert order == ["a", "b", "c", "a", "b", "c", "a", "b"]


def test_a_waiter_cancelled_holds_nothing() -> None:
    clock, _, rec = scheduler(concurrency=1, per_host=1)

    async def main() -> None:
        first = asyncio.ensure_future(rec.request("a.example", 2.0))
        gone = asyncio.ensure_future(rec.request("a.example", 2.0))
        await asyncio.sleep(0)
        gone.cancel()
        await asyncio.gather(first, rec.request("b.example", 1.0), return_exceptions=True)

    clock.run(main())
    assert rec.starts["a.example"] == [0.0]
    assert rec.starts["b.example"] == [2.0]


# --- against the simulated web, through the Fetcher ----------------------------------------


def fetch_all(
    web: SimWeb,
    urls: list[str],
    *,
    options: CheckOptions | None = None,
    policies: Policies | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
) -> Fetcher:
    options = options or CheckOptions(timeout=5.0)

    async def main() -> Fetcher:
        async with Fetcher(
            options,
            resolver=web.resolver(),
            private=simweb_private,
            policies=policies,
            sleep=sleep,
        ) as fetcher:

            async def one(url: str) -> None:
                await fetcher.fetch(url)

            await fetcher.each(urls, one, url=str)
        return fetcher

    return asyncio.run(main())


def test_a_window_and_a_concurrency_hold_under_load_by_the_servers_clock(
    simweb: SimWeb,
) -> None:
    """A site allowing 3 requests in any 0.2 s and 2 at once, asked for 7 pages at once:
    the server never sees more (about 0.7 s of real time)."""
    site = Policies(sites=[("Site", [simweb.hosts[0]], HostPolicy(2, window=(3, 0.2)))])
    urls = [simweb.on(0, f"/p{i}", page(f"P{i}", delay=0.05)) for i in range(7)]
    fetcher = fetch_all(simweb, urls, policies=site)
    arrivals = [s.at for s in simweb.requests]
    assert len(arrivals) == 7
    assert most_in_window(arrivals, 0.2) <= 3
    (stats,) = fetcher.host_stats()
    assert (stats.key, stats.requests, stats.max_in_flight) == ("Site", 7, 2)


def test_n_urls_one_at_a_time_on_one_host_use_one_connection(simweb: SimWeb) -> None:
    """Kept alive: a page, a redirect, a 404 and a page longer than what is read of it
    (70 kB: the title and 16 KiB read, the rest drained) all come over the one connection
    the server accepted."""
    for i in range(16):
        simweb.on(0, f"/p{i}", page(f"Page {i}"))
    simweb.on(0, "/long", page("Long", body="x" * 70_000))
    simweb.on(0, "/old", Reply(301, location="/p0"))
    urls = [simweb.url(0, p) for p in ["/long", "/old", "/missing", *(f"/p{i}" for i in range(16))]]
    options = CheckOptions(timeout=5.0, host_concurrency=((simweb.hosts[0], 1),))
    fetcher = fetch_all(simweb, urls, options=options)
    assert len(simweb.requests) == 20
    assert simweb.connections_to(0) == 1
    assert {s.conn for s in simweb.requests} == {1}
    (stats,) = fetcher.host_stats()
    assert (stats.connections, stats.max_in_flight) == (1, 1)


def test_hosts_at_concurrency_open_no_more_connections_than_they_use(simweb: SimWeb) -> None:
    """200 URLs over 4 hosts, 4 at once each: at most 4 connections a host, each reused."""
    urls = [simweb.on(i % 4, f"/p{i}", page(f"P{i}", delay=0.01)) for i in range(200)]
    fetch_all(simweb, urls, options=CheckOptions(timeout=5.0, per_host=4, concurrency=8))
    assert len(simweb.requests) == 200
    assert all(simweb.connections_to(i) <= 4 for i in range(4))


def test_two_urls_are_not_starved_behind_two_thousand(simweb: SimWeb) -> None:
    """The run's two slots: host B's two pages are asked among the first few requests,
    although host A's 2,000 were handed to the Fetcher first. (Every answer takes 20 ms,
    longer than B's new connection, so the server sees the order the slots went in.)"""
    simweb.latency = 0.02
    many = [simweb.url(0, f"/a{i}") for i in range(2000)]
    simweb.on(0, "/a0", page("A"))
    few = [simweb.on(1, f"/b{i}", page(f"B{i}")) for i in range(2)]

    async def main() -> None:
        options = CheckOptions(timeout=5.0, concurrency=2, per_host=4)
        async with Fetcher(options, resolver=simweb.resolver(), private=simweb_private) as f:
            done = asyncio.Event()
            answered: set[str] = set()

            async def one(url: str) -> None:
                await f.fetch(url)
                answered.add(url)
                if answered.issuperset(few):
                    done.set()

            work = asyncio.ensure_future(f.each([*many, *few], one, url=str))
            await asyncio.wait_for(done.wait(), 10)
            work.cancel()
            await asyncio.gather(work, return_exceptions=True)

    asyncio.run(main())
    asked = [s.address for s in simweb.requests]
    b = simweb.hosts[1]
    assert asked[:6].count(b) == 2


def test_an_adaptive_back_off_paces_a_host_that_answered_429(simweb: SimWeb) -> None:
    """A 429 without Retry-After: the host's next start waits 1 s (recorded, not slept)."""
    urls = [simweb.on(0, "/busy", Reply(429), page("Later"))]
    urls += [simweb.on(0, f"/p{i}", page(f"P{i}")) for i in range(3)]
    waits: list[float] = []

    async def record(seconds: float) -> None:
        waits.append(seconds)

    options = CheckOptions(timeout=5.0, retries=0, host_concurrency=((simweb.hosts[0], 1),))
    fetcher = fetch_all(simweb, urls, options=options, sleep=record)
    (stats,) = fetcher.host_stats()
    assert (stats.status_429, stats.backoff_s, stats.requests) == (1, 1.0, 4)
    assert 0.9 < waits[0] <= 1.0 and sum(waits) < 3.0  # then eased by each answer


def test_a_host_left_alone_asks_at_its_full_concurrency(simweb: SimWeb) -> None:
    """Two hosts share the run's eight slots, four each; once the small one is done, the
    big one takes all eight (its concurrency), not just its first share."""
    big = [simweb.on(0, f"/a{i}", page(f"A{i}", delay=0.05)) for i in range(48)]
    small = [simweb.on(1, f"/b{i}", page(f"B{i}")) for i in range(2)]
    options = CheckOptions(timeout=5.0, concurrency=8, per_host=8)
    fetcher = fetch_all(simweb, [*big, *small], options=options)
    by_key = {s.key: s for s in fetcher.host_stats()}
    assert by_key[simweb.hosts[0]].max_in_flight == 8
    assert by_key[simweb.hosts[0]].requests == 48


def test_a_name_is_one_host_however_it_is_written() -> None:
    """Case, a final dot and an international name's two spellings: one host (the pool
    asks by the ASCII spelling, a catalog URL may use the other)."""
    _, hosts, _ = scheduler()
    assert hosts.get("Bücher.example.") is hosts.get("xn--bcher-kva.example")
    assert hosts.get("WWW.Example.ORG") is hosts.get("www.example.org")
