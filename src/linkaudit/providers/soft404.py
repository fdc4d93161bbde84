"""Pages that lie about being alive: soft-404s, parked domains, bounced deep links, bot walls.

Pure judgements over one `Fetched` (plus, for the probe, a second one):

    bot_wall(fetched)            a Cloudflare challenge or captcha page: blocked, never dead
    parked(fetched)              a domain-parking or "domain is for sale" page
    not_found_page(fetched)      the title or main heading says not found / does not exist / 404
    bounced(url, fetched)        a deep link whose redirects end at the site root or a 404 URL
    looks_suspicious(fetched, expected_title)   worth the random-URL probe
    probe_url(url, token)        a sibling path that cannot exist (token: probe_token(url))
    same_page(a, b)              two pages are near-identical (the soft-404 fingerprint)
    judge(url, fetched)          the first signal that fires, or None
    review(observation, fetched, ...)   the web provider's hook: judge, then probe if suspicious

Only a page's title and main heading count as "says not found": a live page whose body
merely mentions 404 or "not found" is not evidence (at most it is suspicious, and the
probe decides). `HostProbes` runs the probe once per host per run. The Fetcher reads
bodies of 2xx answers only, so a 403/429/503 challenge is known by its `cf-mitigated`
header (which Cloudflare sets on every challenge page); body markers count on 200 pages.
"""

from __future__ import annotations

import asyncio
import difflib
import hashlib
import re
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, replace
from urllib.parse import urlsplit, urlunsplit

from selectolax.lexbor import LexborHTMLParser

from linkaudit.model import Fetched, Flag, Observation, Verdict


class Needing:
    """A case-insensitive pattern searched in whole bodies, and words one of which every
    match contains: a body without any of them is passed over in one quick scan instead of
    the regex engine trying each alternative at each position (300 µs a small page).
    Every top-level alternative must contain one of the words (test_soft404_words.py)."""

    def __init__(self, words: tuple[str, ...], pattern: re.Pattern[str]) -> None:
        self.words = words
        self.pattern = pattern

    def search(self, text: str) -> re.Match[str] | None:
        lowered = text.lower()
        if not any(word in lowered for word in self.words):
            return None
        return self.pattern.search(text)


CHALLENGE_STATUSES = frozenset({403, 429, 503})
SIMILARITY = 0.9  # SequenceMatcher ratio above which two pages are "the same page"
COMPARED_CHARS = 4000  # visible text compared between a page and its probe

# Cloudflare: docs "Detect a Challenge Page response" (cf-mitigated: challenge) and the
# challenge page's own markers; captcha walls of Google (/sorry), hCaptcha, Turnstile.
CHALLENGE_TITLE = re.compile(
    r"just a moment|attention required|checking your browser|verify(ing)? you are (a )?human"
    r"|are you a robot|captcha|security check|ddos-guard|human verification",
    re.IGNORECASE,
)
CHALLENGE_BODY = re.compile(
    r"_cf_chl_opt|/cdn-cgi/challenge-platform/|cf-chl-|cf_chl_|challenges\.cloudflare\.com"
    r"|g-recaptcha|h-captcha|cf-turnstile|unusual traffic from your computer network",
    re.IGNORECASE,
)
# Parking services, from intrigue-ident's fingerprints (checks/http/sedo.rb, godaddy.rb)
# and the parking/marketplace hosts listed by domain-parking studies.
PARKING_HOSTS = (
    "sedo.com",
    "sedoparking.com",
    "dan.com",
    "afternic.com",
    "hugedomains.com",
    "parkingcrew.net",
    "bodis.com",
    "undeveloped.com",
    "domainmarket.com",
    "above.com",
    "dsparking.com",
)
PARKING_BODY = Needing(
    ("park", "domain", "bodis", "afternic"),
    re.compile(
        r"sedoparking|sedoParkingUrl|FOOTER_DOMAIN_PARKING|parkingcrew|bodis\.com"
        r"|this web page is parked|parked free,? courtesy of|has been parked at your registrar"
        r"|(this|the) domain( name)?( [\w.-]+)? (is|may be) for sale|buy this domain"
        r"|hugedomains\.com|afternic\.com/forsale|dan\.com/buy-domain|domain is parked",
        re.IGNORECASE,
    ),
)
PARKING_TITLE = re.compile(
    r"\bfor sale\b|\bparked\b|\bdomain (name )?(is )?available\b|\bbuy this domain\b",
    re.IGNORECASE,
)
NOT_FOUND = Needing(
    ("found", "exist", "longer", "find", "missing", "404"),
    re.compile(
        r"\bnot\s+found\b|\bdoes\s*n[o']t\s+exist\b|\bdoes\s+not\s+exist\b"
        r"|\bno\s+longer\s+(exists|available)\b|\b(can\s*no|can'?|could\s*n[o']?)t\s+be\s+found\b"
        r"|\bcould\s*n[o']?t\s+find\s+(that|this|the)\s+page\b|\bpage\s+(is\s+)?missing\b"
        r"|^\W*(error\W*)?404\b|\b404\W*(error|page|not\s+found)\b|\berror\s+404\b",
        re.IGNORECASE,
    ),
)
SOUNDS_MISSING = Needing(
    ("oops", "nothing", "page you"),
    re.compile(
        r"\boops\b|nothing (here|to see)|page you (requested|are looking for)", re.IGNORECASE
    ),
)
NOT_FOUND_URL = re.compile(r"404|not[-_]?found|page[-_]?not[-_]?found|/error\b", re.IGNORECASE)
WORD = re.compile(r"[a-z0-9]{3,}")


