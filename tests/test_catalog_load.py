"""The catalog as a user meets it: `linkaudit catalog validate` and `catalog list`.

Every bad input gets one `path:line: message` line on stderr and exit status 2.
"""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ruamel.yaml import YAML

from linkaudit.catalog import dedupe_key, detect_kind, load_catalog, url_problem
from linkaudit.cli import main
from linkaudit.errors import CatalogError
from linkaudit.model import Kind, Resource

REPO = Path(__file__).parents[1]
CATALOG = REPO / "catalog"
STUDY_GUIDE = CATALOG / "ml-study-guide.yaml"
PRIMER = CATALOG / "ml-for-engineers-primer.yaml"
# A verbatim copy of ../shared/seeds/000_f00880767a31541a.txt (the first guide, a Markdown
# blog post), so that the test runs on a clean clone where the shared seeds are absent.
FIRST_GUIDE_MD = Path(__file__).parent / "data" / "ml-study-guide.md"


def run(*args: str | Path) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def write(tmp_path: Path, name: str, text: str | bytes) -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def assert_problem(result: Result, where: str, fragment: str) -> None:
    """Exit 2, nothing on stdout, and a stderr line `where: ...fragment...`."""
    assert result.exit_code == 2, result.output
    assert result.stdout == ""
    lines = [line for line in result.stderr.splitlines() if line.startswith(f"{where}: ")]
    assert lines, f"no line starting with {where!r} in:\n{result.stderr}"
    assert any(fragment in line for line in lines), result.stderr


# --- bad input: one test per case -----------------------------------------------------


def test_yaml_syntax_error_names_the_line_the_parser_reports(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "- title: ok\n  url: https://a.example/\n- title: [oops\n")
    assert_problem(run("catalog", "validate", path), f"{path}:4", "YAML syntax error")


def test_duplicate_key_in_an_entry_is_a_syntax_error_at_its_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "- title: one\n  title: two\n")
    assert_problem(run("catalog", "validate", path), f"{path}:2", 'duplicate key "title"')


def test_unknown_key_is_named_at_its_own_line(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "- title: A\n  url: https://a.example/\n  tags: [x]\n")
    assert_problem(run("catalog", "validate", path), f"{path}:3", "unknown key 'tags'")


def test_missing_title_points_at_the_entry(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "- title: A\n\n- url: https://b.example/\n  section: S\n")
    assert_problem(run("catalog", "validate", path), f"{path}:3", "entry has no title")


@pytest.mark.parametrize(
    ("value", "fragment"),
    [("''", "empty title"), ("", "empty title"), ("[1984]", "title must be text")],
)
def test_empty_or_non_text_title_is_an_error(tmp_path: Path, value: str, fragment: str) -> None:
    path = write(tmp_path, "a.yaml", f"- url: https://a.example/\n  title: {value}\n")
    assert_problem(run("catalog", "validate", path), f"{path}:2", fragment)


@pytest.mark.parametrize(
    ("url", "fragment"),
    [
        ("ftp://files.example/x.pdf", "not an http(s) URL"),
        ("javascript:alert(1)", "not an http(s) URL"),
        ("www.example.com/page", "not an http(s) URL"),
        ("https://", "no valid host"),
        ("https:///path-only", "no valid host"),
        ("'https://exa mple.com/'", "whitespace"),
        ("https://example.com:http/", "not a valid URL"),
        ("42", "not an http(s) URL: 42"),
        ("~", "not an http(s) URL: ~"),  # the text written, not YAML's null
        ("[https://a.example/]", "url must be text"),
        ("", "empty url"),
    ],
)
def test_url_that_is_not_an_http_url_is_an_error(tmp_path: Path, url: str, fragment: str) -> None:
    path = write(tmp_path, "a.yaml", f"- title: A\n  url: {url}\n")
    assert_problem(run("catalog", "validate", path), f"{path}:2", fragment)


def test_unknown_kind_lists_the_known_ones(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "- title: A\n  url: https://a.example/\n  kind: book\n")
    result = run("catalog", "validate", path)
    assert_problem(result, f"{path}:3", "unknown kind 'book'")
    assert "youtube_playlist" in result.stderr


