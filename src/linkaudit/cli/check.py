"""`linkaudit check`: probe every catalogued URL (audit.py), then write the report, the JSON
and the step summary (report/publish.py), all in one session of the history database.
Wiring only.

Every file the run must write is tried before the first request, so a bad --db,
--report or --json costs no run; so are the host settings (--host-interval,
--host-concurrency and the TOML tables, fetch/policies.py). Ctrl-C ends the run
`interrupted` in the database (history/recorder.py) and exits 130 with one line; SIGTERM
(a CI job cancelled) does the same and exits 143.
--report or --json costs no run. Ctrl-C ends the run `interrupted` in the database
(history/recorder.py) and exits 130 with one line; SIGTERM (a CI job cancelled) does the
same and exits 143. While the requests are out, either signal cancels the run (so the
history records what was checked); before and after, it raises errors.Stopped
(__main__.py), which ends the command in one line as well.
"""

from __future__ import annotations

import asyncio
import atexit
import gc
import os
import signal
import sys
import time
from collections.abc import Coroutine, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import click

from linkaudit.audit import AuditResult, run_audit, snapshot_after
from linkaudit.cli.options import (
    ANNOTATE_OPTION,
    CATALOG_PATHS,
    CONFIRM_AFTER_OPTION,
    EXIT_ABORTED,
    EXIT_FINDINGS,
    EXIT_INTERRUPTED,
    EXIT_TERMINATED,
    db_option,
    fail,
    json_option,
    load_catalog_or_exit,
    one_on_stdout,
    print_annotations,
    report_option,
)
from linkaudit.cli.views import Progress, summary, throttled, warnings
from linkaudit.config import DEFAULT_CATALOG
from linkaudit.errors import NetworkDown, OutputError, PolicyError, Stopped, StoreError
from linkaudit.fetch import parse_resolve
from linkaudit.fetch.policies import Settings, user_settings
from linkaudit.history import Store
from linkaudit.model import CheckOptions, Health, Observation, Resource, Rules, RunState
from linkaudit.report import publish

DEFAULTS = CheckOptions()  # the options' defaults are the model's
FAIL_ON = {"dead": {Health.DEAD}, "failing": {Health.DEAD, Health.FAILING}, "never": set()}


def parse_resolve_option(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, int, str], ...]:
    try:
        return tuple(parse_resolve(value) for value in values)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@click.command("check")
