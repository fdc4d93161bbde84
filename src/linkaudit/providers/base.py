"""What a provider is, and what it is given.

CheckContext  the shared Fetcher, `emit` (one Observation per URL), what the last run
              saw (Previous, for conditional requests), the clock
Provider      claims(resource) -> bool; async check(resources, ctx) emits exactly one
              Observation per distinct URL, keyed by the URL exactly as catalogued
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import Protocol, runtime_checkable

from linkaudit.fetch import Fetcher
from linkaudit.model import Observation, Previous, Resource


@dataclass
class CheckContext:
    """Everything a provider needs to check its resources."""

    fetcher: Fetcher
    emit: Callable[[Observation], None]
    previous: Mapping[str, Previous] = field(default_factory=dict)
    now: Callable[[], str] = lambda: ""


@runtime_checkable
class Provider(Protocol):
    """Checks the resources it claims; emits one Observation per distinct URL."""

    name: str

    def claims(self, resource: Resource) -> bool: ...

    async def check(self, resources: Sequence[Resource], ctx: CheckContext) -> None: ...