def test_duplicate_url_within_a_file_names_both_lines(tmp_path: Path) -> None:
    text = "- title: A\n  url: https://a.example/x\n- title: B\n  url: https://a.example/x\n"
    path = write(tmp_path, "a.yaml", text)
    assert_problem(
        run("catalog", "validate", path),
        f"{path}:3",
        f"duplicate URL https://a.example/x (first at {path}:1)",
    )


def test_duplicate_url_across_files_names_both_files(tmp_path: Path) -> None:
    a = write(tmp_path, "a.yaml", "- title: A\n  url: https://a.example/x\n")
    b = write(
        tmp_path, "b.yaml", "- title: B\n  section: S\n\n- title: C\n  url: https://a.example/x\n"
    )
    result = run("catalog", "validate", tmp_path)
    assert_problem(result, f"{b}:4", f"duplicate URL https://a.example/x (first at {a}:1)")


def test_urls_that_differ_only_in_youtube_position_are_duplicates(tmp_path: Path) -> None:
    first = "https://www.youtube.com/playlist?list=PLx"
    text = f"- title: A\n  url: {first}\n- title: B\n  url: {first}&index=1\n"
    path = write(tmp_path, "a.yaml", text)
    assert_problem(
        run("catalog", "validate", path), f"{path}:3", f"same resource as {first} at {path}:1"
    )


@pytest.mark.parametrize(
    ("text", "fragment"),
    [
        ("", "empty file"),
        ("\n  \n", "empty file"),
        ("# nothing yet\n", "empty file"),
        ("[]\n", "empty"),
    ],
)
def test_empty_file_is_an_error(tmp_path: Path, text: str, fragment: str) -> None:
    path = write(tmp_path, "a.yaml", text)
    assert_problem(run("catalog", "validate", path), f"{path}:1", fragment)


def test_empty_markdown_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "guide.md", "")
    assert_problem(run("catalog", "validate", path), f"{path}:1", "empty file")


def test_unreadable_file_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", b"- title: caf\xe9\n")
    assert_problem(run("catalog", "validate", path), f"{path}:1", "cannot read: not UTF-8")


def test_path_that_does_not_exist_is_an_error(tmp_path: Path) -> None:
    missing = tmp_path / "nope.yaml"
    assert_problem(run("catalog", "validate", missing), f"{missing}:1", "no such file or directory")


def test_directory_without_catalog_files_is_an_error(tmp_path: Path) -> None:
    write(tmp_path, "notes.txt", "not a catalog")
    assert_problem(run("catalog", "validate", tmp_path), f"{tmp_path}:1", "no *.yaml")


def test_top_level_must_be_a_list(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "# header\ntitle: A\nurl: https://a.example/\n")
    assert_problem(run("catalog", "validate", path), f"{path}:2", "must be a list of entries")


def test_each_entry_must_be_a_mapping(tmp_path: Path) -> None:
    path = write(tmp_path, "a.yaml", "- title: A\n- https://b.example/\n")
    assert_problem(run("catalog", "validate", path), f"{path}:2", "must be a mapping")


def test_bad_link_in_markdown_names_its_line_after_front_matter(tmp_path: Path) -> None:
    text = (
        "---\ntitle: x\n---\n\n# H\n\ntext\n[ok](https://a.example/) and\n[bad](ftp://b.example/)\n"
    )
    path = write(tmp_path, "guide.md", text)
    assert_problem(run("catalog", "validate", path), f"{path}:9", "not an http(s) URL")


def test_markdown_without_links_is_an_error(tmp_path: Path) -> None:
    path = write(tmp_path, "guide.md", "# Title\n\nNo links, only [a local one](#top).\n")
    assert_problem(run("catalog", "validate", path), f"{path}:1", "no links found")


