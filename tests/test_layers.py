"""The house map holds: every module imports only from layers below its own (or from its own
package), and no two modules import each other, however indirectly.

    0  linkaudit (the package), model, config, errors, text, titles, files
    1  catalog/, fetch/, history/
    2  providers/, judge
    3  audit
    4  report/
    5  cli/ (and __main__, its door)

Imports are read from the source (ast), wherever they stand: inside a function or under
`if TYPE_CHECKING:` they still say which way the code depends.
"""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "src" / "linkaudit"
LAYERS = {
    "linkaudit": 0,
    "linkaudit.model": 0,
    "linkaudit.config": 0,
    "linkaudit.errors": 0,
    "linkaudit.text": 0,
    "linkaudit.titles": 0,
    "linkaudit.files": 0,
    "linkaudit.catalog": 1,
    "linkaudit.fetch": 1,
    "linkaudit.history": 1,
    "linkaudit.providers": 2,
    "linkaudit.judge": 2,
    "linkaudit.audit": 3,
    "linkaudit.report": 4,
    "linkaudit.cli": 5,
}
DOORS = {"linkaudit.__main__": "linkaudit.cli"}  # `python -m linkaudit` is the CLI


def module_name(path: Path) -> str:
    parts = ["linkaudit", *path.relative_to(PACKAGE).with_suffix("").parts]
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


MODULES = {module_name(p): p for p in sorted(PACKAGE.rglob("*.py"))}


def unit(module: str) -> str:
    """The room a module lives in: its package (catalog, fetch, ...) or itself."""
    module = DOORS.get(module, module)
    while module not in LAYERS:
        module = module.rpartition(".")[0]
        assert module, "a module outside the house map"
    return module


def imports(module: str, source: str | None = None) -> set[str]:
    """The linkaudit modules `module` imports (`from pkg import sub` counts as `pkg.sub`)."""
    tree = ast.parse(source if source is not None else MODULES[module].read_text("utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(a.name for a in node.names if a.name.split(".")[0] == "linkaudit")
        elif isinstance(node, ast.ImportFrom):
            base = absolute(module, node.module, node.level)
            if base.split(".")[0] != "linkaudit":
                continue
            for alias in node.names:
                sub = f"{base}.{alias.name}"
                found.add(sub if sub in MODULES else base)
    found.discard(module)
    return found


def absolute(module: str, name: str | None, level: int) -> str:
    """The module a `from` import names, a relative one (`from ..report import x`) too."""
    if level == 0:
        return name or ""
    package = module if MODULES[module].name == "__init__.py" else module.rpartition(".")[0]
    for _ in range(level - 1):
        package = package.rpartition(".")[0]
    return f"{package}.{name}" if name else package


GRAPH = {module: imports(module) for module in MODULES}
# Beyond the layers: what the design keeps apart although it lies below. The judge is pure
# (no database, no network); the report reads findings, never the database.
APART = {
    "linkaudit.judge": {"linkaudit.history", "linkaudit.fetch"},
    "linkaudit.report": {"linkaudit.history", "linkaudit.fetch", "linkaudit.providers"},
}


def test_every_module_has_a_place_on_the_map() -> None:
    assert all(unit(m) in LAYERS for m in MODULES)
    assert set(LAYERS) <= set(MODULES), "a layer names a module that no longer exists"


def wrong_way(module: str, targets: set[str]) -> list[str]:
    """The targets `module` may not import: not below it, not in its own room, or kept
    apart from it (APART)."""
    here = unit(module)
    wrong = []
    for target in sorted(targets):
        there = unit(target)
        below = LAYERS[there] < LAYERS[here]
        same_room = there == here or (LAYERS[there] == LAYERS[here] == 0)
        if not (below or same_room) or there in APART.get(here, ()):
            wrong.append(f"{target} (layer {LAYERS[there]})")
    return wrong


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_go_only_downwards(module: str) -> None:
    """Lower layers, or the module's own package; in layer 0, any other layer-0 module."""
    wrong = wrong_way(module, GRAPH[module])
    assert not wrong, (
        f"{module} (layer {LAYERS[unit(module)]}) imports upwards or sideways: {wrong}"
    )


def test_no_import_cycles() -> None:
    """Tarjan's strongly connected components of the import graph: each a single module."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    cycles: list[list[str]] = []

    def visit(module: str) -> None:
        index[module] = low[module] = len(index)
        stack.append(module)
        on_stack.add(module)
        for target in GRAPH.get(module, ()):
            if target not in index:
                visit(target)
                low[module] = min(low[module], low[target])
            elif target in on_stack:
                low[module] = min(low[module], index[target])
        if low[module] == index[module]:
            component = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                component.append(member)
                if member == module:
                    break
            if len(component) > 1:
                cycles.append(sorted(component))

    for module in sorted(GRAPH):
        if module not in index:
            visit(module)
    assert cycles == []


def test_an_upward_or_sideways_import_is_seen_even_inside_a_function() -> None:
    """Where a cycle likes to hide: a lazy import. And layer-1 rooms stay apart."""
    lazy = "def f():\n    from linkaudit.cli import main\n    from linkaudit import model\n"
    assert imports("linkaudit.fetch.fetcher", lazy) == {"linkaudit.cli", "linkaudit.model"}
    assert wrong_way("linkaudit.fetch.fetcher", imports("linkaudit.fetch.fetcher", lazy)) == [
        "linkaudit.cli (layer 5)"
    ]
    sideways = "from linkaudit.history import Store\nfrom ..fetch import names\n"
    assert wrong_way("linkaudit.catalog.load", imports("linkaudit.catalog.load", sideways)) == [
        "linkaudit.fetch.names (layer 1)",
        "linkaudit.history (layer 1)",
    ]
    reads_sql = "from .. import history\nfrom ..history.store import Store\n"
    assert wrong_way("linkaudit.report.markdown", imports("linkaudit.report", reads_sql)) == [
        "linkaudit.history (layer 1)",
        "linkaudit.history.store (layer 1)",
    ]
