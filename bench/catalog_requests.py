"""What a check of the real catalog asks of each host, measured on a loopback replica.

    .venv/bin/python bench/catalog_requests.py [--api-down] [PATH...]   # default catalog/

Every catalogued URL keeps its host name (resolved to the simulated web, as `--resolve`
does) but goes over plain HTTP to one local port. The replica answers as if everything
were alive: YouTube's oEmbed with a title (tests/replicas/youtube_oembed_live.json),
YouTube channel pages with the live channel replica, the arXiv export API with one
entry per requested id (tests/replicas/arxiv_*.xml), and any other page with a small
page carrying the catalogued title. It prints the requests each host received (what a
healthy week costs the sites), the arXiv part's requests and the time spent waiting
for arXiv's pace, and the run's wall time. `--api-down`: the export API does not
resolve, so the arXiv papers fall back to their abstract pages, at the same pace.
"""

from __future__ import annotations

import asyncio
import json
import sys
import time
from collections import Counter
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from linkaudit.audit import run_audit  # noqa: E402
from linkaudit.catalog import load_catalog  # noqa: E402
from linkaudit.model import CheckOptions, Resource  # noqa: E402
from linkaudit.providers import default_providers  # noqa: E402
from linkaudit.providers.arxiv import ArxivProvider, Pacer  # noqa: E402
from simweb import Reply, SimWeb, page  # noqa: E402

REPLICAS = ROOT / "tests" / "replicas"
JSON = "application/json"
ATOM = "application/atom+xml; charset=utf-8"


def replica(name: str) -> str:
    return (REPLICAS / name).read_text(encoding="utf-8")


def arxiv_feed(id_list: str) -> str:
    entries = [
        replica("arxiv_entry.xml").format(
            ident=ident, version=1, title=f"Paper {ident}", comment="", summary="An abstract."
        )
        for ident in id_list.split(",")
    ]
    return replica("arxiv_feed.xml").format(
        id_list=id_list, max_results=len(entries), total=len(entries), entries="\n".join(entries)
    )


class LiveReplica(SimWeb):
    """Answers every path as a live resource of its host would."""

    def __init__(self, titles: dict[tuple[str, str], str]) -> None:
        super().__init__(hosts=1)
        self.titles = titles  # (host, path?query) -> catalogued title

    def _reply_for(self, host: str, address: str, path: str) -> Reply:
        parts = urlsplit(path)
        if parts.path == "/oembed":
            oembed = json.loads(replica("youtube_oembed_live.json"))
            return Reply(200, json.dumps(oembed), content_type=JSON)
        if parts.path == "/api/query":
            id_list = parse_qs(parts.query)["id_list"][0]
            return Reply(200, arxiv_feed(id_list), content_type=ATOM)
        if host.endswith("youtube.com") and parts.path.startswith(("/@", "/c/", "/channel/")):
            return Reply(200, replica("youtube_channel_live.html"))
        title = self.titles.get((host, path), "A live page")
        return page(title, body="<main><p>" + "Lecture notes and exercises. " * 40 + "</p></main>")


def local(url: str, port: int) -> str:
    """The URL over plain HTTP to the replica's port, host name kept."""
    parts = urlsplit(url)
    return urlunsplit(("http", f"{parts.hostname}:{port}", parts.path, parts.query, ""))


async def check(
    resources: list[Resource], web: LiveReplica, pacer: Pacer, *, api_down: bool
) -> float:
    hosts = {urlsplit(r.url).hostname or "" for r in resources if r.url}
    if not api_down:
        hosts.add("export.arxiv.org")
    resolver = web.resolver(dict.fromkeys(hosts, 0))
    options = CheckOptions()
    providers = [
        ArxivProvider(pacer=pacer) if p.name == "arxiv" else p for p in default_providers(options)
    ]
    started = time.monotonic()
    await run_audit(
        resources, options, resolver=resolver, providers=providers, private=lambda _a: False
    )
    return time.monotonic() - started


def main(argv: list[str]) -> None:
    api_down = "--api-down" in argv
    paths = [Path(a) for a in argv if a != "--api-down"]
    catalog = load_catalog(paths or [ROOT / "catalog"])
    with LiveReplica({}) as web:
        resources = [
            Resource(r.title, r.section, r.kind, local(r.url, web.port) if r.url else None)
            for r in catalog
        ]
        for r in resources:
            if r.url:
                parts = urlsplit(r.url)
                path = parts.path + (f"?{parts.query}" if parts.query else "")
                web.titles[(parts.hostname or "", path)] = r.title
        pacer = Pacer()
        seconds = asyncio.run(check(resources, web, pacer, api_down=api_down))
        per_host = Counter(seen.host for seen in web.requests)
    linked = sum(1 for r in resources if r.url)
    print(f"{len(catalog)} resources, {linked} linked URLs on {len(per_host)} hosts:")
    print(f"{sum(per_host.values())} requests in {seconds:.1f} s\n")
    print(f"{'requests':>8}  host")
    for host, count in sorted(per_host.items(), key=lambda item: (-item[1], item[0])):
        print(f"{count:>8}  {host}")
    api = per_host.get("export.arxiv.org", 0)
    waited = sum(pacer.waits)
    print(
        f"\narXiv: {api} API request(s), {per_host.get('arxiv.org', 0)} abs page(s), "
        f"{waited:.1f} s waiting for the 3 s pace"
    )


if __name__ == "__main__":
    main(sys.argv[1:])
