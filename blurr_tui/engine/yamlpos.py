"""YAML loading that remembers where things are.

The loader applies PyYAML's safe (YAML 1.1) rules, exactly like ``yaml.safe_load`` (so an
unquoted ``2018-03-01`` is a ``date``), but builds mappings as :class:`PosDict` and sequences
as :class:`PosList`, which carry the 1-based source line of the node and, for mappings, of
every key.  Validation uses these lines to point at the offending attribute.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import yaml
from yaml.constructor import ConstructorError
from yaml.nodes import MappingNode, SequenceNode

__all__ = [
    "PosDict",
    "PosList",
    "YamlPositionError",
    "load_yaml_with_lines",
    "line_of",
]


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


def load_yaml_with_lines(text: str) -> object:
    """Parse one YAML document with safe-load semantics, recording source lines.

    Returns ``None`` for an empty document.  Raises :class:`YamlPositionError` for any YAML
    error (syntax, bad characters, several documents, unhashable keys, nesting too deep).
    """
    try:
        return yaml.load(text, Loader=_PositionLoader)  # noqa: S506 - SafeLoader subclass
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


def line_of(obj: object, key: Any = None) -> int | None:
    """Line of ``obj`` (or of ``key`` inside it) when ``obj`` came from this loader."""
    if isinstance(obj, PosDict):
        return obj.line_of(key) if key is not None else obj.line
    if isinstance(obj, PosList):
        return obj.line
    return None
