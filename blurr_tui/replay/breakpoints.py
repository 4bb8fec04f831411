"""Breakpoints: what makes playing, ``c`` and ``C`` stop, checked after each event.

Kinds (what the user types after ``b``):

* ``EXPR`` — a condition in the spec's own expression language, evaluated after the event
  with the names a Value sees (``session_stats.games_won >= 2``, ``source.event_id ==
  'purchase'``, ``identity == 'u42'``): a hit when it is truthy;
* ``change AGG.FIELD`` — a watchpoint: the field of the event's identity changed;
* ``swallowed`` — an expression's exception was swallowed (Blurr: no update);
* ``abort`` — Blurr 0.4.1 would abort the run here;
* ``new`` — a new record, block or inactivity split;
* ``bad`` — a bad line.

A breakpoint's own mistake (a syntax error when added, an exception when evaluated) is kept
on it and shown; it never stops the replay.  Plain data and the engine's expression
compiler; no store, no Textual.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from types import CodeType
from typing import Any

from ..engine import trace as T
from ..engine.errors import describe_exception
from ..engine.fields import default
from ..engine.loader import compile_expression
from ..engine.spec import StreamingSpec

CONDITION = "condition"
CHANGE = "change"
SWALLOWED = "swallowed"
ABORT = "abort"
NEW = "new"
BAD = "bad"
KEYWORDS = {
    "swallowed": SWALLOWED,
    "abort": ABORT,
    "new": NEW,
    "bad": BAD,
}
KIND_HELP = (
    "EXPR (a condition) · change AGG.FIELD · swallowed · abort · new (record, block, split) · bad"
)
NEW_ACTIONS = frozenset({T.NEW, T.SPLIT})


class BreakpointError(ValueError):
    """What is wrong with a breakpoint the user typed."""


@dataclass(frozen=True, slots=True)
class Breakpoint:
    id: int
    kind: str
    text: str  # what the user typed (the expression, or AGG.FIELD for a watchpoint)
    enabled: bool = True
    error: str | None = None  # its last own mistake (evaluating it raised), if any
    errors: int = 0  # how many times evaluating it raised

    @property
    def label(self) -> str:
        if self.kind == CONDITION:
            return self.text
        if self.kind == CHANGE:
            return f"change {self.text}"
        return self.kind


@dataclass(slots=True)
class EventFacts:
    """What one applied event was, as the breakpoints need it."""

    position: int
    identity: str | None
    ns: dict[str, Any] | None  # the identity's names after the event (None: bad line)
    bad: bool = False
    abort: bool = False
    swallowed: bool = False
    trace: T.EventTrace | None = None


class Breakpoints:
    """The user's breakpoints, their compiled expressions, and their mistakes."""

    def __init__(self, streaming: StreamingSpec) -> None:
        self.streaming = streaming
        self._items: list[Breakpoint] = []
        self._code: dict[int, CodeType] = {}
        self._defaults: dict[int, Any] = {}  # watchpoint: the field's declared default
        self._next_id = 1
        self.serial = 0  # changes whenever the list does (the hits found so far are void)

    # -- the list -----------------------------------------------------------------------------
    def items(self) -> tuple[Breakpoint, ...]:
        return tuple(self._items)

    @property
    def active(self) -> bool:
        return any(b.enabled for b in self._items)

    @property
    def needs_trace(self) -> bool:
        """A ``new`` breakpoint reads the trace's record actions."""
        return any(b.enabled and b.kind == NEW for b in self._items)

    def add(self, typed: str) -> Breakpoint:
        kind, text = parse(typed)
        bp = Breakpoint(self._next_id, kind, text)
        if kind == CONDITION:
            self._code[bp.id] = self._compile(text)
        elif kind == CHANGE:
            self._code[bp.id], self._defaults[bp.id] = self._field(text)
        self._next_id += 1
        self._items.append(bp)
        self.serial += 1
        return bp

    def toggle(self, bp_id: int) -> None:
        self._replace(bp_id, enabled=not self.get(bp_id).enabled)

    def delete(self, bp_id: int) -> None:
        self._items = [b for b in self._items if b.id != bp_id]
        self._code.pop(bp_id, None)
        self.serial += 1

    def get(self, bp_id: int) -> Breakpoint:
        for b in self._items:
            if b.id == bp_id:
                return b
        raise KeyError(bp_id)

    def _replace(self, bp_id: int, **changes: Any) -> None:
        self._items = [replace(b, **changes) if b.id == bp_id else b for b in self._items]
        if "enabled" in changes:
            self.serial += 1

    def _compile(self, text: str) -> CodeType:
        expr = compile_expression(text)
        if expr is None or expr.code is None:
            why = expr.syntax_error if expr is not None else "empty"
            raise BreakpointError(f"not an expression: {text!r} ({why})")
        return expr.code

    def _field(self, text: str) -> tuple[CodeType, Any]:
        agg_name, _, field_name = text.partition(".")
        agg = next((a for a in self.streaming.aggregates if a.name == agg_name), None)
        if agg is None:
            names = ", ".join(a.name for a in self.streaming.aggregates)
            raise BreakpointError(f"no aggregate {agg_name!r} in the spec (it has: {names})")
        fields = {f.name: f for f in (*agg.fields, *agg.dimensions)}
        internal = {"_identity", "_start_time", "_end_time"}
        if field_name not in fields and field_name not in internal:
            names = ", ".join(fields)
            raise BreakpointError(f"{agg_name} has no field {field_name!r} (it has: {names})")
        spec_field = fields.get(field_name)
        initial = default(spec_field.type) if spec_field and spec_field.type else None
        return self._compile(text), initial

    # -- checking -----------------------------------------------------------------------------
    def check(self, facts: EventFacts, seen: dict[tuple[int, str], Any]) -> str | None:
        """The first hit's description after this event, or None.

        ``seen`` holds each watchpoint's last value per identity: the caller keeps one per
        pass over the log (the value before an identity's first event is the default)."""
        hit: str | None = None
        for bp in self._items:
            if not bp.enabled:
                continue
            why = self._check_one(bp, facts, seen)
            if why is not None and hit is None:
                hit = why
        return hit

    def _check_one(
        self, bp: Breakpoint, facts: EventFacts, seen: dict[tuple[int, str], Any]
    ) -> str | None:
        kind = bp.kind
        if kind == BAD:
            return f"breakpoint {bp.id}: bad line" if facts.bad else None
        if kind == ABORT:
            return f"breakpoint {bp.id}: Blurr would abort here" if facts.abort else None
        if kind == SWALLOWED:
            return f"breakpoint {bp.id}: an exception was swallowed" if facts.swallowed else None
        if kind == NEW:
            return self._new_record(bp, facts.trace)
        ns = facts.ns
        if ns is None or facts.identity is None:
            return None
        try:
            value = eval(self._code[bp.id], ns)
        except Exception as exc:  # noqa: BLE001 - the breakpoint's mistake, kept and shown
            self._replace(bp.id, error=describe_exception(exc), errors=bp.errors + 1)
            return None
        if kind == CONDITION:
            return f"breakpoint {bp.id}: {bp.text}" if value else None
        key = (bp.id, facts.identity)
        old = seen.get(key, self._defaults.get(bp.id))
        seen[key] = value
        if old != value:
            return f"breakpoint {bp.id}: {bp.text} {old!r} → {value!r}"
        return None

    def check_one_value(
        self, bp: Breakpoint, identity: str, ns: dict[str, Any], seen: dict[tuple[int, str], Any]
    ) -> None:
        """Remember a watchpoint's value for ``identity`` now (no hit)."""
        try:
            seen[(bp.id, identity)] = eval(self._code[bp.id], ns)
        except Exception:  # noqa: BLE001 - reported when it is checked after an event
            pass

    @staticmethod
    def _new_record(bp: Breakpoint, trace: T.EventTrace | None) -> str | None:
        if trace is None:
            return None
        for agg in trace.aggregates:
            if agg.action in NEW_ACTIONS:
                what = "inactivity split" if agg.action == T.SPLIT else "new record"
                return f"breakpoint {bp.id}: {what} in {agg.name} ({agg.key})"
        return None


def parse(typed: str) -> tuple[str, str]:
    """(kind, text) of what the user typed after ``b``."""
    text = typed.strip()
    if not text:
        raise BreakpointError(f"empty breakpoint: type {KIND_HELP}")
    word, _, rest = text.partition(" ")
    if word == "change":
        if not rest.strip():
            raise BreakpointError("change needs a field: change AGG.FIELD")
        return CHANGE, rest.strip()
    if word in KEYWORDS and not rest.strip():
        return KEYWORDS[word], ""
    return CONDITION, text
