"""What a check of the real catalog asks of each host, measured on a loopback replica.

    .venv/bin/python bench/catalog_requests.py [--api-down] [PATH...]   # default catalog/

Every catalogued URL keeps its host name (resolved to the simulated web, as `--resolve`
does) but goes over plain HTTP to one local port. The replica answers as if everything
were alive: YouTube's oEmbed with a title (tests/replicas/youtube_oembed_live.json),
YouTube channel pages with the live channel replica, the arXiv export API with one
entry per requested id (tests/replicas/arxiv_*.xml), and any other page with a small
page carrying the catalogued title. Like YouTube to a burst from one address, it answers
429 (Google's "unusual traffic" page) to any YouTube request beyond 20 in 10 seconds.

It prints, by the server's clock, the requests each host received (what a healthy week
costs the sites), the most YouTube requests in any 10 s and the 429s answered, the
shortest time from one arXiv answer to the next arXiv request, then the run's own view
(`run.hosts`: the most in flight, the shortest gaps) and its duration: the pace, not
the network, sets it. `--api-down`: the export API does not resolve, so the arXiv
papers fall back to their abstract pages, at the same pace.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import sys
import time
from collections import Counter, deque
from pathlib import Path
from urllib.parse import parse_qs, urlsplit, urlunsplit

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "tests"))

from linkaudit.audit import AuditResult, run_audit  # noqa: E402
from linkaudit.catalog import load_catalog  # noqa: E402
from linkaudit.config import ARXIV_NAMES, YOUTUBE_NAMES  # noqa: E402
from linkaudit.model import CheckOptions, Resource  # noqa: E402
from simweb import Reply, SimWeb, page  # noqa: E402

REPLICAS = ROOT / "tests" / "replicas"
JSON = "application/json"
ATOM = "application/atom+xml; charset=utf-8"
YOUTUBE_BURST = (20, 10.0)  # more than 20 requests in 10 s: 429


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
    """Answers every path as a live resource of its host would, and YouTube's 429s."""

    def __init__(self, titles: dict[tuple[str, str], str]) -> None:
        super().__init__(hosts=1)
        self.titles = titles  # (host, path?query) -> catalogued title
        self._youtube: deque[float] = deque()
        self.refused = 0

    def _reply_for(self, host: str, address: str, path: str) -> Reply:
        parts = urlsplit(path)
        if host in YOUTUBE_NAMES and self._burst():
            self.refused += 1
            return Reply(429, replica("google_sorry.html"))
        if parts.path == "/oembed":
            oembed = json.loads(replica("youtube_oembed_live.json"))
            return Reply(200, json.dumps(oembed), content_type=JSON)
        if parts.path == "/api/query":
            id_list = parse_qs(parts.query)["id_list"][0]
            return Reply(200, arxiv_feed(id_list), content_type=ATOM)
        if parts.path.startswith("/abs/"):
            ident = parts.path.removeprefix("/abs/")
            return Reply(
                200, replica("arxiv_abs.html").format(ident=ident, title="A paper", version=1)
            )
        if host.endswith("youtube.com") and parts.path.startswith(("/@", "/c/", "/channel/")):
            return Reply(200, replica("youtube_channel_live.html"))
        title = self.titles.get((host, path), "A live page")
        return page(title, body="<main><p>" + "Lecture notes and exercises. " * 40 + "</p></main>")

    def _burst(self) -> bool:
        """One more YouTube request: beyond the burst YouTube lets one address make?"""
        most, seconds = YOUTUBE_BURST
        now = time.monotonic()
        self._youtube.append(now)
        while self._youtube[0] <= now - seconds:
            self._youtube.popleft()
        return len(self._youtube) > most


def local(url: str, port: int) -> str:
    """The URL over plain HTTP to the replica's port, host name kept."""
    parts = urlsplit(url)
    return urlunsplit(("http", f"{parts.hostname}:{port}", parts.path, parts.query, ""))


async def check(resources: list[Resource], web: LiveReplica, *, api_down: bool) -> AuditResult:
    hosts = {urlsplit(r.url).hostname or "" for r in resources if r.url}
    hosts |= {"www.youtube.com", "arxiv.org"}
    if not api_down:
        hosts.add("export.arxiv.org")
    resolver = web.resolver(dict.fromkeys(hosts, 0))
    return await run_audit(resources, CheckOptions(), resolver=resolver, private=lambda _a: False)


def most_in_window(times: list[float], seconds: float) -> int:
    return max((sum(1 for t in times if s <= t < s + seconds) for s in times), default=0)


def report(web: LiveReplica, result: AuditResult, seconds: float, linked: int) -> None:
    per_host = Counter(seen.host for seen in web.requests)
    print(f"{linked} linked URLs on {len(per_host)} hosts: {sum(per_host.values())} requests")
    print(f"in {seconds:.1f} s\n\n{'requests':>8}  host")
    for host, count in sorted(per_host.items(), key=lambda item: (-item[1], item[0])):
        print(f"{count:>8}  {host}")
    youtube = [s.at for s in web.requests if s.host in YOUTUBE_NAMES]
    print(
        f"\nYouTube: {len(youtube)} requests, at most {most_in_window(youtube, 10.0)} in any "
        f"10 s (the replica answers 429 beyond {YOUTUBE_BURST[0]}); 429 answered: {web.refused}"
    )
    arxiv = sorted(
        [(s.at, "start") for s in web.requests if s.host in ARXIV_NAMES]
        + [(at, "end") for host, _, at in web.answered if host in ARXIV_NAMES]
    )
    gaps = [b[0] - a[0] for a, b in itertools.pairwise(arxiv) if (a[1], b[1]) == ("end", "start")]
    shortest = f"{min(gaps):.2f} s" if gaps else "none (one request)"
    print(f"arXiv: {len(arxiv) // 2} requests; shortest answer-to-next-request gap {shortest}")
    print("\nthe run's own account (run.hosts), busiest first:")
    print(f"{'requests':>8} {'at once':>7} {'gap s':>6} {'end>start s':>11} {'429/503':>7}  host")
    for h in sorted(result.hosts, key=lambda h: (-h.requests, h.key))[:8]:
        gap = f"{h.min_start_gap_s:.2f}" if h.min_start_gap_s is not None else "-"
        idle = f"{h.min_end_to_start_s:.2f}" if h.min_end_to_start_s is not None else "-"
        print(
            f"{h.requests:>8} {h.max_in_flight:>7} {gap:>6} {idle:>11} "
            f"{h.status_429:>3}/{h.status_503:<3}  {h.key}"
        )


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
        started = time.monotonic()
        result = asyncio.run(check(resources, web, api_down=api_down))
        seconds = time.monotonic() - started
    verdicts = Counter(o.verdict.value for o in result.observations.values())
    report(web, result, seconds, sum(1 for r in resources if r.url))
    print(f"\nverdicts: {', '.join(f'{v} {n}' for v, n in verdicts.most_common())}")


if __name__ == "__main__":
    main(sys.argv[1:])