def test_every_problem_is_reported_in_file_order_and_nothing_loads(tmp_path: Path) -> None:
    write(
        tmp_path, "a.yaml", "- title: A\n  url: https://a.example/\n  colour: red\n- section: S\n"
    )
    write(tmp_path, "b.yaml", "- title: B\n  url: https://a.example\n")
    result = run("catalog", "validate", tmp_path, tmp_path / "gone.md")
    assert result.exit_code == 2
    problems = [line for line in result.stderr.splitlines() if re.match(r".+:\d+: ", line)]
    assert [p.split(": ")[0].replace(str(tmp_path), "") for p in problems] == [
        "/gone.md:1",
        "/a.yaml:3",
        "/a.yaml:4",
        "/b.yaml:1",
    ]
    assert result.stderr.splitlines()[-1] == "catalog invalid: 4 problems"
    with pytest.raises(CatalogError) as error:
        load_catalog([tmp_path])
    assert len(error.value.problems) == 3


def test_missing_default_catalog_says_what_to_do(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    for command in ("validate", "list"):
        result = run("catalog", command)
        assert result.exit_code == 2
        assert "no catalog/ directory here" in result.stderr
        assert "PATH" in result.stderr
        assert "Traceback" not in result.output


# --- kinds ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("url", "kind"),
    [
        (
            "https://www.youtube.com/playlist?list=PLZHQObOWTQDPD3MizzM2xVFitgF8hE_ab",
            "youtube_playlist",
        ),
        ("https://youtube.com/playlist?list=PLx&index=1", "youtube_playlist"),
        ("https://www.youtube.com/playlist", "web"),
        ("https://www.youtube.com/watch?v=HZGCoVF3YvM", "youtube_video"),
        ("https://www.youtube.com/watch?v=fNk_zzaMoSs&list=PLZH&index=1", "youtube_video"),
        ("https://m.youtube.com/watch?v=abc", "youtube_video"),
        ("https://youtu.be/HZGCoVF3YvM", "youtube_video"),
        ("https://www.youtube.com/shorts/abc123", "youtube_video"),
        ("https://www.youtube.com/@RobertMilesAI", "youtube_channel"),
        ("https://www.youtube.com/@AICoffeeBreak/featured", "youtube_channel"),
        ("https://www.youtube.com/channel/UCBMJ0D-omcRay8dh4QT0doQ", "youtube_channel"),
        ("https://www.youtube.com/c/3blue1brown", "youtube_channel"),
        ("https://www.youtube.com/user/someone", "youtube_channel"),
        ("https://www.youtube.com/", "web"),
        ("https://arxiv.org/abs/1706.03762", "arxiv"),
        ("https://arxiv.org/abs/1706.03762v7", "arxiv"),
        ("https://arxiv.org/pdf/1706.03762.pdf", "arxiv"),
        ("http://export.arxiv.org/abs/hep-th/9901001", "arxiv"),
        ("https://arxiv.org/list/cs.LG/recent", "web"),
        (
            "https://proceedings.neurips.cc/paper/2015/file/86df-Paper.pdf",
            "web",
        ),  # no provider of its own: a page like any other
        (
            "https://example.com/Slides.PDF?download=1",
            "web",
        ),  # no provider of its own: a page like any other
        ("https://github.com/dcai-course/dcai-lab", "web"),
        ("https://www.github.com/floodsung/Deep-Learning-Papers-Reading-Roadmap", "web"),
        ("https://karpathy.github.io/2019/04/25/recipe/", "web"),
        ("https://notyoutube.com/watch?v=x", "web"),
        ("https://distill.pub/", "web"),
        ("not a url at all", "web"),
    ],
)
def test_detect_kind(url: str, kind: str) -> None:
    assert detect_kind(url) == Kind(kind)


def test_explicit_kind_wins_over_detection(tmp_path: Path) -> None:
    url = "https://www.youtube.com/watch?v=fNk_zzaMoSs&list=PLZH&index=1"
    path = write(tmp_path, "a.yaml", f"- title: A\n  url: {url}\n  kind: youtube_playlist\n")
    (resource,) = load_catalog([path])
    assert resource.kind is Kind.YOUTUBE_PLAYLIST


def test_dedupe_key_ignores_trivia_but_not_identity() -> None:
    assert dedupe_key("HTTPS://Example.COM:443/a/#top") == dedupe_key("https://example.com/a")
    assert dedupe_key("https://youtu.be/x?t=30") == dedupe_key("https://youtu.be/x")
    assert dedupe_key("https://example.com/?index=1") != dedupe_key("https://example.com/")
    assert dedupe_key("https://example.com/a") != dedupe_key("https://example.com/b")


