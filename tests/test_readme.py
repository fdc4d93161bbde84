"""README.md is the front door: its commands, examples and excerpts must stay true.

The Quickstart's test command is the one `.ci/run` runs; the catalog examples give the
output the README shows; the report excerpt is what the renderer produces (the golden
report); and every command and option of the CLI is documented (as sqlite-utils tests
its docs), so a new option without a word in the README fails here.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from linkaudit.cli import main

ROOT = Path(__file__).parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")


def section(title: str) -> str:
    """The text of the `## title` section, up to the next `## ` heading."""
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", README, re.M | re.S)
    assert match, f"README has no '## {title}' section"
    return match.group(1)


def blocks(text: str, language: str) -> list[str]:
    """The contents of the fenced code blocks of `language` in `text`, in order."""
    return re.findall(rf"^```{language}\n(.*?)^```$", text, re.M | re.S)


def test_quickstart_is_two_commands_and_the_second_is_what_ci_runs() -> None:
    commands = [block.strip() for block in blocks(section("Quickstart"), "sh")]
    assert len(commands) == 2
    main_job, tests = commands
    assert main_job.endswith("linkaudit check")
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert tests in ci, ".ci/run must run the README's test command verbatim"


def test_the_catalog_entry_example_is_a_valid_catalog(tmp_path: Path) -> None:
    entry = next(b for b in blocks(section("The catalog"), "yaml") if "kind:" in b)
    (tmp_path / "entry.yaml").write_text(entry, encoding="utf-8")
    result = CliRunner().invoke(main, ["catalog", "validate", str(tmp_path / "entry.yaml")])
    assert result.exit_code == 0, result.output
    assert "1 resources" in result.output or "1 resource" in result.output


@pytest.mark.parametrize(
    ("example", "name", "marker", "status"),
    [
        (0, "bad.yaml", "tags:", 2),  # problems: every one named, nothing checked
        (1, "people.yaml", "has a blog", 0),  # warnings: the catalog is still valid
    ],
)
def test_the_validate_examples_print_what_the_readme_shows(
    example: int,
    name: str,
    marker: str,
    status: int,
    *,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    text = section("The catalog")
    catalog = next(b for b in blocks(text, "yaml") if marker in b)
    console = blocks(text, "console")[example].splitlines()
    assert console[0] == f"$ linkaudit catalog validate {name}"
    (tmp_path / name).write_text(catalog, encoding="utf-8")
    monkeypatch.chdir(tmp_path)
    result = CliRunner().invoke(main, ["catalog", "validate", name])
    assert result.exit_code == status
    assert result.output.splitlines() == console[1:]


def test_the_report_excerpt_is_what_the_renderer_writes() -> None:
    """Every line of the excerpt is in the golden report, in the same order ([…] skips)."""
    excerpt = re.search(
        r"<!-- report-excerpt: start -->\n````markdown\n(.*?)````\n<!-- report-excerpt: end -->",
        README,
        re.S,
    )
    assert excerpt, "README lost its report excerpt markers"
    golden = iter((ROOT / "tests" / "golden" / "health.md").read_text("utf-8").splitlines())
    shown = [line for line in excerpt.group(1).splitlines() if line != "[…]"]
    assert len(shown) > 20
    for line in shown:
        assert any(line == g for g in golden), f"not in the golden report (or out of order): {line}"


def commands(
    group: click.Group, prefix: tuple[str, ...] = ()
) -> Iterator[tuple[str, click.Command]]:
    """("catalog set-url", command) for every command, groups and their subcommands."""
    for name, command in sorted(group.commands.items()):
        path = (*prefix, name)
        yield " ".join(path), command
        if isinstance(command, click.Group):
            yield from commands(command, path)


COMMANDS = list(commands(main))
OPTIONS = [
    (name, option)
    for name, command in [("", main), *COMMANDS]
    for param in command.params
    if isinstance(param, click.Option)
    for option in param.opts
    if option.startswith("--") and option != "--help"
]


@pytest.mark.parametrize("name", [name for name, _ in COMMANDS])
def test_every_command_is_in_the_readme(name: str) -> None:
    assert f"linkaudit {name}" in README


@pytest.mark.parametrize(("name", "option"), OPTIONS, ids=[f"{n} {o}".strip() for n, o in OPTIONS])
def test_every_option_is_in_the_readme(name: str, option: str) -> None:
    documented = re.search(rf"{re.escape(option)}(?![\w-])", README)
    assert documented, f"linkaudit {name} {option} is not in README.md"


def test_the_lists_are_not_empty() -> None:
    """A CLI change that hid every command from these tests would make them pass vacuously."""
    assert {"check", "report", "catalog set-url"} <= {name for name, _ in COMMANDS}
    assert ("check", "--fail-on") in OPTIONS
