"""soft404's quick word check before its whole-body patterns never changes what they find.

A pattern searched in whole bodies is a `soft404.Needing`: a body without one of its
words is passed over. That is only right while every alternative of the pattern needs
one of the words, so adding an alternative without adding its word fails here.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from linkaudit.providers import soft404

REPLICAS = Path(__file__).parent / "replicas"
NEEDING = {
    name: value for name, value in vars(soft404).items() if isinstance(value, soft404.Needing)
}


def alternatives(source: str) -> list[str]:
    """The top-level `|` branches of a regex source (outside groups, classes and escapes)."""
    branches, depth, start, i, in_class = [], 0, 0, 0, False
    while i < len(source):
        char = source[i]
        if char == "\\":
            i += 2
            continue
        if in_class:
            in_class = char != "]"
        elif char == "[":
            in_class = True
        elif char == "(":
            depth += 1
        elif char == ")":
            depth -= 1
        elif char == "|" and depth == 0:
            branches.append(source[start:i])
            start = i + 1
        i += 1
    return [*branches, source[start:]]


def literal(branch: str) -> str:
    """A branch's text with escapes of punctuation undone and whitespace classes as spaces."""
    text = re.sub(r"\\s[+*]?", " ", branch)
    return re.sub(r"\\(\W)", r"\1", text).lower()


def test_the_whole_body_patterns_are_needing_ones() -> None:
    assert {"PARKING_BODY", "NOT_FOUND", "SOUNDS_MISSING"} <= set(NEEDING)


@pytest.mark.parametrize("name", sorted(NEEDING))
def test_every_alternative_contains_one_of_the_words(name: str) -> None:
    needing = NEEDING[name]
    assert needing.pattern.flags & re.IGNORECASE
    assert all(word == word.lower() for word in needing.words)
    for branch in alternatives(needing.pattern.pattern):
        assert any(word in literal(branch) for word in needing.words), (name, branch)


SAMPLES = [
    "This domain is for sale! Buy this domain today.",
    "The domain name example.org may be for sale",
    "<script>var sedoParkingUrl = 1</script>",
    "parked free, courtesy of GoDaddy",
    "Error 404",
    "404 - Page Not Found",
    "Sorry, the page you requested could not be found.",
    "We couldn't find that page",
    "This course no longer exists",
    "Oops! Nothing to see here.",
    "The page is missing",
    "A live page about error handling, domains and parking lots",
    "<html><head><title>Attention Is All You Need</title></head><body>text</body></html>",
]


@pytest.mark.parametrize("name", sorted(NEEDING))
def test_the_word_check_finds_exactly_what_the_pattern_finds(name: str) -> None:
    needing = NEEDING[name]
    texts = SAMPLES + [path.read_text(encoding="utf-8") for path in REPLICAS.glob("*.html")]
    found = 0
    for text in texts:
        expected = needing.pattern.search(text)
        got = needing.search(text)
        assert (got and got.group(0)) == (expected and expected.group(0)), (name, text[:80])
        found += expected is not None
    assert 0 < found < len(texts)  # the corpus has bodies either way
