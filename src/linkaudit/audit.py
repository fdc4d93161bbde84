"""One audit run, start to end, and the replay of a stored one. The only module that sequences.

    plan(resources, providers)    distinct linked URLs routed to providers (unlinked skipped)
    probe(plan, fetcher, ...)     every provider checks its share: one Observation per URL
    network_guard(observations)   NetworkDown when every host failed before HTTP
    judged(resources, ...)        the judge (judge.py), called from here alone
    run_audit(resources, options, store=...)   a run: record it, read its past, probe
                                  (each observation recorded as it arrives), guard, judge
                                  once, complete it with its new title baselines, then ask
                                  the Wayback Machine about the dead (the same Fetcher)
    archived(findings, ...)       each dead finding with its snapshot: remembered, or asked
                                  (providers/wayback.py) one URL at a time and remembered
    replay(store, row, ...)       a stored complete run's findings, judged again the same way
                                  (with the snapshots the history remembers)
    snapshot_after(store, result) what the report of a run says: its findings, the previous
                                  complete run's (replayed) and the trend
    stored_snapshot(store, ...)   the same for a stored run (`linkaudit report`)

The store is opened by the caller and stays open for the report: one session a command.
"""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import asdict, dataclass, field, replace

from linkaudit import __version__
from linkaudit.errors import NetworkDown, StoreError
from linkaudit.fetch import Fetcher, Resolver, is_private
from linkaudit.history import Recorder, Store, previous_of
from linkaudit.judge import judge, new_baselines
from linkaudit.model import (
    BaselineHow,
    CheckOptions,
    Finding,
    HostStats,
    Observation,
    Past,
    Previous,
    Resource,
    Rules,
    RunInfo,
    RunRow,
    Snapshot,
    TrendPoint,
    Verdict,
)
from linkaudit.providers import CheckContext, Provider, default_providers, route, wayback
from linkaudit.text import host_of, utc_now


@dataclass(frozen=True)
class Plan:
    """What to check: one resource per distinct URL, grouped by the provider that claims it."""

    batches: dict[Provider, list[Resource]]
    urls: list[str] = field(default_factory=list)  # distinct, catalog order


@dataclass(frozen=True, repr=False)
class AuditResult:
    """One run: its observations keyed by catalogued URL, the judged findings, and how
    each host was asked."""

    run_id: int | None
    started_at: str
    finished_at: str
    observations: dict[str, Observation]
    findings: list[Finding]
    hosts: tuple[HostStats, ...] = ()

    @property
    def run(self) -> RunInfo:
        return RunInfo(
            self.run_id, self.started_at, self.finished_at, "complete", __version__, self.hosts
        )

    def __repr__(self) -> str:
        # Short: asyncio.run's exit calls signal.getsignal(), whose Enum lookup formats the
        # repr of its handler's task and so of this result (0.5 s for 10,000 URLs in full).
        return (
            f"AuditResult(run_id={self.run_id!r}, {len(self.observations)} observations, "
            f"{len(self.findings)} findings)"
        )


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


def judged(
    resources: Sequence[Resource],
    observations: Mapping[str, Observation],
    past: Mapping[str, Past],
    rules: Rules,
) -> list[Finding]:
    """The findings of one run: the one place the judge is asked."""
    return judge(resources, observations, past, rules=rules)


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
    store: Store | None = None,
    rules: Rules | None = None,
    resolver: Resolver | None = None,
    progress: Callable[[Observation], None] | None = None,
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    providers: Sequence[Provider] | None = None,
    previous: Mapping[str, Previous] | None = None,
    env: Mapping[str, str] | None = None,
    private: Callable[[str], bool] = is_private,
) -> AuditResult:
    """Check every linked resource once, record it in `store` (None: no history, every
    finding a first sighting) and judge it; raise NetworkDown when nothing answered.

    StoreBusy/StoreTooNew before the first request; an exception ends the run aborted,
    Ctrl-C or a cancellation interrupted (history/recorder.py). `resolver`, `sleep`, `env`
    and `private` let tests replace name resolution, waiting, the proxy/trust
    environment and which addresses count as private; `previous` the validators.
    """
    rules = rules or Rules()
    started_at = utc_now()
    the_plan = plan(resources, providers=providers or default_providers(options))
    fetcher = Fetcher(options, resolver=resolver, sleep=sleep, env=env, private=private)
    with Recorder.start(store, resources, options=asdict(options), started_at=started_at) as rec:
        past = store.past(the_plan.urls) if store is not None else {}  # before any request
        async with fetcher:
            async with rec.flushing():  # finished observations on disk every second
                observations = await probe(
                    the_plan,
                    fetcher,
                    previous=previous_of(past) if previous is None else previous,
                    progress=_recording(rec, progress),
                )
            network_guard(observations)
            finished_at = utc_now()
            hosts = fetcher.host_stats()
            if store is not None:
                past = _accepted_meanwhile(store, past)
            findings = judged(resources, observations, past, rules)
            baselines = new_baselines(observations, past)
            rec.complete(finished_at=finished_at, baselines=baselines, hosts=hosts)
            findings = await archived(findings, fetcher, store=store, options=options)
            hosts = _with_archive_requests(store, rec.run_id, hosts, fetcher.host_stats())
    return AuditResult(rec.run_id, started_at, finished_at, observations, findings, hosts)


def _with_archive_requests(
    store: Store | None,
    run_id: int | None,
    at_completion: tuple[HostStats, ...],
    now: tuple[HostStats, ...],
) -> tuple[HostStats, ...]:
    """The hosts' statistics with the archive's requests, made after the run completed,
    recorded with the run too."""
    if now != at_completion and store is not None and run_id is not None:
        store.record_hosts(run_id, now)
    return now


