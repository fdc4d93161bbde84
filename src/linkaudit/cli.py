"""The command line: wiring only. Options in, a stage called, a message and exit status out.

Exit statuses are in cli_options.py (with the options several commands share); the
`catalog` commands are in cli_catalog.py. Nothing below the cli modules prints or exits.
"""

from __future__ import annotations

import asyncio
import os
import sys
import time
from pathlib import Path

import click

from linkaudit import __version__, publish
from linkaudit.audit import NetworkDown, run_audit
from linkaudit.catalog_edit import DEFAULT_CATALOG
from linkaudit.cli_catalog import catalog
from linkaudit.cli_options import (
    CATALOG_PATHS,
    CONFIRM_AFTER_OPTION,
    EXIT_ABORTED,
    EXIT_FINDINGS,
    EXIT_USAGE,
    db_option,
    json_option,
    load_catalog_or_exit,
    open_store_or_exit,
    report_option,
)
from linkaudit.console import Progress, summary
from linkaudit.history_view import render_runs, render_url_history
from linkaudit.judge import Rules
from linkaudit.model import CheckOptions, Health, Observation
from linkaudit.net import parse_resolve
from linkaudit.report import RunInfo
from linkaudit.snapshot import load_snapshot
from linkaudit.store import StoreError


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="linkaudit")
def main() -> None:
    """Check that every link in a curated catalog still leads somewhere real."""


main.add_command(catalog)


# --- history: what the history database remembers (store.py, history_view.py) ---


@main.command("history")
@click.argument("url")
@db_option()
def history_command(url: str, db_path: Path) -> None:
    """One URL's observations over time: one row per run, oldest first."""
    with open_store_or_exit(db_path) as store:
        if not store.known_url(url):
            click.echo(f"linkaudit: {url} is not in the history of {db_path}", err=True)
            raise SystemExit(EXIT_USAGE)
        baseline = store.baselines([url]).get(url)
        click.echo(render_url_history(url, store.url_history(url), baseline))


@main.command("runs")
@db_option()
@click.option("--limit", default=20, show_default=True, help="How many recent runs to show.")
def runs_command(db_path: Path, limit: int) -> None:
    """Recent runs, newest first, with their state and verdict counts."""
    with open_store_or_exit(db_path) as store:
        click.echo(render_runs(store.runs(limit=limit)))


@main.command("accept")
@click.argument("url")
@db_option()
def accept_command(url: str, db_path: Path) -> None:
    """Take the page's current title as its expected title (ends a title_drift)."""
    with open_store_or_exit(db_path) as store:
        if not store.known_url(url):
            click.echo(f"linkaudit: {url} is not in the history of {db_path}", err=True)
            raise SystemExit(EXIT_USAGE)
        try:
            previous, title = store.accept_title(url)
        except StoreError as error:
            click.echo(f"linkaudit: {error}", err=True)
            raise SystemExit(EXIT_USAGE) from None
    was = f" (was {previous.title!r})" if previous and previous.title != title else ""
    click.echo(f"baseline title of {url} is now {title!r}{was}")


# --- check: probe every catalogued URL (audit.py, fetch.py, console.py) ---


def parse_resolve_option(
    _ctx: click.Context, _param: click.Parameter, values: tuple[str, ...]
) -> tuple[tuple[str, int, str], ...]:
    try:
        return tuple(parse_resolve(value) for value in values)
    except ValueError as error:
        raise click.BadParameter(str(error)) from None


