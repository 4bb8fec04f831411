"""The debugger's edits and questions: breakpoints, watches, ``:`` evaluate, a value's history.

Owned by the controller (``controller.debug``); runs in the worker thread (the breakpoints
are read there after every event).  A breakpoint's or an expression's mistake is returned
or kept and shown, never raised into the session.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import TYPE_CHECKING, Any

from ..engine.errors import EngineAbort
from .breakpoints import CHANGE, Breakpoint, BreakpointError
from .revisit import memory_stores
from .watches import evaluate

if TYPE_CHECKING:
    from .controller import ReplayController


@dataclass(frozen=True, slots=True)
class ValueChange:
    """One event that changed a field of a record."""

    position: int
    line: int
    time: datetime | None
    old: Any
    new: Any


class DebugSession:
    def __init__(self, controller: ReplayController) -> None:
        self.c = controller

    # -- breakpoints --------------------------------------------------------------------------
    def add_breakpoint(self, text: str) -> Breakpoint | str:
        """The new breakpoint, or what is wrong with ``text``."""
        c = self.c
        try:
            bp = c.breakpoints.add(text)
        except BreakpointError as exc:
            return str(exc)
        if bp.kind == CHANGE:
            self._seed_watchpoint(bp)
        c.hits.reset(c.breakpoints.serial, c.run.position)
        c._publish()
        return bp

    def _seed_watchpoint(self, bp: Breakpoint) -> None:
        """A watchpoint added mid-run starts from each known identity's value now."""
        c = self.c
        for identity, state in c.run.replayer.states.items():
            c.breakpoints.check_one_value(bp, identity, state.run.ns, c.seen)

    def toggle_breakpoint(self, bp_id: int) -> None:
        c = self.c
        c.breakpoints.toggle(bp_id)
        c.hits.reset(c.breakpoints.serial, c.run.position)
        c._publish()

    def delete_breakpoint(self, bp_id: int) -> None:
        c = self.c
        c.breakpoints.delete(bp_id)
        c.hits.reset(c.breakpoints.serial, c.run.position)
        c._publish()

    # -- watches, evaluate --------------------------------------------------------------------
    def add_watch(self, text: str) -> str | None:
        """None, or why the watch is not kept across restarts."""
        c = self.c
        c.watches.add(text)
        c.watch_values = c._watch_values()
        c._publish()
        return c.watches.save_error

    def remove_watch(self, index: int) -> None:
        c = self.c
        c.watches.remove(index)
        c.watch_values = c._watch_values()
        c._publish()

    def evaluate(self, text: str) -> Any:
        return evaluate(text, self.c.names_at_cursor())

    # -- a value's history --------------------------------------------------------------------
    def field_history(
        self, aggregate: str, key: str, field: str, identity: str | None = None
    ) -> list[ValueChange]:
        """Every computed event that changed ``field`` of record ``key`` of ``aggregate``:
        the record's identity's events applied again with a trace."""
        c = self.c
        identity = identity or _identity_of(key)
        revisit = c.revisit
        run = revisit.engine.start_identity(identity, memory_stores(c.streaming))
        out: list[ValueChange] = []
        for p in c.run.timeline.positions_of(identity):
            record, when = revisit.read_event(p)
            if record is None:
                continue
            try:
                trace = run.apply(record, when, trace=True)
            except EngineAbort:
                continue
            for agg in trace.aggregates if trace is not None else ():
                if agg.name != aggregate or agg.key != key:
                    continue
                for f in agg.fields:
                    if f.name == field and f.changed:
                        line = c.run.timeline.line_nos[p - 1]
                        out.append(ValueChange(p, line, when, f.old, f.new))
        return out


def _identity_of(key: str) -> str:
    return key.split("/", 1)[0]