async def archived(
    findings: list[Finding], fetcher: Fetcher, *, store: Store | None, options: CheckOptions
) -> list[Finding]:
    """`findings` with the snapshots of the dead: what the history remembers for each
    (url, before), else (unless options.archive is off) what the archive answers now,
    one URL at a time, each answer remembered as it comes. The first URL the archive
    does not answer ends the asking for this run: nothing is remembered for the rest,
    and no verdict or health changes."""
    endpoints = wayback.Endpoints.at(options.wayback)
    wants = wayback.wanted(findings, endpoints)
    keys = [(w.url, w.before) for w in wants]
    answers = dict(store.archive_answers(keys)) if store is not None else {}
    # a capture's meta refresh names the live site: never followed off the archive
    archive_fetch = functools.partial(fetcher.fetch, follow_meta_refresh=False)
    for want in wants if options.archive else ():
        if (want.url, want.before) in answers:
            continue
        answer = await wayback.lookup(archive_fetch, want, endpoints=endpoints, asked_at=utc_now())
        if answer is None:
            break  # the archive is down or refuses: ask again next run
        answers[want.url, want.before] = answer
        if store is not None:
            store.remember_archive(answer)
    return wayback.attach(findings, answers, endpoints)


def _recording(
    recorder: Recorder, progress: Callable[[Observation], None] | None
) -> Callable[[Observation], None]:
    """Each observation into the history (written in batches), then to `progress`."""

    def record(observation: Observation) -> None:
        recorder.add(observation)
        if progress is not None:
            progress(observation)

    return record


def _accepted_meanwhile(store: Store, past: dict[str, Past]) -> dict[str, Past]:
    """The past with the titles `linkaudit accept` set during the check (the only change
    another command can make while a run holds the store)."""
    accepted = {
        url: b.title for url, b in store.baselines(past).items() if b.how is BaselineHow.ACCEPTED
    }
    return {
        url: replace(known, baseline=accepted[url])
        if url in accepted and accepted[url] != known.baseline
        else known
        for url, known in past.items()
    }


# --- what a report says ---------------------------------------------------------------


def replay(
    store: Store, row: RunRow, *, unlinked: Sequence[Resource] = (), rules: Rules
) -> list[Finding]:
    """The findings of complete run `row`, judged again from what the store holds, as
    `check` judged them (but a baseline accepted since counts, and the catalog titles and
    sections are the latest recorded). Unlinked resources are not stored: `unlinked`."""
    observations = store.observations_of(row.id)
    resources = store.resources_of(list(observations))
    past = store.past(list(observations), before=row.id)
    findings = judged([*resources, *unlinked], observations, past, rules)
    keys = [(w.url, w.before) for w in wayback.wanted(findings)]
    return wayback.attach(findings, store.archive_answers(keys))


def stored_snapshot(
    store: Store,
    *,
    run_id: int | None = None,
    since: int | None = None,
    unlinked: Sequence[Resource] = (),
    rules: Rules,
) -> Snapshot:
    """Run `run_id` (default: the latest complete run) replayed, with its comparison.

    Raises StoreError when there is no such complete run."""
    runs = store.complete_runs()
    if not runs:
        raise StoreError(f"no complete run in {store.path} yet (run `linkaudit check`)")
    row = runs[-1] if run_id is None else next((r for r in runs if r.id == run_id), None)
    if row is None:
        raise StoreError(f"run {run_id} is not a complete run in {store.path}")
    findings = replay(store, row, unlinked=unlinked, rules=rules)
    return _around(store, runs, row, _info(row), findings, since=since, rules=rules)


def snapshot_after(
    store: Store | None, result: AuditResult, *, rules: Rules, since: int | None = None
) -> Snapshot:
    """What the report of the run just made says, compared with the complete run before."""
    if store is None:
        return Snapshot(result.run, result.findings, rules=rules)
    runs = [r for r in store.complete_runs() if result.run_id is None or r.id <= result.run_id]
    row = next((r for r in runs if r.id == result.run_id), None)
    return _around(store, runs, row, result.run, result.findings, since=since, rules=rules)


def _around(
    store: Store,
    runs: Sequence[RunRow],
    row: RunRow | None,
    run: RunInfo,
    findings: list[Finding],
    *,
    since: int | None,
    rules: Rules,
) -> Snapshot:
    """`findings` of `row` (None: a run not recorded complete) with the run they are
    compared with (`since`, else the complete run before) replayed, and the trend."""
    upto = [r for r in runs if row is None or r.id <= row.id]
    earlier = [r for r in upto if row is None or r.id < row.id]
    if since is not None:
        chosen = next((r for r in earlier if r.id == since), None)
        if chosen is None:
            raise StoreError(f"run {since} is not a complete run before this one")
    else:
        chosen = earlier[-1] if earlier else None
    unlinked = [f.resource for f in findings if f.resource.url is None]
    previous = replay(store, chosen, unlinked=unlinked, rules=rules) if chosen else None
    return Snapshot(
        run,
        findings,
        _info(chosen) if chosen else None,
        previous,
        [_point(r) for r in upto],
        rules,
    )


def _info(row: RunRow) -> RunInfo:
    state = row.state.value
    return RunInfo(row.id, row.started_at, row.finished_at, state, row.tool_version, row.hosts)


def _point(row: RunRow) -> TrendPoint:
    answered = sum(row.counts.get(v, 0) for v in Verdict if v.is_live)
    failed = sum(row.counts.get(v, 0) for v in Verdict if v.is_failing)
    return TrendPoint(row.id, row.started_at, answered, failed)
