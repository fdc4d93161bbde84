"""The `--json` document: design.md's shape, built in this one place.

    {"run": {...}, "results": [{"url", "final_url", "verdict", "health", "http_status",
      "hops": [{"url", "status"}], "title", "baseline_title", "title_drift", "flags",
      "error", "elapsed_ms", "checked_at", "resource": {...}}]}

One result per catalogued URL (unlinked resources only count in `run.counts`), in
the order the findings come (catalog order). Pure: plain data in, a JSON-ready dict out.

`render_json` is the document as data; `json_file_text` is the file: that document with
the run on the first line, then one compact result per line (a diff shows which URLs
changed; json's C encoder writes it in a third of the time an indented document takes
at 10,000 URLs), each result's line taken from `ResultLines` when it was rendered ahead
(check renders each as it is judged, in the time the run waits for answers).
"""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from linkaudit.model import Finding, Health

_ENCODER = json.JSONEncoder(
    ensure_ascii=False
)  # one for all: json.dumps(..., **kw) makes one a call


@dataclass(frozen=True, slots=True)
class RunInfo:
    """The run a report is about (or the one it is compared with)."""

    id: int | None
    started_at: str
    finished_at: str | None = None
    state: str = "complete"
    tool_version: str = ""


def counts(findings: Iterable[Finding]) -> dict[str, int]:
    """Resources per health, in urgency order, zeros left out."""
    c = Counter(f.health for f in findings)
    return {h.value: c[h] for h in Health if c[h]}


def run_seconds(start: str, end: str | None) -> float | None:
    try:
        return (datetime.fromisoformat(end or "") - datetime.fromisoformat(start)).total_seconds()
    except ValueError:
        return None


def render_json(findings: Sequence[Finding], run: RunInfo) -> dict[str, Any]:
    """`{"run": {...}, "results": [...]}`: one result per catalogued URL, in catalog order."""
    linked = _linked(findings)
    return {"run": _run(findings, linked, run), "results": [_result(f) for f in linked]}


def json_file_text(
    findings: Sequence[Finding], run: RunInfo, lines: ResultLines | None = None
) -> str:
    """render_json(findings, run) as valid JSON: `{"run": {...},` on the first line, then
    each result on a line of its own (taken from `lines` when rendered ahead); non-ASCII
    text as it is."""
    linked = _linked(findings)
    line = lines.line if lines is not None else result_line
    return _text(_run(findings, linked, run), [line(f) for f in linked])


def result_line(finding: Finding) -> str:
    """One result of the document, as its line in the file."""
    return _ENCODER.encode(_result(finding))


class ResultLines:
    """Results' lines rendered ahead, each kept with the very finding it renders."""

    def __init__(self) -> None:
        self._lines: dict[int, tuple[Finding, str]] = {}

    def add(self, finding: Finding) -> None:
        self._lines[id(finding)] = (finding, result_line(finding))

    def line(self, finding: Finding) -> str:
        """The line rendered for this finding, else rendered now."""
        kept = self._lines.get(id(finding))
        return kept[1] if kept is not None and kept[0] is finding else result_line(finding)


def _linked(findings: Sequence[Finding]) -> list[Finding]:
    """The first finding of each catalogued URL, in catalog order."""
    first: dict[str, Finding] = {}
    for f in findings:
        if f.resource.url:
            first.setdefault(f.resource.url, f)
    return list(first.values())


def _run(findings: Sequence[Finding], linked: Sequence[Finding], run: RunInfo) -> dict[str, Any]:
    return {
        "id": run.id,
        "started_at": run.started_at,
        "finished_at": run.finished_at,
        "duration_s": run_seconds(run.started_at, run.finished_at),
        "state": run.state,
        "tool_version": run.tool_version,
        "resources": len(findings),
        "urls": len(linked),
        "counts": counts(findings),
    }


def _text(run: dict[str, Any], lines: list[str]) -> str:
    head = _ENCODER.encode(run)
    if not lines:
        return f'{{"run": {head}, "results": []}}\n'
    body = ",\n".join(lines)
    return f'{{"run": {head},\n"results": [\n{body}\n]}}\n'


def _result(f: Finding) -> dict[str, Any]:
    o = f.observation
    r = f.resource
    return {
        "url": r.url,
        "final_url": o.final_url if o else None,
        "verdict": o.verdict.value if o else None,
        "health": f.health.value,
        "http_status": o.http_status if o else None,
        "hops": [{"url": h.url, "status": h.status} for h in (o.hops if o else ())],
        "title": o.title if o else None,
        "baseline_title": f.baseline_title,
        "title_drift": f.title_drift,
        "flags": list(dict.fromkeys([*(o.flags if o else ()), *f.flags])),
        "error": o.error if o else None,
        "elapsed_ms": o.elapsed_ms if o else None,
        "checked_at": o.checked_at if o else None,
        "resource": {
            "title": r.title,
            "section": r.section,
            "kind": r.kind.value,
            "source": r.source,
            "line": r.line,
        },
    }
