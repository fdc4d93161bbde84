"""The history database's schema, row types and row conversion (used by store.py).

Schema version 1 (``PRAGMA user_version``; one sqlite-utils ``Migrations`` step per
version, each in its own transaction and each setting ``user_version``):

    runs          id, started_at, finished_at, state (running|complete|aborted|interrupted),
                  tool_version, options (JSON), catalog_digest, resources (linked URLs),
                  counts (JSON {verdict: n}), pid, note
    resources     url (pk), title, section, kind, source, line, first_seen, last_seen
    observations  id, run_id -> runs, url, verdict, http_status, final_url, hops (JSON),
                  title, flags (JSON), error, elapsed_ms, etag, last_modified, checked_at;
                  unique (run_id, url), index (url, run_id)
    baselines     url (pk), title, since, how (first_seen|accepted)

To change the schema, append a migration that ends with ``PRAGMA user_version = N+1``
and raise SCHEMA_VERSION: older files migrate forward on open, and an older linkaudit
refuses a newer file.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sqlite_utils import Database
from sqlite_utils.migrations import Migrations

from linkaudit.model import Hop, Observation, Verdict


class RunState(StrEnum):
    RUNNING = "running"
    COMPLETE = "complete"
    ABORTED = "aborted"
    INTERRUPTED = "interrupted"


class BaselineHow(StrEnum):
    FIRST_SEEN = "first_seen"
    ACCEPTED = "accepted"


@dataclass(frozen=True, slots=True)
class Baseline:
    """The title a URL is expected to carry."""

    title: str
    since: str
    how: BaselineHow


@dataclass(frozen=True, slots=True)
class RunRow:
    """One run, as `linkaudit runs` shows it."""

    id: int
    started_at: str
    finished_at: str | None
    state: RunState
    tool_version: str
    resources: int
    counts: dict[str, int]
    note: str | None


@dataclass(frozen=True, slots=True)
class HistoryRow:
    """One observation of one URL with the state of its run (`linkaudit history`)."""

    run_id: int
    run_state: RunState
    observation: Observation


MIGRATIONS = Migrations("linkaudit")


@MIGRATIONS()
def m001_initial(db: Database) -> None:
    db["runs"].create(
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
    db["runs"].create_index(["state"])
    db["resources"].create(
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
    db["observations"].create(
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
    db["observations"].create_index(["run_id", "url"], unique=True)
    db["observations"].create_index(["url", "run_id"])
    db["baselines"].create(
        {"url": str, "title": str, "since": str, "how": str},
        pk="url",
        not_null={"title", "since", "how"},
    )
    db.execute("PRAGMA user_version = 1")


SCHEMA_VERSION = 1  # = number of registered migrations; each sets user_version


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
    )


def row_observation(row: Mapping[str, Any]) -> Observation:
    return Observation(
        url=row["url"],
        verdict=Verdict(row["verdict"]),
        final_url=row["final_url"],
        http_status=row["http_status"],
        hops=tuple(Hop(u, s) for u, s in json.loads(row["hops"] or "[]")),
        title=row["title"],
        flags=tuple(json.loads(row["flags"] or "[]")),
        error=row["error"],
        elapsed_ms=row["elapsed_ms"] or 0,
        checked_at=row["checked_at"] or "",
        etag=row["etag"],
        last_modified=row["last_modified"],
    )
