"""catalog/edit.py and `linkaudit catalog set-url`: one URL rewritten in its catalog file,
every other byte kept; refused (nothing written, exit 2, one line) when the catalog would
be invalid afterwards."""

from __future__ import annotations

import shlex
import stat
from pathlib import Path

import pytest
from click.testing import CliRunner, Result

from linkaudit.catalog import load_catalog, set_url, set_url_command
from linkaudit.cli import main
from linkaudit.errors import EditError
from linkaudit.history import Store
from linkaudit.model import ArchiveAnswer, Archived, Hop, Observation, Verdict
from rounds import recorded_run

OLD = "http://old.example/book?id=1&x=2"
NEW = "https://new.example/book/it's"


def run(*args: object) -> Result:
    return CliRunner().invoke(main, [str(a) for a in args])


def leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.iterdir() if ".partial" in p.name)


# --- YAML: the url: value, quoting kept -------------------------------------------------

YAML_HEAD = "# The catalog.   Comments stay.\n\n- url: https://a.example/\n  title: A\n\n"


@pytest.mark.parametrize(
    ("written", "rewritten"),
    [
        (f"url: {OLD}", f"url: {NEW}"),
        (f"url: '{OLD}'", "url: 'https://new.example/book/it''s'"),
        (f'url: "{OLD}"', f'url: "{NEW}"'),
        (f"url:   {OLD}    # where the book was", f"url:   {NEW}    # where the book was"),
    ],
)
def test_yaml_url_rewritten_in_its_quoting_and_nothing_else(
    tmp_path: Path, written: str, rewritten: str
) -> None:
    path = tmp_path / "guide.yaml"
    rest = "  section: Books   # trailing comment\n  kind: web\n\n- title: No link yet\n"
    text = f"{YAML_HEAD}- {written}\n  title: 'Old book'\n{rest}"
    path.write_bytes(text.encode())
    edit = set_url(load_catalog([path]), OLD, NEW)
    assert edit.lines == (6,)
    assert path.read_bytes() == text.replace(f"- {written}", f"- {rewritten}").encode()
    (book,) = [r for r in load_catalog([path]) if r.title == "Old book"]
    assert book.url == NEW
    assert leftovers(tmp_path) == []


def test_yaml_url_not_first_key_crlf_and_bom_kept(tmp_path: Path) -> None:
    path = tmp_path / "guide.yml"
    text = "\ufeff- title: First\r\n  url: https://a.example/\r\n- title: Old book\r\n"
    text += f"  section: Books\r\n  url: {OLD}\r\n"
    path.write_bytes(text.encode())
    edit = set_url(load_catalog([path]), OLD, NEW)
    assert edit.lines == (5,)
    assert path.read_bytes() == text.replace(OLD, NEW).encode()


def test_file_mode_kept_and_written_through_a_symlink(tmp_path: Path) -> None:
    real = tmp_path / "real.yaml"
    real.write_text(f"- url: {OLD}\n  title: Old book\n")
    real.chmod(0o640)
    link = tmp_path / "guide.yaml"
    link.symlink_to(real)
    set_url(load_catalog([link]), OLD, NEW)
    assert link.is_symlink()
    assert real.read_text() == f"- url: {NEW}\n  title: Old book\n"
    assert stat.S_IMODE(real.stat().st_mode) == 0o640


# --- Markdown: the link target -----------------------------------------------------------


@pytest.mark.parametrize(
    ("written", "rewritten"),
    [
        (f"[Old book]({OLD})", f"[Old book]({NEW})"),
        (f'[Old book]({OLD} "The book")', f'[Old book]({NEW} "The book")'),
        (f"[Old book](<{OLD}>)", f"[Old book](<{NEW}>)"),
        (f"[Old\nbook]({OLD})", f"[Old\nbook]({NEW})"),
        (f"[Old book][b]\n\n[b]: {OLD}", f"[Old book][b]\n\n[b]: {NEW}"),
        (f"An autolink: <{OLD}> in prose.", f"An autolink: <{NEW}> in prose."),
    ],
)
def test_markdown_link_target_rewritten(tmp_path: Path, written: str, rewritten: str) -> None:
    path = tmp_path / "guide.md"
    text = f"# Books\n\nSee [A](https://a.example/) and:\n\n{written}\n"
    path.write_text(text)
    set_url(load_catalog([path]), OLD, NEW)
    assert path.read_text() == text.replace(written, rewritten)


def test_markdown_every_link_of_the_resource_rewritten_code_and_prose_left(
    tmp_path: Path,
) -> None:
    """A URL linked twice in one Markdown file is one resource: both links follow it. The
    same URL in a code block or in plain text is no link and stays."""
    path = tmp_path / "guide.md"
    text = (
        f"# Books\n\n[Old book]({OLD}) is good.\n\n    curl {OLD}\n\n"
        f"Plain mention: {OLD}\n\nAgain: [the book]({OLD})\n"
    )
    path.write_text(text)
    edit = set_url(load_catalog([path]), OLD, NEW)
    assert edit.lines == (3, 9)
    assert path.read_text() == text.replace(f"]({OLD})", f"]({NEW})")


