"""cli/views.py: what `linkaudit check` shows while it runs and when it is done, the
`history` and `runs` tables, and the catalog listing."""

from __future__ import annotations

import sqlite3
from pathlib import Path

from click.testing import CliRunner

from linkaudit.cli import main
from linkaudit.cli.views import (
    Progress,
    render_table,
    summarize,
    summary,
    throttled,
    warnings,
)
from linkaudit.history.store import RunState, Store
from linkaudit.model import HostStats, Kind, Observation, Resource, Verdict


class Clock:
    def __init__(self) -> None:
        self.now = 0.0

    def __call__(self) -> float:
        return self.now


def test_terminal_progress_is_a_bar_with_count_rate_and_eta() -> None:
    clock = Clock()
    bar = Progress(total=100, tty=True, clock=clock)
    clock.now = 2.0
    text = bar.tick()
    assert text is not None and text.startswith("\r[")
    assert "1/100 URLs, 0.5/s, ETA 3:18" in text


def test_plain_progress_is_periodic_lines_and_always_the_last() -> None:
    clock = Clock()
    progress = Progress(total=3, tty=False, clock=clock)
    clock.now = 1.0
    assert progress.tick() == "checked 1/3 URLs, 1.0/s, ETA 0:02"
    clock.now = 2.0
    assert progress.tick() is None  # less than 5 s since the last line
    clock.now = 3.0
    assert progress.tick() == "checked 3/3 URLs, 1.0/s, ETA 0:00"


def test_summary_counts_verdicts_in_design_order() -> None:
    observations = {
        f"u{i}": Observation(url=f"u{i}", verdict=v)
        for i, v in enumerate([Verdict.DEAD, Verdict.OK, Verdict.OK, Verdict.MOVED])
    }
    assert summary(observations, 3.21) == "checked 4 URLs in 3.2 s: ok 2, moved 1, dead 1"
    assert summary({}, 0.0) == "checked 0 URLs in 0.0 s"


def test_warnings_name_the_urls_refused_for_their_private_address() -> None:
    refused = Observation("http://10.0.0.5/", Verdict.BLOCKED, flags=("private_address_refused",))
    other = Observation("https://a.example/", Verdict.BLOCKED, flags=("bot_challenge",))
    assert warnings({o.url: o for o in (other, refused)}) == [
        "1 URL not checked: on a loopback, private or link-local address "
        "(e.g. http://10.0.0.5/); pass --allow-private to check them"
    ]
    assert warnings({other.url: other}) == []


# --- history view ------------------------------------------------------------

A, B = "http://127.0.0.1:9/a", "http://127.0.0.1:9/b"
CATALOG = [Resource(title="t", section="", kind=Kind.WEB, url=u) for u in (A, B)]


def a_run(db: Path, day: int, state: RunState | None, note: str | None, *verdicts: Verdict) -> None:
    """One run on 2026-11-`day` that took three minutes; `state` None: killed mid-run."""
    store = Store.open(db)
    store.start_run(CATALOG, started_at=f"2026-11-{day:02d}T06:00:00Z")
    at = f"2026-11-{day:02d}T06:00:05Z"
    store.record(Observation(u, v, checked_at=at) for u, v in zip((A, B), verdicts, strict=False))
    if state is not None:
        store.finish_run(state, finished_at=f"2026-11-{day:02d}T06:03:00Z", note=note)
    store.close()


def squeezed(output: str) -> list[str]:
    """The lines of a table with its column padding squeezed to one space."""
    return [" ".join(line.split()) for line in output.splitlines()]


