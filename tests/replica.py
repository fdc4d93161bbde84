"""The replicas of real responses (tests/replicas/, sources in SOURCES.md), for tests.

replica(name)          a replica's text
fetched(body, ...)     the Fetched a provider would get for a page with that body
"""

from __future__ import annotations

from pathlib import Path

from linkaudit.model import Fetched, Hop

REPLICAS = Path(__file__).parent / "replicas"


def replica(name: str) -> str:
    return (REPLICAS / name).read_text(encoding="utf-8")


def fetched(
    name_or_body: str,
    *,
    url: str = "https://course.example/lectures/5",
    status: int = 200,
    title: str | None = None,
    final_url: str | None = None,
    headers: dict[str, str] | None = None,
) -> Fetched:
    """A fetch of `url` (through one 302 when `final_url` differs) that answered this body
    (a replica's file name, or the body itself); the title is the body's, unless given."""
    body = replica(name_or_body) if name_or_body.endswith(".html") else name_or_body
    if title is None and "<title>" in body:
        title = body.split("<title>", 1)[1].split("</title>", 1)[0]
    final = final_url or url
    hops = (Hop(url, 302), Hop(final, status)) if final != url else (Hop(url, status),)
    return Fetched(
        url=url,
        hops=hops,
        status=status,
        final_url=final,
        headers=headers or {},
        title=title,
        body_text=body,
    )