@dataclass(frozen=True, slots=True)
class Signal:
    """Why a page that answered is not what it claims: a verdict, a flag and a reason."""

    verdict: Verdict
    flag: Flag
    reason: str


def header(fetched: Fetched, name: str) -> str:
    """One response header, case-insensitively ('' when absent)."""
    return _header(fetched.headers, name)


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    return next((v for k, v in headers.items() if k.lower() == wanted), "")


def main_heading(body: str) -> str | None:
    """The text of the page's first <h1>, if any."""
    if "<h1" not in body.lower():
        return None
    node = LexborHTMLParser(body).css_first("h1")
    return node.text(separator=" ", strip=True) if node else None


def visible_text(body: str) -> str:
    """The words a reader sees: scripts and styles removed, whitespace collapsed."""
    tree = LexborHTMLParser(body)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    root = tree.body or tree.root
    text = root.text(separator=" ", strip=True) if root else ""
    return " ".join(text.split())


def bot_wall(fetched: Fetched) -> Signal | None:
    """A bot challenge or captcha page stands between us and the resource."""
    if header(fetched, "cf-mitigated").strip().lower() == "challenge":
        return Signal(Verdict.BLOCKED, Flag.BOT_CHALLENGE, "Cloudflare challenge")
    title = fetched.title or ""
    walled_status = fetched.status in CHALLENGE_STATUSES
    if walled_status and (
        CHALLENGE_TITLE.search(title) or CHALLENGE_BODY.search(fetched.body_text)
    ):
        return Signal(Verdict.BLOCKED, Flag.BOT_CHALLENGE, f"bot challenge ({fetched.status})")
    if (
        fetched.status == 200
        and CHALLENGE_TITLE.search(title)
        and (CHALLENGE_BODY.search(fetched.body_text))
    ):
        return Signal(Verdict.BLOCKED, Flag.BOT_CHALLENGE, f"bot challenge page: {title!r}")
    return None


def parked(fetched: Fetched) -> Signal | None:
    """A parking or domain-sale page answered instead of the site."""
    final_host = (urlsplit(fetched.final_url or fetched.url).hostname or "").lower()
    asked_host = (urlsplit(fetched.url).hostname or "").lower()
    if final_host != asked_host and any(_in_domain(final_host, h) for h in PARKING_HOSTS):
        return Signal(Verdict.SOFT_DEAD, Flag.PARKED_DOMAIN, f"parked domain: sent to {final_host}")
    match = PARKING_BODY.search(fetched.body_text[:65536])
    if match:
        return Signal(
            Verdict.SOFT_DEAD, Flag.PARKED_DOMAIN, f"parked domain: page says {match.group(0)!r}"
        )
    title = fetched.title or ""
    if PARKING_TITLE.search(title) and "domain" in (title + fetched.body_text[:8192]).lower():
        return Signal(Verdict.SOFT_DEAD, Flag.PARKED_DOMAIN, f"parked domain: title {title!r}")
    return None


def _in_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def not_found_page(fetched: Fetched) -> Signal | None:
    """The page's title or main heading says the thing is not there."""
    for what, text in (("title", fetched.title), ("heading", main_heading(fetched.body_text))):
        if text and NOT_FOUND.search(text):
            return Signal(Verdict.SOFT_DEAD, Flag.SOFT_404, f"page {what} says {text.strip()!r}")
    return None


def is_deep(url: str) -> bool:
    """The URL names something below a site's root (a path or a query)."""
    parts = urlsplit(url)
    return parts.path not in ("", "/") or bool(parts.query)