# --- refusals: nothing written -------------------------------------------------------------


def two_files(tmp_path: Path) -> tuple[Path, Path, bytes]:
    guide = tmp_path / "guide.yaml"
    guide.write_text(f"- url: {OLD}\n  title: Old book\n- url: https://b.example/\n  title: B\n")
    other = tmp_path / "other.md"
    other.write_text("# Other\n\n[New book](https://new.example/book)\n")
    return guide, other, guide.read_bytes()


@pytest.mark.parametrize(
    ("old", "new", "message"),
    [
        (OLD, "https://new.example/book/", "https://new.example/book/ is already catalogued at"),
        (OLD, "https://B.example", "https://B.example is already catalogued at"),
        (OLD, "ftp://new.example/book", "not an http(s) URL: ftp://new.example/book"),
        (OLD, "https://new.example/a book", "URL contains whitespace"),
        (OLD, OLD, "nothing to change"),
        ("http://nowhere.example/", NEW, "http://nowhere.example/ is not in the catalog"),
        (OLD.replace("http", "HTTP"), NEW, f"is not in the catalog; {{guide}}:1 has {OLD}"),
    ],
)
def test_refused_when_the_catalog_would_be_invalid(
    tmp_path: Path, old: str, new: str, message: str
) -> None:
    guide, other, before = two_files(tmp_path)
    with pytest.raises(EditError) as refused:
        set_url(load_catalog([guide, other]), old, new)
    assert message.format(guide=guide) in str(refused.value)
    assert guide.read_bytes() == before
    assert leftovers(tmp_path) == []


def test_refused_when_the_url_is_not_written_as_an_editable_value(tmp_path: Path) -> None:
    path = tmp_path / "guide.yaml"
    path.write_text(f"- {{url: '{OLD}', title: Old book}}\n")
    before = path.read_bytes()
    with pytest.raises(EditError, match="edit it by hand"):
        set_url(load_catalog([path]), OLD, NEW)
    assert path.read_bytes() == before


# --- the command ---------------------------------------------------------------------------


def test_set_url_command_rewrites_and_says_where(tmp_path: Path) -> None:
    guide, other, _ = two_files(tmp_path)
    result = run("catalog", "set-url", OLD, NEW, guide, other)
    assert result.exit_code == 0, result.output
    assert result.output == f"set {guide}:1: {OLD} -> {NEW}\n"
    assert f"- url: {NEW}\n" in guide.read_text()


def test_set_url_command_refusal_is_one_line_and_exit_2(tmp_path: Path) -> None:
    guide, other, before = two_files(tmp_path)
    result = run("catalog", "set-url", OLD, "https://new.example/book", guide, other)
    assert result.exit_code == 2
    assert result.output.count("\n") == 1 and result.output.startswith("linkaudit: ")
    assert f"already catalogued at {other}:3" in result.output
    assert "Traceback" not in result.output
    assert guide.read_bytes() == before
    usage = run("catalog", "set-url", OLD)
    assert usage.exit_code == 2 and "give OLD_URL and NEW_URL" in usage.output


def test_the_command_shown_is_the_command_that_works(tmp_path: Path) -> None:
    guide, _, _ = two_files(tmp_path)
    words = shlex.split(set_url_command(OLD, NEW, str(guide)))
    assert words[:3] == ["linkaudit", "catalog", "set-url"]
    assert run(*words[1:]).exit_code == 0
    assert load_catalog([guide])[0].url == NEW
    assert set_url_command(OLD, NEW, "catalog/guide.yaml").endswith(shlex.quote(NEW))


def record_moves(db: Path, moves: dict[str, str]) -> None:
    """One complete run in which each catalogued URL answered through a 301."""
    at = "2026-11-22T06:00:00Z"
    resources = load_catalog([db.parent / "guide.yaml"])
    observations = {
        old: Observation(
            old,
            Verdict.MOVED,
            final_url=new,
            http_status=200,
            checked_at=at,
            hops=(Hop(old, 301), Hop(new, 200)),
        )
        for old, new in moves.items()
    }
    recorded_run(db, resources, observations)


def test_set_url_moved_applies_every_moved_finding_of_the_latest_run(tmp_path: Path) -> None:
    guide = tmp_path / "guide.yaml"
    guide.write_text(
        "- url: http://a.example/\n  title: A\n- url: 'http://b.example/x'\n  title: B\n"
        "- url: http://c.example/\n  title: C\n"
    )
    db = tmp_path / "h.db"
    record_moves(db, {"http://a.example/": "https://a.example/", "http://b.example/x": NEW})
    result = run("catalog", "set-url", "--moved", "--db", db, guide)
    assert result.exit_code == 0, result.output
    assert guide.read_text() == (
        "- url: https://a.example/\n  title: A\n- url: 'https://new.example/book/it''s'\n"
        "  title: B\n- url: http://c.example/\n  title: C\n"
    )
    again = run("catalog", "set-url", "--moved", "--db", db, guide)
    assert again.exit_code == 0
    assert "skipped http://a.example/: no longer in the catalog" in again.output
    missing = run("catalog", "set-url", "--moved", "--db", tmp_path / "none.db", guide)
    assert missing.exit_code == 2 and "no history database" in missing.output


