"""The history database's schema, its migrations, and row conversion (for store.py, queries.py).

Schema version 4 (``PRAGMA user_version``; one sqlite-utils ``Migrations`` step per
version, each in its own transaction and each setting ``user_version``):

    runs          id, started_at, finished_at, state (running|complete|aborted|interrupted),
                  tool_version, options (JSON), catalog_digest, resources (linked URLs),
                  counts (JSON {verdict: n}), pid, note, hosts (4: JSON [HostStats])
    resources     url (pk), title, section, kind, source, line, first_seen, last_seen
    observations  id, run_id -> runs, url, verdict, http_status, final_url, hops (JSON),
                  title, flags (JSON), error, elapsed_ms, etag, last_modified, checked_at,
                  note (2); unique (run_id, url), index (url, run_id)
    baselines     url (pk), title, since, how (first_seen|accepted)
    archives      url, before (14 digits), archive_url, archive_timestamp (both null: the
                  Wayback Machine has no live copy before then), asked_at, note;
                  pk (url, before) (3)

    1  the tables above
    2  observations.note: a provider's remark on a live resource (a newer arXiv version),
       which version 1 kept in `error`; moved there for live verdicts
    3  archives: what the Wayback Machine answered for a dead URL, so that it is asked once
    4  runs.hosts: how a complete run asked each host (requests, pace, 429s, pauses)

To change the schema, append a migration that ends with ``PRAGMA user_version = N+1``
and raise SCHEMA_VERSION: older files migrate forward on open, and an older linkaudit
refuses a newer file. (The row types are model/runs.py's: RunState, Baseline, RunRow, ...)
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import asdict, fields
from typing import Any

from sqlite_utils import Database
from sqlite_utils.db import Table
from sqlite_utils.migrations import Migrations

from linkaudit.model import Flag, Hop, HostStats, Observation, Verdict

LIVE = tuple(v.value for v in Verdict if v.is_live)
FAILING = tuple(v.value for v in Verdict if v.is_failing)


MIGRATIONS = Migrations("linkaudit")


def _table(db: Database, name: str) -> Table:
    return db.table(name)


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    _table(db, "runs").create(
        {
            "id": int,
            "started_at": str,
            "finished_at": str,
            "state": str,
            "tool_version": str,
            "options": str,  # JSON
            "catalog_digest": str,
            "resources": int,
            "counts": str,  # JSON {verdict: n}
            "pid": int,
            "note": str,
        },
        pk="id",
        not_null={"started_at", "state"},
    )
    _table(db, "runs").create_index(["state"])
    _table(db, "resources").create(
        {
            "url": str,
            "title": str,
            "section": str,
            "kind": str,
            "source": str,
            "line": int,
            "first_seen": str,
            "last_seen": str,
        },
        pk="url",
    )
    _table(db, "observations").create(
        {
            "id": int,
            "run_id": int,
            "url": str,
            "verdict": str,
            "http_status": int,
            "final_url": str,
            "hops": str,  # JSON [[url, status], ...]
            "title": str,
            "flags": str,  # JSON [flag, ...]
            "error": str,
            "elapsed_ms": int,
            "etag": str,
            "last_modified": str,
            "checked_at": str,
        },
        pk="id",
        not_null={"run_id", "url", "verdict"},
        foreign_keys=[("run_id", "runs", "id")],
    )
    _table(db, "observations").create_index(["run_id", "url"], unique=True)
    _table(db, "observations").create_index(["url", "run_id"])
    _table(db, "baselines").create(
        {"url": str, "title": str, "since": str, "how": str},
        pk="url",
        not_null={"title", "since", "how"},
    )
    db.execute("PRAGMA user_version = 1")


@MIGRATIONS()
def m002_observation_notes(db: Database) -> None:
    _table(db, "observations").add_column("note", str)
    live = ", ".join("?" * len(LIVE))
    db.execute(  # a live verdict's `error` was a provider's note, unless a body was cut short
        f"UPDATE observations SET note = error, error = NULL WHERE verdict IN ({live})"
        " AND error IS NOT NULL AND error NOT LIKE 'body %'",
        list(LIVE),
    )
    db.execute("PRAGMA user_version = 2")


@MIGRATIONS()
def m003_archives(db: Database) -> None:
    _table(db, "archives").create(
        {
            "url": str,
            "before": str,
            "archive_url": str,
            "archive_timestamp": str,
            "asked_at": str,
            "note": str,
        },
        pk=("url", "before"),
        not_null={"url", "before"},
    )
    db.execute("PRAGMA user_version = 3")


@MIGRATIONS()
def m004_run_hosts(db: Database) -> None:
    _table(db, "runs").add_column("hosts", str)
    db.execute("PRAGMA user_version = 4")


SCHEMA_VERSION = 4  # = number of registered migrations; each sets user_version
OBSERVATION_COLUMNS = (
    "run_id, url, verdict, http_status, final_url, hops, title, flags, error, elapsed_ms,"
    " etag, last_modified, checked_at, note"
)


def observation_row(run_id: int, o: Observation) -> tuple[Any, ...]:
    return (
        run_id,
        o.url,
        str(o.verdict),
        o.http_status,
        o.final_url,
        json.dumps([[h.url, h.status] for h in o.hops]) if o.hops else None,
        o.title,
        json.dumps(list(o.flags)) if o.flags else None,
        o.error,
        o.elapsed_ms,
        o.etag,
        o.last_modified,
        o.checked_at,
        o.note,
    )


def row_observation(row: Mapping[str, Any]) -> Observation:
    return Observation(
        url=row["url"],
        verdict=Verdict(row["verdict"]),
        final_url=row["final_url"],
        http_status=row["http_status"],
        hops=tuple(Hop(u, s) for u, s in json.loads(row["hops"] or "[]")),
        title=row["title"],
        flags=flags_of(row["flags"]),
        error=row["error"],
        note=row["note"],
        elapsed_ms=row["elapsed_ms"] or 0,
        checked_at=row["checked_at"] or "",
        etag=row["etag"],
        last_modified=row["last_modified"],
    )


def hosts_text(hosts: Sequence[HostStats]) -> str:
    return json.dumps([asdict(h) for h in hosts])


_HOST_FIELDS = frozenset(f.name for f in fields(HostStats))


def hosts_of(stored: str | None) -> tuple[HostStats, ...]:
    """Stored HostStats (JSON), with the fields this linkaudit knows."""
    found = []
    for item in json.loads(stored or "[]"):
        known = {k: v for k, v in item.items() if k in _HOST_FIELDS}
        found.append(HostStats(**{**known, "names": tuple(known.get("names", ()))}))
    return tuple(found)


_FLAGS = frozenset(Flag)


def flags_of(stored: str | None) -> tuple[Flag, ...]:
    """Stored flags (JSON), the ones this linkaudit knows (a newer one may have written more)."""
    return tuple(Flag(f) for f in json.loads(stored or "[]") if f in _FLAGS)
