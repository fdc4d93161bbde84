"""What is special about a site: each provider checks the resources it claims.

    Previous      what history knows of a URL: validators for a conditional GET, last title
    CheckContext  what a provider gets: the shared Fetcher, `emit`, history, the clock
    Judgement     what a provider concluded of one item (youtube_page.py, arxiv.py)
    Provider      claims(resource) -> bool; async check(resources, ctx) emits exactly one
                  Observation per distinct URL, keyed by the URL exactly as catalogued
    route         resources -> {provider: resources}, the first provider that claims wins;
                  the generic web provider, last, claims every linked resource

Providers: youtube.py, arxiv.py, web.py (generic; soft-404 heuristics from soft404.py).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from linkaudit.model import CheckOptions, Observation, Resource, Verdict

if TYPE_CHECKING:
    from linkaudit.fetch.fetcher import Fetcher


@dataclass(frozen=True, slots=True)
class Previous:
    """What the last run saw of one URL (from history): for If-None-Match and drift."""

    etag: str | None = None
    last_modified: str | None = None
    title: str | None = None


@dataclass(frozen=True, slots=True)
class Judgement:
    """What a provider concluded of one item: a verdict with its title, flags and words of
    evidence; `slow_down`: the site walled us off, ask no more of it this run."""

    verdict: Verdict
    title: str | None = None
    flags: tuple[str, ...] = ()
    evidence: str | None = None
    slow_down: bool = False


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


def default_providers(options: CheckOptions | None = None) -> list[Provider]:
    """Site-specific providers first, the generic web provider last."""
    # imported here: the provider modules import this package's types
    from linkaudit.providers.arxiv import ArxivProvider  # noqa: PLC0415
    from linkaudit.providers.web import WebProvider  # noqa: PLC0415
    from linkaudit.providers.youtube import YouTubeProvider  # noqa: PLC0415

    arxiv = ArxivProvider.from_options(options or CheckOptions())
    return [YouTubeProvider(), arxiv, WebProvider()]


def route(
    resources: Sequence[Resource], *, providers: Sequence[Provider] | None = None
) -> dict[Provider, list[Resource]]:
    """Each linked resource to the first provider that claims it (unlinked ones to none)."""
    chosen = list(providers) if providers is not None else default_providers()
    routed: dict[Provider, list[Resource]] = {}
    for resource in resources:
        if not resource.url:
            continue
        for provider in chosen:
            if provider.claims(resource):
                routed.setdefault(provider, []).append(resource)
                break
    return routed
