"""YAML loading that remembers where things are.

The loader applies PyYAML's safe (YAML 1.1) rules, exactly like ``yaml.safe_load`` (so an
unquoted ``2018-03-01`` is a ``date``), but builds mappings as :class:`PosDict` and sequences
as :class:`PosList`, which carry the 1-based source line of the node and, for mappings, of
every key.  Validation uses these lines to point at the offending attribute.

It is the one YAML reader of every spec (validate, the picker, run, replay, transform,
derive): a document whose anchors and aliases would expand past :data:`MAX_NODES` nodes
(a "billion laughs" document) is refused before anything is built, in milliseconds.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, Node, SequenceNode

__all__ = [
    "PosDict",
    "PosList",
    "YamlPositionError",
    "load_yaml_with_lines",
    "line_of",
    "MAX_NODES",
]

MAX_NODES = 100_000  # a real spec has a few hundred; aliases may not blow it up past this


class PosDict(dict):
    """A ``dict`` built from a YAML mapping, with source lines.

    ``line`` is the line of the mapping itself; ``key_lines`` maps each key to the line where
    it is written; ``duplicate_keys`` lists ``(key, first_line, repeated_line)`` for keys that
    appear more than once (YAML keeps the last value).
    """

    line: int | None
    key_lines: dict[Any, int]
    duplicate_keys: list[tuple[Any, int, int]]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.line = None
        self.key_lines = {}
        self.duplicate_keys = []

    def line_of(self, key: Any) -> int | None:
        """The line of ``key`` if present, else the line of the mapping."""
        try:
            return self.key_lines.get(key, self.line)
        except TypeError:  # unhashable key
            return self.line


class PosList(list):
    """A ``list`` built from a YAML sequence, with the line where it starts."""

    line: int | None

    def __init__(self, *args: Any) -> None:
        super().__init__(*args)
        self.line = None


class YamlPositionError(ValueError):
    """The text is not valid YAML.  ``line``/``column`` are 1-based when known."""

    def __init__(self, message: str, line: int | None = None, column: int | None = None):
        where = f"line {line}, column {column}: " if line is not None else ""
        super().__init__(f"{where}{message}")
        self.problem = message
        self.line = line
        self.column = column


class _PositionLoader(yaml.SafeLoader):
    """SafeLoader whose maps and sequences remember their source lines."""


def _construct_map(loader: _PositionLoader, node: MappingNode) -> Iterator[PosDict]:
    data = PosDict()
    data.line = node.start_mark.line + 1
    yield data
    loader.flatten_mapping(node)  # resolves YAML merge keys (<<), like SafeLoader does
    for key_node, value_node in node.value:
        key = loader.construct_object(key_node, deep=True)
        try:
            hash(key)
        except TypeError as exc:
            raise ConstructorError(
                "while constructing a mapping",
                node.start_mark,
                "found unhashable key",
                key_node.start_mark,
            ) from exc
        key_line = key_node.start_mark.line + 1
        if key in data:
            data.duplicate_keys.append((key, data.key_lines.get(key, key_line), key_line))
        data[key] = loader.construct_object(value_node, deep=True)
        data.key_lines[key] = key_line


def _construct_seq(loader: _PositionLoader, node: SequenceNode) -> Iterator[PosList]:
    data = PosList()
    data.line = node.start_mark.line + 1
    yield data
    data.extend(loader.construct_sequence(node, deep=True))


_PositionLoader.add_constructor("tag:yaml.org,2002:map", _construct_map)
_PositionLoader.add_constructor("tag:yaml.org,2002:seq", _construct_seq)


def _mark_position(text: str, exc: yaml.YAMLError) -> tuple[int | None, int | None]:
    mark = getattr(exc, "problem_mark", None) or getattr(exc, "context_mark", None)
    if mark is not None:
        return mark.line + 1, mark.column + 1
    position = getattr(exc, "position", None)  # yaml.reader.ReaderError
    if isinstance(position, int):
        before = text[:position]
        return before.count("\n") + 1, position - (before.rfind("\n") + 1) + 1
    return None, None


def expanded_size(root: Node, limit: int = MAX_NODES) -> int:
    """How many nodes ``root`` has once every alias is expanded (capped at ``limit + 1``).

    Aliases share their node, so each node is measured once: linear in the document's size
    even when the expansion is exponential.  A node that contains itself counts as too big.
    """
    cap = limit + 1
    sizes: dict[int, int] = {}
    stack: list[tuple[Node, bool]] = [(root, False)]
    while stack:
        node, done = stack.pop()
        key = id(node)
        if done:
            total = 1
            for child in _children(node):
                total += sizes.get(id(child), cap)
                if total >= cap:
                    total = cap
                    break
            sizes[key] = total
            continue
        if key in sizes:
            continue
        sizes[key] = -1  # being measured: meeting it again below means it contains itself
        stack.append((node, True))
        for child in _children(node):
            seen = sizes.get(id(child))
            if seen == -1:
                return cap
            if seen is None:
                stack.append((child, False))
    return sizes[id(root)]


def _children(node: Node) -> list[Node]:
    if isinstance(node, SequenceNode):
        return list(node.value)
    if isinstance(node, MappingNode):
        return [n for pair in node.value for n in pair]
    return []


def load_yaml_with_lines(text: str) -> object:
    """Parse one YAML document with safe-load semantics, recording source lines.

    Returns ``None`` for an empty document.  Raises :class:`YamlPositionError` for any YAML
    error (syntax, bad characters, several documents, unhashable keys, nesting too deep) and
    for a document whose aliases expand past :data:`MAX_NODES` nodes.
    """
    loader: _PositionLoader | None = None
    try:
        loader = _PositionLoader(text)  # its reader refuses bad characters here already
        node = loader.get_single_node()
        if node is None:
            return None
        if expanded_size(node) > MAX_NODES:
            raise YamlPositionError(
                f"the document expands to more than {MAX_NODES:,} nodes through its anchors "
                'and aliases (a "billion laughs" document?); refused',
                node.start_mark.line + 1,
                node.start_mark.column + 1,
            )
        return loader.construct_document(node)
    except yaml.YAMLError as exc:
        line, column = _mark_position(text, exc)
        problem = getattr(exc, "problem", None)
        context = getattr(exc, "context", None)
        if problem:
            message = f"{context}, {problem}" if context else str(problem)
        else:
            message = str(exc).splitlines()[0] if str(exc) else type(exc).__name__
        raise YamlPositionError(message, line, column) from exc
    except RecursionError as exc:
        raise YamlPositionError("document is nested too deeply") from exc
    finally:
        if loader is not None:
            loader.dispose()


def line_of(obj: object, key: Any = None) -> int | None:
    """Line of ``obj`` (or of ``key`` inside it) when ``obj`` came from this loader."""
    if isinstance(obj, PosDict):
        return obj.line_of(key) if key is not None else obj.line
    if isinstance(obj, PosList):
        return obj.line
    return None


def _named(items: object, name: str) -> PosDict | None:
    for item in items if isinstance(items, list) else ():
        if isinstance(item, PosDict) and str(item.get("Name")) == name:
            return item
    return None


def fqn_line(doc: object, fqn: str) -> int | None:
    """The line of the element a dotted path names in a BTS document read by this loader:
    ``spec``, ``spec.anchor``, ``spec.Import``, ``spec.aggregate``, ``spec.aggregate.field``."""
    parts = fqn.split(".")
    if not isinstance(doc, PosDict) or str(doc.get("Name")) != parts[0]:
        return None
    if len(parts) == 1:
        return doc.line_of("Name")
    if parts[1] == "anchor":
        return doc.line_of("Anchor")
    if parts[1][:1].isupper():  # a top-level attribute: Identity, Time, Import, ...
        return doc.line_of(parts[1])
    agg = _named(doc.get("Aggregates"), parts[1])
    if agg is None:
        return None
    if len(parts) == 2:
        return agg.line_of("Name")
    for key in ("Fields", "Dimensions"):
        field = _named(agg.get(key), parts[2])
        if field is not None:
            return field.line_of("Name")
    return agg.line_of("Name")