# --- Markdown sources -------------------------------------------------------------------


def test_markdown_links_become_resources_with_heading_paths(tmp_path: Path) -> None:
    text = (
        "# Math\n\n## Linear Algebra\n\n### [Essence](https://a.example/essence)\n\n"
        "### Deep Learning course\n\n[Part 1](https://a.example/p1)\n\n"
        "See [the docs](./local.html), [me](mailto:x@y.z) and [top](#top).\n\n"
        "Again: [Essence again](https://a.example/essence)\n"
    )
    path = write(tmp_path, "guide.md", text)
    essence, part = load_catalog([path])
    assert (essence.title, essence.section, essence.line) == (
        "Essence",
        "Math / Linear Algebra",
        5,
    )
    assert part.title == "Deep Learning course — Part 1"
    assert part.section == "Math / Linear Algebra / Deep Learning course"
    assert part.line == 9


def test_first_guide_markdown_yields_the_same_45_urls_as_the_yaml() -> None:
    from_markdown = [r.url for r in load_catalog([FIRST_GUIDE_MD])]
    from_yaml = [r.url for r in load_catalog([STUDY_GUIDE])]
    assert len(from_markdown) == 45
    assert from_markdown == from_yaml
    every_link = set(re.findall(r"\]\((https?://[^)\s]+)\)", FIRST_GUIDE_MD.read_text()))
    assert set(from_markdown) == every_link


# --- the shipped catalog ----------------------------------------------------------------