@CATALOG_PATHS
@db_option("The history database this run is recorded in.")
@report_option("The Markdown health report to write; '-' for standard output.")
@json_option("Also write this run's results as JSON; '-' for standard output.")
@click.option(
    "--concurrency",
    default=DEFAULTS.concurrency,
    show_default=True,
    type=click.IntRange(1, 1024),
    help="Requests in flight at once, all hosts together.",
)
@click.option(
    "--per-host",
    default=DEFAULTS.per_host,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Requests in flight at once to one host.",
)
@click.option(
    "--host-interval",
    "host_intervals",
    multiple=True,
    metavar="HOST=SECONDS",
    help="At least SECONDS from one request's start to the next for HOST. Repeatable.",
)
@click.option(
    "--host-concurrency",
    "host_concurrency",
    multiple=True,
    metavar="HOST=N",
    help="At most N requests in flight at once to HOST. Repeatable.",
)
@click.option(
    "--timeout",
    default=DEFAULTS.timeout,
    show_default=True,
    type=click.FloatRange(0.1, 600),
    help="Seconds one request may take (connect, headers and body).",
)
@click.option(
    "--retries",
    default=DEFAULTS.retries,
    show_default=True,
    type=click.IntRange(0, 10),
    help="Retries after a timeout, a reset, a 5xx or a 429.",
)
@click.option(
    "--resolve",
    "resolve",
    multiple=True,
    metavar="HOST:PORT:ADDRESS",
    callback=parse_resolve_option,
    help="Connect to ADDRESS for HOST:PORT, keeping the name (as curl). Repeatable.",
)
@click.option(
    "--allow-private",
    is_flag=True,
    help="Allow loopback, private and link-local targets (tests, intranets).",
)
@click.option(
    "--fail-on",
    type=click.Choice(list(FAIL_ON)),
    default="dead",
    show_default=True,
    help="Which findings make the exit status 1.",
)
@CONFIRM_AFTER_OPTION
@click.option(
    "--no-archive",
    is_flag=True,
    help="Do not ask the Wayback Machine for archived copies of dead links.",
)
@ANNOTATE_OPTION
@click.option("--quiet", "-q", is_flag=True, help="No progress, only the summary.")
def check_command(
    *,
    paths: tuple[Path, ...],
    db_path: Path,
    report_path: Path,
    json_path: Path | None,
    concurrency: int,
    per_host: int,
    host_intervals: tuple[str, ...],
    host_concurrency: tuple[str, ...],
    timeout: float,
    retries: int,
    resolve: tuple[tuple[str, int, str], ...],
    allow_private: bool,
    fail_on: str,
    confirm_after: int,
    no_archive: bool,
    annotate: bool | None,
    quiet: bool,
) -> None:
    """Check every catalogued URL and say what was found (PATH defaults to catalog/)."""
    one_on_stdout(report_path, json_path)
    settings = host_settings(paths, host_intervals, host_concurrency)
    resources = load_catalog_or_exit(paths)
    for path in (db_path, report_path, json_path):
        if path is not None:
            try:
                publish.check_writable(path)
            except OutputError as error:
                fail(str(error))
    options = CheckOptions(
        concurrency=concurrency,
        per_host=per_host,
        timeout=timeout,
        retries=retries,
        resolve=resolve,
        allow_private=allow_private,
        host_interval=settings.interval,
        host_concurrency=settings.concurrency,
        archive=not no_archive,
    )
    rules = Rules(confirm_after=confirm_after)
    started = time.monotonic()
    with _spared_by_the_collector(), Store.open(db_path) as store:
        result = audit(resources, options, store=store, rules=rules, quiet=quiet)
        gc.freeze()  # the run's findings too, while the report is built from them
        publish_run(store, result, rules=rules, report_path=report_path, json_path=json_path)
    to_stderr = publish.STDOUT in (report_path, json_path)  # stdout carries the document
    click.echo(summary(result.observations, time.monotonic() - started), err=to_stderr)
    for line in [*warnings(result.observations), *throttled(result.hosts)]:
        click.echo(f"linkaudit: {line}", err=True)
    print_annotations(result.findings, annotate, err=to_stderr)
    if any(finding.health in FAIL_ON[fail_on] for finding in result.findings):
        raise SystemExit(EXIT_FINDINGS)


def host_settings(
    paths: tuple[Path, ...], intervals: tuple[str, ...], concurrency: tuple[str, ...]
) -> Settings:
    """The host settings of ./pyproject.toml, the linkaudit.toml beside the catalog and the
    command line (which wins); a bad one ends the command with one line, exit 2."""
    try:
        return user_settings(paths or (DEFAULT_CATALOG,), intervals, concurrency)
    except PolicyError as error:
        fail(str(error))


def publish_run(
    store: Store,
    result: AuditResult,
    *,
    rules: Rules,
    report_path: Path,
    json_path: Path | None,
) -> None:
    """The report, --json and $GITHUB_STEP_SUMMARY (publish.py), compared with the complete
    run before in the same store; a failure ends the command."""
    try:
        snap = snapshot_after(store, result, rules=rules)
        publish.publish_check(snap, report_path=report_path, json_path=json_path, env=os.environ)
    except (StoreError, OutputError) as error:
        fail(f"{error} (run {result.run_id} is recorded: `linkaudit report` writes it again)")
    except (KeyboardInterrupt, Stopped) as stop:
        how, status = _how(stop)
        fail(
            f"{how} while writing the report; run {result.run_id} is complete in "
            f"{store.path} (`linkaudit report` writes it again)",
            status,
        )


