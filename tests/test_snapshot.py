"""snapshot.py: a run judged again from the database gives the findings `check` gave."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkaudit.history.recorder import RunHistory
from linkaudit.history.store import Store, StoreError
from linkaudit.model import Finding, Health, Kind, Observation, Resource, Verdict
from linkaudit.snapshot import load_snapshot, snapshot_of

A, B, C = "http://127.0.0.2:9/a", "http://127.0.0.3:9/b", "http://127.0.0.4:9/c"
RES = [
    Resource("Alpha course", "Courses", Kind.WEB, A, "c.yaml", 1),
    Resource("Beta notes", "Notes", Kind.WEB, B, "c.yaml", 4),
    Resource("Gamma book", "Books", Kind.WEB, C, "c.yaml", 7),
]
UNLINKED = Resource("Delta chapter", "Primer", Kind.WEB, None, "c.yaml", 10)
ROUNDS = [  # (A, B, C) per run
    ((Verdict.OK, "Alpha course"), (Verdict.OK, "Beta notes"), (Verdict.OK, "Unrelated shop")),
    ((Verdict.DEAD, None), (Verdict.OK, "Beta notes"), (Verdict.ERROR, None)),
    ((Verdict.DEAD, None), (Verdict.OK, "Completely different"), (Verdict.OK, "Unrelated shop")),
]


def run_round(db: Path, n: int) -> list[Finding]:
    at = f"2026-11-{n + 1:02d}T06:00:00Z"
    obs = {
        r.url: Observation(r.url, v, title=t, http_status=200 if t else 404, checked_at=at)
        for r, (v, t) in zip(RES, ROUNDS[n], strict=True)
        if r.url
    }
    with RunHistory.open(db, [*RES, UNLINKED], started_at=at) as history:
        for o in obs.values():
            history.add(o)
        return history.conclude([*RES, UNLINKED], obs, finished_at=at)


def by_url(findings: list[Finding]) -> dict[str | None, Finding]:
    return {f.resource.url: f for f in findings}


def test_every_run_judged_again_gives_the_same_findings(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    judged = [run_round(db, n) for n in range(len(ROUNDS))]
    assert by_url(judged[2])[B].health is Health.DRIFTED
    assert "possible_wrong_link" in by_url(judged[0])[C].flags  # first sight only
    with Store.open(db, create=False) as store:
        for run_id, findings in enumerate(judged, start=1):
            snap = load_snapshot(store, run_id=run_id, unlinked=[UNLINKED])
            assert by_url(snap.findings) == by_url(findings), run_id


def test_snapshot_compares_with_the_previous_complete_run_and_trends(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    judged = [run_round(db, n) for n in range(len(ROUNDS))]
    with Store.open(db, create=False) as store:
        snap = load_snapshot(store, unlinked=[UNLINKED])
        assert snap.run.id == 3
        assert snap.previous_run is not None and snap.previous_run.id == 2
        assert by_url(snap.previous or []) == by_url(judged[1])
        assert [(p.run_id, p.answered, p.failed) for p in snap.trend] == [
            (1, 3, 0),
            (2, 1, 2),
            (3, 2, 1),
        ]
        first = load_snapshot(store, run_id=1)
        assert first.previous is None and len(first.trend) == 1
        fresh = snapshot_of(store, snap.run, judged[2], since=1)
        assert fresh.previous_run is not None and fresh.previous_run.id == 1


def test_an_accepted_title_ends_the_drift_in_a_rerendered_report(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    for n in range(len(ROUNDS)):
        run_round(db, n)
    with Store.open(db, create=False) as store:
        store.accept_title(B)
        assert by_url(load_snapshot(store).findings)[B].health is Health.HEALTHY


def test_no_complete_run_is_a_clear_error(tmp_path: Path) -> None:
    with Store.open(tmp_path / "h.db") as store, pytest.raises(StoreError, match="no complete"):
        load_snapshot(store)
    db = tmp_path / "h.db"
    run_round(db, 0)
    with Store.open(db) as store, pytest.raises(StoreError, match="run 5 is not"):
        load_snapshot(store, run_id=5)
