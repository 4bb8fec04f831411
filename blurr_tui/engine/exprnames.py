"""Name analysis of BTS expressions: which names an expression uses that are not defined, and
which aggregate fields it reads that are not declared (used by :mod:`blurr_tui.engine.validation`).
"""

from __future__ import annotations

import ast
import builtins
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace

from .typenames import TIME_AGGREGATES

BUILTIN_NAMES = frozenset(dir(builtins))


def lower(value: object) -> str:
    """The lower-cased text of a string, else ''."""
    return value.lower() if isinstance(value, str) else ""


@dataclass(frozen=True, slots=True)
class AggInfo:
    name: str
    kind: str  # lower-cased Type
    fields: frozenset[str]  # declared fields, dimensions and injected internal fields


def aggregate_table(doc: object) -> dict[str, AggInfo]:
    """Name → :class:`AggInfo` for the aggregates of a parsed BTS (tolerant of junk)."""
    table: dict[str, AggInfo] = {}
    aggs = doc.get("Aggregates") if isinstance(doc, dict) else None
    for agg in aggs if isinstance(aggs, list) else ():
        if not isinstance(agg, dict) or not isinstance(agg.get("Name"), str):
            continue
        kind = lower(agg.get("Type"))
        names = {"_identity"} | ({"_start_time", "_end_time"} if kind in TIME_AGGREGATES else set())
        for key in ("Fields", "Dimensions"):
            items = agg.get(key)
            for item in items if isinstance(items, list) else ():
                if isinstance(item, dict) and isinstance(item.get("Name"), str):
                    names.add(item["Name"])
        table.setdefault(agg["Name"], AggInfo(agg["Name"], kind, frozenset(names)))
    return table


@dataclass(slots=True)
class Scope:
    """What an expression may name: where it is, and which aggregates/fields exist."""

    imports: frozenset[str]
    star_import: bool
    aggs: dict[str, AggInfo]
    extra: set[str] = field(default_factory=set)
    where: str = "top"
    stream: tuple[str, dict[str, AggInfo]] | None = None
    stream_names: frozenset[str] = frozenset()
    anchor_fields: frozenset[str] | None = None
    source_fields: frozenset[str] | None = None
    source_label: str = ""

    def derive(self, extra: Iterable[str] = (), aggs: dict | None = None, where: str = "") -> Scope:
        return replace(
            self,
            extra=self.extra | set(extra),
            aggs=self.aggs if aggs is None else aggs,
            where=where or self.where,
        )

    def defined(self) -> frozenset[str]:
        streams = {self.stream[0]} if self.stream else self.stream_names
        return BUILTIN_NAMES | self.imports | set(self.aggs) | self.extra | streams


def import_names(module: str, identifiers: Sequence[object]) -> tuple[set[str], str | None]:
    """Names bound by one ``Import`` entry, or an error message."""
    items = [str(x) for x in identifiers]
    statement = f"from {module} import {','.join(items)}" if items else f"import {module}"
    try:
        body = ast.parse(statement).body
    except SyntaxError:
        return set(), f"`{statement}` is not a valid Python import statement."
    names: set[str] = set()
    for node in body:
        if not isinstance(node, ast.Import | ast.ImportFrom):
            return set(), f"`{statement}` is not a plain Python import statement."
        names |= {alias.asname or alias.name.split(".")[0] for alias in node.names}
    return names, None


def _chain(node: ast.expr) -> tuple[list[str], ast.Name] | None:
    """``a.b['c'].d`` → (['a', 'b', 'c', 'd'], Name a); None if not such a chain."""
    parts: list[str] = []
    while True:
        if isinstance(node, ast.Attribute):
            parts.append(node.attr)
            node = node.value
        elif (
            isinstance(node, ast.Subscript)
            and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)
        ):
            parts.append(node.slice.value)
            node = node.value
        elif isinstance(node, ast.Name):
            parts.append(node.id)
            return parts[::-1], node
        else:
            return None


def _targets(node: ast.AST) -> set[str]:
    return {n.id for n in ast.walk(node) if isinstance(n, ast.Name)}


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