@contextmanager
def _spared_by_the_collector() -> Iterator[None]:
    """What is loaded when the block starts (the code, the catalog) lives to its end, and
    what the block freezes again: no garbage collection walks it meanwhile (gc.freeze;
    a full collection of a 10,000-URL run took 50 ms, every request stalled). At the
    end it is collected as usual again (a caller in the same process, tests); when the
    process exits, the operating system frees it all without a last collection (0.1 s)."""
    gc.freeze()
    try:
        yield
    finally:
        gc.unfreeze()
        atexit.unregister(gc.freeze)  # registered once, however often check runs
        atexit.register(gc.freeze)


def audit(
    resources: list[Resource],
    options: CheckOptions,
    *,
    store: Store,
    rules: Rules,
    quiet: bool,
) -> AuditResult:
    """The run, with its progress on stderr; a failed or interrupted run ends the command."""
    tty = sys.stderr.isatty() and not os.environ.get("CI")
    before = max((r.id for r in store.runs(limit=1)), default=0)
    bar = Progress(total=len({r.url for r in resources if r.url}), tty=tty)

    def progress(_observation: Observation) -> None:
        text = bar.tick()
        if text is not None and not quiet:
            click.echo(text, err=True, nl=not tty)

    def end_progress_line() -> None:
        if tty and not quiet and bar.done:
            click.echo("", err=True)

    try:
        result = asyncio.run(
            until_stopped(
                run_audit(resources, options, store=store, rules=rules, progress=progress)
            )
        )
    except NetworkDown as error:
        end_progress_line()
        try:
            publish.append_step_summary_text(os.environ, f"# Link health\n\nRun aborted: {error}\n")
        except OutputError as unwritable:
            click.echo(f"linkaudit: {unwritable}", err=True)
        fail(str(error), EXIT_ABORTED)
    except (KeyboardInterrupt, asyncio.CancelledError, Stopped) as stop:
        end_progress_line()
        how, status = _how(stop)
        fail(
            f"{how}: {_stopped(store, before, archive=options.archive)}",
            status,
        )
    end_progress_line()
    return result


def _stopped(store: Store, before: int, *, archive: bool) -> str:
    """What a stopped run left in the store (its runs numbered after `before`): nothing,
    interrupted, or complete (when only the look-up of archived copies was stopped, or,
    with `--no-archive`, the moment between the run's end and the report)."""
    latest = [r for r in store.runs(limit=1) if r.id > before]
    if not latest:
        return f"nothing was checked, nothing recorded in {store.path}"
    if latest[0].state is RunState.COMPLETE:
        unfinished = "; the archived copies were not all looked up" if archive else ""
        return (
            f"run {latest[0].id} is complete in {store.path}{unfinished}"
            " (`linkaudit report` writes the report)"
        )
    return (
        f"the run is recorded in {store.path} as interrupted (what it checked is kept "
        "for `linkaudit history`, never judged)"
    )


def _how(stop: BaseException) -> tuple[str, int]:
    """What stopped the command, and its exit status (a bare cancellation: SIGTERM's)."""
    if isinstance(stop, Stopped):
        return str(stop), stop.status
    if isinstance(stop, KeyboardInterrupt):
        return "interrupted", EXIT_INTERRUPTED
    return "terminated", EXIT_TERMINATED


async def until_stopped(run: Coroutine[Any, Any, AuditResult]) -> AuditResult:
    """`run`, cancelled by Ctrl-C or SIGTERM (then Stopped), so that the history records
    what was checked and marks the run interrupted before the process ends. The Python
    handlers the signals had (asyncio.run's, __main__.py's) are theirs again after."""
    loop = asyncio.get_running_loop()
    task = asyncio.current_task()
    assert task is not None
    stopped: list[int] = []

    def stop(signum: int) -> None:
        stopped.append(signum)
        task.cancel()

    handlers = {signum: signal.getsignal(signum) for signum in (signal.SIGINT, signal.SIGTERM)}
    for signum, handler in handlers.items():
        if handler is not signal.SIG_IGN:
            loop.add_signal_handler(signum, stop, signum)
    try:
        return await run
    except asyncio.CancelledError:
        if stopped:
            raise Stopped(stopped[0]) from None
        raise
    finally:
        for signum, handler in handlers.items():
            if handler is not signal.SIG_IGN:
                loop.remove_signal_handler(signum)
                signal.signal(signum, signal.SIG_DFL if handler is None else handler)
