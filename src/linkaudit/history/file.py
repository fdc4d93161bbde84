"""The history file itself, for store.py: how it is opened, how it is told apart from
a damaged or foreign file, and what its SQLite errors mean to a person (a StoreError,
errors.py, that names the file and what to do).

Every check here only reads: a file that is refused is left exactly as it was.
"""

from __future__ import annotations

import functools
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from sqlite_utils import Database

from linkaudit import __version__
from linkaudit.config import BUSY_TIMEOUT_MS
from linkaudit.errors import StoreError, StoreTooNew
from linkaudit.history.schema import MIGRATIONS, SCHEMA_VERSION

MIGRATIONS_TABLE = MIGRATIONS.migrations_table  # sqlite-utils' record of applied steps


NOT_OURS = "is not a linkaudit history, or is damaged"
MOVE_IT = "move it away or pass --db"
# SQLite error name prefix -> (what it says about the file, what to do)
MEANINGS = (
    ("SQLITE_BUSY", "is locked by another program", "try again when it is done"),
    ("SQLITE_LOCKED", "is locked by another program", "try again when it is done"),
    ("SQLITE_READONLY", "cannot be written", "check its permissions, or pass --db"),
    ("SQLITE_PERM", "cannot be written", "check its permissions, or pass --db"),
    ("SQLITE_CANTOPEN", "cannot be opened", "check the path and its permissions, or pass --db"),
    ("SQLITE_FULL", "cannot grow, the disk is full", "free some space"),
    ("SQLITE_IOERR", "cannot be read or written", "check the disk"),
)


def connect(path: Path, *, readonly: bool) -> Database:
    """A connection to `path`; read-only ones cannot change the file whatever they run."""
    if readonly:
        target, uri = path.resolve().as_uri() + "?mode=ro", True
    else:
        target, uri = str(path), False
    return Database(sqlite3.connect(target, timeout=BUSY_TIMEOUT_MS / 1000, uri=uri))


def check_file(db: Database, path: Path) -> int:
    """The schema version of a file that is ours and intact, by reading only.

    Raises StoreError (a foreign or damaged file), StoreTooNew.
    """
    version = int(db.execute("PRAGMA user_version").fetchone()[0])
    tables = sorted(
        t for t in db.table_names() if not t.startswith("sqlite_") and t != MIGRATIONS_TABLE
    )
    applied = [m.name for m in MIGRATIONS.applied(db)]
    if applied and version > SCHEMA_VERSION:
        raise StoreTooNew(
            f"{path} has schema version {version}, newer than this linkaudit "
            f"{__version__} understands ({SCHEMA_VERSION}): upgrade linkaudit"
        )
    known = _migration_names()
    if applied != known[:version] or (version == 0 and tables):
        found = f"tables {', '.join(tables)}" if tables else "no linkaudit tables"
        raise StoreError(
            f"{path} is not a linkaudit history (an SQLite database with {found}): {MOVE_IT}"
        )
    damage = db.execute("PRAGMA quick_check(1)").fetchone()[0]
    if damage != "ok":
        raise StoreError(f"{path} {NOT_OURS} ({damage}): {MOVE_IT}")
    return version


@functools.cache
def _migration_names() -> list[str]:
    """Every migration's name, in order (what a fresh database would apply)."""
    return [m.name for m in MIGRATIONS.pending(Database(memory=True))]


def unusable(path: Path, exc: BaseException | None) -> StoreError | None:
    """The StoreError a person should see for an SQLite error on `path`; None for
    anything else (an IntegrityError or misuse is a bug, and keeps its traceback)."""
    if not (type(exc) is sqlite3.DatabaseError or isinstance(exc, sqlite3.OperationalError)):
        return None
    name = getattr(exc, "sqlite_errorname", "") or ""
    what, todo = next(
        ((what, todo) for prefix, what, todo in MEANINGS if name.startswith(prefix)),
        (NOT_OURS, MOVE_IT),
    )
    return StoreError(f"{path} {what} ({exc}): {todo}")


@contextmanager
def sqlite_errors(path: Path) -> Iterator[None]:
    """Turn SQLite's errors about `path` into a StoreError (see `unusable`)."""
    try:
        yield
    except sqlite3.DatabaseError as exc:
        error = unusable(path, exc)
        if error is None:
            raise
        raise error from exc