def bounced(url: str, fetched: Fetched) -> Signal | None:
    """A deep link redirected to the site's root, or to a URL that names a 404 page."""
    final = fetched.final_url
    if not final or final == url or len(fetched.hops) < 2:
        return None
    final_parts = urlsplit(final)
    if is_deep(url) and final_parts.path in ("", "/") and not _root_equivalent(url, final):
        return Signal(Verdict.SOFT_DEAD, Flag.BOUNCED_HOME, f"deep link bounced to {final}")
    asked = urlsplit(url)
    if NOT_FOUND_URL.search(
        final_parts.path + "?" + final_parts.query
    ) and not NOT_FOUND_URL.search(asked.path + "?" + asked.query):
        return Signal(Verdict.SOFT_DEAD, Flag.SOFT_404, f"redirected to an error page: {final}")
    return None


def _root_equivalent(url: str, final: str) -> bool:
    """`url` was itself only a root with trivia (e.g. `/?utm=x` → `/`)."""
    return urlsplit(url).path in ("", "/") and urlsplit(final).path in ("", "/")


def judge(url: str, fetched: Fetched) -> Signal | None:
    """The first soft-404 signal of one fetch (the probe aside), strongest first."""
    if fetched.status is None:
        return None
    wall = bot_wall(fetched)
    if wall or not 200 <= fetched.status < 300:
        return wall
    return parked(fetched) or bounced(url, fetched) or not_found_page(fetched)


def looks_suspicious(fetched: Fetched, expected_title: str | None = None) -> bool:
    """Worth a random-URL probe: no title, a body that talks of 404s, or a foreign title."""
    if fetched.status is None or not 200 <= fetched.status < 300:
        return False
    if not (fetched.title or "").strip():
        return True
    head = fetched.body_text[:65536]
    if NOT_FOUND.search(head) or SOUNDS_MISSING.search(head):
        return True
    if expected_title:
        want = set(WORD.findall(expected_title.lower()))
        got = set(WORD.findall((fetched.title or "").lower()))
        return bool(want) and not (want & got)
    return False


def probe_url(url: str, token: str) -> str:
    """A sibling of `url` that cannot exist: same origin and directory, a random last segment."""
    parts = urlsplit(url)
    directory = parts.path.rsplit("/", 1)[0] if "/" in parts.path else ""
    return urlunsplit((parts.scheme, parts.netloc, f"{directory}/linkaudit-probe-{token}", "", ""))


def probe_token(url: str) -> str:
    """A token no site uses, stable per URL (so a run can be replayed and tested)."""
    return hashlib.sha256(f"linkaudit-probe {url}".encode()).hexdigest()[:12]


def same_page(a: Fetched, b: Fetched) -> bool:
    """Near-identical pages: same status class, same title, body text alike (URLs ignored)."""
    if (a.title or "").strip() != (b.title or "").strip():
        return False
    text_a = _comparable(a)
    text_b = _comparable(b)
    if not text_a and not text_b:
        return True
    return difflib.SequenceMatcher(None, text_a, text_b, autojunk=False).ratio() >= SIMILARITY


def _comparable(fetched: Fetched) -> str:
    text = visible_text(fetched.body_text)[:COMPARED_CHARS]
    for url in (fetched.url, fetched.final_url or ""):
        path = urlsplit(url).path
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


def judge_against_probe(fetched: Fetched, probe: Probe) -> Signal | None:
    """The page is the host's catch-all page: the host answered a random path the same way."""
    if probe.serves_soft_404 and same_page(fetched, probe.fetched):
        return Signal(
            Verdict.SOFT_DEAD,
            Flag.SOFT_404,
            f"host answers every path with this page (probe {probe.url} looked the same)",
        )
    return None


def apply(observation: Observation, signal: Signal) -> Observation:
    """The observation as the signal corrects it: new verdict, the flag added, the reason said."""
    flags = tuple(dict.fromkeys((*observation.flags, str(signal.flag))))
    return replace(observation, verdict=signal.verdict, flags=flags, error=signal.reason)


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
    if fetched.status is None:
        return observation
    signal = judge(observation.url, fetched)
    if signal is not None:
        return apply(observation, signal)
    if not observation.verdict.is_live or not looks_suspicious(fetched, expected_title):
        return observation

    async def run_probe(url: str) -> Probe:
        target = probe_url(fetched.final_url or url, (token or probe_token)(url))
        return Probe(target, await fetch(target))

    probe = await probes.probe(fetched.final_url or observation.url, run_probe)
    signal = judge_against_probe(fetched, probe)
    return apply(observation, signal) if signal else observation


class HostProbes:
    """The random-URL probe, run at most once per host per run (concurrent callers share it)."""

    def __init__(self) -> None:
        self._probes: dict[str, asyncio.Future[Probe]] = {}

    async def probe(self, url: str, fetch: Callable[[str], Awaitable[Probe]]) -> Probe:
        parts = urlsplit(url)
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
