"""A YAML catalog file as plain values with line numbers, parsed by libyaml (PyYAML's C loader).

    read_yaml(text) -> Document     the top-level node: its kind, its line and, for a list,
                                    its items (each a mapping of key -> (line, value), or not)
    YamlProblem                     a file that is not usable YAML: `line` and `message`
    ComplexKey                      a key that is a list or a mapping, by kind and place
    kind_of(value)                  'list' or 'mapping', as a message names a collection

Only libyaml's composer runs (nodes with their marks); values are built here, and a
scalar is always the text the curator wrote: `1984`, `yes`, `~`, `2019-04-25` and
`!!int 42` are the strings "1984", "yes", "~", "2019-04-25" and "42" (an empty value is
""). No YAML type is resolved or converted, implicitly or by a tag, so no scalar can fail
to convert: a tag says nothing here. Duplicate keys are errors (YAML forbids them;
libyaml lets them pass). Merge keys (`<<: *anchor`) merge. Lines are 1-based. Without
libyaml (no wheel for the platform) PyYAML's pure-Python loader gives the same nodes and
marks, more slowly.
"""

from __future__ import annotations

import gc
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_PLAIN = "linkaudit:plain"  # an untagged plain scalar (only `<<` means anything untagged)
_MERGE = "tag:yaml.org,2002:merge"  # `<<` (libyaml's composer leaves plain `<<` to the resolver)


class YamlProblem(Exception):
    """The text is not usable YAML; `line` is where (1-based)."""

    def __init__(self, line: int, message: str) -> None:
        super().__init__(message)
        self.line = line
        self.message = message


@dataclass(frozen=True, slots=True)
class Item:
    """One list item: its line and, when it is a mapping, key -> (line of the key, value)."""

    line: int
    fields: dict[Any, tuple[int, Any]] | None


@dataclass(frozen=True, slots=True)
class Document:
    """The top-level node: what it is, where it starts and (a list's) its items."""

    kind: Literal["list", "mapping", "scalar", "empty"]
    line: int
    items: tuple[Item, ...] = ()


class _Composer(_Loader):  # type: ignore[misc]
    """libyaml's composer; plain scalars keep a marker tag instead of YAML 1.1's resolution
    (so that `<<` is told from a quoted "<<"; no value is ever resolved to a type)."""

    def resolve(self, kind: Any, value: Any, implicit: Any) -> str:
        if kind is yaml.ScalarNode and implicit[0]:
            return _PLAIN
        return str(super().resolve(kind, value, implicit))


def read_yaml(text: str) -> Document:
    """The document's top level, items as plain values; YamlProblem if it is not usable YAML."""
    try:
        with _collector_paused():
            return _document(_compose(text))
    except RecursionError as error:
        raise YamlProblem(1, "YAML nested too deeply (or an alias that contains itself)") from error
    except yaml.MarkedYAMLError as error:
        raise _marked(error) from error
    except yaml.reader.ReaderError as error:
        at = text.find(chr(error.character)) if isinstance(error.character, int) else -1
        line = text.count("\n", 0, at) + 1 if at >= 0 else 1
        what = f"unacceptable character #x{error.character:04x}" if at >= 0 else "bad character"
        raise YamlProblem(line, f"YAML syntax error: {what} ({error.reason})") from error
    except yaml.YAMLError as error:
        raise YamlProblem(1, f"YAML error: {error}") from error


