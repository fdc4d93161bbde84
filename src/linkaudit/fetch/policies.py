"""How each host may be asked: the sites with rules of their own, the default for the rest,
and the user's settings for named hosts.

    HostPolicy                  concurrency; interval (start to start); gap (end to start);
                                window (N, W): at most N requests in any W seconds
    SITES                       the names one operator limits together, under one key, and
                                their policy (config.py: arXiv, YouTube, the Internet Archive)
    Policies(per_host, ...)     each host's key and policy for a run: a site's (never more
                                at once than --per-host), else --per-host and no interval;
                                then the user's settings, a group's name setting the group's
    Settings                    the user's settings: (host, seconds), (host, requests)
    parse_option(option, text)  one `HOST=VALUE` of --host-interval or --host-concurrency
    read_settings(path, table)  the `[<table>."HOST"]` tables of a TOML file
    setting_files(paths)        where they are: ./pyproject.toml's [tool.linkaudit.hosts],
                                then the linkaudit.toml beside each catalog PATH ([hosts])

A bad value raises PolicyError (errors.py) with one line that names it.
"""

from __future__ import annotations

import contextlib
import math
import re
import tomllib
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path

from linkaudit import config
from linkaudit.errors import PolicyError

MAX_CONCURRENCY = 1024  # as --concurrency's bound
PYPROJECT = Path("pyproject.toml")
PYPROJECT_TABLE = ("tool", "linkaudit", "hosts")
BESIDE = "linkaudit.toml"
BESIDE_TABLE = ("hosts",)
KEYS = ("interval", "concurrency")


@dataclass(frozen=True, slots=True)
class HostPolicy:
    """How one host (or one group of names) may be asked; see the module docstring."""

    concurrency: int = config.PER_HOST
    interval: float = 0.0
    gap: float = 0.0
    window: tuple[int, float] | None = None


# Group keys are capitalised: a host name is looked up lower-case, so none can be taken
# for a group.
SITES: tuple[tuple[str, tuple[str, ...], HostPolicy], ...] = (
    ("arXiv", config.ARXIV_NAMES, HostPolicy(config.ARXIV_CONCURRENCY, gap=config.ARXIV_PACE)),
    (
        "YouTube",
        config.YOUTUBE_NAMES,
        HostPolicy(config.YOUTUBE_CONCURRENCY, window=config.YOUTUBE_WINDOW),
    ),
    (
        "Internet Archive",
        config.ARCHIVE_NAMES,
        HostPolicy(config.ARCHIVE_CONCURRENCY, interval=config.ARCHIVE_INTERVAL),
    ),
)


@dataclass(frozen=True, slots=True)
class Settings:
    """The user's settings for named hosts, in the order given (a later one wins)."""

    interval: tuple[tuple[str, float], ...] = ()
    concurrency: tuple[tuple[str, int], ...] = ()

    def then(self, later: Settings) -> Settings:
        return Settings(self.interval + later.interval, self.concurrency + later.concurrency)


class Policies:
    """Each host's key (its name, or its group's) and its policy, for one run."""

    def __init__(
        self,
        *,
        per_host: int = config.PER_HOST,
        settings: Settings = Settings(),
        sites: Sequence[tuple[str, Iterable[str], HostPolicy]] = SITES,
    ) -> None:
        self.default = HostPolicy(per_host)
        self.groups = frozenset(key for key, _, _ in sites)
        self._keys = {name: key for key, names, _ in sites for name in names}
        self._policies = {
            key: replace(policy, concurrency=min(policy.concurrency, per_host))
            for key, _, policy in sites
        }
        for host, seconds in settings.interval:
            self._set(host, interval=seconds)
        for host, requests in settings.concurrency:
            self._set(host, concurrency=requests)

    def _set(self, host: str, **values: float) -> None:
        key = self.key(host)
        self._policies[key] = replace(self.policy(key), **values)  # type: ignore[arg-type]

    def key(self, name: str) -> str:
        """The key `name` is scheduled under: its group's, else the name (normal_name)."""
        name = normal_name(name)
        return self._keys.get(name, name)

    def policy(self, key: str) -> HostPolicy:
        return self._policies.get(key, self.default)


def normal_name(name: str) -> str:
    """A host name as the connections name it: lower-case, no final dot, IDNA (ASCII)."""
    name = name.lower().rstrip(".")
    if not name.isascii():
        with contextlib.suppress(UnicodeError):
            name = name.encode("idna").decode("ascii")
    return name


