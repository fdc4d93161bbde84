"""A provider's share of a run, spread over its hosts: fetcher.py's `each`.

    each(hosts, items, work, url=..., concurrency=...)   await work(item) for every item

The items of one host are worked on in order, by a few workers of that host: at first
its fair share of the run's slots (the run's concurrency over the hosts, at least one),
then one more each time a worker finishes while a slot of the run is free that no other
host waits for, up to as many as its policy lets be in flight. So a run holds about as
many workers as it has slots (not every host's concurrency at once), and a host whose
neighbours are done soon asks at its full concurrency. The first workers start a run's
worth at a time, in turns across the hosts: the first requests go out at once, fairly.
The requests themselves still wait for their turn at hosts.py.
"""

from __future__ import annotations

import asyncio
from collections import deque
from collections.abc import Awaitable, Callable, Iterable
from typing import TypeVar

from linkaudit.fetch.hosts import Host, Hosts
from linkaudit.text import host_of

T = TypeVar("T")


async def each(
    hosts: Hosts,
    items: Iterable[T],
    work: Callable[[T], Awaitable[None]],
    *,
    url: Callable[[T], str],
    concurrency: int,
) -> None:
    """`await work(item)` for every item, grouped by the host of `url(item)` (see above)."""
    queues: dict[Host, deque[T]] = {}
    for item in items:
        queues.setdefault(hosts.get(host_of(url(item))), deque()).append(item)
    share = max(1, -(-concurrency // max(len(queues), 1)))
    workers = dict.fromkeys(queues, 0)
    tasks: list[asyncio.Future[None]] = []

    def start(host: Host) -> None:
        workers[host] += 1
        tasks.append(asyncio.ensure_future(drain(host)))

    async def drain(host: Host) -> None:
        queue = queues[host]
        while queue:
            await work(queue.popleft())
            more = len(queue) > workers[host] and workers[host] < host.policy.concurrency
            if more and hosts.spare():  # the run has room no one else wants
                start(host)
        workers[host] -= 1

    first = [min(share, host.policy.concurrency, len(q)) for host, q in queues.items()]
    turns = (
        host
        for turn in range(max(first, default=0))
        for host, count in zip(queues, first, strict=True)
        if turn < count
    )
    try:
        for n, host in enumerate(turns, 1):
            start(host)
            if n % concurrency == 0:
                await asyncio.sleep(0)  # these start (their requests go out) first
        done = 0
        while done < len(tasks):  # the list grows as workers start more
            await tasks[done]
            done += 1
    except BaseException:  # cancelled, or a worker failed: so are the others
        for task in tasks:
            task.cancel()
        raise