def test_validate_accepts_the_shipped_catalog(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(REPO)
    result = run("catalog", "validate")
    assert result.exit_code == 0, result.stderr
    assert re.fullmatch(
        r"catalog ok: \d+ resources \(\d+ linked, \d+ unlinked\) in 2 files\n", result.stdout
    )


def test_list_shows_every_link_of_the_first_guide_and_every_resource_of_the_second(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    result = run("catalog", "list")
    assert result.exit_code == 0, result.stderr
    guide_urls = re.findall(r"(?m)^- url: (\S+)$", STUDY_GUIDE.read_text())
    assert len(guide_urls) == 45
    rows = result.stdout.splitlines()
    for url in guide_urls:
        assert any(row.endswith(f"  {url}") for row in rows), url
    primer_titles = [entry["title"] for entry in YAML(typ="safe").load(PRIMER.read_text())]
    assert len(primer_titles) >= 150
    for title in primer_titles:
        assert title[:40] in result.stdout, title
    assert f"{45 + len(primer_titles)} resources" in rows[-1]


def test_list_kind_and_unlinked_filter_rows(tmp_path: Path) -> None:
    text = (
        "- title: Paper\n  url: https://arxiv.org/abs/1706.03762\n"
        "- title: Playlist\n  url: https://www.youtube.com/playlist?list=PLx\n"
        "- title: Book without a link\n  section: Books\n"
    )
    path = write(tmp_path, "a.yaml", text)
    arxiv = run("catalog", "list", path, "--kind", "arxiv")
    assert arxiv.exit_code == 0
    assert "Paper" in arxiv.stdout
    assert "Playlist" not in arxiv.stdout
    assert "Book" not in arxiv.stdout
    both = run("catalog", "list", path, "--kind", "arxiv", "--kind", "youtube_playlist")
    assert "Paper" in both.stdout
    assert "Playlist" in both.stdout
    unlinked = run("catalog", "list", path, "--unlinked")
    assert unlinked.exit_code == 0
    assert "Book without a link" in unlinked.stdout
    assert "(unlinked)" in unlinked.stdout
    assert "Paper" not in unlinked.stdout
    bad = run("catalog", "list", path, "--kind", "book")
    assert bad.exit_code == 2


def test_list_unlinked_on_the_shipped_catalog_shows_only_unlinked_rows(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.chdir(REPO)
    result = run("catalog", "list", "--unlinked")
    rows = result.stdout.splitlines()[1:-2]
    assert rows
    assert all(row.endswith("(unlinked)") for row in rows)
    primer = YAML(typ="safe").load(PRIMER.read_text())
    assert len(rows) == sum(1 for entry in primer if "url" not in entry)


# --- any input at all: resources, or `file:line: message` problems and exit 2 --------------

# The inputs fuzzing first found (issue 13): each raised an exception out of the loader
# (ValueError from urlsplit, from int(), float() or the date parser) instead of loading.
FOUND_BY_FUZZING = [
    ("guide.md", "[x](https://[::1/)\n"),
    ("a.yaml", f"- title: !!int {'1' * 4301}\n"),
    ("a.yaml", "- title: !!float 4908.440_\n"),
    ("a.yaml", "- title: !!timestamp 2001-02-30\n"),
    ("a.yaml", "- title: !!timestamp 2001-02-03 29:00:00\n"),
    ("a.yaml", "- title: !!timestamp 2001-00-03\n"),
    ("a.yaml", "- title: !!timestamp 2001-02-03T04:05:06+24:00\n"),
    ("a.yaml", "- title: !!set 2001-02-30\n"),
]


@pytest.mark.parametrize(("name", "text"), FOUND_BY_FUZZING, ids=lambda x: x[:30])
def test_inputs_that_once_raised_are_resources_or_problems(
    tmp_path: Path, name: str, text: str
) -> None:
    path = write(tmp_path, name, text)
    result = run("catalog", "validate", path)
    assert result.exception is None or isinstance(result.exception, SystemExit), result.output
    if name.endswith(".md"):
        assert result.exit_code == 2
        assert result.stderr == (
            f"{path}:1: not a valid URL (Invalid IPv6 URL): https://[::1/\n"
            "catalog invalid: 1 problem\n"
        )
    else:  # the title is the text written after the tag
        assert result.exit_code == 0, result.output
        (resource,) = load_catalog([path])
        assert resource.title == text.split(" ", 3)[3].rstrip("\n")


def test_a_value_that_looks_like_a_number_or_a_date_is_the_text_written(tmp_path: Path) -> None:
    text = "- title: 1984\n  section: 2019-04-25\n  url: https://a.example/\n  kind: !!str web\n"
    (resource,) = load_catalog([write(tmp_path, "a.yaml", text)])
    assert (resource.title, resource.section, resource.kind) == ("1984", "2019-04-25", Kind.WEB)


YAML_PIECES = [
    *("- ", "url: ", "title: ", "section: ", "kind: ", "web", "arxiv", "  ", "\n", "\t"),
    *("https://a.example/", "http://", "https://[::1", "]/", "ftp://", ":99999", "%zz", "@"),
    *("https://www.youtube.com/watch?v=x", "https://arxiv.org/abs/2106.09685v2", "?list="),
    *("!!int ", "!!float ", "!!timestamp ", "!!set ", "!!str ", "!!binary ", "!foo ", "!<x> "),
    *("1" * 4301, "4908.440_", "2001-02-30", "2001-02-03 29:00:00", "+24:00", "0x", ".inf"),
    *("&a ", "*a", "<<: ", "? ", "{", "}", "[", "]", ",", "'", '"', "\\", "#", "|", ">"),
    *("---\n", "...\n", "%YAML 1.2\n", "~", "null", "yes", "\x00", "\ufeff", "\u2028", "é"),
]
MARKDOWN_PIECES = [
    *("# ", "## ", "###### ", "[", "](", ")", "]: ", "<", ">", "![", "\n", "\n\n", "    "),
    *("https://a.example/", "http://b.example", "https://[::1", "[::1]", ":99999", "mailto:x"),
    *("#frag", "/rel", "./x", "here", "Part 2", "*", "_", "`", "```\n", "---\n", "> ", "- "),
    *("\\", "&amp;", "&#0;", "\x00", "\u2028", "\ufeff", "é", "tel:1", "javascript:x"),
]


def pieces(words: list[str]) -> st.SearchStrategy[str]:
    """Text made of a catalog's own words and odd characters, in any order."""
    part = st.one_of(st.sampled_from(words), st.text(max_size=4))
    return st.lists(part, max_size=24).map("".join)


FUZZ = settings(
    max_examples=100,
    deadline=None,  # the machine is shared: a slow example is no failure
    database=None,  # no .hypothesis directory left in the work tree
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)


def loaded(path: Path) -> list[Resource] | list[str]:
    """load_catalog's answer for one file, checked: usable resources, or problems that
    are each one `path:line: message` line about that file."""
    try:
        resources = load_catalog([path])
    except CatalogError as error:
        assert error.problems
        text = path.read_bytes().decode("utf-8", "replace")
        lines = len(text.splitlines()) + 1  # YAML breaks lines at \r, \x85 and \u2028 too
        for problem in error.problems:
            where, _, message = problem.removeprefix(f"{path}:").partition(": ")
            assert problem.startswith(f"{path}:") and where.isdigit(), problem
            assert 1 <= int(where) <= lines and message.strip(), problem
            assert len(problem.splitlines()) == 1, problem
        return error.problems
    assert resources
    for resource in resources:
        assert isinstance(resource.title, str) and resource.title.strip()
        assert isinstance(resource.section, str) and isinstance(resource.kind, Kind)
        assert resource.url is None or url_problem(resource.url) is None
    return resources


@FUZZ
@given(text=st.one_of(pieces(YAML_PIECES), st.text(max_size=60)))
def test_any_yaml_text_is_resources_or_problem_lines(tmp_path: Path, text: str) -> None:
    loaded(write(tmp_path, "fuzz.yaml", text))


@FUZZ
@given(text=st.one_of(pieces(MARKDOWN_PIECES), st.text(max_size=60)))
def test_any_markdown_text_is_resources_or_problem_lines(tmp_path: Path, text: str) -> None:
    loaded(write(tmp_path, "fuzz.md", text))


@FUZZ
@given(data=st.binary(max_size=120), suffix=st.sampled_from([".yaml", ".md"]))
def test_any_bytes_are_resources_or_problem_lines(tmp_path: Path, data: bytes, suffix: str) -> None:
    loaded(write(tmp_path, f"fuzz{suffix}", data))


@settings(FUZZ, max_examples=40)
@given(
    text=st.one_of(pieces(YAML_PIECES), pieces(MARKDOWN_PIECES)),
    suffix=st.sampled_from([".yaml", ".md"]),
)
def test_catalog_validate_says_ok_or_problem_lines_and_exits_2(
    tmp_path: Path, text: str, suffix: str
) -> None:
    path = write(tmp_path, f"fuzz{suffix}", text)
    result = run("catalog", "validate", path)
    assert isinstance(result.exception, SystemExit | None), result.exception
    if result.exit_code == 0:
        assert result.stdout.startswith("catalog ok: ") and result.stderr == ""
        return
    assert result.exit_code == 2
    *problems, last = result.stderr.splitlines()
    assert re.fullmatch(r"catalog invalid: \d+ problems?", last)
    assert problems and all(line.startswith(f"{path}:") for line in problems)


# Nine anchors, each a list of ten aliases of the one before: a billion items in 10 lines.
ALIAS_BOMB = "".join(
    f"- &l{n} [{', '.join([f'*l{n - 1}' if n else 'x'] * 10)}]\n" for n in range(9)
)


@pytest.mark.parametrize(
    ("entry", "said"),
    [
        ("  title: *l8\n", ":11: title must be text"),
        ("  title: A\n  section: *l8\n", ":12: section must be text"),
        ("  title: A\n  kind: *l8\n", ":12: unknown kind a list (one of:"),
        ("  title: A\n  ? *l8\n  : x\n", ":9: unknown key a list (allowed:"),
    ],
    ids=["title", "section", "kind", "key"],
)
def test_an_alias_bomb_is_one_problem_at_once(tmp_path: Path, entry: str, said: str) -> None:
    """A billion-item value where text belongs is named by its kind, never spelled out
    (str() of it ran for minutes and gigabytes). The key's line is its anchor's: an
    alias has no line of its own in the composed YAML."""
    path = tmp_path / "bomb.yaml"
    path.write_text(ALIAS_BOMB + "- url: https://a.example/\n" + entry)
    done = subprocess.run(
        [sys.executable, "-m", "linkaudit", "catalog", "validate", str(path)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2
    problems = done.stderr.splitlines()
    assert any(line.startswith(f"{path}{said}") for line in problems), problems
    assert max(map(len, problems)) < 200
