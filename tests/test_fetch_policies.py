"""fetch/policies.py: the user's host settings, from the command line and TOML files.
Every bad value is one PolicyError line naming the setting and what is wanted."""

from __future__ import annotations

from pathlib import Path

import pytest

from linkaudit.errors import PolicyError
from linkaudit.fetch.policies import Settings, parse_option, read_settings, setting_files


@pytest.mark.parametrize(
    ("option", "text", "settings"),
    [
        ("--host-interval", "example.org=2", Settings(interval=(("example.org", 2.0),))),
        ("--host-interval", "Example.ORG.=0.5", Settings(interval=(("example.org", 0.5),))),
        ("--host-interval", "10.0.0.5=0", Settings(interval=(("10.0.0.5", 0.0),))),
        ("--host-concurrency", "example.org=1", Settings(concurrency=(("example.org", 1),))),
    ],
)
def test_a_setting_is_host_equals_value(option: str, text: str, settings: Settings) -> None:
    assert parse_option(option, text) == settings


@pytest.mark.parametrize(
    ("option", "text", "said"),
    [
        ("--host-interval", "example.org", "--host-interval wants HOST=SECONDS, got 'example.org'"),
        ("--host-interval", "example.org=soon", "seconds from 0 to 3600, got 'soon'"),
        ("--host-interval", "example.org=-1", "seconds from 0 to 3600, got -1.0"),
        ("--host-interval", "example.org=nan", "seconds from 0 to 3600, got nan"),
        ("--host-interval", "example.org=7200", "seconds from 0 to 3600, got 7200.0"),
        ("--host-interval", "=2", "'' is not a host name"),
        (
            "--host-interval",
            "https://example.org/=2",
            "is not a host name (no scheme, port or path)",
        ),
        ("--host-interval", "example.org:443=2", "is not a host name"),
        ("--host-concurrency", "example.org=0", "a whole number from 1 to 1024, got 0"),
        ("--host-concurrency", "example.org=1.5", "a whole number from 1 to 1024, got '1.5'"),
        ("--host-concurrency", "example.org=\u00b3", "a whole number from 1 to 1024, got '\u00b3'"),
        ("--host-concurrency", "example.org=" + "9" * 5000, "a whole number from 1 to 1024"),
        ("--host-concurrency", "example.org", "--host-concurrency wants HOST=N"),
    ],
)
def test_a_bad_setting_is_one_line_that_names_it(option: str, text: str, said: str) -> None:
    with pytest.raises(PolicyError) as raised:
        parse_option(option, text)
    assert said in str(raised.value)
    assert "\n" not in str(raised.value)


def test_the_toml_tables_give_each_host_its_settings(tmp_path: Path) -> None:
    path = tmp_path / "linkaudit.toml"
    path.write_text(
        '[hosts."example.org"]\ninterval = 2\nconcurrency = 1\n\n'
        '[hosts."slow.example"]\ninterval = 0.5\n'
    )
    assert read_settings(path, ("hosts",)) == Settings(
        interval=(("example.org", 2.0), ("slow.example", 0.5)),
        concurrency=(("example.org", 1),),
    )


def test_a_pyproject_without_linkaudit_settings_has_none(tmp_path: Path) -> None:
    path = tmp_path / "pyproject.toml"
    path.write_text('[project]\nname = "x"\n')
    assert read_settings(path, ("tool", "linkaudit", "hosts")) == Settings()


@pytest.mark.parametrize(
    ("text", "said"),
    [
        (
            '[hosts."a.example"]\nspeed = 1\n',
            "unknown key 'speed' (allowed: interval, concurrency)",
        ),
        ('[hosts."a.example"]\nconcurrency = true\n', "got True"),
        ('[hosts."a.example"]\ninterval = "fast"\n', "got 'fast'"),
        ('[hosts]\n"a.example" = 3\n', "must be a table (interval = SECONDS, concurrency = N)"),
        ("hosts = 3\n", "[hosts] must hold tables, one per host"),
        ("[hosts\n", "not valid TOML"),
    ],
)
def test_a_bad_toml_file_is_one_line_naming_the_file_and_table(
    tmp_path: Path, text: str, said: str
) -> None:
    path = tmp_path / "linkaudit.toml"
    path.write_text(text)
    with pytest.raises(PolicyError) as raised:
        read_settings(path, ("hosts",))
    message = str(raised.value)
    assert message.startswith(str(path)) and said in message and "\n" not in message


def test_the_files_are_the_projects_pyproject_then_the_one_beside_the_catalog(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    (tmp_path / "pyproject.toml").write_text("")
    (tmp_path / "linkaudit.toml").write_text("")
    (tmp_path / "more").mkdir()
    (tmp_path / "more" / "linkaudit.toml").write_text("")
    found = setting_files([Path("catalog"), Path("catalog/guide.yaml"), Path("more/x.yaml")])
    assert found == [
        (Path("pyproject.toml"), ("tool", "linkaudit", "hosts")),
        (Path("linkaudit.toml"), ("hosts",)),  # beside catalog/ (none in it)
        (Path("more/linkaudit.toml"), ("hosts",)),
    ]
