"""What `linkaudit check` shows while and after it runs. Pure: returns text, never prints.

Progress       count, rate and ETA: a redrawn bar on a terminal, plain periodic lines
               otherwise (or when CI is set)
summary(...)   one line per run: URLs checked by verdict, time taken
warnings(...)  what the summary's counts would hide: URLs refused, never asked
"""

from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field

from linkaudit.model import Flag, Observation, Verdict

BAR_WIDTH = 24
LINE_EVERY = 5.0  # seconds between plain progress lines


def _clock(seconds: float) -> str:
    seconds = max(0, int(seconds + 0.5))
    return f"{seconds // 60}:{seconds % 60:02d}"


@dataclass
class Progress:
    """Progress of `total` checks. `tick()` after each one returns text to show, or None."""

    total: int
    tty: bool
    clock: Callable[[], float] = time.monotonic
    done: int = 0
    started: float = field(default=0.0)
    _last: float = field(default=-1e9)

    def __post_init__(self) -> None:
        self.started = self.clock()

    def tick(self) -> str | None:
        self.done += 1
        now = self.clock()
        finished = self.done >= self.total
        if not self.tty and not finished and now - self._last < LINE_EVERY:
            return None
        if self.tty and not finished and now - self._last < 0.1:
            return None
        self._last = now
        return self.render(now)

    def render(self, now: float) -> str:
        spent = max(now - self.started, 1e-9)
        rate = self.done / spent
        left = (self.total - self.done) / rate if rate > 0 else 0.0
        counts = f"{self.done}/{self.total} URLs, {rate:.1f}/s, ETA {_clock(left)}"
        if not self.tty:
            return f"checked {counts}"
        filled = BAR_WIDTH * self.done // max(self.total, 1)
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        return f"\r[{bar}] {counts}  "


def summary(observations: Mapping[str, Observation], seconds: float) -> str:
    """`checked 45 URLs in 3.2 s: ok 40, moved 2, dead 1, error 2` (verdicts in design order)."""
    counts = Counter(o.verdict for o in observations.values())
    parts = [f"{verdict.value} {counts[verdict]}" for verdict in Verdict if counts[verdict]]
    n = len(observations)
    head = f"checked {n} URL{'s' * (n != 1)} in {seconds:.1f} s"
    return f"{head}: {', '.join(parts)}" if parts else head


def warnings(observations: Mapping[str, Observation]) -> list[str]:
    """Lines for stderr about URLs linkaudit refused to ask (blocked by its own policy)."""
    refused = [o for o in observations.values() if Flag.PRIVATE_ADDRESS_REFUSED in o.flags]
    if not refused:
        return []
    n = len(refused)
    return [
        f"{n} URL{'s' * (n != 1)} not checked: on a loopback, private or link-local address "
        f"(e.g. {refused[0].url}); pass --allow-private to check them"
    ]
