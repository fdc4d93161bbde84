"""One table of the health report per health: the columns a maintainer needs to act. Pure.

    table(health, findings) -> str    a GitHub-flavoured Markdown table, one row per finding

Every row names the resource (title — section) and its catalogued URL; where there is
something to fix, the catalog line (Fix at); every flag of the finding is shown on its
row, in the Evidence or the Notes column. Remote text goes through escape.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

from linkaudit.catalog import dedupe_key, set_url_command, url_problem
from linkaudit.model import Finding, Flag, Health, Verdict
from linkaudit.report.archives import archive_cell
from linkaudit.report.escape import md_code, md_text, md_url
from linkaudit.text import day

# Verdict -> one symbol of the "last runs" strip (oldest first, this run last).
STRIP = {
    Verdict.OK: "✓",
    Verdict.REDIRECTED: "↪",
    Verdict.MOVED: "→",
    Verdict.DEAD: "✗",
    Verdict.SOFT_DEAD: "⊘",
    Verdict.ERROR: "!",
    Verdict.BLOCKED: "?",
}
LEGEND = "✓ ok · ↪ redirected · → moved · ✗ dead · ⊘ soft dead · ! error · ? blocked"
TO_FIX = (Health.DEAD, Health.FAILING, Health.FLAKY, Health.BLOCKED)
ARCHIVED = (Health.DEAD, Health.FAILING)  # may carry a Wayback snapshot (archives.py)

Column = tuple[str, Callable[[Finding], str]]


def table(health: Health, rows: Sequence[Finding]) -> str:
    """The table of one section (or of the folded Healthy list)."""
    columns = _columns(health, archived=any(f.archive for f in rows))
    lines = ["| " + " | ".join(name for name, _ in columns) + " |", "|" + "---|" * len(columns)]
    lines += ["| " + " | ".join(cell(f) or "—" for _, cell in columns) + " |" for f in rows]
    return "\n".join(lines)


def _columns(health: Health, *, archived: bool = False) -> list[Column]:
    resource: Column = ("Resource", _name)
    strip: Column = ("Last runs", _strip)
    fix_at: Column = ("Fix at", _where)
    if health is Health.MOVED:
        return [
            resource,
            ("Catalogued URL", _url),
            ("Now at", _final),
            ("Redirects", _hops),
            ("Notes", lambda f: _notes(f, titles=True)),
            strip,
            fix_at,
            ("Command", _command),
        ]
    if health is Health.DRIFTED:
        return [
            resource,
            ("URL", _url),
            ("Expected title", lambda f: md_text(f.baseline_title)),
            ("Title now", lambda f: md_text(_title(f))),
            ("Notes", lambda f: _notes(f, implied=(Flag.TITLE_DRIFT,))),
            strip,
            fix_at,
        ]
    if health is Health.UNLINKED:
        return [resource, ("Catalogued at", _where)]
    if health is Health.HEALTHY:
        return [resource, ("URL", _url), ("Notes", lambda f: _notes(f, titles=True)), strip]
    columns = [
        resource,
        ("URL", _url),
        ("Evidence", _evidence),
        ("Failing since", lambda f: day(f.failing_since)),
        ("Last live", lambda f: day(f.last_live)),
        strip,
    ]
    columns += [fix_at] if health in TO_FIX else []
    return (
        [*columns, ("Archived copy", archive_cell)] if archived and health in ARCHIVED else columns
    )


def _name(f: Finding) -> str:
    r = f.resource
    return f"{md_text(r.title)} — _{md_text(r.section)}_" if r.section else md_text(r.title)


def _evidence(f: Finding) -> str:
    """The judge's evidence, the flags, and where the request ended when that is not
    the catalogued URL (a deep link bounced to the home page, say)."""
    text = md_text("; ".join(filter(None, [f.evidence, _flags(f)])))
    final = f.observation.final_url if f.observation else None
    if final and f.resource.url and dedupe_key(final) != dedupe_key(f.resource.url):
        text += f"; → {md_code(final)}" if text else f"→ {md_code(final)}"
    return text


def _flags(f: Finding, implied: Sequence[str] = ()) -> str:
    flags = [flag for flag in f.flags if flag not in implied]
    return f"flags: {', '.join(flags)}" if flags else ""


def _notes(f: Finding, *, implied: Sequence[str] = (), titles: bool = False) -> str:
    """The flags; with `titles` (a table without Evidence), what the page title says
    when it drifted or looks like another resource's."""
    flags = _flags(f, implied)
    parts = [md_text(flags)] if flags else []
    title = _title(f)
    if titles and title and Flag.TITLE_DRIFT in f.flags:
        parts.append(
            f"title now “{md_text(title)}”, expected “{md_text(f.baseline_title)}”"
            if f.baseline_title
            else f"title now “{md_text(title)}”"
        )
    elif titles and title and Flag.POSSIBLE_WRONG_LINK in f.flags:
        parts.append(f"page title “{md_text(title)}”")
    return "; ".join(parts)


def _url(f: Finding) -> str:
    return md_url(f.resource.url) if f.resource.url else ""


def _target(f: Finding) -> str | None:
    return f.suggested_url or (f.observation.final_url if f.observation else None)


def _final(f: Finding) -> str:
    target = _target(f)
    return md_code(target) if target else ""


def _command(f: Finding) -> str:
    """The command that points the catalog at the new URL, when the catalog would take it."""
    target, old = _target(f), f.resource.url
    if not target or not old or url_problem(target) is not None:
        return ""
    return md_code(set_url_command(old, target, f.resource.source))


def _hops(f: Finding) -> str:
    hops = f.observation.hops if f.observation else ()
    return " → ".join(str(h.status) for h in hops)


def _where(f: Finding) -> str:
    return md_code(f.resource.where) if f.resource.source else ""


def _title(f: Finding) -> str | None:
    return f.observation.title if f.observation else None


def _strip(f: Finding) -> str:
    return f"`{''.join(STRIP[v] for v in f.recent)}`" if f.recent else ""
