"""Sixty resources over five weekly runs: the report a maintainer of the real catalog reads.

    findings(run)          the judged findings of run 1..5 (judge.py, pure: no network, no
                           database); run 5 is the one the report is about
    report()               render_markdown of run 5, compared with run 4, with the trend
    RUN, PREVIOUS_RUN      the two runs' RunInfo

The resources are real: the 45 links of tests/data/ml-study-guide.md as the Markdown
catalog reader makes them (generic link text such as "here", "has a blog", "Part 2"
included, and the guide's own mojibake "Fran√ßois"), 10 linked and 5 unlinked entries
of catalog/ml-for-engineers-primer.yaml (long titles, long section paths, the longest
file name), plus hostile titles: a catalog title with a table border, HTML and a
mention, and page titles that try links, HTML, mentions and issue references. What each
URL answered in each run (STORIES) puts a resource in every section of the report:
dead (404, an unknown host, a removed playlist, errors over three weeks), failing,
moved (one to a URL hostile to a shell), drifted, flaky, blocked, recovered, healthy
(a newer arXiv version, a possible wrong link) and unlinked.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path

from linkaudit.catalog import load_catalog
from linkaudit.judge import judge
from linkaudit.model import (
    Finding,
    Flag,
    Hop,
    Observation,
    Past,
    Resource,
    Rules,
    RunInfo,
    TrendPoint,
    Verdict,
)

HERE = Path(__file__).parent
GUIDE = HERE / "data" / "ml-study-guide.md"
PRIMER = HERE.parent / "catalog" / "ml-for-engineers-primer.yaml"
DAYS = ("2026-11-01", "2026-11-08", "2026-11-15", "2026-11-22", "2026-11-29")
RUNS = [RunInfo(i, f"{d}T06:00:00Z", f"{d}T06:02:41Z", tool_version="0.1.0") for i, d in
        enumerate(DAYS, start=1)]  # fmt: skip
RUN, PREVIOUS_RUN = RUNS[-1], RUNS[-2]
HOSTILE_PAGE = (
    "Evil | cell ](http://x) <script>alert(1)</script>\nsecond line @someone #12 GH-12"
    " www.evil.test"
)
HOSTILE_TARGET = "https://www.deeplearning.ai/short-courses/?q='$(id)`id`|more;x"
HOSTILE_CATALOG_TITLE = "Primer chapter | two <img src=x onerror=alert(1)> @everyone #1"

Step = Callable[[str, str, str], Observation | None]  # (url, title, checked_at)


def ok(title: str | None = None, **kw: object) -> Step:
    """Answered 200 with `title` (default: the catalogued title)."""
    return lambda url, t, at: Observation(
        url, Verdict.OK, http_status=200, final_url=url, hops=(Hop(url, 200),),
        title=title or t, checked_at=at, **kw,  # type: ignore[arg-type]
    )  # fmt: skip


def status(code: int, verdict: Verdict, *flags: Flag, error: str | None = None) -> Step:
    return lambda url, _t, at: Observation(
        url, verdict, http_status=code, final_url=url, hops=(Hop(url, code),), flags=flags,
        error=error or f"HTTP {code}", checked_at=at,
    )  # fmt: skip


def failed(verdict: Verdict, error: str) -> Step:
    """No HTTP answer at all (an unknown host, a timeout)."""
    return lambda url, _t, at: Observation(url, verdict, error=error, checked_at=at)


def moved(target: str, code: int = 301, title: str | None = None) -> Step:
    return lambda url, t, at: Observation(
        url, Verdict.MOVED, http_status=200, final_url=target,
        hops=(Hop(url, code), Hop(target, 200)), title=title or t, checked_at=at,
    )  # fmt: skip


def soft(error: str, *flags: Flag, final: str | None = None) -> Step:
    return lambda url, _t, at: Observation(
        url, Verdict.SOFT_DEAD, http_status=200, final_url=final or url,
        hops=(Hop(url, 302), Hop(final, 200)) if final else (Hop(url, 200),),
        flags=flags, error=error, checked_at=at,
    )  # fmt: skip


def absent(_url: str, _title: str, _at: str) -> None:
    """Not catalogued yet in that run."""
    return None


OK = ok()
E404 = status(404, Verdict.DEAD)
E410 = status(410, Verdict.DEAD)
E403 = status(403, Verdict.BLOCKED)
E500 = status(500, Verdict.ERROR)
E503 = status(503, Verdict.ERROR)
TIMEOUT = failed(Verdict.ERROR, "timeout: no response in time")
GONE_PLAYLIST = soft("This playlist does not exist.")
PRIVATE = soft("private: This playlist is private.", Flag.PRIVATE)
UNKNOWN_HOST = failed(Verdict.DEAD, "name does not resolve: www.arxiv-sanity.com")
OEMBED_404 = status(404, Verdict.DEAD, error="YouTube oEmbed answered 404: gone")
BOUNCED = soft(
    "deep link bounced to https://www.neelnanda.io/",
    Flag.BOUNCED_HOME,
    final="https://www.neelnanda.io/",
)
CHALLENGE = status(403, Verdict.BLOCKED, Flag.BOT_CHALLENGE, error="Cloudflare challenge")
RATE_LIMITED = status(429, Verdict.BLOCKED, Flag.RATE_LIMITED, error="HTTP 429 after 3 retries")
NEWER = ok(None, flags=(Flag.NEWER_VERSION,), note="v3 is the latest version")
DL = "https://www.youtube.com/playlist?list=PLkDaE6sCZn6"  # the Deep Learning specialization
CNN, CNN_NOW = "Convolutional Neural Networks - YouTube", "Course 4: CNNs (2017, archived)"
MLOPS = "A Chat with Andrew on MLOps: From Model-centric to Data-centric AI - YouTube"
MLOPS_NOW = (
    "Andrew Ng: Unbiggen AI, a conversation about data-centric AI, small data, foundation"
    " models and what comes after MLOps (full interview, 2024 re-upload) - YouTube"
)
FOLLOWING = ok("People followed by Richard (@bae_theorem) / X")
NEEL = ok("Neel Nanda - YouTube")
COURSE_1 = ok(
    "Neural Networks and Deep Learning (Course 1 of the Deep Learning Specialization) - YouTube"
)

# What each URL answered in runs 1..5 (a URL not listed answered 200 every time).
STORIES: dict[str, tuple[Step, ...]] = {
    # dead
    "https://www.youtube.com/playlist?list=PLBE9407EA64E2C318&index=1": (
        (OK, OK, OK, GONE_PLAYLIST, GONE_PLAYLIST)
    ),
    DL + "Hn0vK8co82zjQtt3T2Nkqc": (*[ok("Improving Deep Neural Networks")] * 3, PRIVATE, PRIVATE),
    "https://atcold.github.io/book.html": (OK, OK, OK, E404, E404),
    "https://www.youtube.com/watch?v=86ib0sfdFtw&list=PLwFLAA-F1Pgo_2NDWE9-l9BZ0sone8ZRY"
    "&index=1&pp=iAQB": (OK, OK, OK, OEMBED_404, OEMBED_404),
    "http://www.arxiv-sanity.com/": (OK, OK, OK, UNKNOWN_HOST, UNKNOWN_HOST),
    "https://mlstory.org/": (OK, TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT),
    "https://www.neelnanda.io/mechanistic-interpretability": (OK, OK, OK, BOUNCED, BOUNCED),
    # failing
    "https://proceedings.neurips.cc/paper/2015/file/86df7dcfd896fcaf2674f757a2463eba-Paper.pdf": (
        (OK, OK, OK, OK, TIMEOUT)
    ),
    "https://www.deeplearning.ai/short-courses/javascript-rag-web-apps-with-llamaindex/": (
        (OK, OK, OK, OK, E410)
    ),
    # moved
    "https://www.youtube.com/watch?v=ZK3O402wf1c&list=PL49CF3715CB9EF31D&index=1": (
        *(OK, OK, OK),
        *[moved("https://www.youtube.com/playlist?list=PL49CF3715CB9EF31D")] * 2,
    ),
    "https://www.coursera.org/learn/generative-ai-with-llms": (
        *(OK, OK, OK, OK),
        moved("https://www.deeplearning.ai/courses/generative-ai-with-llms/"),
    ),
    "https://github.com/dcai-course/dcai-lab": (
        *(OK, OK, OK, OK),
        moved("https://github.com/dcai-course/dcai-lab-2024", 308),
    ),
    "https://www.deeplearning.ai/short-courses/": (
        (OK, OK, OK, OK, moved(HOSTILE_TARGET, title="Cheap watches"))
    ),
    "https://www.coursera.org/learn/machine-learning": (
        *(OK, OK),
        *[moved("https://www.coursera.org/specializations/machine-learning-introduction")] * 3,
    ),
    "https://developers.google.com/machine-learning/glossary": (
        *(OK, OK, OK, OK),
        moved("https://developers.google.com/machine-learning/glossary/", 308),
    ),
    # drifted
    DL + "Gl29AoE31iwdVwSG-KnDzF": (*[ok(CNN)] * 4, ok(CNN_NOW)),
    "https://www.youtube.com/watch?v=06-AZXmwHjo": (*[ok(MLOPS)] * 4, ok(MLOPS_NOW)),
    "https://dynalist.io/d/n2ZWtnoYHrU1s4vnFSAQ519J": (
        OK,
        OK,
        OK,
        ok(HOSTILE_PAGE),
        ok(HOSTILE_PAGE),
    ),
    # flaky
    "https://www.youtube.com/watch?v=UOvPeC8WOt8&list=PLyPKqVSnetmEOp_g_hfabuRAs9ET-shl_": (
        (OK, E503, OK, E503, OK)
    ),
    "https://keras.io/": (OK, OK, E503, OK, E503),
    # blocked
    "https://www.codecademy.com/learn/learn-python-3": (OK, OK, OK, OK, CHALLENGE),
    "https://twitter.com/bae_theorem/following": (FOLLOWING, FOLLOWING, E403, E403, E403),
    "https://www.youtube.com/channel/UCBMJ0D-omcRay8dh4QT0doQ": (*[NEEL] * 4, RATE_LIMITED),
    # recovered
    DL[:38] + "PLLHTzKZzVU9e6xUfG10TkTWApKSZCzuBI": (E500, E500, E500, E500, OK),
    "https://www.khanacademy.org/math/linear-algebra": (TIMEOUT, TIMEOUT, TIMEOUT, TIMEOUT, OK),
    # healthy, with something to say
    "https://arxiv.org/abs/2106.10165": (NEWER,) * 5,
    "https://www.semanticscholar.org/": (absent, absent, absent, absent, ok("Cheap flights")),
    "http://colah.github.io/": (ok("Home - colah's blog"),) * 5,
    DL + "Ec-XTbcX1uRg2_u4xOEky0": (COURSE_1,) * 5,
}


@functools.cache
def catalog() -> tuple[Resource, ...]:
    """The 60 resources, sources named as a checkout of the project names them."""
    guide = [replace(r, source="catalog/ml-study-guide.md") for r in load_catalog([GUIDE])]
    primer = [
        replace(r, source="catalog/ml-for-engineers-primer.yaml") for r in load_catalog([PRIMER])
    ]
    linked = [r for r in primer if r.url][:10]
    unlinked = [r for r in primer if not r.url][:5]
    unlinked[2] = replace(unlinked[2], title=HOSTILE_CATALOG_TITLE)
    return (*guide, *linked, *unlinked)


def observation(resource: Resource, run: int) -> Observation | None:
    """What `resource`'s URL answered in run 1..5."""
    assert resource.url
    story = STORIES.get(resource.url, (OK,) * len(RUNS))
    return story[run - 1](resource.url, resource.title, RUNS[run - 1].started_at)


