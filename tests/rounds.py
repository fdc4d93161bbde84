"""Runs of `run_audit` whose answers the test chooses, recorded in a real history database.

Answers(observations)                 a provider answering each URL with the given
                                      Observation (its checked_at the test's)
recorded_run(db, resources, observations, rules=..., during=...)   one complete run
                                      (db None: a run without history); `during` is
                                      called while the run holds the database
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from linkaudit.audit import AuditResult, run_audit
from linkaudit.history import Store
from linkaudit.model import CheckOptions, Observation, Resource, Rules
from linkaudit.providers import CheckContext


@dataclass(eq=False)
class Answers:
    """Claims every linked resource; emits the observation given for its URL."""

    observations: Mapping[str, Observation]
    during: Callable[[], None] | None = None
    name: str = field(default="answers")

    def claims(self, resource: Resource) -> bool:
        return bool(resource.url)

    async def check(self, resources: Sequence[Resource], ctx: CheckContext) -> None:
        if self.during is not None:
            self.during()
        for url in dict.fromkeys(r.url for r in resources if r.url):
            if url in self.observations:
                ctx.emit(self.observations[url])


def recorded_run(
    db: Path | None,
    resources: Sequence[Resource],
    observations: Mapping[str, Observation],
    *,
    rules: Rules | None = None,
    during: Callable[[], None] | None = None,
) -> AuditResult:
    """One run in which every URL answered as `observations` say, judged and recorded."""
    provider = Answers(observations, during)

    def run(store: Store | None) -> AuditResult:
        return asyncio.run(
            run_audit(resources, CheckOptions(), store=store, rules=rules, providers=[provider])
        )

    if db is None:
        return run(None)
    with Store.open(db) as store:
        return run(store)