@main.command("check")
@CATALOG_PATHS
@db_option("The history database this run is recorded in.")
@report_option("The Markdown health report to write.")
@json_option("Also write this run's results as JSON.")
@click.option(
    "--concurrency",
    default=64,
    show_default=True,
    type=click.IntRange(1, 1024),
    help="Requests in flight at once, all hosts together.",
)
@click.option(
    "--per-host",
    default=4,
    show_default=True,
    type=click.IntRange(1, 64),
    help="Requests in flight at once to one host.",
)
@click.option(
    "--timeout",
    default=20.0,
    show_default=True,
    type=click.FloatRange(0.1, 600),
    help="Seconds one request may take (connect, headers and body).",
)
@click.option(
    "--retries",
    default=3,
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
    type=click.Choice(["dead", "failing", "never"]),
    default="dead",
    show_default=True,
    help="Which findings make the exit status 1.",
)
@CONFIRM_AFTER_OPTION
@click.option("--quiet", "-q", is_flag=True, help="No progress, only the summary.")
def check_command(
    *,
    paths: tuple[Path, ...],
    db_path: Path,
    report_path: Path,
    json_path: Path | None,
    concurrency: int,
    per_host: int,
    timeout: float,
    retries: int,
    resolve: tuple[tuple[str, int, str], ...],
    allow_private: bool,
    fail_on: str,
    confirm_after: int,
    quiet: bool,
) -> None:
    """Check every catalogued URL and say what was found (PATH defaults to catalog/)."""
    resources = load_catalog_or_exit(paths)
    options = CheckOptions(
        concurrency=concurrency,
        per_host=per_host,
        timeout=timeout,
        retries=retries,
        resolve=resolve,
        allow_private=allow_private,
    )
    tty = sys.stderr.isatty() and not os.environ.get("CI")
    bar = Progress(total=len({r.url for r in resources if r.url}), tty=tty)

    def progress(_observation: Observation) -> None:
        text = bar.tick()
        if text is not None and not quiet:
            click.echo(text, err=True, nl=not tty)

    started = time.monotonic()
    try:
        result = asyncio.run(
            run_audit(
                resources,
                options,
                db_path=db_path,
                progress=progress,
                confirm_after=confirm_after,
            )
        )
    except StoreError as error:  # another run holds the history, or it is unusable
        click.echo(f"linkaudit: {error}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    except NetworkDown as error:
        if tty and not quiet:
            click.echo("", err=True)
        click.echo(f"linkaudit: {error}", err=True)
        publish.append_step_summary_text(os.environ, f"# Link health\n\nRun aborted: {error}\n")
        raise SystemExit(EXIT_ABORTED) from None
    if tty and not quiet and bar.done:
        click.echo("", err=True)
    try:  # the report, --json and $GITHUB_STEP_SUMMARY (publish.py)
        publish.publish_check(
            RunInfo(result.run_id, result.started_at, result.finished_at, "complete", __version__),
            result.findings,
            db_path=db_path,
            report_path=report_path,
            json_path=json_path,
            rules=Rules(confirm_after=confirm_after),
            env=os.environ,
        )
    except StoreError as error:
        click.echo(f"linkaudit: {error}", err=True)
        raise SystemExit(EXIT_USAGE) from None
    click.echo(summary(result.observations, time.monotonic() - started))
    failing = {"dead": {Health.DEAD}, "failing": {Health.DEAD, Health.FAILING}}.get(fail_on, set())
    if any(finding.health in failing for finding in result.findings):
        raise SystemExit(EXIT_FINDINGS)


# --- report: the health report, from the history database (report.py, snapshot.py) ---


@main.command("report")
@CATALOG_PATHS
@db_option()
@report_option("Where to write the Markdown report; '-' for standard output.", allow_dash=True)
@json_option("Also write the run's results as JSON.")
@click.option("--run", "run_id", type=int, metavar="RUN", help="Report this run (default: latest).")
@click.option("--since", type=int, metavar="RUN", help="Compare with this older run.")
@CONFIRM_AFTER_OPTION
@click.option(
    "--issue-body",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the 'Link health' issue body here if anything is dead or moved, "
    "else delete this file.",
)
@click.option("--report-url", default="", help="Link to the full report, for the issue body.")
def report_command(
    *,
    paths: tuple[Path, ...],
    db_path: Path,
    report_path: Path,
    json_path: Path | None,
    run_id: int | None,
    since: int | None,
    confirm_after: int,
    issue_body: Path | None,
    report_url: str,
) -> None:
    """Write the health report again from the history database, without the network.

    PATH (default catalog/, when present) is read only for the resources catalogued
    without a URL, which the database does not hold."""
    catalog_there = bool(paths) or DEFAULT_CATALOG.is_dir()
    resources = load_catalog_or_exit(paths) if catalog_there else []
    unlinked = [r for r in resources if r.url is None]
    with open_store_or_exit(db_path) as store:
        try:
            snap = load_snapshot(
                store,
                run_id=run_id,
                since=since,
                unlinked=unlinked,
                rules=Rules(confirm_after=confirm_after),
            )
        except StoreError as error:
            click.echo(f"linkaudit: {error}", err=True)
            raise SystemExit(EXIT_USAGE) from None
    if str(report_path) == "-":
        click.echo(publish.markdown(snap), nl=False)
    else:
        publish.write_report(report_path, snap)
    if json_path is not None:
        publish.write_json(json_path, snap)
    if issue_body is not None:
        publish.write_issue_body(issue_body, snap, report_url=report_url)
