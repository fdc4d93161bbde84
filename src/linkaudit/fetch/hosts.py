"""One object per host, created on first use, that owns everything about asking it:
fetcher.py asks it before every attempt (retries and redirect hops included).

    Hosts(policies, concurrency=..., patience=..., clock=..., sleep=...)
        get(name) -> Host               the host (a name, or its operator's group: policies.py)
        take(name) -> Lease | None      a slot of the host and one of the run's, if one is
                                        free now and nobody waits for it
        await acquire(name) -> Lease    ... or when its turn comes; Paused when the host is
                                        paused for longer than `patience`
        release(lease, status=..., retry_after=..., reached=...)   that request is over
        pause(name, seconds, reason)    ask the host nothing for a while
        stats()                         HostStats of every host asked (the JSON's run.hosts)
        await sleep(seconds)            the injected sleep, on this clock (retries' backoff)
        keep(name), wanted(name), opened(name)   what http1.py keeps idle connections by
        spare()                         a slot of the run is free that no one waits for

A host (host.py) may start a request when it has fewer than its concurrency in flight
and its next start is due: its interval after its last start (or its back-off, when
longer), its gap after its last end, its window (at most N starts in any W seconds: the
N-th last start plus W, an exact sliding log), and the end of a pause. Waiters hold nothing:
each free slot of the run goes to the ready host with the fewest requests in flight (on
a tie, the one served longest ago), and hosts waiting for time share one timer.

Back-off: a 429 or 503 without Retry-After sets the host's interval to BACKOFF_FIRST,
doubling with each further one (from a request started after the last rise) up to
BACKOFF_LONGEST; each other answer shortens it by BACKOFF_EASE until it is gone. A
Retry-After pauses the host. A request that never reached the host (no name, no
connection) takes its start back: it loaded no one and makes no one wait.

Time is `clock` plus whatever `sleep` skipped: a test's sleep that returns at once counts
as the wait it was asked for, so a paced run takes no real time under test.
"""

from __future__ import annotations

import asyncio
import heapq
import itertools
import math
import time
from collections.abc import Awaitable, Callable

from linkaudit.config import BACKOFF_EASE, BACKOFF_FIRST, BACKOFF_LONGEST
from linkaudit.fetch.host import Host, Lease
from linkaudit.fetch.policies import Policies, normal_name
from linkaudit.model import HostStats

__all__ = ["Host", "Hosts", "Lease", "Paused"]

THROTTLING = frozenset({429, 503})


class Paused(Exception):
    """The host is paused for longer than a request waits: it is not asked."""


