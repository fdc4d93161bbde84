"""This run's observations plus each URL's past -> one Finding per resource (health over time).

Pure: plain data in, plain data out; no clock, no database, no network. audit.py calls
it, once per run (and once per stored run a report replays).

Rules (model.Rules holds the numbers; `blocked` observations are no evidence either way
and are skipped when counting streaks and changes):

    unlinked   the resource has no URL
    dead       dead/soft_dead in `confirm_after` consecutive runs (default 2), or
               failing in `error_after` consecutive runs (default 4) spanning at least
               `error_days` days (default 7). This second rule counts any failing
               verdict, error, dead and soft_dead alike: three errors and then a dead
               over 21 days is "failing in 4 consecutive runs over 21 days", one
               persistent failure whatever form it takes on the way
    flaky      at least `flaky_changes` (2) changes between live and failing in the
               last `flaky_window` (5) runs, this one included
    failing    failing now, not yet confirmed dead, not flaky
    moved      live through a permanent redirect: `suggested_url` is the final URL
    drifted    live, but the title differs from its baseline (see titles.py)
    recovered  live now, failing the run before
    blocked    the site would not let us check (401/403/429, bot challenge)
    healthy    live, nothing to do

A live title becomes the baseline when there is none (`new_baselines`); on that first
sight a catalogued title sharing no word with the page title is flagged
`possible_wrong_link`, once (the store writes the baseline with the run's completion,
so a run that does not complete cannot swallow the flag). `page_title` is the last title
the page answered with live, this run or before: the report shows it beside a catalog
title that is only link text ("here").
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence

from linkaudit.model import Finding, Flag, Health, Observation, Past, Resource, Rules, Verdict
from linkaudit.text import day, host_of, seconds_between
from linkaudit.titles import same_title, shares_nothing

_NO_PAST = Past()  # frozen: one for every URL the history knows nothing of


def judge(
    resources: Sequence[Resource],
    observations: Mapping[str, Observation],
    past: Mapping[str, Past],
    *,
    rules: Rules,
) -> list[Finding]:
    """One Finding per resource, in catalog order."""
    return [
        judge_one(
            r,
            observations.get(r.url) if r.url else None,
            past.get(r.url, _NO_PAST) if r.url else _NO_PAST,
            rules,
        )
        for r in resources
    ]


def new_baselines(
    observations: Mapping[str, Observation], past: Mapping[str, Past]
) -> dict[str, str]:
    """Live titles of URLs that have no baseline yet: they become the baseline."""
    return {
        url: o.title
        for url, o in observations.items()
        if o.verdict.is_live and o.title and past.get(url, _NO_PAST).baseline is None
    }


def judge_one(resource: Resource, obs: Observation | None, hist: Past, rules: Rules) -> Finding:
    """The health of one resource, with the evidence and dates behind it."""
    if resource.url is None:
        return Finding(resource, Health.UNLINKED, evidence="catalogued without a URL")
    seq = [*hist.observations, obs] if obs else list(hist.observations)
    first_seen = hist.first_seen or (seq[0].checked_at if seq else None) or None
    recent = tuple(o.verdict for o in seq[-rules.flaky_window :])
    page_title = next((o.title for o in reversed(seq) if o.verdict.is_live and o.title), None)
    if obs is None:
        return Finding(
            resource,
            Health.BLOCKED,
            evidence="not checked in this run",
            first_seen=first_seen,
            last_live=hist.last_live,
            recent=recent,
            page_title=page_title,
        )

    signal = [o for o in seq if o.verdict is not Verdict.BLOCKED]
    failing = _trailing(signal, lambda v: v.is_failing)
    gone = _trailing(signal, lambda v: v.is_gone)
    failing_since = failing[0].checked_at if failing and obs.verdict.is_failing else None
    last_live = obs.checked_at if obs.verdict.is_live else (hist.last_live or _last_live(hist))
    changes = _changes(seq[-rules.flaky_window :])
    flaky = changes >= rules.flaky_changes

    flags = list(obs.flags)
    drift = False
    baseline = hist.baseline
    if obs.verdict.is_live and obs.title:
        host = host_of(obs.final_url or resource.url) or None
        if baseline is None:
            baseline = obs.title
            if resource.title and shares_nothing(resource.title, obs.title, host=host):
                flags.append(Flag.POSSIBLE_WRONG_LINK)
        elif not same_title(baseline, obs.title, host=host):
            drift = True
            flags.append(Flag.TITLE_DRIFT)

    health, evidence, suggested = _health(
        obs, signal=signal, failing=failing, gone=gone, flaky=flaky, drift=drift, rules=rules
    )
    if flaky:
        evidence += f"; {changes} changes between live and failing in the last runs"
    if Flag.POSSIBLE_WRONG_LINK in flags:
        evidence += f"; page title {obs.title!r} shares no word with the catalogued title"
    return Finding(
        resource=resource,
        health=health,
        observation=obs,
        baseline_title=baseline,
        title_drift=drift,
        flags=tuple(dict.fromkeys(flags)),
        suggested_url=suggested,
        evidence=evidence,
        first_seen=first_seen,
        failing_since=failing_since,
        last_live=last_live,
        recent=recent,
        page_title=page_title,
    )


def _health(
    obs: Observation,
    *,
    signal: list[Observation],
    failing: list[Observation],
    gone: list[Observation],
    flaky: bool,
    drift: bool,
    rules: Rules,
) -> tuple[Health, str, str | None]:
    """(health, evidence, suggested URL) for a resource checked in this run."""
    what = _describe(obs)
    if obs.verdict is Verdict.BLOCKED:
        return Health.BLOCKED, f"{what}: cannot be verified, not evidence of death", None
    if obs.verdict.is_failing:
        since = _day(failing[0].checked_at)
        span = (seconds_between(failing[0].checked_at, obs.checked_at) or 0.0) / 86400
        if len(gone) >= rules.confirm_after:
            return Health.DEAD, f"{what} in {len(gone)} consecutive runs since {since}", None
        if len(failing) >= rules.error_after and span >= rules.error_days:
            return (
                Health.DEAD,
                f"{what}: failing in {len(failing)} consecutive runs over {span:.0f} days"
                f" since {since}",
                None,
            )
        if flaky:
            return Health.FLAKY, what, None
        needed = rules.confirm_after if obs.verdict.is_gone else rules.error_after
        return (
            Health.FAILING,
            f"{what} in {len(failing)} of {needed} runs needed to confirm, since {since}",
            None,
        )
    if obs.verdict is Verdict.MOVED and obs.final_url and obs.final_url != obs.url:
        return Health.MOVED, f"{what}: permanently moved to {obs.final_url}", obs.final_url
    if drift:
        return Health.DRIFTED, f"{what}: title is now {obs.title!r}", None
    if flaky:
        return Health.FLAKY, what, None
    previous = signal[-2] if len(signal) >= 2 else None
    if previous is not None and previous.verdict.is_failing:
        return (
            Health.RECOVERED,
            f"{what} again after {_describe(previous)} on {_day(previous.checked_at)}",
            None,
        )
    return Health.HEALTHY, what, None


def _trailing(seq: list[Observation], pred: Callable[[Verdict], bool]) -> list[Observation]:
    """The longest run at the end of `seq` whose verdicts satisfy `pred`, oldest first."""
    out: list[Observation] = []
    for o in reversed(seq):
        if not pred(o.verdict):
            break
        out.append(o)
    return out[::-1]


def _changes(window: Sequence[Observation]) -> int:
    """Changes between live and failing, blocked skipped."""
    changes, was = 0, None
    for o in window:
        if o.verdict is not Verdict.BLOCKED:
            live = o.verdict.is_live
            changes += was is not None and live != was
            was = live
    return changes


def _last_live(hist: Past) -> str | None:
    return max((o.checked_at for o in hist.observations if o.verdict.is_live), default=None)


def _describe(o: Observation) -> str:
    detail = f"HTTP {o.http_status}" if o.http_status else (o.error or "")
    return f"{o.verdict.value} ({detail})" if detail else o.verdict.value


def _day(at: str) -> str:
    return day(at) or "?"
