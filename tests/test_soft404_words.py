"""soft404's quick word check before SUSPECT_TEXT never changes what the pattern finds.

`soft404.suspect_text` looks for one of SUSPECT_WORDS in the case-folded body before it
runs the pattern. That is only right while every alternative of the pattern needs one
of the words (adding an alternative without its word fails here) and while the folding
maps every letter the case-insensitive pattern accepts onto the letter it stands for.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import pytest

from linkaudit.providers import soft404

REPLICAS = Path(__file__).parent / "replicas"


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


def outside_groups(branch: str) -> str:
    """A branch's text that every match contains: groups, classes and `\\b` left out,
    whitespace classes as a space (a word inside an optional group would prove nothing)."""
    text = re.sub(r"\\s[+*]?", " ", branch).replace("\\b", "")
    while re.search(r"\([^()]*\)", text):
        text = re.sub(r"\([^()]*\)[?*+]?", "\x00", text)
    return re.sub(r"\[[^\]]*\][?*+]?", "\x00", text).lower()


def test_every_alternative_contains_one_of_the_words() -> None:
    assert soft404.SUSPECT_TEXT.flags & re.IGNORECASE
    branches = alternatives(soft404.SUSPECT_TEXT.pattern)
    assert len(branches) >= 10
    for branch in branches:
        required = outside_groups(branch)
        assert any(word in required for word in soft404.SUSPECT_WORDS), branch


def test_folding_maps_every_letter_the_pattern_accepts_onto_its_own() -> None:
    """Whatever Unicode letter matches a word's letter case-insensitively (K, dotless i,
    long s, I with a dot above...) folds to that letter, so the word check sees it."""
    everything = "".join(chr(c) for c in range(sys.maxunicode + 1) if not 0xD800 <= c < 0xE000)
    for letter in set("".join(soft404.SUSPECT_WORDS)) - {" "}:
        accepted = re.findall(re.escape(letter), everything, re.IGNORECASE)
        assert len(accepted) >= 1
        for char in accepted:
            assert soft404.folded_case(char) == letter, (letter, hex(ord(char)))


SAMPLES = [
    "Error 404",
    "404 - Page Not Found",
    "Sorry, the page you requested could not be found.",
    "We couldn\u2019t find that page",
    "This course no longer exists",
    "Oops! Nothing to see here.",
    "The page is missing",
    "THE PAGE YOU ARE LOOKING FOR",
    "the page you are looking for was mi\u017f\u017fing",  # long s: the pattern folds it
    "WE COULDN'T F\u0130ND THAT PAGE",
    "NOT\tFOUND",
    "A live page about error handling, domains and parking lots",
    "<html><head><title>Attention Is All You Need</title></head><body>text</body></html>",
    "",
]


def test_the_word_check_finds_exactly_what_the_pattern_finds() -> None:
    texts = SAMPLES + [path.read_text(encoding="utf-8") for path in REPLICAS.glob("*.html")]
    found = 0
    for text in texts:
        expected = soft404.SUSPECT_TEXT.search(text.replace("\u2019", "'")) is not None
        assert soft404.suspect_text(text) is expected, text[:80]
        found += expected
    assert 0 < found < len(texts)  # the corpus has bodies either way


@pytest.mark.parametrize(
    ("text", "suspect"),
    [("Nothing here, sorry", True), ("Nothing changed in this release", False)],
)
def test_a_word_alone_is_not_suspect(text: str, suspect: bool) -> None:
    assert soft404.suspect_text(text) is suspect
