"""The long facts of a section, as a list under its table: what a cell has no room for. Pure.

    evidence(health, findings) -> list[str]   one Markdown list item per finding with
                                              something to say, in the order of the rows

An item is the whole catalog title, then, as they apply: the judge's evidence sentence,
the redirects and the URL a moved resource is at now, where a request ended when that is
not the catalogued URL, every flag by its name, the expected and the current title, the
page's title, a provider's note, and the dates it failed since and was last live. A
table cell says the short form of the same (tables.py).

Items are running text, not table cells: code spans keep a `|` as it is (md_code with
cell=False), and the title is in bold so that no title can start a list or a heading.
"""

from __future__ import annotations

from collections.abc import Sequence

from linkaudit import config
from linkaudit.catalog import dedupe_key, url_problem
from linkaudit.model import Finding, Flag, Health
from linkaudit.report.archives import archive_fact
from linkaudit.report.commands import new_url
from linkaudit.report.escape import md_code, md_link, md_text
from linkaudit.report.tables import page_title, was_cut
from linkaudit.text import day

# Sections whose judge's sentence is news (a Moved one repeats the URL; a Healthy one
# says "ok"; a drift's quotes the title, said here as expected/now).
_SENTENCE = (Health.DEAD, Health.FAILING, Health.FLAKY, Health.BLOCKED, Health.RECOVERED)
_DATES = (Health.DEAD, Health.FAILING, Health.FLAKY, Health.BLOCKED)


def evidence(health: Health, findings: Sequence[Finding]) -> list[str]:
    items = []
    for f in findings:
        facts = _facts(health, f)
        if facts:
            items.append(f"- **{md_text(f.resource.title)}**: {'; '.join(facts)}")
    return items


def _facts(health: Health, f: Finding) -> list[str]:
    o = f.observation
    facts = [md_text(f.evidence)] if health in _SENTENCE and f.evidence else []
    if health is Health.MOVED:
        facts += _moved(f)
    elif o and o.final_url and f.resource.url and _elsewhere(o.final_url, f.resource.url):
        facts.append(f"ended at {md_code(o.final_url, cell=False)}")
    if f.flags:
        facts.append(md_text(f"flags: {', '.join(f.flags)}"))
    facts += _titles(f)
    if o and o.note:
        facts.append(md_text(o.note))
    if (archived := archive_fact(f)) is not None:
        facts.append(archived)
    if health in _DATES:
        facts += [
            f"{what} {day(at)}"
            for what, at in (("failing since", f.failing_since), ("last live", f.last_live))
            if at
        ]
    if f.resource.url and md_link("", f.resource.url) is None:
        facts.append(f"catalogued as {md_code(f.resource.url, cell=False)}")
    if facts or not was_cut(f.resource.title, config.CELL_TITLE):
        return facts
    return ["the title is cut short in the table"]


def _moved(f: Finding) -> list[str]:
    hops = f.observation.hops if f.observation else ()
    facts = [f"redirects {' → '.join(str(h.status) for h in hops)}"] if hops else []
    target = new_url(f)
    if target:
        facts.append(f"now at {md_code(target, cell=False)}")
        if (problem := url_problem(target)) is not None:
            facts.append(md_text(f"no command: the catalog would refuse it ({problem})"))
    return facts


def _elsewhere(final: str, url: str) -> bool:
    return final != url and dedupe_key(final) != dedupe_key(url)  # most end where they began


def _titles(f: Finding) -> list[str]:
    """The page title where it tells something: drifted (with the expected one), looking
    like another resource's, or shown cut beside a generic catalog title."""
    now = f.observation.title if f.observation else None
    if now and f.title_drift:
        expected = f"expected “{md_text(f.baseline_title)}”, " if f.baseline_title else ""
        return [f"title {expected}now “{md_text(now)}”"]
    if now and Flag.POSSIBLE_WRONG_LINK in f.flags:
        return [f"page title “{md_text(now)}”"]
    page = page_title(f)
    if page and was_cut(page, config.CELL_PAGE_TITLE):
        return [f"page title “{md_text(page)}”"]
    return []
