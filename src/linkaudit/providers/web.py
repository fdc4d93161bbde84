"""The generic provider: fetch the page, classify the facts, then ask soft404 for a second look.

Every distinct URL is fetched once (conditionally, when history holds an ETag or a
Last-Modified); a 304 keeps the last title seen. A live answer goes through the soft-404
hook (`soft404.review`: bot walls, parked domains, "not found" pages, deep links bounced
home, and the once-per-host random-URL probe). When and how many at once is the
Fetcher's to decide (`Fetcher.each`, by each host's policy).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from linkaudit.model import Fetched, Observation, Previous, Resource
from linkaudit.providers import soft404
from linkaudit.providers.base import CheckContext
from linkaudit.providers.classify import bounded, classify, validator


def conditional_headers(previous: Previous | None) -> dict[str, str]:
    """If-None-Match / If-Modified-Since from what the last run saw (a validator stored
    before linkaudit checked them, that cannot be a header, is left out)."""
    headers: dict[str, str] = {}
    if previous is not None and (etag := validator(previous.etag)):
        headers["If-None-Match"] = etag
    if previous is not None and (last_modified := validator(previous.last_modified)):
        headers["If-Modified-Since"] = last_modified
    return headers


@dataclass
class WebProvider:
    """Any http(s) page."""

    name: str = "web"
    second_look: bool = True  # ask soft404.review about every answer

    def __hash__(self) -> int:
        return hash(self.name)

    def claims(self, resource: Resource) -> bool:
        return bool(resource.url)

    async def check(self, resources: Sequence[Resource], ctx: CheckContext) -> None:
        expected: dict[str, str] = {}
        for resource in resources:
            if resource.url:
                expected.setdefault(resource.url, resource.title)
        probes = soft404.HostProbes() if self.second_look else None

        async def one(url: str) -> None:
            await self._one(url, expected[url], ctx, probes)

        await ctx.fetcher.each(expected, one, url=str)

    async def _one(
        self, url: str, title: str, ctx: CheckContext, probes: soft404.HostProbes | None
    ) -> None:
        previous = ctx.previous.get(url)
        fetched = await ctx.fetcher.fetch(url, headers=conditional_headers(previous))
        observation = classify(fetched, checked_at=ctx.now())
        if fetched.status == 304 and previous is not None:
            observation = replace(observation, title=bounded(previous.title))
        ctx.emit(await self.review(observation, fetched, title, ctx, probes))

    async def review(
        self,
        observation: Observation,
        fetched: Fetched,
        title: str,
        ctx: CheckContext,
        probes: soft404.HostProbes | None,
    ) -> Observation:
        """The soft-404 hook: a second opinion on an answer (none when `probes` is None)."""
        if probes is None or fetched.status is None or fetched.status == 304:
            return observation
        return await soft404.review(
            observation, fetched, expected_title=title, probes=probes, fetch=ctx.fetcher.fetch
        )