@contextmanager
def _collector_paused() -> Iterator[None]:
    """No cyclic garbage collection while a tree of new objects is built: each full
    collection walks the growing tree again (a tenth of a 10,000-entry catalog's load)."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _compose(text: str) -> yaml.Node | None:
    loader = _Composer(text)
    try:
        node: yaml.Node | None = loader.get_single_node()
        return node
    finally:
        loader.dispose()


def _document(root: yaml.Node | None) -> Document:
    if root is None or (root.tag == _PLAIN and not root.value):  # `---` alone
        return Document("empty", 1)
    line = root.start_mark.line + 1
    if isinstance(root, yaml.MappingNode):
        return Document("mapping", line)
    if not isinstance(root, yaml.SequenceNode):
        return Document("scalar", line)
    return Document("list", line, tuple(_item(node) for node in root.value))


def _marked(error: yaml.MarkedYAMLError) -> YamlProblem:
    mark = error.problem_mark or error.context_mark
    message = f"YAML syntax error: {error.problem or error.context}"
    if error.context and error.context_mark and error.problem_mark:
        message += f" ({error.context} at line {error.context_mark.line + 1})"
    return YamlProblem(mark.line + 1 if mark else 1, message)


def _item(node: yaml.Node) -> Item:
    line = node.start_mark.line + 1
    if not isinstance(node, yaml.MappingNode):
        return Item(line, None)
    return Item(line, {key: (key_line, value) for key, key_line, value in _pairs(node, {})})


def _pairs(node: yaml.MappingNode, seen: dict[int, Any]) -> list[tuple[Any, int, Any]]:
    """(key, line of the key, value) in order; merged keys after the mapping's own."""
    pairs: list[tuple[Any, int, Any]] = []
    merged: list[tuple[Any, int, Any]] = []
    first: dict[Any, int] = {}
    for key_node, value_node in node.value:
        line = key_node.start_mark.line + 1
        if key_node.tag == _MERGE or (key_node.tag == _PLAIN and key_node.value == "<<"):
            merged += _merge(value_node, line, seen)
            continue
        key = _value(key_node, seen)
        if not _hashable(key):
            key = ComplexKey(kind_of(key), line, key_node.start_mark.column + 1)
        if key in first:
            where = f"first at line {first[key]}"
            raise YamlProblem(line, f"YAML syntax error: duplicate key {_quoted(key)} ({where})")
        first[key] = line
        pairs.append((key, line, _value(value_node, seen)))
    pairs += [(key, line, value) for key, line, value in merged if key not in first]
    return pairs


def _merge(node: yaml.Node, line: int, seen: dict[int, Any]) -> list[tuple[Any, int, Any]]:
    """`<<: *a` or `<<: [*a, *b]`: the merged keys, each at the line of the `<<`."""
    sources = node.value if isinstance(node, yaml.SequenceNode) else [node]
    found: list[tuple[Any, int, Any]] = []
    for source in sources:
        if not isinstance(source, yaml.MappingNode):
            raise YamlProblem(line, "YAML syntax error: a merge key (<<) takes mappings")
        known = {key for key, _, _ in found}
        found += [(k, line, v) for k, _, v in _pairs(source, seen) if k not in known]
    return found


def _value(node: yaml.Node, seen: dict[int, Any]) -> Any:
    """The plain Python value of a node: a scalar's text as written (its tag, if any,
    ignored), a list, or a dict (aliases, even to an enclosing node, allowed)."""
    if isinstance(node, yaml.ScalarNode):
        return node.value
    if id(node) in seen:
        return seen[id(node)]
    if isinstance(node, yaml.SequenceNode):
        items: list[Any] = []
        seen[id(node)] = items
        items += [_value(child, seen) for child in node.value]
        return items
    assert isinstance(node, yaml.MappingNode)  # the composer makes no other kind of node
    mapping: dict[Any, Any] = {}
    seen[id(node)] = mapping
    mapping.update((key, value) for key, _, value in _pairs(node, seen))
    return mapping


@dataclass(frozen=True)
class ComplexKey:
    """A key that is a list or a mapping (`? [a, b]`), by its kind and place: through
    aliases its value may hold billions of items, never spelled out (repr included)."""

    kind: str
    line: int
    column: int

    def __repr__(self) -> str:
        return f"a {self.kind}"


def kind_of(value: list[Any] | dict[Any, Any]) -> str:
    """What a YAML collection is called in a message: 'list' or 'mapping'."""
    return "list" if isinstance(value, list) else "mapping"


def _hashable(value: Any) -> bool:
    return not isinstance(value, list | dict)


def _quoted(key: Any) -> str:
    return f'"{key}"' if isinstance(key, str) else repr(key)
