"""providers/wayback.py (and audit.py's `archived` step): a dead resource gets the Wayback
Machine's snapshot closest BEFORE linkaudit last saw it live, status 200, verified once and
remembered; a parked or missing snapshot gives none; the archive being down changes nothing.

The pure parts are tested on the replicas of the archive's answers (tests/replicas/
SOURCES.md); the runs ask a loopback replica of the Wayback APIs on the simulated web,
while the catalogued sites answer as the test chooses (tests/rounds.py's Answers)."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from urllib.parse import quote_plus

import pytest

from conftest import simweb_private
from linkaudit.audit import AuditResult, run_audit, stored_snapshot
from linkaudit.history import Store
from linkaudit.model import (
    ArchiveAnswer,
    Archived,
    CheckOptions,
    Fetched,
    Finding,
    Health,
    Hop,
    Kind,
    Observation,
    Resource,
    Rules,
    Verdict,
)
from linkaudit.providers.wayback import (
    Want,
    attach,
    from_availability,
    from_cdx,
    problem_of_capture,
    timestamp_of,
    wanted,
)
from linkaudit.report import json_file_text
from rounds import Answers
from simweb import Reply, SimWeb

REPLICAS = Path(__file__).parent / "replicas"
EXAMPLE = "https://example.com/article"  # the URL the JSON replicas are about
MEMENTO = {
    "memento-datetime": "Sun, 15 Dec 2019 08:30:12 GMT",
    "link": f'<{EXAMPLE}>; rel="original", <https://web.archive.org/web/timemap/link/{EXAMPLE}>;'
    ' rel="timemap"',
    "x-archive-src": "liveweb-20191215/live-20191215082805-wwwb-app23.us.archive.org.warc.gz",
}


def replica(name: str) -> str:
    return (REPLICAS / name).read_text(encoding="utf-8")


def capture(body: str, status: int = 200, *, memento: bool = True, **kw: object) -> Fetched:
    url = f"https://web.archive.org/web/20191215083012id_/{EXAMPLE}"
    headers = dict(MEMENTO) if memento else {}
    return Fetched(url, (Hop(url, status),), status, url, headers, body_text=body, **kw)  # type: ignore[arg-type]


WANT = Want(EXAMPLE, "20200101000000", "An article")


# --- the archive's answers, parsed (pure) ---------------------------------------------


def test_the_availability_apis_closest_capture_is_taken_when_a_200_before_the_time() -> None:
    found = replica("wayback_available_found.json")
    assert from_availability(found, "20200101000000") == "20191215083012"
    assert from_availability(found, "20191215083012") == "20191215083012"  # at the time
    assert from_availability(found, "20191201000000") is None  # closest is after the time
    assert from_availability(found.replace('"200"', '"404"'), "20200101000000") is None
    assert from_availability(replica("wayback_available_none.json"), "20200101000000") is None
    documented = '{"archived_snapshots": {"closest": {"available": true, "url": "http://web.archive.org/web/20130919044612/http://example.com/", "timestamp": "20130919044612", "status": "200"}}}'  # noqa: E501 - archive.org/help/wayback_api.php, verbatim
    assert from_availability(documented, "20140101000000") == "20130919044612"
    assert from_availability('{"archived_snapshots":{}}', "20140101000000") is None
    for broken in ("<html>Too many requests</html>", "[]", '{"url": "x"}'):
        with pytest.raises(ValueError):
            from_availability(broken, "20200101000000")


def cdx_answer(url: str, *stamps: str, status: dict[str, str] | None = None) -> str:
    """The CDX server's JSON for these captures of `url`, in the replica's byte layout
    (JsonWriter: the header row, then one row a line, values joined by `", "`)."""
    if not stamps:
        return replica("wayback_cdx_empty.json")
    header, row = replica("wayback_cdx_found.json").splitlines()
    rows = [
        row[:-1]
        .replace("20191215083012", s)
        .replace(EXAMPLE, url)
        .replace('"200"', f'"{(status or {}).get(s, "200")}"')
        for s in stamps
    ]
    return header + "\n" + ",\n".join(rows) + "]\n"


def test_the_cdx_servers_last_200_at_or_before_the_time_is_taken() -> None:
    found = replica("wayback_cdx_found.json")
    assert from_cdx(found, "20200101000000") == "20191215083012"
    assert from_cdx(found, "20191215083011") is None
    assert from_cdx(replica("wayback_cdx_empty.json"), "20200101000000") is None
    several = cdx_answer(
        EXAMPLE,
        "20180101000000",
        "20190101000000",
        "20190601000000",
        "20210101000000",
        status={"20190601000000": "404"},
    )  # the last one after the time: a server that ignored `to`
    assert from_cdx(several, "20200101000000") == "20190101000000"
    with pytest.raises(ValueError):
        from_cdx('{"error": "x"}', "20200101000000")


def test_a_real_capture_of_a_live_page_is_verified() -> None:
    live = replica("live_course_page.html")
    assert problem_of_capture(capture(live), WANT) is None


@pytest.mark.parametrize(
    ("fetched", "why"),
    [
        (capture(replica("wayback_not_archived.html"), 404, memento=False), "answered 404"),
        (capture(replica("wayback_not_archived.html"), memento=False), "no Memento-Datetime"),
        (
            capture(
                "<title>Wayback Machine</title><h2>Sorry.</h2><p>This URL has been excluded from"
                " the Wayback Machine.</p>"
            ),
            "the Wayback Machine's own",
        ),
        (capture(replica("parked_sedo.html")), "parked domain"),
        (capture(replica("soft404_page_not_found.html")), "no live page"),
        (capture("", 302), "answered 302"),
    ],
    ids=["not archived", "no memento", "excluded", "parked", "not found", "redirect"],
)
def test_a_capture_that_is_no_live_copy_is_refused(fetched: Fetched, why: str) -> None:
    problem = problem_of_capture(fetched, WANT)
    assert problem is not None and why in problem


def titled(name: str) -> Fetched:
    body = replica(name)
    found = re.search(r"<title>([^<]*)</title>", body)
    return capture(body, title=found.group(1) if found else None)


@pytest.mark.parametrize(
    ("name", "kind", "why"),
    [
        ("youtube_playlist_removed.html", Kind.YOUTUBE_PLAYLIST, "does not exist"),
        ("youtube_watch_deleted.html", Kind.YOUTUBE_VIDEO, "removed"),
        ("youtube_consent.html", Kind.YOUTUBE_PLAYLIST, "consent"),
        ("x_login.html", Kind.WEB, "sign-in page"),
        ("linkedin_authwall.html", Kind.WEB, "sign-in page"),
        ("cloudflare_challenge.html", Kind.WEB, "bot challenge"),
    ],
)
def test_a_capture_of_a_wall_or_of_youtubes_own_death_notice_is_refused(
    name: str, kind: Kind, why: str
) -> None:
    """The dead resource's last capture is often the page that says it is gone (YouTube
    answers 200 for a removed playlist) or a wall in front of it: no copy to point at."""
    problem = problem_of_capture(titled(name), Want(EXAMPLE, "20200101000000", "A", kind))
    assert problem is not None and why in problem.lower(), problem


def test_an_old_capture_of_a_live_youtube_page_is_taken() -> None:
    live = Want(EXAMPLE, "20200101000000", "A", Kind.YOUTUBE_PLAYLIST)
    assert problem_of_capture(titled("youtube_playlist_live.html"), live) is None


def test_an_empty_answer_of_the_cdx_server_is_a_fault_not_a_none(
    simweb: SimWeb, tmp_path: Path
) -> None:
    """The CDX server's documented empty answer is `[]`; an empty body is the server
    failing (waybackurls#53): nothing is remembered, the next run asks again."""
    for url in (A, C):
        available(simweb, url, None)
        query = f"url={quote_plus(url)}&output=json&filter=statuscode%3A200&to={BEFORE}&limit=-1"
        empty = Reply(200, body="", content_type="application/json")
        simweb.on(1, f"/cdx/search/cdx?{query}", empty)
    db = tmp_path / "h.db"
    options = CheckOptions(retries=0, timeout=5, wayback=simweb.url(1, ""))
    audit(db, 1, options)
    audit(db, 8, options)
    with Store.open(db, create=False) as store:
        assert store.archive_answers([(u, BEFORE) for u in (A, C)]) == {}


def test_a_capture_that_sends_elsewhere_is_refused() -> None:
    """A capture after the time, or of another page, is refused; the nearest earlier capture
    of the same page as the archive names it (http, www., :80) is taken."""
    later = f"https://web.archive.org/web/20210101000000id_/{EXAMPLE}"
    other = "https://web.archive.org/web/20191215083012id_/https://example.com/"
    same = "https://web.archive.org/web/20191201000000id_/http://www.example.com:80/article"
    live = replica("live_course_page.html")
    for final, why in ((later, "another capture"), (other, "another URL"), (same, None)):
        moved = Fetched(
            WANT.url, (Hop(WANT.url, 302), Hop(final, 200)), 200, final, MEMENTO, body_text=live
        )
        problem = problem_of_capture(moved, WANT)
        assert problem is None if why is None else why in (problem or ""), final


def finding(url: str, health: Health, verdict: Verdict, **kw: object) -> Finding:
    resource = Resource("A course", "Courses", Kind.WEB, url, source="catalog/c.yaml", line=1)
    observation = Observation(url, verdict, checked_at="2026-11-15T06:00:00Z")
    return Finding(resource, health, observation, **kw)  # type: ignore[arg-type]


def test_the_dead_and_the_gone_are_asked_about_before_they_were_last_live() -> None:
    """Dead, or failing and said gone (not a mere error); once a URL; never the archive's
    own; before the last live check, else before the first failing one."""
    findings = [
        finding("https://a.example/", Health.DEAD, Verdict.DEAD, last_live="2026-11-01T06:00:00Z"),
        finding(
            "https://b.example/",
            Health.FAILING,
            Verdict.SOFT_DEAD,
            failing_since="2026-11-08T06:00:00Z",
        ),
        finding(
            "https://c.example/", Health.FAILING, Verdict.ERROR, last_live="2026-11-01T06:00:00Z"
        ),
        finding("https://d.example/", Health.HEALTHY, Verdict.OK),
        finding("https://web.archive.org/web/2019/https://e.example/", Health.DEAD, Verdict.DEAD),
        finding("https://a.example/", Health.DEAD, Verdict.DEAD, last_live="2026-11-01T06:00:00Z"),
    ]
    assert wanted(findings) == [
        Want("https://a.example/", "20261101060000", "A course"),  # last live
        Want("https://b.example/", "20261108060000", "A course"),  # never live: first failure
    ]
    snapshot = Archived(
        "https://web.archive.org/web/20261020000000/https://a.example/", "20261020000000"
    )
    answers = {
        ("https://a.example/", "20261101060000"): ArchiveAnswer(
            "https://a.example/", "20261101060000", snapshot
        )
    }
    attached = attach(findings, answers)
    assert [f.archive for f in attached] == [snapshot, None, None, None, None, snapshot]
    assert timestamp_of("2026-11-22T06:00:00Z") == "20261122060000"
    assert timestamp_of("2026-11-22T07:00:00+01:00") == "20261122060000"
    assert timestamp_of("not a time") is None


# --- runs against a loopback replica of the Wayback Machine --------------------------

A = "https://course.example/linear-algebra"  # a live snapshot before it died
B = "https://parked.example/notes"  # its snapshot before is a parked domain
C = "https://gone.example/book"  # never seen live, never archived
E = "https://lost.example/talk"  # listed by the API, but the capture is not there
D = "https://fine.example/"  # alive
RESOURCES = [
    Resource(name, "Courses", Kind.WEB, url, source="catalog/c.yaml", line=i)
    for i, (name, url) in enumerate(
        [("Linear algebra", A), ("Notes", B), ("Book", C), ("Talk", E), ("Fine", D)], 1
    )
]
LIVE_UNTIL = "2026-11-01T06:00:00Z"
BEFORE = "20261101060000"


def answers(day: int) -> dict[str, Observation]:
    """Run of 2026-11-<day>: A, B and E live on the 1st only, C never, D always."""
    at = f"2026-11-{day:02d}T06:00:00Z"
    dead = Observation("", Verdict.DEAD, http_status=404, checked_at=at)
    live = Observation("", Verdict.OK, http_status=200, title="Linear algebra", checked_at=at)
    return {
        url: Observation(url, v.verdict, http_status=v.http_status, title=v.title, checked_at=at)
        for url, v in [
            (A, live if day == 1 else dead),
            (B, live if day == 1 else dead),
            (C, dead),
            (E, live if day == 1 else dead),
            (D, live),
        ]
    }


def available(web: SimWeb, url: str, closest: str | None, status: str = "200") -> None:
    """The Availability API's answer for `url` before BEFORE (the replica's shape)."""
    path = f"/wayback/available?url={quote_plus(url)}&timestamp={BEFORE}"
    if closest is None:
        body = replica("wayback_available_none.json").replace(EXAMPLE, url)
    else:
        body = (
            replica("wayback_available_found.json")
            .replace(EXAMPLE, url)
            .replace("20191215083012", closest)
            .replace("http://web.archive.org", web.url(1, ""))
            .replace('"status": "200"', f'"status": "{status}"')
        )
    web.on(
        1,
        path,
        Reply(200, body=body.replace("20200101000000", BEFORE), content_type="application/json"),
    )


def listed(web: SimWeb, url: str, *stamps: str) -> None:
    """The CDX server's answer for `url` up to BEFORE with status 200 (the replica's layout)."""
    query = f"url={quote_plus(url)}&output=json&filter=statuscode%3A200&to={BEFORE}&limit=-1"
    body = cdx_answer(url, *stamps)
    web.on(1, f"/cdx/search/cdx?{query}", Reply(200, body=body, content_type="application/json"))


def captured(web: SimWeb, url: str, stamp: str, reply: Reply) -> str:
    return web.on(1, f"/web/{stamp}id_/{url}", reply)


def replica_web(web: SimWeb) -> None:
    """A: the API's closest is a good capture. B: the API's closest is after it died (the
    dead page, 404), the CDX server's last 200 before is a parked page. C: nothing at all.
    E: the API lists a capture the playback does not have."""
    memento = dict(MEMENTO)
    available(web, A, "20191215083012")
    captured(
        web, A, "20191215083012", Reply(200, body=replica("live_course_page.html"), headers=memento)
    )
    available(web, B, "20261105000000", status="404")
    listed(web, B, "20240301000000", "20250601000000")
    captured(
        web, B, "20250601000000", Reply(200, body=replica("parked_sedo.html"), headers=memento)
    )
    available(web, C, None)
    listed(web, C)
    available(web, E, "20230101000000")
    captured(web, E, "20230101000000", Reply(404, body=replica("wayback_not_archived.html")))


def audit(db: Path, day: int, options: CheckOptions) -> AuditResult:
    with Store.open(db) as store:
        return asyncio.run(
            run_audit(
                RESOURCES,
                options,
                store=store,
                providers=[Answers(answers(day))],
                private=simweb_private,
            )
        )


def asked(web: SimWeb) -> int:
    return sum(1 for seen in web.requests if seen.address == web.hosts[1])


def by_url(result: AuditResult) -> dict[str, Finding]:
    return {f.resource.url or "": f for f in result.findings}


def test_a_resource_dead_for_two_runs_gets_its_snapshot_from_before_it_died(
    simweb: SimWeb, tmp_path: Path
) -> None:
    replica_web(simweb)
    db = tmp_path / "h.db"
    options = CheckOptions(retries=0, timeout=5, wayback=simweb.url(1, ""))
    first = by_url(audit(db, 1, options))
    assert first[C].health is Health.FAILING and first[C].archive is None
    assert asked(simweb) == 2  # C, failing and said gone: the API, then the CDX server

    second_run = audit(db, 8, options)
    second = by_url(second_run)
    archive_host = next(h for h in second_run.hosts if "127.0.0.3" in h.names)
    assert archive_host.requests == 7  # its requests, made after the run completed, counted
    with Store.open(db, create=False) as store:
        assert [h.requests for h in store.runs(limit=1)[0].hosts if h == archive_host] == [7]
    snapshot = Archived(f"{simweb.url(1, '')}/web/20191215083012/{A}", "20191215083012")
    assert second[A].health is Health.FAILING and second[A].archive == snapshot  # a hint
    assert asked(simweb) == 2 + 2 + 3 + 2  # A: API, capture; B: API, CDX, capture; E: API, capture
    assert simweb.hits(1, f"/web/20191215083012id_/{A}") == 1  # verified once

    third = audit(db, 15, options)
    assert asked(simweb) == 9  # everything remembered: the archive is asked nothing new
    findings = by_url(third)
    assert {url: f.health for url, f in findings.items()} == {
        A: Health.DEAD,
        B: Health.DEAD,
        C: Health.DEAD,
        E: Health.DEAD,
        D: Health.HEALTHY,
    }
    assert {url: f.archive for url, f in findings.items()} == {
        A: snapshot,
        B: None,
        C: None,
        E: None,
        D: None,
    }
    results = {
        r["url"]: r for r in json.loads(json_file_text(third.findings, third.run))["results"]
    }
    assert (results[A]["archive_url"], results[A]["archive_timestamp"]) == (
        snapshot.url,
        "20191215083012",
    )
    assert all(results[u]["archive_url"] is None for u in (B, C, D, E))
    with Store.open(db, create=False) as store:
        replayed = stored_snapshot(store, rules=Rules())
        notes = {
            a.url: a.note
            for a in store.archive_answers([(u, BEFORE) for u in (A, B, C, E)]).values()
        }
    assert [f.archive for f in replayed.findings] == [f.archive for f in third.findings]
    assert notes[A] == "verified"
    assert "parked domain" in notes[B]
    assert notes[C] == f"no capture with status 200 before {BEFORE}"
    assert "answered 404" in notes[E]


def healths(result: AuditResult) -> list[tuple[str | None, Health, Verdict | None]]:
    return [
        (f.resource.url, f.health, f.observation.verdict if f.observation else None)
        for f in result.findings
    ]


def test_the_archive_being_down_changes_nothing_else_and_is_not_remembered(
    simweb: SimWeb, tmp_path: Path
) -> None:
    """An archive that answers 503 (asked once a run, then left alone) or whose port is
    closed: every run completes as without the archive, with no snapshot and nothing
    remembered, so the first run that reaches it asks."""
    for url in (A, B, C, E):
        simweb.on(1, f"/wayback/available?url={quote_plus(url)}&timestamp={BEFORE}", Reply(503))
    down = {"503": simweb.url(1, ""), "closed": simweb.refused_url("").rstrip("/")}
    without = [
        healths(audit(tmp_path / "off.db", day, CheckOptions(archive=False))) for day in (1, 8, 15)
    ]
    for name, origin in down.items():
        db = tmp_path / f"{name}.db"
        options = CheckOptions(retries=0, timeout=5, wayback=origin)
        before = asked(simweb)
        runs = [audit(db, day, options) for day in (1, 8, 15)]
        assert [healths(r) for r in runs] == without, name
        assert all(f.archive is None for r in runs for f in r.findings)
        with Store.open(db, create=False) as store:
            assert store.archive_answers([(u, BEFORE) for u in (A, B, C, E)]) == {}
            assert [r.state.value for r in store.runs()] == ["complete"] * 3
        if name == "503":
            assert asked(simweb) - before == 3  # one request a run: the first URL, then none

    replica_web(simweb)  # the archive is back: the next run asks, nothing was taken as "none"
    fourth = by_url(audit(tmp_path / "503.db", 22, CheckOptions(retries=0, wayback=down["503"])))
    assert fourth[A].archive is not None and fourth[A].archive.timestamp == "20191215083012"


def test_no_archive_asks_nothing(simweb: SimWeb, tmp_path: Path) -> None:
    replica_web(simweb)
    options = CheckOptions(archive=False, wayback=simweb.url(1, ""))
    for day in (1, 8, 15):
        audit(tmp_path / "h.db", day, options)
    assert asked(simweb) == 0


# --- a catalogued Wayback URL is checked like any other page ------------------------


def test_a_catalogued_snapshot_is_checked_like_any_other_page(simweb: SimWeb) -> None:
    """At web.archive.org's own name: a capture (view mode, toolbar and all) is ok, not
    parked, soft-404 or bounced; a timestamp that is no capture's is redirected to the
    nearest one; a URL the archive never captured is dead; and the archive is not asked
    about its own URLs."""
    original = "https://www.fws.gov/birds/"
    wayback = "web.archive.org"
    view = simweb.on(
        wayback,
        f"/web/20171124151315/{original}",
        Reply(200, body=replica("wayback_snapshot.html"), headers=MEMENTO),
    )
    nearest = simweb.on(
        wayback,
        f"/web/2017/{original}",
        Reply(
            302,
            content_type="text/plain; charset=utf-8",
            location=view,
            headers={"x-archive-redirect-reason": "found capture at 20171124151315"},
        ),
    )
    never = simweb.on(
        wayback,
        "/web/2017/https://this-is-not-real-url.whatever/",
        Reply(404, body=replica("wayback_not_archived.html")),
    )
    resources = [
        Resource("Migratory Bird Program", "Birds", Kind.WEB, url, source="c.yaml", line=i)
        for i, url in enumerate([view, nearest, never], 1)
    ]

    async def unpaced(_seconds: float) -> None:  # the archive's 1 s pace, counted not slept
        return None

    db_less = run_audit(
        resources,
        CheckOptions(retries=0, timeout=5),
        resolver=simweb.resolver({wayback: 1}),
        private=simweb_private,
        sleep=unpaced,
    )
    result = asyncio.run(db_less)
    seen = result.observations
    assert (seen[view].verdict, seen[view].flags) == (Verdict.OK, ())
    assert seen[view].title is not None and "Migratory Bird Program" in seen[view].title
    assert (seen[nearest].verdict, seen[nearest].final_url) == (Verdict.REDIRECTED, view)
    assert (seen[never].verdict, seen[never].http_status) == (Verdict.DEAD, 404)
    assert all(s.host == wayback and s.path.startswith("/web/") for s in simweb.requests)
