"""fetch/names.py: name resolution shared across a run (CachingResolver)."""

from __future__ import annotations

import asyncio

import pytest

from conftest import simweb_private
from linkaudit.audit import run_audit
from linkaudit.fetch.names import CachingResolver, NameNotResolved, ResolverUnavailable
from linkaudit.model import CheckOptions, Kind, Resource, Verdict
from simweb import SimWeb, page


class Counting:
    """A resolver that records its lookups and answers from a script, one per lookup."""

    def __init__(self, *answers: list[str] | Exception, gate: asyncio.Event | None = None):
        self.answers = list(answers)
        self.asked: list[tuple[str, int]] = []
        self.gate = gate

    async def __call__(self, host: str, port: int) -> list[str]:
        self.asked.append((host, port))
        if self.gate is not None:
            await self.gate.wait()
        answer = self.answers.pop(0) if len(self.answers) > 1 else self.answers[0]
        if isinstance(answer, Exception):
            raise answer
        return answer


def test_concurrent_asks_share_one_lookup_per_name_and_port() -> None:
    async def scenario() -> list[list[str]]:
        gate = asyncio.Event()
        inner = Counting(["192.0.2.7"], gate=gate)
        cached = CachingResolver(inner)
        asks = [
            cached("Docs.example", 443),
            cached("docs.example", 443),
            cached("docs.example", 80),
        ]
        tasks = [asyncio.ensure_future(a) for a in asks]
        await asyncio.sleep(0)
        gate.set()
        answers = await asyncio.gather(*tasks)
        assert inner.asked == [("Docs.example", 443), ("docs.example", 80)]
        return answers

    assert asyncio.run(scenario()) == [["192.0.2.7"]] * 3


def test_a_name_that_does_not_exist_is_asked_once() -> None:
    async def scenario() -> int:
        inner = Counting(NameNotResolved("gone.invalid"))
        cached = CachingResolver(inner)
        for _ in range(3):
            with pytest.raises(NameNotResolved):
                await cached("gone.invalid", 443)
        return len(inner.asked)

    assert asyncio.run(scenario()) == 1


def test_a_lookup_without_an_answer_is_asked_again() -> None:
    """EAI_AGAIN (no network for a moment) is transient: the retry must really retry."""

    async def scenario() -> list[str]:
        inner = Counting(ResolverUnavailable("name lookup failed"), ["192.0.2.8"])
        cached = CachingResolver(inner)
        with pytest.raises(ResolverUnavailable):
            await cached("docs.example", 443)
        return await cached("docs.example", 443)

    assert asyncio.run(scenario()) == ["192.0.2.8"]


def test_one_asker_giving_up_does_not_cancel_the_others() -> None:
    async def scenario() -> list[str]:
        gate = asyncio.Event()
        cached = CachingResolver(Counting(["192.0.2.9"], gate=gate))
        impatient = asyncio.ensure_future(cached("docs.example", 443))
        patient = asyncio.ensure_future(cached("docs.example", 443))
        await asyncio.sleep(0)
        impatient.cancel()
        gate.set()
        return await patient

    assert asyncio.run(scenario()) == ["192.0.2.9"]


def test_a_check_looks_each_host_up_once(simweb: SimWeb) -> None:
    """Eight pages of one host over four connections: one lookup, not one per connection."""
    urls = []
    for i in range(8):
        simweb.on("docs.example", f"/p{i}", page(f"Page {i}"))
        urls.append(f"http://docs.example:{simweb.port}/p{i}")
    resolver = Counting([simweb.hosts[0]])
    resources = [
        Resource(title=f"Page {i}", section="", kind=Kind.WEB, url=u) for i, u in enumerate(urls)
    ]
    result = asyncio.run(
        run_audit(resources, CheckOptions(timeout=2.0), resolver=resolver, private=simweb_private)
    )
    assert {o.verdict for o in result.observations.values()} == {Verdict.OK}
    assert resolver.asked == [("docs.example", simweb.port)]
