"""audit.py with history/: several runs in a row against one database, judged with memory,
and `linkaudit check` processes killed, run twice at once or refused a newer database."""

from __future__ import annotations

import asyncio
import json
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkaudit import __version__
from linkaudit.audit import run_audit
from linkaudit.cli import main
from linkaudit.config import REMOTE_TEXT_CHARS
from linkaudit.errors import NetworkDown
from linkaudit.history import Store, previous_of
from linkaudit.history.schema import SCHEMA_VERSION
from linkaudit.model import (
    BaselineHow,
    CheckOptions,
    Finding,
    Flag,
    Health,
    Kind,
    Observation,
    Previous,
    Resource,
    Rules,
    RunState,
    Verdict,
)
from rounds import recorded_run
from simweb import Reply, SimWeb, html, page

URL = "http://127.0.0.1:9/page"
RES = [Resource(title="Essence of linear algebra", section="Math", kind=Kind.WEB, url=URL)]


def round_(db: Path, verdict: Verdict, title: str | None = None, day: int = 1, **kw) -> Health:
    """One complete run in which URL answered `verdict`; returns its health."""
    at = f"2026-11-{day:02d}T06:00:00Z"
    o = Observation(URL, verdict, title=title, checked_at=at, http_status=200, **kw)
    return recorded_run(db, RES, {URL: o}).findings[0].health


