"""arXiv: every paper of a run in a few batched export-API requests, politely paced.

    api_urls(endpoint, ids)     the batched queries: id_list=...&max_results=... (100 ids each)
    read_feed(xml)              the Atom answer: entries by id (any order), or the API's error
    citation_title(body)        the abs page's <meta name="citation_title">
    classify_entry(ref, entry)  ok / newer version / withdrawn
    classify_abs(ref, page)     the abs page's word: 404 dead, citation_title live, ...

(Which paper a URL names is catalog.urls.arxiv_paper's rule.)

arXiv's API terms ask for one request at a time, three seconds apart: the Fetcher's
policy for arXiv's names (fetch/policies.py) holds the API and the abs-page fallback
(used when the API is unreachable, rate-limits or errs) to that, retries and redirect
hops included; a request that never reached arXiv makes no one wait. Ids are queried
without their version: the API then answers with the latest version in `<id>`. The API
sometimes leaves a known id out of its answer (an empty feed for one id, a partial
feed): an id missing from the feed is confirmed on its abs page before it is called dead.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from collections.abc import Sequence
from dataclasses import dataclass, field, replace

from selectolax.lexbor import LexborHTMLParser

from linkaudit.catalog.urls import Paper, arxiv_paper
from linkaudit.config import ARXIV_BATCH
from linkaudit.fetch.html import off_loop
from linkaudit.model import (
    CheckOptions,
    Fetched,
    Flag,
    Judgement,
    Kind,
    Observation,
    Resource,
    Verdict,
)
from linkaudit.providers.base import CheckContext
from linkaudit.providers.classify import not_asked, observe, status_verdict
from linkaudit.providers.soft404_rules import bot_wall
from linkaudit.text import split_url

API_PATH = "/api/query"
API_HOST = "export.arxiv.org"
ABS_HOST = "arxiv.org"
ATOM = "{http://www.w3.org/2005/Atom}"
ARXIV_NS = "{http://arxiv.org/schemas/atom}"
WITHDRAWN = re.compile(
    r"\b(this (paper|article|submission|manuscript) (has been|is) withdrawn"
    r"|withdrawn by the (author|submitter|arxiv administrators?))\b|^\s*(paper )?withdrawn\b",
    re.IGNORECASE,
)


def api_urls(endpoint: str, idents: Sequence[str], batch: int = ARXIV_BATCH) -> list[str]:
    """Batched export-API queries for `idents` (ids without versions), `batch` per request."""
    chunks = [idents[i : i + batch] for i in range(0, len(idents), batch)]
    return [f"{endpoint}?id_list={','.join(c)}&max_results={len(c)}" for c in chunks]


@dataclass(frozen=True, slots=True)
class Entry:
    """One paper in an API answer: its id, latest version, title and withdrawal state."""

    ident: str
    version: int | None
    title: str
    withdrawn: bool = False


@dataclass(frozen=True, slots=True)
class Feed:
    """The API's answer: entries keyed by id without version, or the error it reported."""

    entries: dict[str, Entry] = field(default_factory=dict)
    error: str | None = None


def read_feed(xml: str) -> Feed:
    """Parse an export-API Atom feed. Entries may come back in any order."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        return Feed(error=f"unreadable API answer ({exc})")
    entries: dict[str, Entry] = {}
    for node in root.iter(f"{ATOM}entry"):
        raw_id = (node.findtext(f"{ATOM}id") or "").strip()
        if "/api/errors" in raw_id:
            return Feed(error=(node.findtext(f"{ATOM}summary") or raw_id).strip())
        found = arxiv_paper(split_url(raw_id).path)
        title = " ".join((node.findtext(f"{ATOM}title") or "").split())
        if found is None or not title:
            continue  # the API's placeholder for an id it does not know
        comment = node.findtext(f"{ARXIV_NS}comment") or ""
        summary = node.findtext(f"{ATOM}summary") or ""
        withdrawn = bool(WITHDRAWN.search(comment) or WITHDRAWN.search(summary[:300]))
        entries[found.ident] = Entry(found.ident, found.version, title, withdrawn)
    return Feed(entries=entries)


def citation_title(body: str) -> str | None:
    """The abs page's `citation_title` meta (what Google Scholar reads)."""
    node = LexborHTMLParser(body).css_first('meta[name="citation_title"]')
    content = node.attributes.get("content") if node else None
    return " ".join(content.split()) if content else None


def classify_entry(ref: Paper, entry: Entry) -> Judgement:
    """What the API's entry says about the catalogued paper (its absence proves nothing)."""
    flags: list[Flag] = []
    notes: list[str] = []
    if entry.withdrawn:
        flags.append(Flag.WITHDRAWN)
        notes.append("withdrawn by its authors")
    if ref.version is not None and entry.version is not None and entry.version > ref.version:
        flags.append(Flag.NEWER_VERSION)
        notes.append(f"newer version v{entry.version} (catalog cites v{ref.version})")
    return Judgement(Verdict.OK, entry.title, tuple(flags), "; ".join(notes) or None)


