"""Pages that lie about being alive: soft-404s, parked domains, bounced deep links, bot walls.

Pure classifications of one `Fetched` (plus, for the probe, a second one); the single-fetch
rules live in soft404_rules.py:

    bot_wall, parked, not_found_page, bounced     see soft404_rules
    classify(url, fetched, expected_title)  the first rule's Judgement that fires, or None
    pending_bounce(url, fetched, title)  a bounce home the catalogued title contradicts
    looks_suspicious(fetched, expected_title)   worth the random-URL probe
    suspect_text(text)           the body talks of a missing page (its words checked first)
    probe_url(url, token)        a sibling path that cannot exist (token: probe_token(url))
    same_page(a, b)              two pages are near-identical (the soft-404 fingerprint)
    review(observation, fetched, ...)   the web provider's hook: classify, then probe if in
                                        doubt (the rules over a large page in a worker thread)

Only a title or main heading that IS a "not found" message counts: a live page whose
body merely mentions 404 or "not found" is not evidence (at most it is suspicious, and
the probe decides). `HostProbes` runs the probe once per host per run. The Fetcher reads
the head of 401/403/429/503 bodies as well as 2xx ones, so a challenge page is known by
its `cf-mitigated` header or by its own markers, whatever its status.
"""

from __future__ import annotations

import asyncio
import hashlib
import re
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from urllib.parse import urlunsplit

from linkaudit.fetch.html import off_loop
from linkaudit.model import Fetched, Flag, Judgement, Observation, Verdict
from linkaudit.providers.classify import corrected
from linkaudit.providers.soft404_rules import (
    bot_wall,
    bounced,
    not_found_page,
    parked,
    visible_text,
)
from linkaudit.text import split_url
from linkaudit.titles import shares_most, words

SIMILARITY = 0.9  # share of their words two pages have in common: "the same page"
COMPARED_CHARS = 4000  # main-content text compared between a page and its probe
MIN_WORDS = 12  # a page with less main content than this cannot be told from another
SUSPECT_TEXT = re.compile(
    r"\bnot\s+found\b|\bdoes\s*n[o']t\s+exist\b|\bdoes\s+not\s+exist\b"
    r"|\bno\s+longer\s+(exists|available)\b|\b(can\s*no|can'?|could\s*n[o']?)t\s+be\s+found\b"
    r"|\bcould\s*n[o']?t\s+find\s+(that|this|the)\s+page\b|\bpage\s+(is\s+)?missing\b"
    r"|\b404\b|\boops\b|nothing (here|to see)|page you (requested|are looking for)",
    re.IGNORECASE,
)
# Every alternative of SUSPECT_TEXT contains one of these (test_providers_soft404.py): a body
# holding none of them is passed over in a few substring scans, where the regex engine
# would try each case-insensitive alternative at every position (120 µs a small page).
SUSPECT_WORDS = (
    *("found", "exist", "longer", "find", "missing", "404", "oops", "nothing"),
    "page you",
)


def classify(url: str, fetched: Fetched, expected_title: str | None = None) -> Judgement | None:
    """The first soft-404 rule that fires on one fetch (the probe aside), strongest first."""
    if fetched.status is None:
        return None
    wall = bot_wall(fetched)
    if wall or not 200 <= fetched.status < 300:
        return wall
    bounce = bounced(url, fetched)
    if bounce is not None and pending_bounce(url, fetched, expected_title) is None:
        return bounce
    return parked(fetched) or (None if bounce else not_found_page(fetched, expected_title))


def pending_bounce(url: str, fetched: Fetched, expected_title: str | None) -> Judgement | None:
    """A bounce to the home page whose title still carries the catalogued title: the probe
    decides (a host that sends every unknown path to the same place condemns it)."""
    bounce = bounced(url, fetched)
    host = split_url(fetched.final_url or url).hostname
    if bounce is None or not shares_most(expected_title, fetched.title, host=host):
        return None
    return bounce


def looks_suspicious(fetched: Fetched, expected_title: str | None = None) -> bool:
    """Worth a random-URL probe: no title, a body that talks of 404s, or a foreign title."""
    if fetched.status is None or not 200 <= fetched.status < 300:
        return False
    if not (fetched.title or "").strip():
        return True
    if suspect_text(fetched.body_text[:65536]):
        return True
    if expected_title:
        want = words(expected_title)
        return bool(want) and not (want & words(fetched.title or ""))
    return False


def suspect_text(text: str) -> bool:
    """The text talks of a missing page (SUSPECT_TEXT), its words looked for first."""
    folded = folded_case(text)
    if not any(word in folded for word in SUSPECT_WORDS):
        return False
    return SUSPECT_TEXT.search(text.replace("\u2019", "'")) is not None


def folded_case(text: str) -> str:
    """Lower case as a case-insensitive pattern sees it: str.lower(), and the letters the
    regex engine also folds to i and s (dotless i, long s, the dot an I with a dot above
    leaves behind), so that a word check never misses what the pattern would find."""
    lowered = text.lower()
    if lowered.isascii():
        return lowered
    return lowered.replace("\u0131", "i").replace("\u017f", "s").replace("\u0307", "")


