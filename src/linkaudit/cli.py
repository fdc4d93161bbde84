"""The command line: wiring only. Options in, a stage called, a message and exit status out.

Exit statuses: 0 clean; 1 findings match --fail-on; 2 usage or catalog errors;
3 run aborted (network down). Nothing below this module prints or exits.
"""

from __future__ import annotations

from pathlib import Path

import click

from linkaudit import __version__
from linkaudit.catalog import CatalogError, load_catalog
from linkaudit.history_view import render_runs, render_url_history
from linkaudit.listing import kind_counts, render_table, summarize
from linkaudit.model import Kind, Resource
from linkaudit.store import Store, StoreError

EXIT_OK = 0
EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_ABORTED = 3


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="linkaudit")
def main() -> None:
    """Check that every link in a curated catalog still leads somewhere real."""


# --- commands are added below, one block each ---


# --- catalog: validate and list the catalog (catalog.py, listing.py) ---

DEFAULT_CATALOG = Path("catalog")
KIND_CHOICE = click.Choice([kind.value for kind in Kind], case_sensitive=False)
CATALOG_PATHS = click.argument(
    "paths", nargs=-1, type=click.Path(path_type=Path, dir_okay=True, file_okay=True)
)


def load_catalog_or_exit(paths: tuple[Path, ...]) -> list[Resource]:
    """The catalog at `paths` (default catalog/), or every problem on stderr and exit 2."""
    if not paths:
        if not DEFAULT_CATALOG.is_dir():
            click.echo(
                f"linkaudit: no {DEFAULT_CATALOG}/ directory here. Run from the project root, "
                "or name catalog files or directories: linkaudit catalog validate PATH...",
                err=True,
            )
            raise click.exceptions.Exit(EXIT_USAGE)
        paths = (DEFAULT_CATALOG,)
    try:
        return load_catalog(paths)
    except CatalogError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        count = len(error.problems)
        click.echo(f"catalog invalid: {count} problem{'s' * (count != 1)}", err=True)
        raise click.exceptions.Exit(EXIT_USAGE) from None


@main.group()
def catalog() -> None:
    """Validate and list the catalog (default: the catalog/ directory)."""


@catalog.command("validate")
@CATALOG_PATHS
def catalog_validate(paths: tuple[Path, ...]) -> None:
    """Check catalog files without fetching anything: exit 0 if valid, 2 with one
    `path:line: message` per problem otherwise."""
    resources = load_catalog_or_exit(paths)
    click.echo(f"catalog ok: {summarize(resources)}")


@catalog.command("list")
@CATALOG_PATHS
@click.option(
    "--kind", "kinds", multiple=True, type=KIND_CHOICE, help="Only this kind (repeatable)."
)
@click.option("--unlinked", is_flag=True, help="Only resources without a URL.")
def catalog_list(paths: tuple[Path, ...], kinds: tuple[str, ...], unlinked: bool) -> None:
    """Show the catalog as a table: title, kind, section, URL."""
    resources = [
        r
        for r in load_catalog_or_exit(paths)
        if (not kinds or r.kind in kinds) and (not unlinked or r.url is None)
    ]
    click.echo(render_table(resources))
    click.echo(f"\n{summarize(resources)}; kinds: {kind_counts(resources) or 'none'}")


# --- history: what the history database remembers (store.py, history_view.py) ---

DB_OPTION = click.option(
    "--db",
    "db_path",
    type=click.Path(path_type=Path, dir_okay=False),
    default=Path("reports/history.db"),
    show_default=True,
    help="The history database.",
)


def open_store_or_exit(db_path: Path) -> Store:
    """The existing history database, or a one-line message and exit 2."""
    try:
        return Store.open(db_path, create=False)
    except StoreError as error:
        click.echo(f"linkaudit: {error}", err=True)
        raise SystemExit(EXIT_USAGE) from None


@main.command("history")
@click.argument("url")
@DB_OPTION
def history_command(url: str, db_path: Path) -> None:
    """One URL's observations over time: one row per run, oldest first."""
    with open_store_or_exit(db_path) as store:
        if not store.known_url(url):
            click.echo(f"linkaudit: {url} is not in the history of {db_path}", err=True)
            raise SystemExit(EXIT_USAGE)
        baseline = store.baselines([url]).get(url)
        click.echo(render_url_history(url, store.url_history(url), baseline))


@main.command("runs")
@DB_OPTION
@click.option("--limit", default=20, show_default=True, help="How many recent runs to show.")
def runs_command(db_path: Path, limit: int) -> None:
    """Recent runs, newest first, with their state and verdict counts."""
    with open_store_or_exit(db_path) as store:
        click.echo(render_runs(store.runs(limit=limit)))


@main.command("accept")
@click.argument("url")
@DB_OPTION
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
