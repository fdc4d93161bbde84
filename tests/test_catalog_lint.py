"""catalog/lint.py and `linkaudit catalog validate`: warnings for a catalog that loads but
reads badly (generic link text as a title, mojibake). Warnings never fail: exit 0, one
`file:line: warning: ...` each on stderr."""

from __future__ import annotations

from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linkaudit.catalog import generic_title, load_catalog
from linkaudit.catalog.lint import Mojibake, mojibake
from linkaudit.cli import main

REPO = Path(__file__).parents[1]
GUIDE = "tests/data/ml-study-guide.md"  # a real guide, as published


def validate(*paths: Path | str) -> Result:
    return CliRunner().invoke(main, ["catalog", "validate", *map(str, paths)])


@pytest.fixture
def in_repo(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)


@pytest.mark.usefixtures("in_repo")
def test_the_real_guides_mojibake_is_named_with_what_it_was() -> None:
    """The published guide says "Fran√ßois Fleuret": UTF-8 read as Mac Roman."""
    result = validate(GUIDE)
    assert result.exit_code == 0
    assert result.stdout == "catalog ok: 45 resources (45 linked, 0 unlinked) in 1 file\n"
    assert (
        f"{GUIDE}:163: warning: title has 'Fran√ßois', UTF-8 read as Mac Roman: "
        "it was likely 'François'\n"
    ) in result.stderr


@pytest.mark.usefixtures("in_repo")
def test_generic_link_text_is_a_warning_naming_file_and_line() -> None:
    """Part 1..5, "YouTube channel", "has a blog" and "here", each under its heading."""
    warnings = validate(GUIDE).stderr.splitlines()
    said = "link text that does not say which resource this is"
    generic = [w for w in warnings if said in w]
    lines = [int(w.split(":")[1]) for w in generic]
    assert lines == [111, 113, 115, 117, 119, 206, 212, 219]
    assert generic[-1] == (
        f"{GUIDE}:219: warning: title 'Advanced Research — here' ends in 'here', {said} "
        "(the report shows the page's own title beside it)"
    )


def test_a_bare_generic_title_in_yaml_and_mojibake_in_a_section(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(
        "- url: https://a.example/\n  title: Part 2\n"
        "- url: https://b.example/\n  title: Aurélien Géron\n  section: Ã‰coles / Math\n",
        encoding="utf-8",
    )
    result = validate(path)
    assert result.exit_code == 0
    assert result.stderr.splitlines() == [
        f"{path}:1: warning: title 'Part 2' is link text that does not say which resource "
        "this is (the report shows the page's own title beside it)",
        f"{path}:3: warning: section has 'Ã‰coles', UTF-8 read as Windows-1252: it was "
        "likely 'Écoles'",
    ]


def test_an_invalid_catalog_gets_its_errors_and_no_warnings(tmp_path: Path) -> None:
    path = tmp_path / "c.yaml"
    path.write_text("- url: ftp://a.example/\n  title: here\n", encoding="utf-8")
    result = validate(path)
    assert result.exit_code == 2
    assert "warning" not in result.stderr and "not an http(s) URL" in result.stderr


def garbled(text: str, codec: str) -> str:
    """`text` written as UTF-8 and read as `codec`."""
    return text.encode("utf-8").decode(codec)


@pytest.mark.parametrize(
    ("text", "found"),
    [
        ("Fran√ßois", Mojibake("Fran√ßois", "François", "Mac Roman")),
        ("by FranÃ§ois Chollet", Mojibake("FranÃ§ois", "François", "Windows-1252")),
        (
            garbled("it\u2019s", "cp1252"),
            Mojibake(garbled("it\u2019s", "cp1252"), "it\u2019s", "Windows-1252"),
        ),
        (
            garbled("привет", "cp1252"),
            Mojibake(garbled("привет", "cp1252"), "привет", "Windows-1252"),
        ),
        # real text is left alone, even where two characters make valid UTF-8 bytes
        ("Aurélien Géron, Straße, naïve, Ångström, Zürich", None),
        ("\u201cquoted\u201d — «Été» — CAFÉ\u2019S — —école", None),
        ("√2 ≈ 1.41, ∑ über, © 2024", None),
    ],
)
def test_mojibake_is_found_and_real_text_is_not(text: str, found: Mojibake | None) -> None:
    assert mojibake(text) == found


@pytest.mark.parametrize(
    ("title", "generic"),
    [
        ("here", True),
        ("Part 2", True),
        ("12", True),
        ("has a blog", True),
        ("YouTube channel", True),
        ("Advanced Research — here", True),  # as the Markdown reader writes a bare "here"
        ("his mechinterp blog", False),
        ("Essence of linear algebra", False),
        ("Part 1 of this primer: AI/ML for less technical people", False),
    ],
)
def test_generic_link_text_is_one_rule(title: str, generic: bool) -> None:
    assert generic_title(title) is generic


def test_the_markdown_reader_names_generic_link_text_by_its_heading(tmp_path: Path) -> None:
    path = tmp_path / "g.md"
    path.write_text("## Chris Olah\n\nHe [has a blog](https://colah.example/).\n", "utf-8")
    (blog,) = load_catalog([path])
    assert blog.title == "Chris Olah — has a blog" and generic_title(blog.title)


def test_a_yaml_title_is_judged_as_the_curator_wrote_it(tmp_path: Path) -> None:
    """In YAML the title is the curator's own words: "here" alone is link text, but a title
    that names its resource before "Part 1" says which resource it is (the shipped
    catalog's Deep Learning specialization parts); "Partners" is no "Part N"."""
    catalog = tmp_path / "c.yaml"
    catalog.write_text(
        "- url: https://a.example/1\n  title: here\n"
        "- url: https://a.example/2\n  title: Deep Learning specialization — Part 1\n"
        "- url: https://a.example/3\n  title: Partners\n",
        encoding="utf-8",
    )
    warnings = validate(catalog).stderr.splitlines()
    assert [w.split(":")[1] for w in warnings] == ["1"]
    assert not generic_title("Partial derivatives") and generic_title("Part IV")


@pytest.mark.usefixtures("in_repo")
def test_the_shipped_catalog_validates_without_a_warning() -> None:
    result = validate()
    assert (result.exit_code, result.stderr) == (0, "")
