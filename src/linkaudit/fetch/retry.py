"""The retry policy, pure: which outcomes of one attempt are retried, and after how long.

    Outcome           one attempt at one URL: a response or a failure
    retry_after(...)  seconds a Retry-After header asks for (delta seconds or HTTP-date)
    host_pause(...)   seconds a 429 or 503 pauses its whole host for (hosts.py), or None
    retry_delay(...)  seconds to wait before the next attempt, or None: do not retry
    beyond_cap(...)   a Retry-After too long to wait for: the URL is blocked instead

fetcher.py runs the attempts with tenacity and asks this module every decision; tests
swap the wait for a recording fake instead of sleeping.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from email.utils import parsedate_to_datetime

from linkaudit.config import BACKOFF_BASE, BACKOFF_MAX
from linkaudit.model import FailureKind

RETRY_STATUSES = frozenset({429, 500, 502, 503, 504})
PAUSING_STATUSES = frozenset({429, 503})  # their Retry-After pauses the host, not one URL
RETRY_FAILURES = frozenset(
    {FailureKind.CONNECT, FailureKind.TIMEOUT, FailureKind.RESET, FailureKind.PROTOCOL}
)


@dataclass(frozen=True, slots=True)
class Outcome:
    """One attempt at one URL: a response (status, headers, body head) or a failure;
    `before_http`: it failed before any HTTP response (no name, no connection)."""

    status: int | None = None
    headers: Mapping[str, str] = field(default_factory=dict)
    body: bytes = b""
    failure: FailureKind | None = None
    error: str | None = None
    before_http: bool = False


def retry_after(value: str | None, *, now: float) -> float | None:
    """Seconds a `Retry-After` header asks for (delta seconds or HTTP-date), or None."""
    if not value:
        return None
    value = value.strip()
    if value.isascii() and value.isdigit():  # not "²": str.isdigit says yes, float() no
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    return max(0.0, when.timestamp() - now)


def host_pause(outcome: Outcome, *, now: float) -> float | None:
    """Seconds the host of `outcome` is paused for: a 429 or 503's Retry-After, or None
    (any other status's Retry-After is that URL's wait alone, retry_delay's)."""
    if outcome.status not in PAUSING_STATUSES:
        return None
    return retry_after(outcome.headers.get("retry-after"), now=now)


def retry_delay(
    outcome: Outcome,
    attempt: int,
    *,
    retries: int,
    cap: float,
    remaining: float,
    now: float,
    jitter: float = 0.0,
) -> float | None:
    """Seconds to wait before retrying after `attempt` (1-based), or None: do not retry.

    Retried: connect errors, timeouts, resets, 429 and 5xx, at most `retries` times.
    `Retry-After` wins over the backoff; one longer than `cap` or than the time left
    is not waited for (the URL is then blocked or failed, not retried early).
    """
    if attempt > retries:
        return None
    if outcome.failure is not None:
        if outcome.failure not in RETRY_FAILURES:
            return None
    elif outcome.status not in RETRY_STATUSES:
        return None
    asked = retry_after(outcome.headers.get("retry-after"), now=now)
    if asked is not None:
        return asked if asked <= min(cap, remaining) else None
    delay = min(BACKOFF_MAX, BACKOFF_BASE * 2 ** (attempt - 1)) * (1 + jitter)
    return delay if delay < remaining else None


def beyond_cap(outcome: Outcome, *, cap: float, now: float) -> Outcome | None:
    """A 429 (or 503) whose Retry-After is longer than `cap`: blocked, never waited for."""
    if outcome.status != 429 and not (outcome.status == 503 and "retry-after" in outcome.headers):
        return None
    asked = retry_after(outcome.headers.get("retry-after"), now=now)
    if asked is None or asked <= cap:
        return None
    return Outcome(
        failure=FailureKind.RETRY_AFTER_TOO_LONG,
        status=outcome.status,
        headers=outcome.headers,
        error=f"Retry-After {_seconds(asked)} is beyond the {cap:g} s cap",
    )


def _seconds(asked: float) -> str:
    """'90 s'; 'over a year' for what no one waits for (a 400-digit value, year 9999)."""
    return "over a year" if asked > 366 * 86400 else f"{asked:.0f} s"