def classify_abs(ref: Paper, fetched: Fetched) -> Judgement:
    """The abs page's word: 404 is dead, a page with citation_title is live (with its
    latest version from the submission history, when the catalog names one)."""
    if fetched.status is None:
        return not_asked(fetched) or Judgement(Verdict.ERROR, reason=fetched.error or "no response")
    if bot_wall(fetched) is not None:
        walled = (Flag.BOT_CHALLENGE,)
        return Judgement(Verdict.BLOCKED, flags=walled, reason="arxiv.org showed a bot challenge")
    if fetched.status >= 400:
        verdict, flags = status_verdict(fetched.status)
        return Judgement(verdict, flags=flags, reason=f"arxiv.org answered {fetched.status}")
    if fetched.failure is not None:  # a redirect loop, a body that stalled: nothing to read
        return Judgement(Verdict.ERROR, reason=fetched.error or fetched.failure.value)
    title = citation_title(fetched.body_text)
    if not title:
        return Judgement(Verdict.BLOCKED, reason="abs page without citation_title")
    withdrawn = bool(re.search(r"has been withdrawn|\(withdrawn\)", fetched.body_text, re.I))
    if ref.version is not None:
        newest = max((int(v) for v in re.findall(r"\[v(\d+)\]", fetched.body_text)), default=None)
        return classify_entry(ref, Entry(ref.ident, newest, title, withdrawn))
    noted: tuple[Flag, ...] = (Flag.WITHDRAWN,) if withdrawn else ()
    return Judgement(Verdict.OK, title, noted, "withdrawn by its authors" if withdrawn else None)


def endpoint_for(url: str) -> str:
    """The export API on the resource's own scheme and port (https://export.arxiv.org/...)."""
    parts = split_url(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{API_HOST}{port}{API_PATH}"


def abs_url(url: str, ref: Paper) -> str:
    parts = split_url(url)
    port = f":{parts.port}" if parts.port else ""
    return f"{parts.scheme}://{ABS_HOST}{port}{ref.abs_path}"


@dataclass
class ArxivProvider:
    """Checks arxiv resources through the export API in batches, falling back to abs pages."""

    name: str = "arxiv"
    endpoint: str | None = None  # None: export.arxiv.org on the resources' scheme and port
    batch_size: int = ARXIV_BATCH

    def __hash__(self) -> int:
        return hash(self.name)

    @classmethod
    def from_options(cls, options: CheckOptions) -> ArxivProvider:
        return cls(endpoint=options.arxiv_api)

    def claims(self, resource: Resource) -> bool:
        return (
            resource.kind is Kind.ARXIV
            and resource.url is not None
            and arxiv_paper(resource.url) is not None
        )

    async def check(self, resources: Sequence[Resource], ctx: CheckContext) -> None:
        refs: dict[str, Paper] = {}
        for resource in resources:
            if resource.url and (ref := arxiv_paper(resource.url)) is not None:
                refs[resource.url] = ref
        by_endpoint: dict[str, list[str]] = {}
        for url in refs:
            by_endpoint.setdefault(self.endpoint or endpoint_for(url), []).append(url)
        for endpoint, urls in by_endpoint.items():
            idents = list(dict.fromkeys(refs[u].ident for u in urls))
            for query, chunk in zip(
                api_urls(endpoint, idents, self.batch_size),
                _chunks(idents, self.batch_size),
                strict=True,
            ):
                await self._check_batch(query, set(chunk), urls, refs, ctx)

    async def _check_batch(
        self,
        query: str,
        chunk: set[str],
        urls: list[str],
        refs: dict[str, Paper],
        ctx: CheckContext,
    ) -> None:
        mine = [u for u in urls if refs[u].ident in chunk]
        answer = await ctx.fetcher.fetch(query)
        feed = read_feed(answer.body_text) if answer.status == 200 else None
        pages: dict[str, Fetched] = {}  # abs pages asked in this batch, by id
        each_ms = answer.elapsed_ms // max(len(mine), 1)
        for url in mine:
            ref: Paper = refs[url]
            entry = feed.entries.get(ref.ident) if feed is not None and not feed.error else None
            if entry is not None:
                judgement = classify_entry(ref, entry)
                ctx.emit(_observation(url, judgement, answer, ctx, each_ms, on_page=False))
                continue
            page = await self._abs_page(url, ref, ctx, pages)
            judgement = await off_loop(len(page.body_text), classify_abs, ref, page)
            if feed is not None and not feed.error and judgement.verdict is Verdict.DEAD:
                said = f"{ref.ident} is not in the arXiv API's answer, and {judgement.reason}"
                judgement = replace(judgement, reason=said)
            ctx.emit(_observation(url, judgement, page, ctx, page.elapsed_ms, on_page=True))

    async def _abs_page(
        self, url: str, ref: Paper, ctx: CheckContext, pages: dict[str, Fetched]
    ) -> Fetched:
        """The abs page of `ref`, asked once per id (the whole page: its version history
        sits below the abstract)."""
        if ref.ident not in pages:
            target = abs_url(url, ref)
            pages[ref.ident] = await ctx.fetcher.fetch(target, stop_at_title=False)
        return pages[ref.ident]


def _chunks(items: list[str], size: int) -> list[list[str]]:
    return [items[i : i + size] for i in range(0, len(items), size)]


def _observation(
    url: str,
    judgement: Judgement,
    fetched: Fetched,
    ctx: CheckContext,
    elapsed_ms: int,
    *,
    on_page: bool,
) -> Observation:
    """An API answer speaks for the catalogued URL itself; an abs page has its own hops."""
    if on_page:
        final_url, hops = fetched.final_url, fetched.hops
    else:
        final_url, hops = (url if judgement.verdict.is_live else None), ()
    return observe(
        url,
        judgement,
        fetched,
        checked_at=ctx.now(),
        elapsed_ms=elapsed_ms,
        final_url=final_url,
        hops=hops,
    )