class _Analyzer:
    def __init__(self, scope: Scope) -> None:
        self.scope = scope
        self.defined = set(scope.defined())
        self.undefined: dict[str, None] = {}
        self.problems: list[str] = []

    def visit(self, node: ast.AST, bound: frozenset[str]) -> None:
        if isinstance(node, ast.Name):
            if isinstance(node.ctx, ast.Load) and node.id not in bound | self.defined:
                self.undefined[node.id] = None
            return
        if isinstance(node, ast.Attribute | ast.Subscript) and (found := _chain(node)):
            parts, base = found
            if base.id not in bound:
                self.check_chain(parts)
            self.visit(base, bound)
            return
        if isinstance(node, ast.Lambda):
            a = node.args
            params = {x.arg for x in a.posonlyargs + a.args + a.kwonlyargs}
            params |= {x.arg for x in (a.vararg, a.kwarg) if x}
            for default in a.defaults + [d for d in a.kw_defaults if d]:
                self.visit(default, bound)
            self.visit(node.body, bound | params)
            return
        if isinstance(node, _COMPREHENSIONS):
            inner = bound
            for gen in node.generators:
                self.visit(gen.iter, inner)
                inner = inner | _targets(gen.target)
                for condition in gen.ifs:
                    self.visit(condition, inner)
            for part in (node.key, node.value) if isinstance(node, ast.DictComp) else (node.elt,):
                self.visit(part, inner)
            return
        if isinstance(node, ast.NamedExpr):
            self.defined.add(node.target.id)
        for child in ast.iter_child_nodes(node):
            self.visit(child, bound)

    def check_chain(self, parts: list[str]) -> None:
        head, rest = parts[0], [p for p in parts[1:3] if not p.startswith(("__", "run_"))]
        s = self.scope
        if not rest or len(rest) < len(parts[1:3]):
            return
        if head in ("source", "time", "identity") and head in s.extra:
            if head == "source" and s.source_fields is not None and rest[0] not in s.source_fields:
                self.problems.append(
                    f"`source.{rest[0]}`: `{rest[0]}` is not a field of the "
                    f"Source aggregate `{s.source_label}`"
                )
        elif head == "anchor" and "anchor" in s.extra:
            if s.anchor_fields is not None and rest[0] not in s.anchor_fields:
                self.problems.append(f"`anchor` has no field `{rest[0]}`")
        elif head in s.aggs:
            if rest[0] not in s.aggs[head].fields:
                self.problems.append(
                    f"`{head}` has no field `{rest[0]}` ({rest[0]} not defined in {head})"
                )
        elif s.stream is not None and head == s.stream[0]:
            found = s.stream[1].get(rest[0])
            if found is None:
                self.problems.append(f"the streaming BTS `{head}` has no aggregate `{rest[0]}`")
            elif len(rest) > 1 and rest[1] not in found.fields:
                self.problems.append(f"`{head}.{rest[0]}` has no field `{rest[1]}`")


def _hint(name: str, where: str) -> str:
    if where == "identity-time" and name not in BUILTIN_NAMES:
        return "Identity and Time can only use imported names and `source`"
    if name == "anchor" and where == "condition":
        return "`anchor` is not available in the Anchor Condition; use `<stream>.<aggregate>`"
    if name == "source" and where in ("condition", "window-top", "variable"):
        return "`source` is only available inside Window aggregates"
    if name == "time" and where != "streaming":
        return "`time` is not defined in a window BTS"
    return "import it under `Import`, or declare it"


def name_problems(tree: ast.Expression, key: str, text: str, scope: Scope) -> list[tuple[str, str]]:
    """(kind, message) for the undefined names and undeclared fields used by a parsed expression."""
    analyzer = _Analyzer(scope)
    analyzer.visit(tree.body, frozenset())
    found: list[tuple[str, str]] = []
    if not scope.star_import:
        for name in analyzer.undefined:
            hint = _hint(name, scope.where)
            found.append(("name", f"name '{name}' is not defined in `{key}: {text}` ({hint})."))
    for problem in analyzer.problems:
        found.append(("attribute", f"{problem} in `{key}: {text}`."))
    return found


__all__ = [
    "BUILTIN_NAMES",
    "TIME_AGGREGATES",
    "AggInfo",
    "Scope",
    "aggregate_table",
    "import_names",
    "lower",
    "name_problems",
]
