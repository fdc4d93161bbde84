"""A YAML catalog file as plain values with line numbers, parsed by libyaml (PyYAML's C loader).

    read_yaml(text) -> Document     the top-level node: its kind, its line and, for a list,
                                    its items (each a mapping of key -> (line, value), or not)
    YamlProblem                     a file that is not usable YAML: `line` and `message`

Only libyaml's composer runs (nodes with their marks); values are built here. Scalars
follow YAML 1.2's core schema, as ruamel.yaml read them before: `yes`, `no`, `on` and
`1:30` are text; `null`/`~`/empty, `true`/`false`, numbers (`0o`, `0x`, `_` allowed) and
dates are not. Duplicate keys are errors (YAML forbids them; libyaml lets them pass).
Merge keys (`<<: *anchor`) merge. Lines are 1-based. Without libyaml (no wheel for the
platform) PyYAML's pure-Python loader gives the same nodes and marks, more slowly.
"""

from __future__ import annotations

import gc
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any, Literal

import yaml

_Loader: Any = getattr(yaml, "CSafeLoader", yaml.SafeLoader)
_TAG = "tag:yaml.org,2002:"
_PLAIN = "linkaudit:plain"  # an untagged plain scalar: resolved here, by the core schema
_MERGE = f"{_TAG}merge"  # `<<` (libyaml's composer leaves plain `<<` to the resolver)
_NULLS = frozenset({"", "~", "null", "Null", "NULL"})
_BOOLS = {word: word[0] in "tT" for word in ("true", "True", "TRUE", "false", "False", "FALSE")}
_NUMBER_START = frozenset("0123456789+-.")  # how every int, float and date begins
_INT = re.compile(r"[-+]?[0-9][0-9_]*|0o[0-7_]+|0x[0-9a-fA-F_]+")
_FLOAT = re.compile(
    r"[-+]?(\.[0-9][0-9_]*|[0-9][0-9_]*(\.[0-9_]*)?)([eE][-+]?[0-9]+)?"
    r"|[-+]?\.(inf|Inf|INF)|\.(nan|NaN|NAN)"
)
_TIMESTAMP = re.compile(
    r"[0-9]{4}-[0-9]{1,2}-[0-9]{1,2}"
    r"(([Tt]|[ \t]+)[0-9]{1,2}:[0-9]{2}:[0-9]{2}(\.[0-9]*)?"
    r"([ \t]*(Z|[-+][0-9]{1,2}(:[0-9]{2})?))?)?"
)


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
    """libyaml's composer; plain scalars keep a marker tag instead of YAML 1.1's resolution."""

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
    if root is None or (root.tag == _PLAIN and _plain(root.value) is None):  # `---` alone
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
        key = key if _hashable(key) else repr(key)
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
    """The plain Python value of a node (aliases, even to an enclosing node, allowed)."""
    if node.tag == _PLAIN:  # the usual case first
        return _plain(node.value)
    if isinstance(node, yaml.ScalarNode):
        return _scalar(node)
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


def _scalar(node: yaml.ScalarNode) -> Any:
    text, tag = node.value, node.tag
    if tag == f"{_TAG}str":
        return text
    if tag == _PLAIN:
        return _plain(text)
    line = node.start_mark.line + 1
    if not tag.startswith(_TAG):
        raise YamlProblem(line, f"unsupported YAML tag {tag} (leave the tag out)")
    value = _plain(text)
    if tag != f"{_TAG}{_kind(value)}":
        wanted = tag.removeprefix(_TAG)
        raise YamlProblem(line, f"YAML syntax error: {text!r} cannot be read as !!{wanted}")
    return value


def _plain(text: str) -> Any:
    """A plain scalar by YAML 1.2's core schema (and dates, as ruamel.yaml read them)."""
    if text in _NULLS:
        return None
    if text in _BOOLS:
        return _BOOLS[text]
    if text[0] not in _NUMBER_START:  # most text: no number or date starts like it
        return text
    if _INT.fullmatch(text):
        base = {"0o": 8, "0x": 16}.get(text[:2], 10)
        return int(text[2:] if base != 10 else text, base)
    if _FLOAT.fullmatch(text):
        return float(text.lower().replace(".inf", "inf").replace(".nan", "nan"))
    if _TIMESTAMP.fullmatch(text):
        return yaml.load(text, Loader=_Loader)  # a safe loader, on the date alone
    return text


def _kind(value: Any) -> str:
    kinds = {type(None): "null", bool: "bool", int: "int", float: "float", str: "str"}
    return kinds.get(type(value), "timestamp")


def _hashable(value: Any) -> bool:
    return not isinstance(value, list | dict)


def _quoted(key: Any) -> str:
    return f'"{key}"' if isinstance(key, str) else repr(key)
