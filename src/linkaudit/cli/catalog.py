"""`linkaudit catalog ...`: validate, list and fix the catalog (catalog/, views.py). Wiring only."""

from __future__ import annotations

from pathlib import Path

import click

from linkaudit.audit import stored_snapshot
from linkaudit.catalog import catalog_warnings, set_url
from linkaudit.cli.options import (
    CATALOG_PATHS,
    CONFIRM_AFTER_OPTION,
    EXIT_USAGE,
    db_option,
    load_catalog_or_exit,
)
from linkaudit.cli.views import kind_counts, render_table, summarize
from linkaudit.errors import EditError
from linkaudit.history import Store
from linkaudit.model import Health, Kind, Rules

KIND_CHOICE = click.Choice([kind.value for kind in Kind], case_sensitive=False)


@click.group()
def catalog() -> None:
    """Validate, list and fix the catalog (default: the catalog/ directory)."""


@catalog.command("validate")
@CATALOG_PATHS
def catalog_validate(paths: tuple[Path, ...]) -> None:
    """Check catalog files without fetching anything: exit 0 if valid, 2 with one
    `path:line: message` per problem otherwise. A valid catalog may still get warnings on
    stderr (`path:line: warning: ...`): generic link text as a title, garbled text."""
    resources = load_catalog_or_exit(paths)
    for warning in catalog_warnings(resources):
        click.echo(warning, err=True)
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


@catalog.command("set-url")
@click.argument("words", nargs=-1, metavar="OLD_URL NEW_URL [PATH]...")
@click.option(
    "--moved",
    is_flag=True,
    help="Apply every Moved finding of the latest complete run in --db (give only PATHs).",
)
@click.option(
    "--archived",
    is_flag=True,
    help="Point every Dead finding of the latest complete run in --db that has an archived "
    "copy at that copy (give only PATHs).",
)
@db_option("The history database --moved and --archived read.")
@CONFIRM_AFTER_OPTION
def catalog_set_url(
    words: tuple[str, ...], moved: bool, archived: bool, db_path: Path, confirm_after: int
) -> None:
    """Point the catalog entry of OLD_URL at NEW_URL, changing nothing else in its file.

    The edited file is read back before it replaces the old one: when the catalog would
    be invalid (NEW_URL catalogued already, not an http(s) URL...) nothing is written
    and the exit status is 2. PATH defaults to catalog/."""
    from_db = moved or archived
    if moved and archived:
        raise click.UsageError("give --moved or --archived, not both")
    if from_db:
        rules = Rules(confirm_after=confirm_after)  # as the report that shows the rows
        pairs, paths = finding_pairs(db_path, archived=archived, rules=rules), words
    elif len(words) < 2:
        raise click.UsageError("give OLD_URL and NEW_URL (or --moved, or --archived)")
    else:
        pairs, paths = [(words[0], words[1])], words[2:]
    catalog_paths = tuple(Path(p) for p in paths)
    refused = 0
    for old, new in pairs:
        resources = load_catalog_or_exit(catalog_paths)
        if from_db and not any(r.url == old for r in resources):
            click.echo(f"skipped {old}: no longer in the catalog")
            continue
        try:
            click.echo(f"set {set_url(resources, old, new)}")
        except EditError as error:
            click.echo(f"linkaudit: {error}", err=True)
            refused += 1
    if from_db and not pairs:
        what = "dead with an archived copy" if archived else "moved"
        click.echo(f"nothing {what} in the latest run of {db_path}")
    if refused:
        raise SystemExit(EXIT_USAGE)


def finding_pairs(db_path: Path, *, archived: bool, rules: Rules) -> list[tuple[str, str]]:
    """(catalogued URL, where it is now) for every Moved finding of the latest run; with
    `archived`, (catalogued URL, its snapshot) for every Dead finding that has one."""
    with Store.open(db_path, create=False) as store:
        snap = stored_snapshot(store, rules=rules)
    if archived:
        return [
            (f.resource.url, f.archive.url)
            for f in snap.findings
            if f.health is Health.DEAD and f.resource.url and f.archive
        ]
    return [
        (f.resource.url, f.suggested_url)
        for f in snap.findings
        if f.health is Health.MOVED and f.resource.url and f.suggested_url
    ]