def probe_url(url: str, token: str) -> str:
    """A sibling of `url` that cannot exist: same origin and directory, a random last segment."""
    parts = split_url(url)
    directory = parts.path.rsplit("/", 1)[0] if "/" in parts.path else ""
    return urlunsplit((parts.scheme, parts.netloc, f"{directory}/linkaudit-probe-{token}", "", ""))


def probe_token(url: str) -> str:
    """A token no site uses, stable per URL (so a run can be replayed and tested)."""
    return hashlib.sha256(f"linkaudit-probe {url}".encode()).hexdigest()[:12]


def same_page(a: Fetched, b: Fetched) -> bool:
    """Near-identical pages: same title, main content alike (URLs ignored): at least
    SIMILARITY of their words in common, repeats counted, found in linear time (difflib's
    ratio of the two texts was quadratic: 0.9 s of CPU for 4,000 hostile characters).

    Inconclusive, hence False, when either page has almost no main content (a
    single-page app's shell looks the same at every path, live or not).
    """
    if (a.title or "").strip() != (b.title or "").strip():
        return False
    words_a, words_b = _comparable(a).split(), _comparable(b).split()
    if len(words_a) < MIN_WORDS or len(words_b) < MIN_WORDS:
        return False
    common = sum((Counter(words_a) & Counter(words_b)).values())
    return 2 * common >= SIMILARITY * (len(words_a) + len(words_b))


def _comparable(fetched: Fetched) -> str:
    text = visible_text(fetched.body_text, main_only=True)[:COMPARED_CHARS]
    for url in (fetched.url, fetched.final_url or ""):
        path = split_url(url).path
        if len(path) > 1:
            text = text.replace(path, " ")
    return " ".join(text.split())


@dataclass(frozen=True, slots=True)
class Probe:
    """What a host answered for a path that cannot exist."""

    url: str
    fetched: Fetched

    @property
    def serves_soft_404(self) -> bool:
        status = self.fetched.status
        return status is not None and 200 <= status < 300


def classify_against_probe(
    fetched: Fetched, probe: Probe, bounce: Judgement | None = None
) -> Judgement | None:
    """The page is the host's catch-all page: the host answered a random path the same way.

    With a pending `bounce`, the random path must have been sent to the very same page.
    """
    if not probe.serves_soft_404:
        return None
    if bounce is not None:
        if probe.fetched.final_url and probe.fetched.final_url == fetched.final_url:
            reason = f"{bounce.reason}; so is a path that cannot exist ({probe.url})"
            return replace(bounce, reason=reason)
        return None
    if same_page(fetched, probe.fetched):
        return Judgement(
            Verdict.SOFT_DEAD,
            flags=(Flag.SOFT_404,),
            reason=f"host answers every path with this page (probe {probe.url} looked the same)",
        )
    return None


async def review(
    observation: Observation,
    fetched: Fetched,
    *,
    expected_title: str | None,
    probes: HostProbes,
    fetch: Callable[[str], Awaitable[Fetched]],
    token: Callable[[str], str] | None = None,
) -> Observation:
    """Second opinion on a generic page's observation: the web provider's soft-404 hook.

    Bot walls turn any answer into `blocked`; a live answer that is parked, bounced home or
    titled "not found" becomes `soft_dead`; a live answer that merely looks suspicious is
    compared with the host's answer to a random sibling path (probed once per host).
    """
    if fetched.status is None or Flag.LOGIN_WALL in observation.flags:
        return observation  # a sign-in page is no page of the site's: nothing to look at
    size = len(fetched.body_text)  # the rules parse the page: a large one off the loop
    judgement = await off_loop(size, classify, observation.url, fetched, expected_title)
    if judgement is not None:
        return corrected(observation, judgement)
    if not observation.verdict.is_live:
        return observation
    bounce = pending_bounce(observation.url, fetched, expected_title)
    if bounce is None and not looks_suspicious(fetched, expected_title):
        return observation
    where = observation.url if bounce else (fetched.final_url or observation.url)

    async def run_probe(url: str) -> Probe:
        target = probe_url(where, (token or probe_token)(url))
        return Probe(target, await fetch(target))

    probe = await probes.probe(where, run_probe)
    size = max(size, len(probe.fetched.body_text))
    judgement = await off_loop(size, classify_against_probe, fetched, probe, bounce)
    return corrected(observation, judgement) if judgement else observation


class HostProbes:
    """The random-URL probe, run at most once per host per run (concurrent callers share it)."""

    def __init__(self) -> None:
        self._probes: dict[str, asyncio.Future[Probe]] = {}

    async def probe(self, url: str, fetch: Callable[[str], Awaitable[Probe]]) -> Probe:
        parts = split_url(url)
        key = f"{parts.scheme}://{parts.netloc}".lower()
        existing = self._probes.get(key)
        if existing is not None:
            return await existing
        future: asyncio.Future[Probe] = asyncio.get_running_loop().create_future()
        self._probes[key] = future
        try:
            future.set_result(await fetch(url))
        except BaseException as exc:
            future.set_exception(exc)
            future.exception()  # retrieved here; waiters still see it
            raise
        return future.result()
