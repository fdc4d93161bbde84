"""One audit run, start to end: plan, probe, (store, judge). The only module that sequences.

plan(resources)     distinct linked URLs routed to providers (unlinked ones skipped)
probe(...)          every provider checks its share through one Fetcher: Observation[]
network_guard(...)  NetworkDown when every host failed before HTTP (nothing recorded)
run_audit(...)      all of it: each observation is written and judged as it arrives
                    (history.py); after the guard the run is concluded and completed

NetworkDown         the network itself is down: a CI outage must never mark links dead
"""

from __future__ import annotations

import asyncio
import functools
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit

from linkaudit.fetch.fetcher import Fetcher, Resolver
from linkaudit.fetch.names import is_private
from linkaudit.history.recorder import RunHistory
from linkaudit.judge import CONFIRM_AFTER, Rules
from linkaudit.model import CheckOptions, Finding, Observation, Resource, Verdict
from linkaudit.providers import CheckContext, Previous, Provider, default_providers, route


class NetworkDown(Exception):
    """Every host failed before any HTTP response (DNS or connect): nothing recorded."""

    def __init__(self, hosts: int) -> None:
        counted = f"{hosts} host{'s' * (hosts != 1)}"
        super().__init__(f"network unavailable: 0 of {counted} answered; nothing recorded")
        self.hosts = hosts


@dataclass(frozen=True)
class Plan:
    """What to check: one resource per distinct URL, grouped by the provider that claims it."""

    batches: dict[Provider, list[Resource]]
    urls: list[str] = field(default_factory=list)  # distinct, catalog order


@dataclass(frozen=True, repr=False)
class AuditResult:
    """One run: its observations keyed by catalogued URL, and the judged findings."""

    run_id: int | None
    started_at: str
    finished_at: str
    observations: dict[str, Observation]
    findings: list[Finding]

    def __repr__(self) -> str:
        # Short: asyncio.run's exit calls signal.getsignal(), whose Enum lookup formats the
        # repr of its handler's task and so of this result (0.5 s for 10,000 URLs in full).
        return (
            f"AuditResult(run_id={self.run_id!r}, {len(self.observations)} observations, "
            f"{len(self.findings)} findings)"
        )


def utc_now() -> str:
    """ISO 8601 UTC, second precision, as stored and reported."""
    return _iso_second(int(time.time()))


@functools.lru_cache(maxsize=4)  # every observation asks: formatted once a second
def _iso_second(second: int) -> str:
    return datetime.fromtimestamp(second, UTC).isoformat().replace("+00:00", "Z")


def host_of(url: str) -> str:
    return (urlsplit(url).hostname or "").lower()


def plan(resources: Sequence[Resource], *, providers: Sequence[Provider]) -> Plan:
    """Distinct linked URLs (first resource wins), each routed to its provider."""
    first: dict[str, Resource] = {}
    for resource in resources:
        if resource.url and resource.url not in first:
            first[resource.url] = resource
    return Plan(batches=route(list(first.values()), providers=providers), urls=list(first))


def network_guard(observations: Mapping[str, Observation]) -> None:
    """Raise NetworkDown if no host gave any HTTP answer (and there was a host to ask)."""
    if any(not observation.before_http for observation in observations.values()):
        return  # some host answered (the usual case: decided without parsing every URL)
    if observations:
        raise NetworkDown(len({host_of(url) for url in observations}))


async def probe(
    the_plan: Plan,
    fetcher: Fetcher,
    *,
    previous: Mapping[str, Previous] | None = None,
    progress: Callable[[Observation], None] | None = None,
    now: Callable[[], str] = utc_now,
) -> dict[str, Observation]:
    """Run every provider's batch concurrently; one Observation per planned URL."""
    observations: dict[str, Observation] = {}
    planned = set(the_plan.urls)

    def emit(observation: Observation) -> None:
        if observation.url in planned and observation.url not in observations:
            observations[observation.url] = observation
            if progress is not None:
                progress(observation)

    ctx = CheckContext(fetcher=fetcher, emit=emit, previous=previous or {}, now=now)
    await asyncio.gather(*(p.check(batch, ctx) for p, batch in the_plan.batches.items()))
    for url in the_plan.urls:  # a provider that forgot a URL must not lose it silently
        if url not in observations:
            emit(Observation(url=url, verdict=Verdict.ERROR, error="not checked", checked_at=now()))
    return {url: observations[url] for url in the_plan.urls}


async def run_audit(
    resources: Sequence[Resource],
    options: CheckOptions,
    *,
    db_path: Path | None = None,
    resolver: Resolver | None = None,
    progress: Callable[[Observation], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    providers: Sequence[Provider] | None = None,
    previous: Mapping[str, Previous] | None = None,
    env: Mapping[str, str] | None = None,
    private: Callable[[str], bool] = is_private,
    confirm_after: int = CONFIRM_AFTER,
    on_finding: Callable[[Finding], None] | None = None,
) -> AuditResult:
    """Check every linked resource once; raise NetworkDown when nothing answered.

    `db_path` is the history database (None: no history, every finding is a first
    sighting); `confirm_after` is how many consecutive dead runs confirm `dead`;
    `on_finding` is handed each finding as it is judged (most before the run ends).
    `resolver`, `sleep`, `env` and `private` let tests replace name resolution, waiting,
    the proxy/trust environment and which addresses count as private.
    """
    started_at = utc_now()
    the_plan = plan(resources, providers=providers or default_providers(options))
    fetcher = Fetcher(options, resolver=resolver, sleep=sleep, env=env, private=private)
    rules = Rules(confirm_after=confirm_after)
    # --- history (store + judge): owned by the history helper, see history.py ---
    with RunHistory.open(
        db_path,
        resources,
        options=asdict(options),
        started_at=started_at,
        rules=rules,
        on_finding=on_finding,
    ) as history:  # StoreBusy/StoreTooNew here; an exception ends it aborted, Ctrl-C interrupted
        async with fetcher, history.flushing():  # finished observations on disk every second
            observations = await probe(
                the_plan,
                fetcher,
                previous=history.previous if previous is None else previous,
                progress=_recording(history, progress),
            )
        network_guard(observations)
        finished_at = utc_now()
        findings = history.conclude(
            resources,
            observations,
            rules=rules,
            finished_at=finished_at,
        )
    return AuditResult(
        run_id=history.run_id,
        started_at=started_at,
        finished_at=finished_at,
        observations=observations,
        findings=findings,
    )


def _recording(
    history: RunHistory, progress: Callable[[Observation], None] | None
) -> Callable[[Observation], None]:
    """Each observation into the history (written in batches), then to `progress`."""

    def record(observation: Observation) -> None:
        history.add(observation)
        if progress is not None:
            progress(observation)

    return record
