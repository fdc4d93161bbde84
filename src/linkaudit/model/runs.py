"""The vocabulary of the stored runs and of what a report is about.

RunState, BaselineHow, Baseline, RunRow, RunObservation   the stored runs (history/)
HostStats, RunInfo, TrendPoint, Snapshot                  what a report says (audit.py)
"""

from __future__ import annotations

from dataclasses import dataclass, field
from enum import StrEnum

from linkaudit.model.check import Finding, Observation, Rules

# --- the stored runs ---------------------------------------------------------------------


class RunState(StrEnum):
    """A run is `running` while it writes, then `complete`, `aborted` (nothing recorded)
    or `interrupted` (Ctrl-C, SIGTERM, or its process died); only complete runs count."""

    RUNNING = "running"
    COMPLETE = "complete"
    ABORTED = "aborted"
    INTERRUPTED = "interrupted"


class BaselineHow(StrEnum):
    FIRST_SEEN = "first_seen"
    ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class Baseline:
    """The title a URL is expected to carry, since when and how it was set."""

    title: str
    since: str
    how: BaselineHow


@dataclass(frozen=True, slots=True)
class RunRow:
    """One stored run, as `linkaudit runs` shows it."""

    id: int
    started_at: str
    finished_at: str | None
    state: RunState
    tool_version: str
    resources: int
    counts: dict[str, int]
    note: str | None
    hosts: tuple[HostStats, ...] = ()  # how each host was asked (a complete run's)


@dataclass(frozen=True, slots=True)
class RunObservation:
    """One stored observation of one URL with the state of its run (`linkaudit history`)."""

    run_id: int
    run_state: RunState
    observation: Observation


# --- what a report is about ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class HostStats:
    """How a run asked one host (or `key` "YouTube": one operator's names): requests (and
    retries, redirects), most in flight, shortest gaps from a start and from an end to the
    next start, 429/503 answers, seconds paused, longest back-off, connections opened."""

    key: str
    names: tuple[str, ...] = ()
    requests: int = 0
    max_in_flight: int = 0
    min_start_gap_s: float | None = None
    min_end_to_start_s: float | None = None
    status_429: int = 0
    status_503: int = 0
    paused_s: float = 0.0
    backoff_s: float = 0.0
    connections: int = 0


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The run a report is about (or the one it is compared with)."""

    id: int | None
    started_at: str
    finished_at: str | None = None
    state: str = "complete"
    tool_version: str = ""
    hosts: tuple[HostStats, ...] = ()


@dataclass(frozen=True, slots=True)
class TrendPoint:
    """One complete run's checks, before any judging over time: how many URLs answered
    (ok, redirected, moved) and how many failed the check (dead, soft dead, error)."""

    run_id: int
    started_at: str
    answered: int
    failed: int


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything a report says: a run's findings, those of the run it is compared with
    (None: there is none), the trend of complete runs and the rules of the judgement."""

    run: RunInfo
    findings: list[Finding]
    previous_run: RunInfo | None = None
    previous: list[Finding] | None = None
    trend: list[TrendPoint] = field(default_factory=list)
    rules: Rules = field(default_factory=Rules)