def test_the_command_for_the_default_catalog_needs_no_path(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "catalog").mkdir()
    guide = tmp_path / "catalog" / "guide.yaml"
    guide.write_text(f"- url: {OLD}\n  title: Old book\n")
    monkeypatch.chdir(tmp_path)
    words = shlex.split(set_url_command(OLD, NEW, "catalog/guide.yaml"))
    assert words[3:] == [OLD, NEW]
    result = run(*words[1:])
    assert result.output == f"set catalog/guide.yaml:1: {OLD} -> {NEW}\n"


# --- set-url --archived: every Dead row with a verified snapshot ------------------------

LIVE_UNTIL, BEFORE = "2026-11-01T06:00:00Z", "20261101060000"


def record_deaths(db: Path, catalog: Path, snapshots: dict[str, str]) -> None:
    """Three complete runs: every URL of `catalog` live on the 1st, dead on the 8th and the
    15th; the archive's verified snapshot remembered for each URL of `snapshots`."""
    resources = load_catalog([catalog])
    for day, verdict in ((1, Verdict.OK), (8, Verdict.DEAD), (15, Verdict.DEAD)):
        at = f"2026-11-{day:02d}T06:00:00Z"
        answers = {r.url: Observation(r.url, verdict, checked_at=at) for r in resources if r.url}
        recorded_run(db, resources, answers)
    with Store.open(db) as store:
        for url, stamp in snapshots.items():
            snapshot = Archived(f"https://web.archive.org/web/{stamp}/{url}", stamp)
            store.remember_archive(ArchiveAnswer(url, BEFORE, snapshot, LIVE_UNTIL, "verified"))
        store.remember_archive(ArchiveAnswer("https://c.example/x", BEFORE, None, LIVE_UNTIL))


def archived(url: str, stamp: str) -> str:
    return f"https://web.archive.org/web/{stamp}/{url}"


def test_set_url_archived_rewrites_exactly_the_dead_urls_of_a_yaml_catalog(
    tmp_path: Path,
) -> None:
    guide = tmp_path / "guide.yaml"
    text = (
        "# Dead links get their archived copy.\n\n"
        "- url: https://a.example/course   # the course\n  title: A course\n\n"
        "- url: 'http://b.example/notes?id=1&x=2'\n  title: B notes\n  section: Notes\n"
        "- url: https://c.example/x\n  title: C, never archived\n"
        '- url: "https://d.example/talk"\n  title: D talk\n'
    )
    guide.write_bytes(text.encode())
    db = tmp_path / "h.db"
    b = "http://b.example/notes?id=1&x=2"
    stamps = {"https://a.example/course": "20250101000000", b: "20240202020202"}
    record_deaths(db, guide, stamps)
    result = run("catalog", "set-url", "--archived", "--db", db, guide)
    assert result.exit_code == 0, result.output
    expected = text.replace(
        "url: https://a.example/course ",
        f"url: {archived('https://a.example/course', '20250101000000')} ",
    ).replace(f"url: '{b}'", f"url: '{archived(b, '20240202020202')}'")
    assert guide.read_bytes() == expected.encode()  # D had no answer, C none found: kept
    assert [line[:4] for line in result.output.splitlines()] == ["set ", "set "]
    again = run("catalog", "set-url", "--archived", "--db", db, guide)
    assert "skipped https://a.example/course: no longer in the catalog" in again.output
    assert guide.read_bytes() == expected.encode()


def test_set_url_archived_rewrites_the_links_of_a_markdown_catalog(tmp_path: Path) -> None:
    guide = tmp_path / "guide.md"
    a, b = "https://a.example/course", "https://b.example/talk"
    text = (
        f"# Courses\n\nThe [A course]({a}) and [the talk][t].\n\n"
        f"    curl {a}   # code: no link\n\nPlain mention of {a}.\n\n"
        f'- [Fine](https://fine.example/)\n\n[t]: {b} "The talk"\n'
    )
    guide.write_bytes(text.encode())
    db = tmp_path / "h.db"
    record_deaths(db, guide, {a: "20250101000000", b: "20230303030303"})
    result = run("catalog", "set-url", "--archived", "--db", db, guide)
    assert result.exit_code == 0, result.output
    expected = text.replace(f"]({a})", f"]({archived(a, '20250101000000')})").replace(
        f"[t]: {b}", f"[t]: {archived(b, '20230303030303')}"
    )
    assert guide.read_bytes() == expected.encode()


def test_set_url_archived_and_moved_are_one_or_the_other(tmp_path: Path) -> None:
    both = run("catalog", "set-url", "--archived", "--moved", "--db", tmp_path / "h.db")
    assert both.exit_code == 2 and "give --moved or --archived, not both" in both.output
    guide = tmp_path / "guide.yaml"
    guide.write_text("- url: https://a.example/\n  title: A\n")
    db = tmp_path / "h.db"
    record_moves(db, {})
    none = run("catalog", "set-url", "--archived", "--db", db, guide)
    assert none.exit_code == 0
    assert none.output == f"nothing dead with an archived copy in the latest run of {db}\n"