def test_runs_shows_why_a_run_did_not_complete(tmp_path: Path) -> None:
    db = tmp_path / "h.db"
    a_run(db, 1, RunState.COMPLETE, None, Verdict.OK, Verdict.DEAD)
    a_run(db, 8, RunState.ABORTED, "NetworkDown: every host failed before HTTP", Verdict.ERROR)
    a_run(db, 15, RunState.INTERRUPTED, "KeyboardInterrupt", Verdict.OK)
    a_run(db, 22, None, None, Verdict.OK)  # the process was killed
    result = CliRunner().invoke(main, ["runs", "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert squeezed(result.output) == [
        "run started took state URLs verdicts",
        "4 2026-11-22 06:00 - interrupted 2 - process ended mid-run",
        "3 2026-11-15 06:00 3m 00s interrupted 2 ok 1 KeyboardInterrupt",
        "2 2026-11-08 06:00 3m 00s aborted 2 - NetworkDown: every host failed before HTTP",
        "1 2026-11-01 06:00 3m 00s complete 2 dead 1, ok 1",
    ]
    with sqlite3.connect(db) as conn:  # shown, not written: `runs` only reads
        assert conn.execute("SELECT state FROM runs WHERE id = 4").fetchone()[0] == "running"


def test_history_marks_observations_that_are_not_counted(tmp_path: Path) -> None:
    """An aborted run leaves nothing; interrupted runs show, marked as not counted."""
    db = tmp_path / "h.db"
    a_run(db, 1, RunState.COMPLETE, None, Verdict.OK)
    a_run(db, 8, RunState.ABORTED, "NetworkDown", Verdict.ERROR)
    a_run(db, 15, RunState.INTERRUPTED, "KeyboardInterrupt", Verdict.DEAD)
    a_run(db, 22, None, None, Verdict.DEAD)
    result = CliRunner().invoke(main, ["history", A, "--db", str(db)])
    assert result.exit_code == 0, result.output
    assert squeezed(result.output)[2:] == [
        "1 2026-11-01 06:00 ok -",
        "3 2026-11-15 06:00 dead - [interrupted: not counted]",
        "4 2026-11-22 06:00 dead - [interrupted: not counted]",
    ]


# --- listing ------------------------------------------------------------


def resource(
    title: str, url: str | None = None, section: str = "S", source: str = "a.yaml"
) -> Resource:
    return Resource(title=title, section=section, kind=Kind.WEB, url=url, source=source, line=1)


def test_columns_line_up_and_unlinked_rows_say_so() -> None:
    lines = render_table(
        [resource("Short", "https://a.example/"), resource("A longer title", None, "Math / LA")]
    ).splitlines()
    assert lines[0].split() == ["TITLE", "KIND", "SECTION", "URL"]
    starts = {line.index("web") for line in lines[1:]}
    assert len(starts) == 1
    assert lines[2].endswith("(unlinked)")


def test_long_titles_and_sections_are_cut_but_urls_never() -> None:
    url = "https://example.com/" + "x" * 150
    (row,) = render_table([resource("T" * 80, url, "S" * 80)]).splitlines()[1:]
    assert "T" * 49 + "…" in row
    assert "T" * 50 not in row
    assert "S" * 39 + "…" in row
    assert row.endswith(url)


def test_summary_counts_linked_unlinked_and_files() -> None:
    rows = [resource("a", "https://a.example/"), resource("b"), resource("c", source="b.yaml")]
    assert summarize(rows) == "3 resources (1 linked, 2 unlinked) in 2 files"
    assert summarize(rows[:1]) == "1 resource (1 linked, 0 unlinked) in 1 file"


def test_a_line_for_each_host_that_throttled_us_and_what_was_done() -> None:
    hosts = [
        HostStats("YouTube", ("www.youtube.com",), requests=30, status_429=2, backoff_s=2.0),
        HostStats("a.example", ("a.example",), requests=9, status_503=3, paused_s=7.0),
        HostStats("b.example", ("b.example",), requests=4, status_429=1, status_503=1),
        HostStats("calm.example", ("calm.example",), requests=50),
    ]
    assert throttled(hosts) == [
        "www.youtube.com answered 429 twice; paced to 1 request / 2 s",
        "a.example answered 503 3 times; paused 7 s",
        "b.example answered 429 once and 503 once",
    ]