class Hosts:
    """Every host of a run and the run's slots (see the module docstring)."""

    def __init__(
        self,
        policies: Policies,
        *,
        concurrency: int,
        patience: float,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    ) -> None:
        self._policies = policies
        self._free = concurrency
        self._patience = patience
        self._clock = clock
        self._sleep = sleep
        self._skew = 0.0  # what the injected sleep skipped
        self._by_name: dict[str, Host] = {}
        self._by_key: dict[str, Host] = {}
        self._ready: list[dict[Host, None]] = []  # by requests in flight; oldest first
        self._timed: list[tuple[float, int, Host]] = []  # a heap of hosts waiting for time
        self._order = itertools.count()
        self._timer: asyncio.Task[None] | None = None
        self._timer_at = math.inf

    def now(self) -> float:
        return self._clock() + self._skew

    async def sleep(self, seconds: float) -> None:
        """Wait `seconds` with the injected sleep; what it skipped counts as waited."""
        until = self.now() + seconds
        await self._sleep(seconds)
        self._skew += max(0.0, until - self.now())

    def get(self, name: str) -> Host:
        """The host `name` is asked as, created on first use."""
        host = self._by_name.get(name)
        if host is None:
            normal = normal_name(name)  # the pool asks by the ASCII name, URLs may not
            key = self._policies.key(normal)
            host = self._by_key.get(key)
            if host is None:
                host = self._by_key[key] = Host(key, self._policies.policy(key))
            host.names[normal] = None
            self._by_name[name] = host
        return host

    def keep(self, name: str) -> int:
        """Idle connections worth keeping for `name`: as many as may be in flight."""
        return self.get(name).policy.concurrency

    def wanted(self, name: str) -> bool:
        """Requests for `name` are under way or waiting: its idle connections are needed."""
        host = self.get(name)
        return bool(host.in_flight or host.waiters)

    def opened(self, name: str) -> None:
        self.get(name).connections += 1

    def spare(self) -> bool:
        """A slot of the run is free and no host is ready to take it."""
        return self._free > 0

    def take(self, name: str) -> Lease | None:
        """A slot of `name`'s host and of the run if both are free now (no one waiting
        before) and the host is due; else None: `acquire` waits for it."""
        host = self.get(name)
        now = self.now()
        if (
            self._free
            and not host.waiters
            and host.in_flight < host.policy.concurrency
            and host.next_at <= now
        ):
            return self._grant(host, now)
        return None

    async def acquire(self, name: str) -> Lease:
        """Wait for a slot of `name`'s host and of the run; Paused instead of a wait for a
        pause longer than the patience."""
        lease = self.take(name)
        if lease is not None:
            return lease
        host = self.get(name)
        now = self.now()
        if host.paused_until - now > self._patience:
            raise Paused(self._paused(host, now))
        future: asyncio.Future[Lease] = asyncio.get_running_loop().create_future()
        host.waiters.append(future)
        self._place(host, now)
        self._pump()
        try:
            return await future
        except asyncio.CancelledError:
            if future.done() and not future.cancelled() and future.exception() is None:
                self.release(future.result(), status=None, retry_after=None, reached=False)
            raise

    def release(
        self, lease: Lease, *, status: int | None, retry_after: float | None, reached: bool
    ) -> None:
        """The request of `lease` is over: it answered `status` (None: no answer), with a
        Retry-After of `retry_after` seconds; `reached`: it got to the host at all."""
        host = lease.host
        now = self.now()
        host.in_flight -= 1
        self._free += 1
        if reached:
            host.last_end = now
            if lease.previous > -math.inf:
                host.min_gap = min(host.min_gap, lease.start - lease.previous)
            if lease.idle is not None:
                host.min_idle = min(host.min_idle, lease.idle)
            self._answered(host, lease, status, retry_after, now)
        else:
            self._take_back(host, lease)
        host.next_at = host.due()
        self._place(host, now)
        self._pump()

    def pause(self, name: str, seconds: float, reason: str) -> None:
        """Ask `name`'s host nothing for `seconds` (a provider's slow-down)."""
        host = self.get(name)
        now = self.now()
        self._pause(host, now, seconds, reason)
        self._place(host, now)
        self._pump()

    def stats(self) -> tuple[HostStats, ...]:
        """Every host asked, in the order first asked."""
        now = self.now()
        return tuple(host.stats(now) for host in self._by_key.values() if host.requests)

    async def aclose(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None

    # --- the slots --------------------------------------------------------------------

    def _grant(self, host: Host, now: float) -> Lease:
        self._free -= 1
        idle = now - host.last_end if not host.in_flight and host.last_end > -math.inf else None
        lease = Lease(host, now, host.last_start, idle)
        host.in_flight += 1
        host.most = max(host.most, host.in_flight)
        host.requests += 1
        host.last_start = now
        if host.log is not None:
            host.log.append(now)
        host.next_at = host.due()
        return lease

    def _take_back(self, host: Host, lease: Lease) -> None:
        """A request that never reached the host: as if it had not started."""
        host.requests -= 1
        if host.last_start == lease.start:
            host.last_start = lease.previous
        if host.log is not None and lease.start in host.log:
            host.log.remove(lease.start)

    def _answered(
        self, host: Host, lease: Lease, status: int | None, retry_after: float | None, now: float
    ) -> None:
        """The back-off and the pause an answer calls for."""
        if status in THROTTLING:
            if status == 429:
                host.status_429 += 1
            else:
                host.status_503 += 1
            if retry_after is not None:
                self._pause(host, now, retry_after, f"Retry-After {retry_after:g} s")
            elif lease.start >= host.raised_at:  # not a rise again for the same burst
                host.backoff = min(BACKOFF_LONGEST, max(BACKOFF_FIRST, 2 * host.backoff))
                host.raised_at = now
                host.longest_backoff = max(host.longest_backoff, host.backoff)
        elif status is not None and host.backoff:
            host.backoff *= BACKOFF_EASE
            if host.backoff < BACKOFF_FIRST / 4:
                host.backoff = 0.0

    def _pause(self, host: Host, now: float, seconds: float, reason: str) -> None:
        until = now + seconds
        if until <= host.paused_until:
            return
        if host.paused_until < now:  # a new pause: the last one is over
            host.paused_before = host.paused_s(now)
            host.paused_from = now
        host.paused_until = until
        host.pause_reason = reason
        host.next_at = host.due()
        if seconds > self._patience:  # nobody waits that long
            message = self._paused(host, now)
            while host.waiters:
                waiter = host.waiters.popleft()
                if not waiter.done():
                    waiter.set_exception(Paused(message))

    def _paused(self, host: Host, now: float) -> str:
        return (
            f"not asked: {host.key} is paused for {host.paused_until - now:.0f} s more "
            f"({host.pause_reason})"
        )

    # --- who goes next ---------------------------------------------------------------

    def _place(self, host: Host, now: float) -> None:
        """Put `host` where it waits: ready (by requests in flight), waiting for time, or
        nowhere (no waiter, or no room: a release places it again)."""
        if host.bucket >= 0:
            del self._ready[host.bucket][host]
            host.bucket = -1
        waiters = host.waiters
        while waiters and waiters[0].done():
            waiters.popleft()
        if not waiters or host.in_flight >= host.policy.concurrency:
            return
        if host.next_at > now:
            if host.timed != host.next_at:
                host.timed = host.next_at
                heapq.heappush(self._timed, (host.next_at, next(self._order), host))
            return
        host.timed = math.inf
        while len(self._ready) <= host.in_flight:
            self._ready.append({})
        self._ready[host.in_flight][host] = None
        host.bucket = host.in_flight

    def _pump(self) -> None:
        """Hand the run's free slots to the ready hosts, fewest in flight first."""
        now = self.now()
        timed = self._timed
        while timed and timed[0][0] <= now:
            at, _, host = heapq.heappop(timed)
            if host.timed == at:
                host.timed = math.inf
                self._place(host, now)
        while self._free > 0 and (ready := self._next_ready()) is not None:
            waiter = ready.waiters.popleft()
            if not waiter.done():
                waiter.set_result(self._grant(ready, now))
            self._place(ready, now)
        self._arm()

    def _next_ready(self) -> Host | None:
        for bucket in self._ready:
            if bucket:
                host = next(iter(bucket))
                del bucket[host]
                host.bucket = -1
                return host
        return None

    def _arm(self) -> None:
        """One timer, for the first host waiting for time (while a slot is free)."""
        timed = self._timed
        while timed and timed[0][2].timed != timed[0][0]:
            heapq.heappop(timed)  # stale: that host was placed again since
        if not timed or not self._free:
            return
        at = timed[0][0]
        if self._timer is not None:
            if self._timer_at <= at:
                return
            self._timer.cancel()
        self._timer_at = at
        self._timer = asyncio.ensure_future(self._wake(at))

    async def _wake(self, at: float) -> None:
        delay = at - self.now()
        if delay > 0:
            await self.sleep(delay)
        self._timer, self._timer_at = None, math.inf
        self._pump()