def host_name(text: str, where: str) -> str:
    """`text` as a host name (normal_name), or PolicyError."""
    name = normal_name(text.strip())
    if not name or any(c in name for c in "/:@ \t?#[]"):
        raise PolicyError(f"{where}: {text!r} is not a host name (no scheme, port or path)")
    return name


def interval_of(value: object, where: str) -> float:
    """Seconds between two starts: a number from 0 to MAX_HOST_INTERVAL, or PolicyError."""
    longest = config.MAX_HOST_INTERVAL
    if isinstance(value, str):
        with contextlib.suppress(ValueError):
            value = float(value)
    if (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or not 0 <= value <= longest
    ):
        raise PolicyError(
            f"{where}: the interval must be seconds from 0 to {longest:g}, got {value!r}"
        )
    return float(value)


def concurrency_of(value: object, where: str) -> int:
    """Requests in flight: a whole number from 1 to MAX_CONCURRENCY, or PolicyError."""
    if isinstance(value, str) and re.fullmatch(r"[0-9]{1,9}", value.strip()):
        value = int(value)  # ASCII digits only: "³" is a digit to str.isdigit, not to int()
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_CONCURRENCY:
        raise PolicyError(
            f"{where}: the concurrency must be a whole number from 1 to {MAX_CONCURRENCY}, "
            f"got {value!r}"
        )
    return value


def parse_option(option: str, text: str) -> Settings:
    """`HOST=VALUE` of --host-interval (seconds) or --host-concurrency (requests)."""
    wanted = "SECONDS" if option == "--host-interval" else "N"
    host, sep, value = text.partition("=")
    where = f"{option} {text}"
    if not sep:
        raise PolicyError(f"{option} wants HOST={wanted}, got {text!r}")
    name = host_name(host, where)
    if option == "--host-interval":
        return Settings(interval=((name, interval_of(value, where)),))
    return Settings(concurrency=((name, concurrency_of(value, where)),))


def read_settings(path: Path, table: Sequence[str]) -> Settings:
    """The `[<table>."HOST"]` tables of TOML file `path` (`interval`, `concurrency`)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as error:
        raise PolicyError(f"{path}: cannot read: {error.strerror or error}") from None
    except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
        raise PolicyError(f"{path}: not valid TOML: {error}") from None
    node: object = data
    for part in table:
        node = node.get(part, {}) if isinstance(node, Mapping) else None
    name = ".".join(table)
    if not isinstance(node, Mapping):
        raise PolicyError(f'{path}: [{name}] must hold tables, one per host: [{name}."HOST"]')
    found = Settings()
    for host, values in node.items():
        where = f'{path}: [{name}."{host}"]'
        if not isinstance(values, Mapping):
            raise PolicyError(f"{where} must be a table (interval = SECONDS, concurrency = N)")
        unknown = sorted(set(values) - set(KEYS))
        if unknown:
            raise PolicyError(f"{where}: unknown key {unknown[0]!r} (allowed: {', '.join(KEYS)})")
        key = host_name(host, where)
        found = found.then(
            Settings(
                interval=((key, interval_of(values["interval"], where)),)
                if "interval" in values
                else (),
                concurrency=((key, concurrency_of(values["concurrency"], where)),)
                if "concurrency" in values
                else (),
            )
        )
    return found


def setting_files(catalog_paths: Iterable[Path]) -> list[tuple[Path, tuple[str, ...]]]:
    """The files that may hold host settings, in the order they apply: ./pyproject.toml,
    then a linkaudit.toml in the directory of each catalog path (a file or a directory)."""
    found: list[tuple[Path, tuple[str, ...]]] = []
    if PYPROJECT.is_file():
        found.append((PYPROJECT, PYPROJECT_TABLE))
    seen: set[Path] = set()
    for path in catalog_paths:
        beside = path.parent / BESIDE
        if beside.resolve() not in seen and beside.is_file():
            seen.add(beside.resolve())
            found.append((beside, BESIDE_TABLE))
    return found


def user_settings(
    catalog_paths: Iterable[Path], intervals: Iterable[str], concurrency: Iterable[str]
) -> Settings:
    """The files' settings, then the command line's (which win); PolicyError if bad."""
    settings = Settings()
    for path, table in setting_files(catalog_paths):
        settings = settings.then(read_settings(path, table))
    for text in intervals:
        settings = settings.then(parse_option("--host-interval", text))
    for text in concurrency:
        settings = settings.then(parse_option("--host-concurrency", text))
    return settings
