"""history.py: several runs in a row against one database, judged with memory."""

from __future__ import annotations

import sqlite3
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
from click.testing import CliRunner

from linkaudit.cli import main
from linkaudit.history import RunHistory
from linkaudit.model import Health, Kind, Observation, Resource, Verdict
from linkaudit.store import RunState, Store

URL = "http://127.0.0.1:9/page"
RES = [Resource(title="Essence of linear algebra", section="Math", kind=Kind.WEB, url=URL)]


def round_(db: Path, verdict: Verdict, title: str | None = None, day: int = 1, **kw) -> Health:
    """One complete run in which URL answered `verdict`; returns its health."""
    at = f"2026-11-{day:02d}T06:00:00Z"
    o = Observation(URL, verdict, title=title, checked_at=at, http_status=200, **kw)
    with RunHistory.open(db, RES, started_at=at) as history:
        history.add(o)
        (finding,) = history.conclude(RES, {URL: o}, finished_at=at)
    return finding.health


def test_without_a_database_every_run_is_the_first(tmp_path: Path) -> None:
    o = Observation(URL, Verdict.DEAD, checked_at="2026-11-01T00:00:00Z")
    with RunHistory.open(None, RES) as history:
        history.add(o)
        (finding,) = history.conclude(RES, {URL: o})
    assert finding.health is Health.FAILING
    assert list(tmp_path.iterdir()) == []


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
    with RunHistory.open(db, RES) as history:
        assert history.previous[URL].etag == '"abc"'
        assert history.previous[URL].title == "T"
    round_(db, Verdict.DEAD, day=2)
    with RunHistory.open(db, RES) as history:
        assert history.previous == {}  # no validators for a page that was not live


def test_an_aborted_run_leaves_no_trace(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    round_(db, Verdict.OK, "Essence of linear algebra")

    class NetworkDown(Exception):
        pass

    with pytest.raises(NetworkDown), RunHistory.open(db, RES) as history:
        for _ in range(150):  # more than a batch: some were already written
            history.add(Observation(URL, Verdict.ERROR, before_http=True))
        raise NetworkDown("every host failed before HTTP")
    with Store.open(db) as store:
        runs = store.runs()
        assert runs[0].state is RunState.ABORTED
        assert "NetworkDown" in (runs[0].note or "")
        assert [h.observation.verdict for h in store.url_history(URL)] == [Verdict.OK]
    assert round_(db, Verdict.DEAD, day=2) is Health.FAILING  # not confirmed by the outage


def test_keyboard_interrupt_marks_the_run_interrupted(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    with pytest.raises(KeyboardInterrupt), RunHistory.open(db, RES) as history:
        history.add(Observation(URL, Verdict.DEAD))
        raise KeyboardInterrupt
    with Store.open(db) as store:
        assert store.runs()[0].state is RunState.INTERRUPTED
        assert len(store.url_history(URL)) == 1  # kept for `history`, never judged
    assert round_(db, Verdict.DEAD, day=2) is Health.FAILING


def test_observations_are_written_in_batches_while_the_run_goes_on(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    urls = [f"http://127.0.0.1:9/{i}" for i in range(250)]
    resources = [Resource(title=u, section="", kind=Kind.WEB, url=u) for u in urls]
    now = [0.0]
    with RunHistory.open(db, resources) as history:
        history._clock = lambda: now[0]
        reader = sqlite3.connect(db)
        count = "SELECT count(*) FROM observations"
        for u in urls[:99]:
            history.add(Observation(u, Verdict.OK))
        assert reader.execute(count).fetchone()[0] == 0
        history.add(Observation(urls[99], Verdict.OK))
        assert reader.execute(count).fetchone()[0] == 100  # a full batch, one transaction
        history.add(Observation(urls[100], Verdict.OK))
        now[0] += 1.5
        history.add(Observation(urls[101], Verdict.OK))  # a slow run writes every second
        assert reader.execute(count).fetchone()[0] == 102
        reader.close()
        history.conclude(resources, {})


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