def test_dead_is_confirmed_on_the_second_failing_run(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    assert round_(db, Verdict.OK, "Essence of linear algebra") is Health.HEALTHY
    assert round_(db, Verdict.DEAD, day=8) is Health.FAILING
    assert round_(db, Verdict.DEAD, day=15) is Health.DEAD
    assert round_(db, Verdict.OK, "Essence of linear algebra", day=22) is Health.FLAKY


def test_title_baseline_is_the_first_live_title(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    assert round_(db, Verdict.OK, "Essence of linear algebra") is Health.HEALTHY
    assert round_(db, Verdict.OK, "ESSENCE of Linear Algebra - YouTube", day=2) is Health.HEALTHY
    assert round_(db, Verdict.OK, "Cooking with Julia", day=3) is Health.DRIFTED
    with Store.open(db) as store:
        assert store.baselines()[URL].title == "Essence of linear algebra"
        store.accept_title(URL)
    assert round_(db, Verdict.OK, "Cooking with Julia", day=4) is Health.HEALTHY


def test_previous_is_the_last_live_observation(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    round_(db, Verdict.OK, "T", etag='"abc"', last_modified="Sun, 01 Nov 2026 00:00:00 GMT")
    round_(db, Verdict.OK, "T", day=2, flags=(Flag.NOT_MODIFIED,))  # a 304 without validators
    with Store.open(db) as store:
        assert previous_of(store.past([URL]))[URL] == Previous(
            etag='"abc"', last_modified="Sun, 01 Nov 2026 00:00:00 GMT", title="T"
        )
    round_(db, Verdict.DEAD, day=3)
    with Store.open(db) as store:
        assert previous_of(store.past([URL])) == {}  # no validators for a page not live


def test_a_baseline_accepted_during_the_run_is_the_one_judged_against(tmp_path: Path) -> None:
    """`linkaudit accept` may run while a check runs: the check judges against the
    baseline as it is when the run ends, and never overwrites the accepted one."""
    db = tmp_path / "h.db"
    assert round_(db, Verdict.OK, "Essence of linear algebra") is Health.HEALTHY
    renamed = Observation(
        URL, Verdict.OK, title="Cooking with Julia", checked_at="2026-11-02T06:00:00Z"
    )

    def accept_in(path: Path) -> Callable[[], None]:
        def accept() -> None:  # another command, while the run holds the database
            with Store.open(path) as other:
                other.set_baselines({URL: "Cooking with Julia"}, how=BaselineHow.ACCEPTED)

        return accept

    (finding,) = recorded_run(db, RES, {URL: renamed}, during=accept_in(db)).findings
    assert finding.health is Health.HEALTHY
    assert not finding.title_drift

    fresh = tmp_path / "fresh.db"  # first sight: it would be a possible wrong link
    (finding,) = recorded_run(fresh, RES, {URL: renamed}, during=accept_in(fresh)).findings
    assert "possible_wrong_link" not in finding.flags
    with Store.open(fresh) as store:
        assert store.baselines()[URL].how is BaselineHow.ACCEPTED


# --- end to end: `linkaudit check` rounds against a local site ----------------------


class Site:
    """A local web site on 127.0.0.1 whose pages the test changes between rounds.

    `pages[path] = (status, title, headers)`; a path in `hang` is never answered (until
    the site shuts down); `etags[path]` answers 304 to a matching If-None-Match.
    """

    def __init__(self) -> None:
        self.pages: dict[str, tuple[int, str | None, dict[str, str]]] = {}
        self.etags: dict[str, str] = {}
        self.hang: set[str] = set()
        self.requests: list[tuple[str, str, dict[str, str]]] = []
        self.changed = threading.Condition()
        self.closing = threading.Event()
        site = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_GET(self) -> None:
                site.answer(self)

            def do_HEAD(self) -> None:
                site.answer(self)

            def log_message(self, *args: object) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.server.server_address[1]}"

    def url(self, path: str) -> str:
        return self.base + path

    def answer(self, handler: BaseHTTPRequestHandler) -> None:
        path = handler.path
        with self.changed:
            self.requests.append((handler.command, path, dict(handler.headers)))
            self.changed.notify_all()
        if path in self.hang:
            self.closing.wait()
            handler.close_connection = True
            return
        status, title, headers = self.pages.get(path, (404, "Not Found", {}))
        etag = self.etags.get(path)
        if etag and handler.headers.get("If-None-Match") == etag:
            status, body = 304, b""
        else:
            body = f"<html><head><title>{title}</title></head><body>{title}</body></html>"
            body = body.encode() if title is not None else b""
        handler.send_response(status)
        for name, value in {**headers, **({"ETag": etag} if etag else {})}.items():
            handler.send_header(name, value)
        if status != 304:
            handler.send_header("Content-Type", "text/html; charset=utf-8")
            handler.send_header("Content-Length", str(len(body)))
        handler.end_headers()
        if handler.command == "GET" and status != 304:
            handler.wfile.write(body)

    def wait_for_requests(self, count: int, timeout: float = 20.0) -> None:
        """Block until the site has received `count` requests in all (an event, no sleep)."""
        with self.changed:
            assert self.changed.wait_for(lambda: len(self.requests) >= count, timeout), (
                f"only {len(self.requests)} of {count} requests arrived"
            )

    def close(self) -> None:
        self.closing.set()
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def site() -> Iterator[Site]:
    s = Site()
    yield s
    s.close()


# --- the commands: history, runs, accept --------------------------------------------


def test_history_runs_and_accept_commands(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    round_(db, Verdict.OK, "Essence of linear algebra - YouTube", day=1)
    round_(db, Verdict.DEAD, day=8)
    round_(db, Verdict.OK, "Essence of linear algebra, 2nd edition", day=15)
    runner = CliRunner()

    shown = runner.invoke(main, ["history", URL, "--db", str(db)])
    assert shown.exit_code == 0, shown.output
    lines = shown.output.splitlines()
    assert lines[0] == URL
    assert "baseline title: 'Essence of linear algebra - YouTube' (first_seen" in lines[1]
    assert lines[2].split() == ["run", "checked", "verdict", "status", "title", "/", "error"]
    assert lines[3].split()[:5] == ["1", "2026-11-01", "06:00", "ok", "200"]
    assert lines[4].split()[:4] == ["2", "2026-11-08", "06:00", "dead"]

    listed = runner.invoke(main, ["runs", "--db", str(db)])
    assert listed.exit_code == 0
    assert [line.split()[0] for line in listed.output.splitlines()] == ["run", "3", "2", "1"]
    assert "complete" in listed.output and "dead 1" in listed.output

    accepted = runner.invoke(main, ["accept", URL, "--db", str(db)])
    assert accepted.exit_code == 0
    assert accepted.output == (
        f"baseline title of {URL} is now 'Essence of linear algebra, 2nd edition'"
        " (was 'Essence of linear algebra - YouTube')\n"
    )
    with Store.open(db) as store:
        assert store.baselines()[URL].how == "accepted"


@pytest.mark.parametrize("command", ["history", "accept"])
def test_unknown_url_and_missing_database_are_one_line_errors(tmp_path: Path, command: str) -> None:
    db = tmp_path / "h.db"
    round_(db, Verdict.OK, "T")
    runner = CliRunner()
    unknown = runner.invoke(main, [command, "http://127.0.0.1:9/other", "--db", str(db)])
    assert unknown.exit_code == 2
    assert unknown.output == f"linkaudit: http://127.0.0.1:9/other is not in the history of {db}\n"
    missing = runner.invoke(main, [command, URL, "--db", str(tmp_path / "none.db")])
    assert missing.exit_code == 2
    assert "no history database at" in missing.output
    assert not (tmp_path / "none.db").exists()


def test_accept_needs_a_live_title(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    round_(db, Verdict.DEAD)
    result = CliRunner().invoke(main, ["accept", URL, "--db", str(db)])
    assert result.exit_code == 2
    assert result.output == f"linkaudit: no live title recorded for {URL}: nothing to accept\n"


# --- rounds of run_audit against the simulated web (tests/simweb.py) ---------------

ROUNDS = CheckOptions(retries=0, timeout=5.0, allow_private=True)


async def _no_sleep(_seconds: float) -> None:
    return None


def audit(web: SimWeb, resources: list[Resource], db: Path, **kw) -> dict[str | None, Finding]:
    """One `check` round: run_audit with the history at `db`; findings by URL."""
    kw.setdefault("resolver", web.resolver({"docs.test": 0}))
    rules = Rules(confirm_after=kw.pop("confirm_after", Rules().confirm_after))
    options = kw.pop("options", ROUNDS)
    with Store.open(db) as store:
        result = asyncio.run(
            run_audit(resources, options, store=store, rules=rules, sleep=_no_sleep, **kw)
        )
    return {f.resource.url: f for f in result.findings}


def web_resources(*urls: str, title: str = "Essence of linear algebra") -> list[Resource]:
    return [Resource(title=title, section="Math", kind=Kind.WEB, url=u) for u in urls]


def test_rounds_confirm_dead_recover_and_flap(simweb: SimWeb, tmp_path: Path) -> None:
    """Dead only on the second failing round; live after failing is recovered; live,
    failing, live is flaky."""
    db = tmp_path / "history.db"
    title = page("Essence of linear algebra")
    gone, back, flap = (simweb.on(0, p, title) for p in ("/gone", "/back", "/flap"))
    resources = web_resources(gone, back, flap)
    rounds = [
        {"/gone": title, "/back": Reply(404), "/flap": title},
        {"/gone": Reply(404), "/back": Reply(404), "/flap": Reply(404)},
        {"/gone": Reply(404), "/back": title, "/flap": title},
    ]
    seen = []
    for answers in rounds:
        for path, reply in answers.items():
            simweb.on(0, path, reply)
        seen.append(audit(simweb, resources, db))
    assert [[r[u].health for u in (gone, back, flap)] for r in seen] == [
        [Health.HEALTHY, Health.FAILING, Health.HEALTHY],
        [Health.FAILING, Health.DEAD, Health.FAILING],
        [Health.DEAD, Health.RECOVERED, Health.FLAKY],
    ]
    first, second, third = (r[gone] for r in seen)
    assert second.failing_since == third.failing_since == second.observation.checked_at
    assert third.last_live == first.observation.checked_at
    assert "2 consecutive runs since" in third.evidence


def test_rounds_flag_a_real_title_change_not_decorations(simweb: SimWeb, tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    url = simweb.on(0, "/la", page("Essence of linear algebra"))
    resources = web_resources(url)
    assert audit(simweb, resources, db)[url].health is Health.HEALTHY
    simweb.on(0, "/la", page("ESSENCE OF LINEAR ALGEBRA - YouTube"))
    decorated = audit(simweb, resources, db)[url]
    assert (decorated.health, decorated.title_drift) == (Health.HEALTHY, False)
    simweb.on(0, "/la", page("Cooking with Julia"))
    drifted = audit(simweb, resources, db)[url]
    assert drifted.health is Health.DRIFTED
    assert "title_drift" in drifted.flags
    assert drifted.baseline_title == "Essence of linear algebra"
    with Store.open(db) as store:
        store.accept_title(url)
    assert audit(simweb, resources, db)[url].health is Health.HEALTHY


def test_a_304_keeps_the_page_live_with_its_last_title(simweb: SimWeb, tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    tagged = page("Essence of linear algebra", headers={"ETag": '"v1"'})
    url = simweb.on(0, "/tagged", tagged, Reply(304, headers={"ETag": '"v1"'}))
    resources = web_resources(url)
    audit(simweb, resources, db)
    finding = audit(simweb, resources, db)[url]
    asked = [s for s in simweb.requests if s.path == "/tagged"]
    assert "if-none-match" not in asked[0].headers
    assert asked[1].headers["if-none-match"] == '"v1"'
    assert finding.observation is not None
    assert finding.observation.verdict is Verdict.OK
    assert finding.observation.title == "Essence of linear algebra"
    assert "not_modified" in finding.flags
    assert (finding.health, finding.title_drift) == (Health.HEALTHY, False)


def test_a_304_to_if_modified_since_keeps_the_page_live(simweb: SimWeb, tmp_path: Path) -> None:
    """Last-Modified as the only validator: the next round asks If-Modified-Since, and
    keeps asking it after a 304 that did not repeat the date."""
    db = tmp_path / "history.db"
    stamp = "Sun, 01 Nov 2026 06:00:00 GMT"
    dated = page("Essence of linear algebra", headers={"Last-Modified": stamp})
    url = simweb.on(0, "/dated", dated, Reply(304))
    resources = web_resources(url)
    rounds = [audit(simweb, resources, db)[url] for _ in range(3)]
    asked = [s.headers for s in simweb.requests if s.path == "/dated"]
    assert "if-modified-since" not in asked[0]
    assert [h.get("if-modified-since") for h in asked[1:]] == [stamp, stamp]
    assert not any("if-none-match" in h for h in asked)
    for finding in rounds[1:]:
        assert finding.observation is not None
        assert finding.observation.verdict is Verdict.OK
        assert finding.observation.title == "Essence of linear algebra"
        assert "not_modified" in finding.flags
        assert (finding.health, finding.title_drift) == (Health.HEALTHY, False)


def test_an_etag_that_cannot_be_sent_back_leaves_the_page_healthy(
    simweb: SimWeb, tmp_path: Path
) -> None:
    """A server's non-ASCII ETag (Latin-1 bytes on the wire) is not kept, so it is never
    sent back: three runs, three plain GETs, `healthy` every time. (Before, the ETag was
    stored and the second run's If-None-Match was refused by the client and retried as a
    protocol error without reaching the server, `error`; the third run, its last live
    validator gone, asked plainly: failing, then flaky, with two requests in three runs.)"""
    db = tmp_path / "history.db"
    url = simweb.on(0, "/cafe", page("Essence of linear algebra", headers={"ETag": '"caf\u00e9"'}))
    resources = web_resources(url)
    healths = [audit(simweb, resources, db)[url].health for _ in range(3)]
    assert healths == [Health.HEALTHY] * 3
    asked = [s.headers for s in simweb.requests if s.path == "/cafe"]
    assert len(asked) == 3
    assert not any("if-none-match" in headers for headers in asked)
    with Store.open(db) as store:
        assert {h.observation.etag for h in store.url_history(url)} == {None}


def test_a_stored_validator_that_cannot_be_sent_is_left_out(simweb: SimWeb, tmp_path: Path) -> None:
    """A history written before validators were checked may hold such an ETag: the next
    run asks without it (and keeps the valid Last-Modified beside it)."""
    db = tmp_path / "history.db"
    stamp = "Sun, 01 Nov 2026 06:00:00 GMT"
    url = simweb.on(0, "/old", page("Essence of linear algebra"))
    resources = web_resources(url)
    stored = Observation(
        url,
        Verdict.OK,
        title="Essence of linear algebra",
        http_status=200,
        checked_at="2026-11-01T06:00:00Z",
        etag='"caf\u00e9"',
        last_modified=stamp,
    )
    recorded_run(db, resources, {url: stored})
    assert audit(simweb, resources, db)[url].health is Health.HEALTHY
    (headers,) = [s.headers for s in simweb.requests if s.path == "/old"]
    assert "if-none-match" not in headers and headers["if-modified-since"] == stamp


def test_a_page_whose_body_drips_is_failing_never_healthy(simweb: SimWeb, tmp_path: Path) -> None:
    """Status and headers at once, then the body a byte a second: nothing of the page is
    seen in a run, which says `error` ("body stalled"), and its health is `failing` (it
    was `ok` and `healthy` before, with "body read timed out" and no title)."""
    db = tmp_path / "history.db"
    url = simweb.on(0, "/drip", Reply(drip_body=1.0, body=html("Essence of linear algebra")))
    options = CheckOptions(retries=0, timeout=0.2, allow_private=True)
    findings = [audit(simweb, web_resources(url), db, options=options)[url] for _ in range(2)]
    observations = [f.observation for f in findings if f.observation is not None]
    assert [o.verdict for o in observations] == [Verdict.ERROR, Verdict.ERROR]
    assert all((o.error or "").startswith("body stalled: ") for o in observations)
    assert [f.health for f in findings] == [Health.FAILING, Health.FAILING]


def two_rounds_cpu(web: SimWeb, db: Path, first: str, then: str) -> tuple[float, list[Finding]]:
    """Two rounds, each with 20 pages that answer after 0.15 s (20 at a time, 1 s allowed)
    beside one page titled `first`, then `then`: (process CPU seconds, findings)."""
    slow = [web.on(1, f"/slow{i}", page(f"Slow page {i}", delay=0.15)) for i in range(20)]
    titled = web.on(0, f"/titled{len(first)}", page(first), page(then))
    resources = web_resources(titled, *slow)
    options = CheckOptions(retries=0, timeout=1.0, per_host=20, allow_private=True)
    started = time.process_time()
    rounds = [audit(web, resources, db, options=options) for _ in range(2)]
    return time.process_time() - started, [f for found in rounds for f in found.values()]


def test_a_million_character_title_costs_what_an_ordinary_one_does(
    simweb: SimWeb, tmp_path: Path
) -> None:
    """A page whose title is 1,000,000 characters (and changes between runs, so that the
    second run compares it with its baseline) beside 20 slow pages: every slow page is
    `ok` in both runs, and the two runs take within a second of the CPU of the same two
    runs with an ordinary title (the title is cut to REMOTE_TEXT_CHARS where it is read;
    before, the comparison of two long titles took minutes)."""
    first, then = "Essence of linear algebra lecture ", "Cooking with Julia "
    huge, other = ((words * 40_000)[:1_000_000] for words in (first, then))
    long_cpu, long_run = two_rounds_cpu(simweb, tmp_path / "long.db", huge, other)
    plain_cpu, plain_run = two_rounds_cpu(simweb, tmp_path / "plain.db", first, then)
    for findings in (long_run, plain_run):
        observations = [f.observation for f in findings if f.observation is not None]
        slow = [o for o in observations if "/slow" in o.url]
        assert len(slow) == 40 and {o.verdict for o in slow} == {Verdict.OK}
    titled = [f for f in long_run if "/titled" in (f.resource.url or "")]
    assert all(len(f.observation.title or "") <= REMOTE_TEXT_CHARS for f in titled if f.observation)
    assert titled[-1].health is Health.DRIFTED  # the new title is still told apart
    assert abs(long_cpu - plain_cpu) < 1.0, (long_cpu, plain_cpu)


def test_a_possible_wrong_link_is_reported_once(simweb: SimWeb, tmp_path: Path) -> None:
    """The first live round flags a page whose title shares no word with the catalog;
    the next round, the page unchanged, does not repeat it (nor call it a drift)."""
    db = tmp_path / "history.db"
    url = simweb.on(0, "/cooking", page("Cooking with Julia"))
    resources = web_resources(url)  # catalogued as "Essence of linear algebra"
    first, second = (audit(simweb, resources, db)[url] for _ in range(2))
    assert "possible_wrong_link" in first.flags
    assert "shares no word with the catalogued title" in first.evidence
    assert "possible_wrong_link" not in second.flags
    assert (second.health, second.title_drift) == (Health.HEALTHY, False)
    assert second.baseline_title == "Cooking with Julia"


def test_a_network_down_round_leaves_no_trace(simweb: SimWeb, tmp_path: Path) -> None:
    """With --confirm-after 3, failing, outage, failing is still two rounds: not dead."""
    db = tmp_path / "history.db"
    simweb.on("docs.test", "/x", Reply(404))
    resources = web_resources(simweb.url("docs.test", "/x"))
    url = resources[0].url
    assert audit(simweb, resources, db, confirm_after=3)[url].health is Health.FAILING
    with pytest.raises(NetworkDown):
        audit(simweb, resources, db, resolver=simweb.resolver({}))  # no name resolves
    with Store.open(db) as store:
        assert [r.state for r in store.runs()] == [RunState.ABORTED, RunState.COMPLETE]
        assert len(store.url_history(url)) == 1  # the outage recorded no verdict
    assert audit(simweb, resources, db, confirm_after=3)[url].health is Health.FAILING
    assert audit(simweb, resources, db, confirm_after=3)[url].health is Health.DEAD


# --- `linkaudit check` processes: SIGKILL mid-run, two runs at once -----------------


def write_catalog(path: Path, urls: list[str]) -> Path:
    entries = [f"- url: {u}\n  title: Page {i}\n  section: Test\n" for i, u in enumerate(urls)]
    path.write_text("".join(entries), encoding="utf-8")
    return path


def check_command(catalog: Path, db: Path, *extra: str) -> list[str]:
    return [
        sys.executable,
        "-m",
        "linkaudit",
        "check",
        str(catalog),
        "--db",
        str(db),
        "--report",
        str(db.parent / "health.md"),
        "--allow-private",
        "--retries",
        "0",
        "--quiet",
        "--no-archive",  # a process of its own: no resolver of the tests' (conftest.py)
        *extra,
    ]


def json_health(path: Path) -> dict[str, str]:
    return {r["url"]: r["health"] for r in json.loads(path.read_text())["results"]}


def wait_until(predicate: Callable[[], bool], timeout: float = 20.0) -> None:
    """Wait for a condition another process brings about, checking it every 20 ms."""
    tick = threading.Event()
    deadline = time.monotonic() + timeout
    while not predicate():
        assert time.monotonic() < deadline, "condition not reached in time"
        tick.wait(0.02)


def test_sigkill_mid_run_leaves_a_consistent_database(site: Site, tmp_path: Path) -> None:
    """Kill `linkaudit check` while some requests hang and a batch is written: the file
    is intact, the run becomes `interrupted`, and the next judgement ignores it."""
    db = tmp_path / "history.db"
    fast = [f"/p{i}" for i in range(120)]
    hang = [f"/hang{i}" for i in range(3)]
    for path in fast:
        site.pages[path] = (200, f"Page {path}", {})
    site.pages["/gone"] = (404, "Not Found", {})
    catalog = write_catalog(tmp_path / "c.yaml", [site.url(p) for p in ["/gone", *fast, *hang]])
    report = tmp_path / "r.json"
    gone = site.url("/gone")
    for path in hang:
        site.pages[path] = (200, "Slow page", {})
    cmd = check_command(
        catalog, db, "--confirm-after", "3", "--json", str(report), "--per-host", "16"
    )
    first = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert first.returncode == 0, first.stderr
    assert json_health(report)[gone] == "failing"

    site.hang.update(hang)
    seen = len(site.requests)
    child = subprocess.Popen([*cmd, "--timeout", "120"], stderr=subprocess.DEVNULL)
    try:
        site.wait_for_requests(seen + len(fast) + len(hang) + 1)
        reader = sqlite3.connect(db)  # and a batch holding /gone has been written
        written = "SELECT count(*) FROM observations WHERE run_id = 2 AND url = ?"
        wait_until(lambda: reader.execute(written, [gone]).fetchone()[0] == 1)
        reader.close()
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    assert child.returncode == -signal.SIGKILL

    conn = sqlite3.connect(db)
    assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    assert conn.execute("SELECT state FROM runs WHERE id = 2").fetchone()[0] == "running"
    conn.close()
    with Store.open(db) as store:
        assert [r.state for r in store.runs()] == [RunState.INTERRUPTED, RunState.COMPLETE]
        assert [h.run_state for h in store.url_history(gone)] == [
            RunState.COMPLETE,
            RunState.INTERRUPTED,
        ]

    site.hang.clear()
    third = subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=False)
    assert third.returncode == 0, third.stderr
    assert json_health(report)[gone] == "failing"  # 2 complete runs of 3 needed, not 3


def test_finished_observations_are_on_disk_while_the_last_hosts_hang(
    site: Site, tmp_path: Path
) -> None:
    """Three pages answer, one hangs: the three reach the file within about a second,
    without a full batch, so a SIGKILL then loses none of them."""
    db = tmp_path / "history.db"
    fast = ["/a", "/b", "/gone"]
    site.pages.update({"/a": (200, "A", {}), "/b": (200, "B", {}), "/gone": (404, "No", {})})
    site.hang.add("/slow")
    catalog = write_catalog(tmp_path / "c.yaml", [site.url(p) for p in [*fast, "/slow"]])
    child = subprocess.Popen(
        check_command(catalog, db, "--timeout", "120"), stderr=subprocess.DEVNULL
    )
    try:
        site.wait_for_requests(4)

        def written() -> int:
            if not db.exists():
                return 0
            with sqlite3.connect(db) as reader:
                return reader.execute("SELECT count(*) FROM observations").fetchone()[0]

        wait_until(lambda: written() == 3)
    finally:
        child.send_signal(signal.SIGKILL)
        child.wait()
    with Store.open(db) as store:
        assert store.runs()[0].state is RunState.INTERRUPTED
        assert [h.observation.verdict for h in store.url_history(site.url("/gone"))] == [
            Verdict.DEAD
        ]


def test_two_runs_on_one_database(site: Site, tmp_path: Path) -> None:
    """While one `check` holds the history, a second one says so and exits 2."""
    db = tmp_path / "history.db"
    site.pages["/a"] = (200, "A page", {})
    site.hang.add("/slow")
    catalog = write_catalog(tmp_path / "c.yaml", [site.url("/a"), site.url("/slow")])
    cmd = check_command(catalog, db, "--timeout", "120")
    holder = subprocess.Popen(cmd, stderr=subprocess.DEVNULL)
    try:
        site.wait_for_requests(2)  # the holder is mid-run: it has the lock
        second = subprocess.run(cmd, capture_output=True, text=True, timeout=60, check=False)
    finally:
        holder.kill()
        holder.wait()
    assert second.returncode == 2
    assert second.stderr.startswith(f"linkaudit: another linkaudit run holds {db} (run 1, ")
    assert "Traceback" not in second.stderr
    site.hang.clear()
    with Store.open(db) as store:  # nothing corrupted, the holder's run is interrupted
        assert store.db.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert [r.state for r in store.runs()] == [RunState.INTERRUPTED]


def test_check_refuses_a_database_from_a_newer_linkaudit(tmp_path: Path) -> None:
    db = tmp_path / "history.db"
    Store.open(db).close()
    with sqlite3.connect(db) as conn:
        conn.execute("PRAGMA user_version = 99")
    catalog = write_catalog(tmp_path / "c.yaml", ["http://127.0.0.1:9/x"])
    result = subprocess.run(
        check_command(catalog, db), capture_output=True, text=True, timeout=60, check=False
    )
    assert result.returncode == 2
    assert result.stderr == (
        f"linkaudit: {db} has schema version 99, newer than this linkaudit"
        f" {__version__} understands ({SCHEMA_VERSION}): upgrade linkaudit\n"
    )
