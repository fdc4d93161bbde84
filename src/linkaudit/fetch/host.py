"""One host's state, for hosts.py: when it may be asked next, its pauses, its statistics.

Host     a host name, or the group of names one operator limits together (policies.py):
         requests in flight, starts and ends, the window's log, pause, back-off, its
         waiters and where it waits in the dispatch; `due()` is when its next request
         may start; `stats()` its HostStats
Lease    one request's slot: when it started, the host's start before it, and the time
         since the host's last end when nothing else was in flight
"""

from __future__ import annotations

import asyncio
import math
from collections import deque
from dataclasses import dataclass, field

from linkaudit.config import WINDOW_MARGIN
from linkaudit.fetch.policies import HostPolicy
from linkaudit.model import HostStats


@dataclass(slots=True, eq=False)
class Host:
    """One host's state and statistics (see the module docstring)."""

    key: str
    policy: HostPolicy
    names: dict[str, None] = field(default_factory=dict)  # the names asked, in order
    waiters: deque[asyncio.Future[Lease]] = field(default_factory=deque)
    in_flight: int = 0
    next_at: float = 0.0  # when the next request may start
    last_start: float = -math.inf
    last_end: float = -math.inf
    log: deque[float] | None = None  # the last N starts, for the window
    paused_until: float = -math.inf
    paused_from: float | None = None
    paused_before: float = 0.0  # seconds of the pauses that are over
    pause_reason: str = ""
    backoff: float = 0.0
    raised_at: float = -math.inf
    bucket: int = -1  # ready, with this many in flight (-1: not ready)
    timed: float = math.inf  # waiting for this time (math.inf: not waiting for time)
    # statistics
    requests: int = 0
    most: int = 0
    min_gap: float = math.inf
    min_idle: float = math.inf
    status_429: int = 0
    status_503: int = 0
    longest_backoff: float = 0.0
    connections: int = 0

    def __post_init__(self) -> None:
        if self.policy.window is not None:
            self.log = deque(maxlen=self.policy.window[0])

    def due(self) -> float:
        """When this host's next request may start, by its policy, pause and back-off."""
        policy = self.policy
        due = max(
            self.paused_until,
            self.last_start + max(policy.interval, self.backoff),
            self.last_end + policy.gap,
        )
        if self.log is not None and policy.window is not None:
            most, seconds = policy.window
            if len(self.log) >= most:
                due = max(due, self.log[0] + seconds + WINDOW_MARGIN)
        return due

    def paused_s(self, now: float) -> float:
        ongoing = 0.0
        if self.paused_from is not None:
            ongoing = max(0.0, min(now, self.paused_until) - self.paused_from)
        return self.paused_before + ongoing

    def stats(self, now: float) -> HostStats:
        def seconds(value: float) -> float | None:
            return round(value, 3) if value < math.inf else None

        return HostStats(
            key=self.key,
            names=tuple(self.names),
            requests=self.requests,
            max_in_flight=self.most,
            min_start_gap_s=seconds(self.min_gap),
            min_end_to_start_s=seconds(self.min_idle),
            status_429=self.status_429,
            status_503=self.status_503,
            paused_s=round(self.paused_s(now), 3),
            backoff_s=round(self.longest_backoff, 3),
            connections=self.connections,
        )


@dataclass(slots=True, eq=False)
class Lease:
    """One request's slot: when it started, the host's start before it, and the seconds
    since the host's last end when nothing else was in flight (else None)."""

    host: Host
    start: float
    previous: float
    idle: float | None
