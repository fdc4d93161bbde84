"""What one fetch says by itself: bot walls, parked domains, "not found" pages, bounces.

Each rule returns a Judgement (model/: verdict, flags, reason) when it fires, else None:

    bot_wall(fetched)                 a Cloudflare challenge or captcha page: blocked, never dead
    parked(fetched)                   a domain-parking or "domain is for sale" page
    not_found_page(fetched, title)    the title or main heading IS a "not found" message
    bounced(url, fetched)             a deep link redirected to the site root or to a 404 URL

Whether a page title still carries the catalogued title's words is titles.py's
(`shares_most`, `words`), as the judge's title comparisons are.

Every rule asks for strong evidence and stays quiet otherwise: a page that merely
mentions 404, a title that starts with "404 Not Found" but goes on ("... - HTTP | MDN"),
a page about "domain adaptation" or "used cars for sale" is no death. Doubtful pages are
left to soft404.looks_suspicious and the random-URL probe. Pure functions.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from urllib.parse import parse_qsl

from selectolax.lexbor import LexborHTMLParser

from linkaudit.config import REMOTE_TEXT_CHARS
from linkaudit.model import Fetched, Flag, Judgement, Verdict
from linkaudit.text import cut, host_of, plain, split_url
from linkaudit.titles import TITLE_SEPARATOR, shares_most, words

CHALLENGE_STATUSES = frozenset({403, 429, 503})
PARKED_MAX_WORDS = 400  # parking pages are short; a long page is an article, whatever it says
PARKED_DOMINATED_WORDS = 60  # a page this short with one parking phrase is that phrase
TITLE_MAX_WORDS = 12  # a "not found" title is short

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
# and the marketplaces among the parking services of Zirngibl et al., TMA 2022.
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
# Machine-made markers in the raw page (scripts, links to a marketplace's sale page).
PARKING_MARKERS = re.compile(
    r"sedoParkingUrl|FOOTER_DOMAIN_PARKING|parkingcrew\.net/|bodis\.com/|dan\.com/buy-domain"
    r"|afternic\.com/forsale|hugedomains\.com/domain_profile|sedo\.com/search/details",
    re.IGNORECASE,
)
PARKING_WORDS = ("domain", "parked", "parking", "bodis", "afternic", "sedo")  # in every one
# What a parking page says to its reader (matched in the visible text only).
PARKING_PHRASES = re.compile(
    r"buy this domain|this web page is parked|parked (for )?free,? courtesy of"
    r"|has been parked at your registrar|(this|the) domain( name)?( [\w.-]+)? (is|may be) for sale"
    r"|domain is parked|make an offer on this domain|this domain is available for purchase",
    re.IGNORECASE,
)
PARKED_TITLE = re.compile(
    r"\b(this |the )?domain( name)? (is |may be )?(for sale|parked|available for purchase)\b"
    r"|\bdomain for sale\b|\bbuy this domain\b"
    r"|\b[a-z0-9-]+(\.[a-z0-9-]+)+ (is |may be )?(for sale|parked)\b",
    re.IGNORECASE,
)
_NOUN = (
    r"(?:page|web\s?page|article|post|blog\s+post|course|lesson|lecture|chapter|resource|file"
    r"|document|doc|item|content|url|link|video|playlist|entry|notebook|tutorial|site|path)"
)
_SUBJECT = rf"(?:(?:this|that|the|our|your)\s+)?(?:requested\s+)?(?:{_NOUN}\s+)?"
_LOOKING = r"(?:(?:you(?:'re|\s+are|\s+were)|we(?:'re|\s+are))\s+looking\s+for\s+)?"
_CANT = r"(?:could\s*n[o']?t|can\s*not|can'?t|cannot)"
# A title part or heading that IS the message (matched whole, after interjections).
NOT_FOUND_PHRASE = re.compile(
    rf"""(?:(?:oops|sorry|whoops|uh[- ]oh|hmm+|ouch|error|http)\W+)*(?:(?:error\W*)?404\W*)?
    (?:(?:error\W*)?404(?:\W*(?:error|not\s+found|page(?:\s+not\s+found)?))?
      |(?:{_NOUN}\s+)?not\s+found
      |{_SUBJECT}{_LOOKING}(?:(?:is|was|has\s+been)\s+)?{_CANT}\s+be\s+found
      |{_SUBJECT}{_LOOKING}(?:does\s*n[o']?t|does\s+not)\s+exist(?:\s+any\s*more)?
      |{_SUBJECT}{_LOOKING}(?:is\s+)?no\s+longer\s+(?:exists?|available)
      |(?:we\s+)?{_CANT}\s+find\s+(?:that|this|the)\s+{_NOUN}(?:\s+you\s+\w+\s+looking\s+for)?)
    [\W]*""",
    re.IGNORECASE | re.VERBOSE,
)
_LANGUAGES_TEXT = """en de fr es it pt nl sv no nb nn da fi pl cs sk hu ro bg el ru uk tr ar he fa
hi bn ja ko zh id ms th vi ca eu gl hr sr sl et lv lt is ga cy"""
_LANGUAGES = frozenset(_LANGUAGES_TEXT.split())  # path segments that name a site's language
_INDEX = re.compile(r"(index|default|home|start|main|welcome)(\.[a-z]{2,5})?", re.IGNORECASE)
_TRACKING = re.compile(r"utm_\w+|ref|fbclid|gclid|mc_cid|mc_eid|_ga|lang|hl", re.IGNORECASE)
_ERROR_SEGMENT = re.compile(
    r"(error[-_]?)?404(\.[a-z]{2,5})?|(page[-_]?)?not[-_]?found(\.[a-z]{2,5})?"
    r"|page[-_]?missing",
    re.IGNORECASE,
)


def header(fetched: Fetched, name: str) -> str:
    """One response header, case-insensitively ('' when absent)."""
    return _header(fetched.headers, name)


def _header(headers: Mapping[str, str], name: str) -> str:
    wanted = name.lower()
    if wanted in headers:  # the fetcher's names are lower-case already
        return headers[wanted]
    return next((v for k, v in headers.items() if k.lower() == wanted), "")


def main_heading(body: str) -> str | None:
    """The text of the page's first <h1>, if any (cut to REMOTE_TEXT_CHARS, as a title)."""
    if "<h1" not in body.lower():
        return None
    node = LexborHTMLParser(body).css_first("h1")
    return cut(node.text(separator=" ", strip=True), REMOTE_TEXT_CHARS) if node else None


def visible_text(body: str, *, main_only: bool = False) -> str:
    """The words a reader sees: scripts and styles removed, whitespace collapsed.

    `main_only`: the page's main content (<main>, role=main or <article>), else the body
    without its navigation, header, footer and sidebars.
    """
    tree = LexborHTMLParser(body)
    for node in tree.css("script, style, noscript, template"):
        node.decompose()
    root = tree.body or tree.root
    if main_only and root is not None:
        main = tree.css_first("main") or tree.css_first('[role="main"]')
        main = main or tree.css_first("article")
        if main is not None:
            root = main
        else:
            for node in root.css("nav, header, footer, aside"):
                node.decompose()
    text = root.text(separator=" ", strip=True) if root else ""
    return " ".join(text.split())


def bot_wall(fetched: Fetched) -> Judgement | None:
    """A bot challenge or captcha page stands between us and the resource."""
    if header(fetched, "cf-mitigated").strip().lower() == "challenge":
        return Judgement(
            Verdict.BLOCKED, flags=(Flag.BOT_CHALLENGE,), reason="Cloudflare challenge"
        )
    title = fetched.title or ""
    walled_status = fetched.status in CHALLENGE_STATUSES
    if walled_status and (
        CHALLENGE_TITLE.search(title) or CHALLENGE_BODY.search(fetched.body_text)
    ):
        return Judgement(
            Verdict.BLOCKED, flags=(Flag.BOT_CHALLENGE,), reason=f"bot challenge ({fetched.status})"
        )
    if (
        fetched.status == 200
        and CHALLENGE_TITLE.search(title)
        and (CHALLENGE_BODY.search(fetched.body_text))
    ):
        return Judgement(
            Verdict.BLOCKED, flags=(Flag.BOT_CHALLENGE,), reason=f"bot challenge page: {title!r}"
        )
    return None


def parked(fetched: Fetched) -> Judgement | None:
    """A parking or domain-sale page answered instead of the site.

    Strong signals only: sent to a parking marketplace; a title that offers the domain
    itself for sale; or a short page with two independent parking signals (machine
    markers, the bare host name as title, parking phrases in the visible text), or one
    phrase on a page that says little else.
    """
    final_host = host_of(fetched.final_url or fetched.url)
    asked_host = host_of(fetched.url)
    if final_host != asked_host and any(_in_domain(final_host, h) for h in PARKING_HOSTS):
        return Judgement(
            Verdict.SOFT_DEAD,
            flags=(Flag.PARKED_DOMAIN,),
            reason=f"parked domain: sent to {final_host}",
        )
    title = plain(fetched.title or "")
    if PARKED_TITLE.search(title):
        return Judgement(
            Verdict.SOFT_DEAD, flags=(Flag.PARKED_DOMAIN,), reason=f"parked domain: title {title!r}"
        )
    raw = fetched.body_text
    lowered = raw.lower()
    if not any(word in lowered for word in PARKING_WORDS):
        return None  # no marker or phrase can match: spare the parse
    text = visible_text(raw)
    count = len(text.split())
    if count > PARKED_MAX_WORDS:
        return None
    phrases = {m.group(0).lower() for m in PARKING_PHRASES.finditer(plain(text))}
    markers = {m.group(0).lower() for m in PARKING_MARKERS.finditer(fetched.body_text)}
    if _bare_host(title, {final_host, asked_host}):
        markers.add("the host name as title")
    strong = len(phrases) + len(markers) >= 2 or bool(phrases and count <= PARKED_DOMINATED_WORDS)
    if not strong:
        return None
    said = sorted(phrases) + sorted(markers)
    return Judgement(
        Verdict.SOFT_DEAD, flags=(Flag.PARKED_DOMAIN,), reason=f"parked domain: {', '.join(said)}"
    )


def _bare_host(title: str, hosts: set[str]) -> bool:
    name = title.strip().lower().removeprefix("www.")
    return bool(name) and any(name == h.removeprefix("www.") for h in hosts if h)


def _in_domain(host: str, domain: str) -> bool:
    return host == domain or host.endswith("." + domain)


def says_not_found(text: str | None) -> bool:
    """The text is, in its entirety, a "not found" message ("Page not found", "Error 404")."""
    return bool(text) and NOT_FOUND_PHRASE.fullmatch(plain(text or "")) is not None


def not_found_title(title: str | None) -> bool:
    """A short title that is the message, plus at most one site-name decoration."""
    text = plain(title or "")
    if not text or len(text.split()) > TITLE_MAX_WORDS:
        return False
    parts = [p for p in TITLE_SEPARATOR.split(text) if p.strip()]
    if len(parts) > 2:
        return False
    says = [says_not_found(p) for p in parts]
    others = [p for p, said in zip(parts, says, strict=True) if not said]
    return any(says) and all(len(p.split()) <= 4 for p in others)


def not_found_page(fetched: Fetched, expected_title: str | None = None) -> Judgement | None:
    """The page's title (or, under a title that names nothing else, its heading) says "not found".

    Never when the page title carries the catalogued title: a page about HTTP 404 is alive.
    """
    host = split_url(fetched.final_url or fetched.url).hostname
    if shares_most(expected_title, fetched.title, host=host):
        return None
    title = fetched.title
    if not_found_title(title):
        return Judgement(
            Verdict.SOFT_DEAD,
            flags=(Flag.SOFT_404,),
            reason=f"page title says {plain(title or '')!r}",
        )
    heading = main_heading(fetched.body_text)
    if not says_not_found(heading):
        return None
    title_says_nothing = not (title or "").strip() or bool(
        expected_title and not (words(title or "") & words(expected_title))
    )
    if title_says_nothing and not shares_most(expected_title, heading, host=host):
        said = f"page heading says {plain(heading or '')!r}"
        return Judgement(Verdict.SOFT_DEAD, flags=(Flag.SOFT_404,), reason=said)
    return None


def root_like(url: str) -> bool:
    """The URL names a site's root: `/`, `/index.html`, `/home`, `/en/`, `/?utm_source=x`."""
    parts = split_url(url)
    segments = [s for s in parts.path.split("/") if s]
    if len(segments) > 2 or not all(_root_segment(s) for s in segments):
        return False
    if segments and parts.query:  # /index.php?id=42 names a page
        return all(_TRACKING.fullmatch(k) for k, _ in parse_qsl(parts.query, True))
    return True


def _root_segment(segment: str) -> bool:
    lang = segment.lower().replace("_", "-").split("-")
    language = lang[0] in _LANGUAGES and len(lang) <= 2 and all(2 <= len(p) <= 4 for p in lang)
    return language or _INDEX.fullmatch(segment) is not None


def error_url(url: str) -> bool:
    """The URL names an error page: its last path segment is 404, not-found, ... or ?x=404."""
    parts = split_url(url)
    segments = [s for s in parts.path.split("/") if s]
    if segments and _INDEX.fullmatch(segments[-1]):
        segments.pop()
    if segments and _ERROR_SEGMENT.fullmatch(segments[-1]):
        return True
    return any(value.strip() == "404" for _, value in parse_qsl(parts.query, True))


def same_site(a: str, b: str) -> bool:
    """The two URLs are on one site: same host but for `www.`, or one a subdomain of the other."""
    host_a = host_of(a).removeprefix("www.")
    host_b = host_of(b).removeprefix("www.")
    return host_a == host_b or host_a.endswith("." + host_b) or host_b.endswith("." + host_a)


def bounced(url: str, fetched: Fetched) -> Judgement | None:
    """A deep link redirected to its own site's root, or to a URL that names a 404 page.

    A redirect to another site's root (a short link, a moved domain) is no bounce.
    """
    final = fetched.final_url
    if not final or final == url or len(fetched.hops) < 2:
        return None
    if not root_like(url) and root_like(final) and same_site(url, final):
        return Judgement(
            Verdict.SOFT_DEAD, flags=(Flag.BOUNCED_HOME,), reason=f"deep link bounced to {final}"
        )
    if error_url(final) and not error_url(url):
        return Judgement(
            Verdict.SOFT_DEAD,
            flags=(Flag.SOFT_404,),
            reason=f"redirected to an error page: {final}",
        )
    return None