def findings(run: int = len(RUNS)) -> list[Finding]:
    """Run `run` judged over the runs before it, as `check` judges it."""
    return list(_findings(run))


@functools.cache
def _findings(run: int) -> tuple[Finding, ...]:
    resources = catalog()
    linked = [r for r in resources if r.url]
    seen = {r.url: [observation(r, n) for n in range(1, run + 1)] for r in linked}
    now = {url: obs[-1] for url, obs in seen.items() if obs[-1] is not None}
    past = {url: _past([o for o in obs[:-1] if o is not None]) for url, obs in seen.items()}
    present = [r for r in resources if not r.url or r.url in now]
    return tuple(judge(present, now, past, rules=Rules()))


def _past(observations: list[Observation]) -> Past:
    live = [o for o in observations if o.verdict.is_live]
    return Past(
        observations=tuple(observations),
        baseline=next((o.title for o in live if o.title), None),
        first_seen=observations[0].checked_at if observations else None,
        last_live=live[-1].checked_at if live else None,
    )


def trend() -> list[TrendPoint]:
    points = []
    for info in RUNS:
        assert info.id is not None
        seen = [observation(r, info.id) for r in catalog() if r.url]
        verdicts = [o.verdict for o in seen if o is not None]
        answered = sum(v.is_live for v in verdicts)
        points.append(
            TrendPoint(info.id, info.started_at, answered, sum(v.is_failing for v in verdicts))
        )
    return points


@functools.cache
def report() -> str:
    """The health report of run 5, as `linkaudit check` writes it."""
    from linkaudit.report import render_markdown

    return render_markdown(
        findings(), RUN, previous=findings(len(RUNS) - 1), previous_run=PREVIOUS_RUN,
        trend=trend(),
    )  # fmt: skip
