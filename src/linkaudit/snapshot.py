"""What a report needs from the history database, read through `Store` (no network).

    load_snapshot(store, run_id=None, since=None, unlinked=(), rules=...)  -> Snapshot
        a complete run re-judged from the database, the run it is compared with
        (the previous complete run, or `since`) re-judged the same way, and the trend
    snapshot_of(store, run, findings, ...)   the same around findings just judged by `check`

Re-judging run R uses the observations of R and of the complete runs before it, exactly
as `check` did, with two differences a reader should know: a title baseline *accepted*
after R counts (so an accepted drift disappears from a re-rendered report), and the
catalog titles and sections are the latest recorded ones. Unlinked resources are not in
the database; `unlinked` passes them in from the catalog.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from linkaudit.history.schema import row_observation
from linkaudit.history.store import HISTORY_LIMIT, BaselineHow, RunRow, RunState, Store, StoreError
from linkaudit.judge import History, Rules, judge
from linkaudit.model import Finding, Kind, Observation, Resource, Verdict
from linkaudit.report.markdown import RunInfo, TrendPoint

LIVE = tuple(v.value for v in Verdict if v.is_live)
FAILING = tuple(v.value for v in Verdict if v.is_failing)


@dataclass(frozen=True, slots=True)
class Snapshot:
    run: RunInfo
    findings: list[Finding]
    previous_run: RunInfo | None
    previous: list[Finding] | None
    trend: list[TrendPoint]
    rules: Rules = field(default_factory=Rules)  # the thresholds the findings were judged with


def complete_runs(store: Store) -> list[RunRow]:
    """Every complete run, oldest first."""
    rows = store.db.execute("SELECT count(*) FROM runs").fetchone()[0]
    return [r for r in reversed(store.runs(limit=rows)) if r.state is RunState.COMPLETE]


def run_info(row: RunRow) -> RunInfo:
    return RunInfo(row.id, row.started_at, row.finished_at, row.state.value, row.tool_version)


def trend_of(runs: Sequence[RunRow]) -> list[TrendPoint]:
    return [
        TrendPoint(
            r.id,
            r.started_at,
            sum(r.counts.get(v, 0) for v in LIVE),
            sum(r.counts.get(v, 0) for v in FAILING),
        )
        for r in runs
    ]


def load_snapshot(
    store: Store,
    *,
    run_id: int | None = None,
    since: int | None = None,
    unlinked: Sequence[Resource] = (),
    rules: Rules | None = None,
) -> Snapshot:
    """Run `run_id` (default: the latest complete run) re-judged, with its comparison.

    Raises StoreError when there is no such complete run."""
    runs = complete_runs(store)
    if not runs:
        raise StoreError(f"no complete run in {store.path} yet (run `linkaudit check`)")
    by_id = {r.id: r for r in runs}
    row = runs[-1] if run_id is None else by_id.get(run_id)
    if row is None:
        raise StoreError(f"run {run_id} is not a complete run in {store.path}")
    findings = run_findings(store, row, unlinked=unlinked, rules=rules)
    return _around(store, runs, row, findings, since=since, unlinked=unlinked, rules=rules)


def snapshot_of(
    store: Store,
    run: RunInfo,
    findings: list[Finding],
    *,
    since: int | None = None,
    rules: Rules | None = None,
) -> Snapshot:
    """The comparison and trend around `findings`, just judged for `run` by `check`."""
    runs = complete_runs(store)
    row = next((r for r in runs if r.id == run.id), None)
    unlinked = [f.resource for f in findings if f.resource.url is None]
    if row is None:  # not recorded as complete: compare with the latest complete run
        prev = [r for r in runs if run.id is None or r.id < run.id]
        base = _around(store, prev, None, findings, since=since, unlinked=unlinked, rules=rules)
        return Snapshot(run, findings, base.previous_run, base.previous, base.trend, base.rules)
    snap = _around(store, runs, row, findings, since=since, unlinked=unlinked, rules=rules)
    return Snapshot(run, findings, snap.previous_run, snap.previous, snap.trend, snap.rules)


def _around(
    store: Store,
    runs: Sequence[RunRow],
    row: RunRow | None,
    findings: list[Finding],
    *,
    since: int | None,
    unlinked: Sequence[Resource],
    rules: Rules | None,
) -> Snapshot:
    upto = [r for r in runs if row is None or r.id <= row.id]
    earlier = [r for r in upto if row is None or r.id < row.id]
    if since is not None:
        chosen = next((r for r in earlier if r.id == since), None)
        if chosen is None:
            raise StoreError(f"run {since} is not a complete run before this one")
    else:
        chosen = earlier[-1] if earlier else None
    previous = run_findings(store, chosen, unlinked=unlinked, rules=rules) if chosen else None
    run = run_info(row) if row else RunInfo(None, "")
    return Snapshot(
        run,
        findings,
        run_info(chosen) if chosen else None,
        previous,
        trend_of(upto),
        rules or Rules(),
    )


def run_findings(
    store: Store,
    row: RunRow,
    *,
    unlinked: Sequence[Resource] = (),
    rules: Rules | None = None,
) -> list[Finding]:
    """The findings of complete run `row`, judged again from the database."""
    observations = _observations(store, row.id)
    resources = _resources(store, list(observations))
    history = _history(store, row, list(observations))
    return judge([*resources, *unlinked], observations, history, rules=rules)


def _rows(store: Store, sql: str, params: Sequence[object]) -> list[dict[str, object]]:
    cursor = store.db.execute(sql, list(params))
    columns = [c[0] for c in cursor.description]
    return [dict(zip(columns, values, strict=True)) for values in cursor]


def _observations(store: Store, run_id: int) -> dict[str, Observation]:
    rows = _rows(store, "SELECT * FROM observations WHERE run_id = ? ORDER BY url", [run_id])
    return {str(r["url"]): row_observation(r) for r in rows}


def _resources(store: Store, urls: Sequence[str]) -> list[Resource]:
    wanted = set(urls)
    rows = _rows(store, "SELECT * FROM resources ORDER BY source, line, url", [])
    known = {
        str(r["url"]): Resource(
            title=str(r["title"] or ""),
            section=str(r["section"] or ""),
            kind=Kind(str(r["kind"])) if r["kind"] in set(Kind) else Kind.WEB,
            url=str(r["url"]),
            source=str(r["source"] or ""),
            line=int(str(r["line"] or 0)),
        )
        for r in rows
        if r["url"] in wanted
    }
    missing = [Resource(title=u, section="", kind=Kind.WEB, url=u) for u in urls if u not in known]
    return [*known.values(), *missing]


def _history(store: Store, row: RunRow, urls: Sequence[str]) -> dict[str, History]:
    """What the judge saw for each URL when run `row` was judged: complete runs before it."""
    past: dict[str, list[Observation]] = {u: [] for u in urls}
    rows = _rows(
        store,
        "SELECT * FROM (SELECT o.*, row_number() OVER (PARTITION BY o.url ORDER BY o.run_id"
        " DESC) AS nth FROM observations o JOIN runs r ON r.id = o.run_id WHERE r.state = ?"
        " AND o.run_id < ?) WHERE nth <= ? ORDER BY run_id",
        [RunState.COMPLETE.value, row.id, HISTORY_LIMIT],
    )
    for r in rows:
        if r["url"] in past:
            past[str(r["url"])].append(row_observation(r))
    live = dict(
        store.db.execute(
            "SELECT o.url, max(o.checked_at) FROM observations o JOIN runs r ON r.id = o.run_id"
            f" WHERE r.state = ? AND o.run_id < ? AND o.verdict IN ({','.join('?' * len(LIVE))})"
            " GROUP BY o.url",
            [RunState.COMPLETE.value, row.id, *LIVE],
        ).fetchall()
    )
    first = store.first_seen(urls)
    baselines = {}
    for url, b in store.baselines(urls).items():
        # a first-seen baseline is set by the first live title: it existed when run `row`
        # was judged only if an earlier complete run saw the page live with a title
        seen = len(past[url]) >= HISTORY_LIMIT or any(
            o.verdict.is_live and o.title for o in past[url]
        )
        if b.how is BaselineHow.ACCEPTED or seen:
            baselines[url] = b.title
    return {
        u: History(
            past=tuple(past[u]),
            baseline=baselines.get(u),
            first_seen=first.get(u),
            last_live=live.get(u),
        )
        for u in urls
    }
