"""What is special about a site: each provider checks the resources it claims, and
classifies each fetch into one Observation.

    Provider, CheckContext   the protocol and what a provider is given (base.py)
    default_providers(options)   YouTube and arXiv first, the generic web provider last
    route(resources, providers)  each linked resource to the first provider that claims it

    classify.py       the facts of one fetch -> one Observation; the one status -> verdict
                      table every provider uses; a Judgement -> an Observation
    login_walls.py    a redirect chain that ends on a sign-in page: blocked, never moved
    web.py            any page: fetch, classify, then soft404.py's second look
    soft404.py        a 2xx that says the thing is gone (the random-URL probe included),
                      over soft404_rules.py (bot walls, parked domains, "not found" pages)
    youtube.py        oEmbed first, then youtube_page.py reads the page
    arxiv.py          the export API in batches, the abstract pages as a fallback
    wayback.py        a dead resource's snapshot in the Wayback Machine, found and verified
"""

from __future__ import annotations

from collections.abc import Sequence

from linkaudit.model import CheckOptions, Resource
from linkaudit.providers.arxiv import ArxivProvider
from linkaudit.providers.base import CheckContext, Provider
from linkaudit.providers.web import WebProvider
from linkaudit.providers.youtube import YouTubeProvider

__all__ = ["CheckContext", "Provider", "default_providers", "route"]


def default_providers(options: CheckOptions | None = None) -> list[Provider]:
    """Site-specific providers first, the generic web provider last."""
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
