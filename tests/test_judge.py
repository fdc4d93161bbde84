"""judge.py: a table of histories and the health a maintainer is told."""

from __future__ import annotations

import pytest

from linkaudit.judge import judge, judge_one, new_baselines
from linkaudit.model import Finding, Health, Kind, Observation, Past, Resource, Rules, Verdict

URL = "https://example.org/page"
RES = Resource(title="Deep Learning Book", section="Books", kind=Kind.WEB, url=URL)

STATUS = {
    Verdict.OK: 200,
    Verdict.REDIRECTED: 200,
    Verdict.MOVED: 200,
    Verdict.DEAD: 404,
    Verdict.SOFT_DEAD: 200,
    Verdict.BLOCKED: 403,
    Verdict.ERROR: 503,
}


def obs(verdict: Verdict, day: int, title: str | None = "Deep Learning Book", **kw) -> Observation:
    return Observation(
        url=URL,
        verdict=verdict,
        http_status=STATUS[verdict],
        title=title if verdict.is_live else None,
        checked_at=f"2026-11-{day:02d}T06:00:00Z",
        final_url=kw.pop("final_url", URL),
        **kw,
    )


def run(
    verdicts: str, *, baseline: str | None = "Deep Learning Book", days: int = 7, **kw
) -> Finding:
    """Judge the last of a sequence of verdict codes, one run every `days` days."""
    codes = {
        "o": Verdict.OK,
        "r": Verdict.REDIRECTED,
        "m": Verdict.MOVED,
        "d": Verdict.DEAD,
        "s": Verdict.SOFT_DEAD,
        "b": Verdict.BLOCKED,
        "e": Verdict.ERROR,
    }
    seq = [obs(codes[c], 1 + i * days) for i, c in enumerate(verdicts)]
    this = obs(codes[verdicts[-1]], 1 + (len(verdicts) - 1) * days, **kw)
    hist = Past(observations=tuple(seq[:-1]), baseline=baseline, first_seen="2026-10-01T00:00:00Z")
    return judge_one(RES, this, hist, Rules())


@pytest.mark.parametrize(
    ("verdicts", "health"),
    [
        ("o", Health.HEALTHY),
        ("oooo", Health.HEALTHY),
        ("r", Health.HEALTHY),
        ("d", Health.FAILING),  # first failure: news, not yet confirmed
        ("od", Health.FAILING),
        ("odd", Health.DEAD),  # confirmed after 2 consecutive runs
        ("dd", Health.DEAD),
        ("ss", Health.DEAD),  # soft_dead counts like dead
        ("ds", Health.DEAD),
        ("dbd", Health.DEAD),  # blocked is no evidence: the streak continues
        ("ooe", Health.FAILING),
        ("eee", Health.FAILING),  # errors need 4 runs ...
        ("eeee", Health.DEAD),  # ... spanning 7 days (here 21)
        ("oed", Health.FAILING),  # 1 gone after an error: not yet confirmed
        ("eeed", Health.DEAD),  # 4 failing runs over 21 days, whatever the failure
        ("do", Health.RECOVERED),
        ("ddo", Health.RECOVERED),
        ("odo", Health.FLAKY),  # two changes in the last five runs
        ("oooodod", Health.FLAKY),
        ("ododdd", Health.DEAD),  # confirmed dead beats flaky
        ("odoo", Health.FLAKY),
        ("dooooo", Health.HEALTHY),  # the failure left the window
        ("ob", Health.BLOCKED),
        ("b", Health.BLOCKED),
        ("dbo", Health.RECOVERED),
    ],
)
def test_health_from_history(verdicts: str, health: Health) -> None:
    assert run(verdicts).health is health


def test_errors_within_a_week_are_not_yet_dead() -> None:
    """Four daily errors: a bad week for the server, not a dead link."""
    assert run("eeee", days=1).health is Health.FAILING
    assert run("eeeeeeee", days=1).health is Health.DEAD


def test_the_error_rule_counts_any_failing_verdict() -> None:
    """Errors that end in a dead are one streak of failure: dead by the error rule
    although only one run said dead."""
    f = run("oeeed")
    assert f.health is Health.DEAD
    assert f.evidence == (
        "dead (HTTP 404): failing in 4 consecutive runs over 21 days since 2026-11-08"
    )
    assert run("oeeed", days=1).health is Health.FAILING  # 4 runs, but 3 days


def test_confirm_after_is_configurable() -> None:
    seq = [obs(Verdict.DEAD, 1), obs(Verdict.DEAD, 8)]
    three = Rules(confirm_after=3)
    assert judge_one(RES, seq[1], Past(observations=(seq[0],)), three).health is Health.FAILING
    seq.append(obs(Verdict.DEAD, 15))
    assert judge_one(RES, seq[2], Past(observations=tuple(seq[:2])), three).health is Health.DEAD


