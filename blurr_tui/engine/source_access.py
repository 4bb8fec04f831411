"""How a streaming spec uses ``source``, worked out once per spec (not per event).

* :func:`source_reads`: the names its expressions read as ``source.NAME`` — or None when an
  expression could change the record or reach it other than by reading (``source.update``,
  ``source`` passed to a function, ``globals()``, ``eval``...), where the engine keeps plain
  :class:`~blurr_tui.engine.record.Record` objects;
* :func:`plain_read`: for the common reading stage ``Identity: source.A`` /
  ``Time: parse(source.B)`` (``parse`` being dateutil's), the two key names, so an event is
  read from the parsed dict without evaluating either expression.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator

from .spec import Expression, StreamingSpec

# Calls or names through which an expression could change ``source`` or reach it unseen.
_MUTATORS = frozenset(
    {"update", "pop", "popitem", "setdefault", "clear", "fromkeys", "copy"}
    | {"__setitem__", "__delitem__", "__init__", "__ior__", "__setattr__", "__delattr__"}
)
_DYNAMIC = frozenset({"globals", "locals", "vars", "eval", "exec", "compile", "__import__"})


def expressions(spec: StreamingSpec) -> Iterator[Expression]:
    for expr in (spec.identity, spec.time, spec.when):
        if expr is not None:
            yield expr
    for agg in spec.aggregates:
        if agg.when is not None:
            yield agg.when
        for f in (*agg.fields, *agg.dimensions):
            for expr in (f.when, f.value):
                if expr is not None:
                    yield expr


def _tree(text: str) -> ast.AST | None:
    try:
        return ast.parse(text, mode="eval")
    except (SyntaxError, ValueError):
        return None


def source_reads(spec: StreamingSpec) -> frozenset[str] | None:
    names: set[str] = set()
    for expr in expressions(spec):
        if expr.code is None:
            continue
        tree = _tree(expr.text)
        if tree is None:
            return None
        parents: dict[ast.AST, ast.AST] = {}
        for node in ast.walk(tree):
            for child in ast.iter_child_nodes(node):
                parents[child] = node
        for node in ast.walk(tree):
            if isinstance(node, ast.Name) and node.id in _DYNAMIC:
                return None
            if not (isinstance(node, ast.Name) and node.id == "source"):
                continue
            if not isinstance(node.ctx, ast.Load):
                return None
            up = parents.get(node)
            if isinstance(up, ast.Attribute) and up.value is node:
                if up.attr in _MUTATORS or up.attr.startswith("__"):
                    return None
                names.add(up.attr)
            elif not (isinstance(up, ast.Subscript) and up.value is node):
                return None  # bare ``source``: passed on, compared, iterated...
    return frozenset(names)


def _source_attr(node: ast.AST) -> str | None:
    if (
        isinstance(node, ast.Attribute)
        and isinstance(node.value, ast.Name)
        and node.value.id == "source"
    ):
        return node.attr
    return None


def plain_read(spec: StreamingSpec) -> tuple[str, str, str] | None:
    """(identity key, time key, name of the parse function) when Identity is ``source.A`` and
    Time is ``NAME(source.B)``; the caller checks that NAME is dateutil's parse."""
    if spec.identity is None or spec.time is None:
        return None
    if spec.identity.code is None or spec.time.code is None:
        return None
    ident, time = _tree(spec.identity.text), _tree(spec.time.text)
    if not isinstance(ident, ast.Expression) or not isinstance(time, ast.Expression):
        return None
    id_key = _source_attr(ident.body)
    call = time.body
    if id_key is None or not isinstance(call, ast.Call) or call.keywords or len(call.args) != 1:
        return None
    time_key = _source_attr(call.args[0])
    if time_key is None or not isinstance(call.func, ast.Name):
        return None
    return id_key, time_key, call.func.id
