"""What the commands share: exit statuses, the options declared once, and the helpers that
turn an expected failure into one line on stderr and an exit status (never a traceback).

Exit statuses: 0 clean; 1 findings match --fail-on; 2 usage, catalog, database or
output-file errors; 3 run aborted (network down); 130 interrupted (Ctrl-C); 143
terminated (SIGTERM).
"""

from __future__ import annotations

import os
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import NoReturn, TypeVar

import click

from linkaudit.catalog import load_catalog
from linkaudit.config import CONFIRM_AFTER, DEFAULT_CATALOG, DEFAULT_DB, DEFAULT_REPORT
from linkaudit.errors import CatalogError
from linkaudit.model import Finding, Resource
from linkaudit.report.annotations import render_annotations
from linkaudit.report.publish import STDOUT
from linkaudit.text import plural

EXIT_FINDINGS = 1
EXIT_USAGE = 2
EXIT_ABORTED = 3
EXIT_INTERRUPTED = 130  # as a shell reports a command ended by SIGINT
EXIT_TERMINATED = 143  # ... and by SIGTERM

F = TypeVar("F", bound=Callable[..., object])

# readable=False: an unreadable file is the catalog loader's `file:1: cannot read` problem
CATALOG_PATHS = click.argument("paths", nargs=-1, type=click.Path(path_type=Path, readable=False))
CONFIRM_AFTER_OPTION = click.option(
    "--confirm-after",
    default=CONFIRM_AFTER,
    show_default=True,
    type=click.IntRange(1, 100),
    help="Consecutive runs a link must be dead in before it is reported dead.",
)
ANNOTATE_OPTION = click.option(
    "--annotate/--no-annotate",
    default=None,
    help="Print a GitHub annotation for each dead, moved or drifted link and possible "
    "wrong link (default: when GITHUB_ACTIONS is true).",
)


def db_option(help_text: str = "The history database.") -> Callable[[F], F]:
    return click.option(
        "--db",
        "db_path",
        type=click.Path(path_type=Path, dir_okay=False),
        default=DEFAULT_DB,
        show_default=True,
        help=help_text,
    )


def report_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--report",
        "report_path",
        type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
        default=DEFAULT_REPORT,
        show_default=True,
        help=help_text,
    )


def json_option(help_text: str) -> Callable[[F], F]:
    return click.option(
        "--json",
        "json_path",
        type=click.Path(path_type=Path, dir_okay=False, allow_dash=True),
        help=help_text,
    )


def fail(message: str, status: int = EXIT_USAGE) -> NoReturn:
    """`linkaudit: message` on stderr, then exit with `status`."""
    click.echo(f"linkaudit: {message}", err=True)
    raise SystemExit(status)


def relative_to_here(path: Path) -> Path:
    """`path` relative to the current directory when it lies inside it, so a catalog named
    by its absolute path records the same sources (`catalog/x.yaml:3`) as one named
    relatively; outside the current directory it is kept as given."""
    here = Path.cwd()
    absolute = Path(os.path.abspath(path))  # noqa: PTH100 - no symlink resolving
    try:
        return absolute.relative_to(here)
    except ValueError:
        return path


def load_catalog_or_exit(paths: tuple[Path, ...]) -> list[Resource]:
    """The catalog at `paths` (default catalog/), or every problem on stderr and exit 2."""
    if not paths:
        if not DEFAULT_CATALOG.is_dir():
            ctx = click.get_current_context(silent=True)
            command = ctx.command_path if ctx else "linkaudit"
            fail(
                f"no {DEFAULT_CATALOG}/ directory here: run from the project root, or give "
                f"the catalog's files or directories as PATH (see `{command} --help`)"
            )
        paths = (DEFAULT_CATALOG,)
    try:
        return load_catalog([relative_to_here(p) for p in paths])
    except CatalogError as error:
        for problem in error.problems:
            click.echo(problem, err=True)
        click.echo(f"catalog invalid: {plural(len(error.problems), 'problem')}", err=True)
        raise SystemExit(EXIT_USAGE) from None


def one_on_stdout(report_path: Path, json_path: Path | None) -> None:
    """Exit 2 unless at most one of the report and the JSON goes to standard output."""
    if report_path == STDOUT and json_path == STDOUT:
        fail("--report and --json cannot both be '-' (standard output)")


def print_annotations(findings: Iterable[Finding], annotate: bool | None, *, err: bool) -> None:
    """GitHub's workflow commands for the findings to act on, when `annotate` (None: when
    the command runs in GitHub Actions); on stderr when stdout carries a document."""
    if annotate is None:
        annotate = os.environ.get("GITHUB_ACTIONS") == "true"
    if annotate:
        for line in render_annotations(findings):
            click.echo(line, err=err)