def test_dates_a_maintainer_needs() -> None:
    f = run("oodd")
    assert f.failing_since == "2026-11-15T06:00:00Z"
    assert f.last_live == "2026-11-08T06:00:00Z"
    assert f.first_seen == "2026-10-01T00:00:00Z"
    assert f.recent == (Verdict.OK, Verdict.OK, Verdict.DEAD, Verdict.DEAD)
    assert "2 consecutive runs since 2026-11-15" in f.evidence
    healthy = run("oo")
    assert healthy.failing_since is None
    assert healthy.last_live == "2026-11-08T06:00:00Z"


def test_moved_suggests_the_final_url() -> None:
    f = run("om", final_url="https://example.org/new-home")
    assert f.health is Health.MOVED
    assert f.suggested_url == "https://example.org/new-home"


@pytest.mark.parametrize(
    ("baseline", "title", "drift"),
    [
        ("Deep Learning Book", "Deep Learning Book", False),
        ("Deep Learning Book", "deep learning   BOOK", False),
        ("Deep Learning Book", "Deep Learning Book - YouTube", False),
        ("Deep Learning Book", "Deep Learning Book | Coursera", False),
        ("Deep Learning Book", "Deep Learning Book &amp; more", False),  # 3 of its 4 words
        ("Deep Learning Book", "Deep Learning Book has moved", True),  # 3 of 5: a change
        ("Welcome", "Welcome to nginx!", True),  # contained, but a different page
        ("Deep Learning Book", "Domain for sale: example.org", True),
        ("Deep Learning Book", "Cooking with Julia", True),
    ],
)
def test_title_drift(baseline: str, title: str, drift: bool) -> None:
    f = run("oo", baseline=baseline, title=title)
    assert f.title_drift is drift
    assert f.health is (Health.DRIFTED if drift else Health.HEALTHY)
    assert ("title_drift" in f.flags) is drift
    assert f.baseline_title == baseline


def test_first_live_title_becomes_the_baseline() -> None:
    this = obs(Verdict.OK, 1, title="Deep Learning Book - YouTube")
    f = judge_one(RES, this, Past(), Rules())
    assert f.baseline_title == "Deep Learning Book - YouTube"
    assert not f.title_drift
    assert new_baselines({URL: this}, {}) == {URL: "Deep Learning Book - YouTube"}
    assert new_baselines({URL: this}, {URL: Past(baseline="Old")}) == {}
    assert new_baselines({URL: obs(Verdict.DEAD, 1)}, {}) == {}


@pytest.mark.parametrize(
    ("catalogued", "page", "flagged"),
    [
        ("Deep Learning Book", "Deep Learning", False),
        ("Essence of linear algebra", "Essence of Linear Algebra - YouTube", False),
        ("Neural Networks: Zero to Hero", "Neural network lectures", False),
        ("Deep Learning Book", "Cooking with Julia", True),
        ("Deep Learning Book", "YouTube", False),  # nothing left to compare
    ],
)
def test_possible_wrong_link_on_first_sight(catalogued: str, page: str, flagged: bool) -> None:
    res = Resource(title=catalogued, section="", kind=Kind.WEB, url=URL)
    f = judge_one(res, obs(Verdict.OK, 1, title=page), Past(), Rules())
    assert ("possible_wrong_link" in f.flags) is flagged
    # once: with a baseline recorded, the next run does not repeat it
    later = judge_one(res, obs(Verdict.OK, 8, title=page), Past(baseline=page), Rules())
    assert "possible_wrong_link" not in later.flags


def test_unlinked_and_unchecked_resources() -> None:
    unlinked = Resource(title="A primer", section="", kind=Kind.WEB)
    findings = judge([unlinked, RES], {}, {}, rules=Rules())
    assert [f.health for f in findings] == [Health.UNLINKED, Health.BLOCKED]
    assert findings[1].evidence == "not checked in this run"


def test_observation_flags_are_kept() -> None:
    f = run("o", flags=("not_modified",))
    assert f.flags == ("not_modified",)


def test_page_title_is_the_last_title_the_page_answered_with() -> None:
    """What the report shows beside a generic catalog title ("here"): this run's title,
    else the last one seen live; a blocked or failing answer has none to give."""
    assert run("oo", title="Now").page_title == "Now"
    seen = [obs(Verdict.OK, 1, title="First"), obs(Verdict.OK, 8, title="Later")]
    blocked = Observation(URL, Verdict.BLOCKED, title="Just a moment...", checked_at="2026-11-15")
    f = judge_one(RES, blocked, Past(observations=tuple(seen), baseline="First"), Rules())
    assert f.health is Health.BLOCKED and f.page_title == "Later"
    unchecked = judge([RES], {}, {URL: Past(observations=tuple(seen))}, rules=Rules())[0]
    assert unchecked.page_title == "Later"
    assert run("d").page_title is None
