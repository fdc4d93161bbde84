"""The command line: wiring only. Options in, a stage called, a message and exit status out.

    main            the `linkaudit` group: history, runs, accept and report are here
    check.py        `linkaudit check`
    catalog.py      `linkaudit catalog validate | list | set-url`
    options.py      the exit statuses and the options several commands share
    views.py        what the commands show on a terminal (pure)

Nothing below the cli package prints a message or exits (report/publish.py writes a
document to standard output only when its path is `-`); a StoreError escaping any
command is one line, exit 2.
"""

from __future__ import annotations

from pathlib import Path

import click

from linkaudit import __version__
from linkaudit.audit import stored_snapshot
from linkaudit.cli.catalog import catalog
from linkaudit.cli.check import check_command
from linkaudit.cli.options import (
    ANNOTATE_OPTION,
    CATALOG_PATHS,
    CONFIRM_AFTER_OPTION,
    db_option,
    fail,
    json_option,
    load_catalog_or_exit,
    one_on_stdout,
    print_annotations,
    report_option,
)
from linkaudit.cli.views import render_runs, render_url_history
from linkaudit.config import DEFAULT_CATALOG
from linkaudit.errors import OutputError, StoreError
from linkaudit.history import Store
from linkaudit.model import Rules
from linkaudit.report import publish


class Linkaudit(click.Group):
    """The command group; a StoreError that escapes a command is one line and exit 2."""

    def invoke(self, ctx: click.Context) -> object:
        try:
            return super().invoke(ctx)
        except StoreError as error:  # the history database failed mid-command
            fail(str(error))


@click.group(cls=Linkaudit, context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="linkaudit")
def main() -> None:
    """Check that every link in a curated catalog still leads somewhere real."""


main.add_command(catalog)
main.add_command(check_command)


# --- history: what the history database remembers (history/, views.py) ---


def known(store: Store, url: str) -> Store:
    """`store`, if its history knows `url`; else one line and exit 2."""
    if not store.known_url(url):
        fail(f"{url} is not in the history of {store.path}")
    return store


@main.command("history")
@click.argument("url")
@db_option()
def history_command(url: str, db_path: Path) -> None:
    """One URL's observations over time: one row per run, oldest first."""
    with Store.open(db_path, create=False) as opened:
        store = known(opened, url)
        baseline = store.baselines([url]).get(url)
        click.echo(render_url_history(url, store.url_history(url), baseline))


@main.command("runs")
@db_option()
@click.option(
    "--limit",
    default=20,
    show_default=True,
    type=click.IntRange(1),
    help="How many recent runs to show.",
)
def runs_command(db_path: Path, limit: int) -> None:
    """Recent runs, newest first, with their state and verdict counts."""
    with Store.open(db_path, create=False) as store:
        click.echo(render_runs(store.runs(limit=limit)))


@main.command("accept")
@click.argument("url")
@db_option()
def accept_command(url: str, db_path: Path) -> None:
    """Take the page's current title as its expected title (ends a title_drift)."""
    with Store.open(db_path, create=False) as store:
        previous, title = known(store, url).accept_title(url)
    was = f" (was {previous.title!r})" if previous and previous.title != title else ""
    click.echo(f"baseline title of {url} is now {title!r}{was}")


# --- report: the health report, from the history database (audit.py, report/) ---


@main.command("report")
@CATALOG_PATHS
@db_option()
@report_option("Where to write the Markdown report; '-' for standard output.")
@json_option("Also write the run's results as JSON; '-' for standard output.")
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
@ANNOTATE_OPTION
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
    annotate: bool | None,
) -> None:
    """Write the health report again from the history database, without the network.

    PATH (default catalog/, when present) is read only for the resources catalogued
    without a URL, which the database does not hold."""
    one_on_stdout(report_path, json_path)
    catalog_there = bool(paths) or DEFAULT_CATALOG.is_dir()
    resources = load_catalog_or_exit(paths) if catalog_there else []
    unlinked = [r for r in resources if r.url is None]
    with Store.open(db_path, create=False) as store:
        snap = stored_snapshot(
            store,
            run_id=run_id,
            since=since,
            unlinked=unlinked,
            rules=Rules(confirm_after=confirm_after),
        )
    try:
        publish.write_report(report_path, snap)
        if json_path is not None:
            publish.write_json(json_path, snap)
        if issue_body is not None:
            publish.write_issue_body(issue_body, snap, report_url=report_url)
    except OutputError as error:
        fail(str(error))
    print_annotations(snap.findings, annotate, err=publish.STDOUT in (report_path, json_path))
