"""What `catalog validate` warns about: a catalog that loads, but reads badly. Pure.

    catalog_warnings(resources) -> list[str]   `file:line: warning: ...`, in catalog order
    mojibake(text) -> Mojibake | None          UTF-8 text that was read in another encoding

Two warnings, never errors (the catalog is still checked):

- a title that is generic link text ("here", "Part 2": load.py's GENERIC_LINK_TEXT, the
  one rule), which says nothing about the resource; the report shows the page's own
  title beside it;
- mojibake in a title or a section: "Fran√ßois" is "François" written as UTF-8 and read
  as Mac Roman ("FranÃ§ois" as Windows-1252 or Latin-1). Each run of non-ASCII
  characters of a word is encoded back and decoded as UTF-8, strictly. Real text
  ("Aurélien Géron", "Straße", "“quoted”") is left alone: its accented letters and
  quotes are not valid UTF-8 bytes in any of these encodings. The few pairs that are
  (an em dash before "é", "«" before "É") decode to letters of other alphabets or
  IPA; so in a word with Latin letters only a repair to Latin-1 or Latin Extended-A
  letters, punctuation, "€" or "™" counts (a word without ASCII letters, such as
  Russian read as Windows-1252, may be repaired to letters of any alphabet).
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from linkaudit.catalog.load import (
    GENERIC_LINK_TEXT,
    MARKDOWN_SUFFIXES,
    TITLE_SEPARATOR,
    generic_title,
)
from linkaudit.model import Resource

# (codec, how a person names it), most telling first: "√" is Mac Roman's C3, the lead byte
# of every accented Latin letter in UTF-8, and no other of these makes it.
ENCODINGS = (("mac_roman", "Mac Roman"), ("cp1252", "Windows-1252"), ("latin-1", "Latin-1"))
_NON_ASCII = re.compile(r"[^\x00-\x7f]+")
_TEXT_CATEGORIES = ("L", "N", "P", "S", "Zs")  # no marks, controls, private use, unassigned
_LATIN = re.compile(r"[\u00a0-\u017f\u2000-\u206f\u20ac\u2122]+")  # what Latin text garbles
_ASCII_LETTER = re.compile(r"[A-Za-z]")


@dataclass(frozen=True, slots=True)
class Mojibake:
    """`text` was UTF-8 read as `encoding`; `likely` is what it said."""

    text: str
    likely: str
    encoding: str


def catalog_warnings(resources: Sequence[Resource]) -> list[str]:
    """One `file:line: warning: ...` per generic title and per garbled title or section."""
    warnings = []
    for r in resources:
        if _generic_as_written(r):
            text = r.title.rsplit(TITLE_SEPARATOR, 1)[-1]
            what = f"title {r.title!r} " + ("is" if text == r.title else f"ends in {text!r},")
            warnings.append(
                f"{r.where}: warning: {what} link text that does not say which resource "
                "this is (the report shows the page's own title beside it)"
            )
        for field, text in (("title", r.title), ("section", r.section)):
            if (garbled := mojibake(text)) is not None:
                warnings.append(
                    f"{r.where}: warning: {field} has {garbled.text!r}, UTF-8 read as "
                    f"{garbled.encoding}: it was likely {garbled.likely!r}"
                )
    return warnings


def _generic_as_written(r: Resource) -> bool:
    """The curator's own text is only link text: a YAML title whole ("here"; "Deep
    Learning — Part 1" names its resource), a Markdown link's text after the heading
    the reader put before it."""
    if Path(r.source).suffix.lower() in MARKDOWN_SUFFIXES:
        return generic_title(r.title)
    return GENERIC_LINK_TEXT.fullmatch(r.title.strip()) is not None


def mojibake(text: str) -> Mojibake | None:
    """The first word of `text` that is UTF-8 misread, with what it said; None if none."""
    for word in text.split():
        for codec, name in ENCODINGS:
            likely = _repaired(word, codec)
            if likely is not None:
                return Mojibake(word, likely, name)
    return None


def _repaired(word: str, codec: str) -> str | None:
    """`word` with every run of non-ASCII characters re-read as UTF-8, if each one is
    such a misreading (None if none is, or if any is not)."""
    runs = _NON_ASCII.findall(word)
    if not runs:
        return None
    fixed = word
    for run in runs:
        try:
            decoded = run.encode(codec).decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            return None
        if not all(unicodedata.category(c).startswith(_TEXT_CATEGORIES) for c in decoded):
            return None
        if _ASCII_LETTER.search(word) and not _LATIN.fullmatch(decoded):
            return None
        fixed = fixed.replace(run, decoded, 1)
    return fixed
