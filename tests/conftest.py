"""Shared fixtures. `simweb`: the simulated web of tests/simweb.py (read its docstring).

    def test_x(simweb):
        url = simweb.on(0, "/a", page("Hello"))        # host 0 is 127.0.0.2
        ...  run_audit(..., resolver=simweb.resolver({"docs.test": 0}), private=simweb_private)

Every test runs with the proxy variables of the environment removed (`no_proxy_env`):
the checker honours HTTP(S)_PROXY as curl does, and a proxy set on the machine must
neither break the tests nor carry their traffic off loopback. GITHUB_ACTIONS goes too: a
test that wants the annotations a workflow run prints sets it.

No test asks the machine's resolver for a name (`no_dns_of_real_names`): a Fetcher given
no resolver of the test's knows IP literals only, so a request for a real name (the
Wayback Machine's, asked about every dead link) fails at once as an unknown name, on
loopback, instead of going out. A test about the archive points it at the simulated web.

`simweb_private` counts only 127.0.0.1 (and the usual private ranges) as private, so the
simulated hosts (127.0.0.2+) pass as "public" and the private-address guard stays testable.

Hypothesis keeps its caches in the system's temporary directory, not in the work tree
(as `-p no:cacheprovider` keeps pytest's).
"""

from __future__ import annotations

import sys
import tempfile
from collections.abc import Iterator
from pathlib import Path

import pytest
from hypothesis.configuration import set_hypothesis_home_dir

sys.path.insert(0, str(Path(__file__).parent))

from linkaudit.fetch import fetcher
from linkaudit.fetch.names import NameNotResolved, is_ip, is_private
from simweb import SimWeb

PROXY_VARIABLES = ("http_proxy", "https_proxy", "all_proxy", "no_proxy")
set_hypothesis_home_dir(Path(tempfile.gettempdir()) / "linkaudit-hypothesis")


@pytest.fixture(autouse=True)
def no_proxy_env(monkeypatch: pytest.MonkeyPatch) -> None:
    """No proxy from the machine's environment, for this process and its subprocesses;
    nor GITHUB_ACTIONS (in a workflow, `check` and `report` would print annotations)."""
    for name in PROXY_VARIABLES:
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)
    monkeypatch.delenv("GITHUB_ACTIONS", raising=False)


@pytest.fixture(autouse=True)
def no_dns_of_real_names(monkeypatch: pytest.MonkeyPatch) -> None:
    """The Fetcher's default resolver knows IP literals only (see the module docstring)."""

    async def literals_only(host: str, port: int) -> list[str]:
        if is_ip(host):
            return [host.strip("[]")]
        raise NameNotResolved(host)

    monkeypatch.setattr(fetcher, "system_resolver", literals_only)


def simweb_private(address: str) -> bool:
    """Private, except the simulated hosts 127.0.0.2-127.0.0.254."""
    if address.startswith("127.0.0.") and address != "127.0.0.1":
        return False
    return is_private(address)


@pytest.fixture
def simweb() -> Iterator[SimWeb]:
    """A fresh simulated web with 4 hosts (127.0.0.2 .. 127.0.0.5) on one port."""
    with SimWeb(hosts=4) as web:
        yield web
