"""Page titles compared the way a reader would: pure functions, no I/O.

Two titles are "the same" when they match after normalising case, white space, HTML
entities and the decorations sites add around a title (" - YouTube", " | Coursera",
arXiv's "[2106.09685] " prefix); or when the words of one run unbroken inside the other
and make up at least `COVER_SHARE` of them ("Deep Learning Book" in "Deep Learning Book
& more"); or when they are close enough (difflib ratio >= `SIMILARITY_THRESHOLD`).

Containment alone is not enough: "Welcome" -> "Welcome to nginx!", "Stanford CS229" ->
"Stanford CS229 has moved", "Neural Networks" -> "Recurrent Neural Networks" are real
changes. When in doubt the titles differ: a drift is a question to the maintainer
(`linkaudit accept` answers it), a hidden change is a wrong link nobody sees.

A title is remote text: every function here reads at most REMOTE_TEXT_CHARS of it (the
length titles are stored at), so the quadratic difflib ratio and the word-by-word
comparisons cost a bounded amount whatever a page sends (two 60,000-character titles
once took 73 s of CPU on the event loop).
"""

from __future__ import annotations

import functools
import html
import re
import unicodedata
from difflib import SequenceMatcher

from linkaudit.config import REMOTE_TEXT_CHARS
from linkaudit.text import cut

SIMILARITY_THRESHOLD = 0.8
COVER_SHARE = 0.7  # share of the longer title's words the contained one must make up

# Site names that decorate titles, matched case-insensitively after normalising.
SITE_NAMES = frozenset(
    {
        "youtube",
        "coursera",
        "arxiv",
        "arxiv.org",
        "github",
        "medium",
        "wikipedia",
        "edx",
        "udemy",
        "udacity",
        "khan academy",
        "mit opencourseware",
        "mit ocw",
        "towards data science",
        "substack",
        "kaggle",
        "google developers",
        "hugging face",
        "papers with code",
        "stanford university",
        "fast.ai",
        "deeplearning.ai",
        "o'reilly",
        "o'reilly media",
        "youtube music",
    }
)
# hyphen, bar, en and em dash, middle dot, bullet, guillemet, "::"; spaces around, so
# "e-mail" survives: what sites put between a title and their name
TITLE_SEPARATOR = re.compile("\\s+(?:[-|\u2013\u2014\u00b7\u2022\u00bb]|::)\\s+")
_ARXIV_PREFIX = re.compile(r"^\[(?:\d{4}\.\d{4,5}|[a-z-]+(?:\.[a-z]{2})?/\d{7})(?:v\d+)?\]\s*")
_WORD = re.compile(r"[^\W_]+")
_SPACE = re.compile(r"\s+")
_STOPWORDS_TEXT = """a an and the of to in on for with by from at as is are be or vs via your you
what how why part lecture course video playlist tutorial intro introduction"""
STOPWORDS = frozenset(_STOPWORDS_TEXT.split())


def normalise_title(title: str, *, host: str | None = None) -> str:
    """Lower-case, entity-free, single-spaced title without site decorations (of the
    title's first REMOTE_TEXT_CHARS characters).

    `host` (e.g. "www.deeplearning.ai") adds its own names to the decorations stripped.
    """
    return _normalised(cut(title, REMOTE_TEXT_CHARS), host)


@functools.lru_cache(maxsize=1024)  # each title is compared a few times as its page is judged
def _normalised(title: str, host: str | None) -> str:
    text = unicodedata.normalize("NFKC", html.unescape(html.unescape(title)))
    text = _SPACE.sub(" ", text).strip().casefold()
    text = _ARXIV_PREFIX.sub("", text)
    sites = _sites(host)
    parts = TITLE_SEPARATOR.split(text)
    while len(parts) > 1 and _is_site(parts[-1], sites):
        parts.pop()
    while len(parts) > 1 and _is_site(parts[0], sites):
        parts.pop(0)
    return " - ".join(parts).strip()


def same_title(a: str, b: str, *, host: str | None = None) -> bool:
    """The two titles name the same page (see the module docstring)."""
    na, nb = normalise_title(a, host=host), normalise_title(b, host=host)
    if na == nb:
        return True
    if not na or not nb:
        return False
    if _covers(na, nb) or _covers(nb, na):
        return True
    return similarity(na, nb) >= SIMILARITY_THRESHOLD


def _covers(inner: str, outer: str) -> bool:
    """The words of `inner` appear unbroken in `outer` and are most of its words."""
    short, long = _WORD.findall(inner), _WORD.findall(outer)
    if not short or len(short) < COVER_SHARE * len(long):
        return False
    return f" {' '.join(short)} " in f" {' '.join(long)} "  # words hold no space: one search


def similarity(a: str, b: str) -> float:
    """difflib ratio of two already normalised titles, 0..1."""
    return SequenceMatcher(None, a, b, autojunk=False).ratio()


def shares_nothing(catalogued: str, page: str, *, host: str | None = None) -> bool:
    """No meaningful word of the catalogued title appears in the page title.

    False when either side has no meaningful words (nothing to compare).
    """
    sites = _sites(host)
    left = _words(normalise_title(catalogued, host=host)) - sites
    right = _words(normalise_title(page, host=host)) - sites
    if not left or not right:
        return False
    return not any(_close(w, v) for w in left for v in right)


def shares_most(catalogued: str | None, page: str | None, *, host: str | None = None) -> bool:
    """At least half the meaningful words of the catalogued title are in the page title
    (the soft-404 rules' test that a page is still the resource it was catalogued as)."""
    if not catalogued or not page:
        return False
    want = _words(normalise_title(catalogued, host=host))
    got = _words(normalise_title(page, host=host))
    if not want or not got:
        return False
    hits = sum(1 for w in want if any(_close(w, v) for v in got))
    return 2 * hits >= len(want)


def words(text: str) -> set[str]:
    """The meaningful words of a title: lower-case, stopwords dropped."""
    return _words(text.casefold())


def _words(text: str) -> set[str]:
    return {w for w in _WORD.findall(text) if w not in STOPWORDS and (len(w) > 1 or w.isdigit())}


def _close(a: str, b: str) -> bool:
    """Same word, allowing plurals and similar endings ("network"/"networks")."""
    if a == b:
        return True
    shorter, longer = sorted((a, b), key=len)
    return len(shorter) >= 4 and longer.startswith(shorter[: max(4, len(shorter) - 2)])


def _is_site(part: str, sites: frozenset[str] | set[str]) -> bool:
    return part.strip() in sites


@functools.lru_cache(maxsize=256)
def _sites(host: str | None) -> frozenset[str]:
    """SITE_NAMES and the names of `host`."""
    return SITE_NAMES | _host_names(host)


def _host_names(host: str | None) -> set[str]:
    if not host:
        return set()
    host = host.casefold().removeprefix("www.")
    labels = host.split(".")
    names = {host}
    if len(labels) >= 2:
        names.add(labels[-2])
    return names
