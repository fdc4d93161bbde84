"""fetch/retry.py: the retry policy, pure (which outcomes retry, how long to wait)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from linkaudit.fetch.retry import Outcome, beyond_cap, host_pause, retry_after, retry_delay
from linkaudit.model import FailureKind

NOW = 1_800_000_000.0


# --- the retry policy (pure) ---

POLICY = [
    ("503 retried with backoff", Outcome(status=503), 1, 0.5),
    ("backoff doubles", Outcome(status=502), 3, 2.0),
    ("429 without Retry-After", Outcome(status=429), 1, 0.5),
    ("Retry-After seconds win", Outcome(status=429, headers={"retry-after": "7"}), 1, 7.0),
    ("Retry-After on a 503", Outcome(status=503, headers={"retry-after": "2"}), 1, 2.0),
    ("Retry-After beyond the cap", Outcome(status=429, headers={"retry-after": "61"}), 1, None),
    ("retries used up", Outcome(status=503), 4, None),
    ("404 is final", Outcome(status=404), 1, None),
    ("200 is final", Outcome(status=200), 1, None),
    ("connect error retried", Outcome(failure=FailureKind.CONNECT), 1, 0.5),
    ("timeout retried", Outcome(failure=FailureKind.TIMEOUT), 2, 1.0),
    ("reset retried", Outcome(failure=FailureKind.RESET), 1, 0.5),
    ("unknown name is final", Outcome(failure=FailureKind.DNS), 1, None),
    ("TLS failure is final", Outcome(failure=FailureKind.TLS), 1, None),
    ("private refusal is final", Outcome(failure=FailureKind.PRIVATE_ADDRESS), 1, None),
]


@pytest.mark.parametrize(
    ("case", "outcome", "attempt", "delay"), POLICY, ids=[p[0] for p in POLICY]
)
def test_retry_policy(case: str, outcome: Outcome, attempt: int, delay: float | None) -> None:
    got = retry_delay(outcome, attempt, retries=3, cap=60, remaining=100, now=NOW)
    assert got == delay, case


def test_retry_policy_adds_jitter_and_respects_the_deadline() -> None:
    assert (
        retry_delay(Outcome(status=503), 1, retries=3, cap=60, remaining=100, now=NOW, jitter=0.5)
        == 0.75
    )
    assert retry_delay(Outcome(status=503), 1, retries=3, cap=60, remaining=0.2, now=NOW) is None
    waits_too_long = Outcome(status=429, headers={"retry-after": "30"})
    assert retry_delay(waits_too_long, 1, retries=3, cap=60, remaining=10, now=NOW) is None


def test_retry_after_reads_seconds_and_http_dates() -> None:
    assert retry_after("120", now=NOW) == 120
    when = datetime.fromtimestamp(NOW, UTC) + timedelta(seconds=90)
    assert retry_after(format_datetime(when, usegmt=True), now=NOW) == pytest.approx(90)
    past = datetime.fromtimestamp(NOW, UTC) - timedelta(days=1)
    assert retry_after(format_datetime(past, usegmt=True), now=NOW) == 0
    assert retry_after("soon", now=NOW) is None
    assert retry_after("\u00b2", now=NOW) is None  # a digit to str.isdigit(), not to float()
    assert retry_after(None, now=NOW) is None


def test_retry_after_beyond_the_cap_becomes_blocked() -> None:
    long = Outcome(status=429, headers={"retry-after": "3600"})
    capped = beyond_cap(long, cap=60, now=NOW)
    assert capped is not None and capped.failure is FailureKind.RETRY_AFTER_TOO_LONG
    assert "3600 s is beyond the 60 s cap" in (capped.error or "")
    assert beyond_cap(Outcome(status=429, headers={"retry-after": "5"}), cap=60, now=NOW) is None
    assert beyond_cap(Outcome(status=500), cap=60, now=NOW) is None
    endless = beyond_cap(Outcome(status=429, headers={"retry-after": "9" * 400}), cap=60, now=NOW)
    assert endless is not None and "Retry-After over a year is beyond" in (endless.error or "")


def test_only_a_429_or_503_pauses_the_host() -> None:
    asked = {"retry-after": "7"}
    assert host_pause(Outcome(status=429, headers=asked), now=NOW) == 7
    assert host_pause(Outcome(status=503, headers=asked), now=NOW) == 7
    assert host_pause(Outcome(status=500, headers=asked), now=NOW) is None
    assert host_pause(Outcome(status=503), now=NOW) is None
