"""An event already computed, shown again exactly as when it was applied.

Identities are independent in Blurr (each starts from fresh state and sees only its own
records), so the state an identity had before its event at position k is rebuilt by applying
that identity's earlier events, in the order the replay applied them, to a fresh
``IdentityRun`` over an in-memory store; then event k is applied with a trace.  That trace is
the one the replay built when it applied the event (tests/test_debugger_replay.py checks it
at every position of the samples).  Cost: that one identity's events, not the whole log.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import Any

from ..engine.errors import EngineAbort, EventRejected
from ..engine.runtime import IdentityRun, StreamingEngine
from ..engine.spec import StreamingSpec
from ..engine.store import MemoryStore
from .breakpoints import EventFacts
from .pipeline import Step
from .reader import LogLine, _open, parse_line
from .timeline import TimelineIndex

MAX_LINE_BYTES = 1_000_000


class LogLines:
    """Reads single lines of the log by byte offset (one open file, kept)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._fh: Any = None

    def read(self, offset: int, line_no: int) -> LogLine:
        if self._fh is None:
            self._fh = _open(self.path)
        self._fh.seek(offset)
        raw = self._fh.readline(MAX_LINE_BYTES + 1)
        return parse_line(line_no, offset, raw)

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


class Revisit:
    """Rebuilds the :class:`Step` of any computed position (and an identity's state there)."""

    def __init__(
        self,
        streaming: StreamingSpec,
        log_path: Path,
        timeline: TimelineIndex,
        problem_at: Callable[[int], tuple[str, str] | None],
    ) -> None:
        self.engine = StreamingEngine(streaming)  # its own: swallowed errors are not re-counted
        self.lines = LogLines(log_path)
        self.timeline = timeline
        self._problem_at = problem_at  # position -> ("bad"|"abort", reason) as first recorded

    def line(self, position: int) -> LogLine:
        t = self.timeline
        return self.lines.read(t.offsets[position - 1], t.line_nos[position - 1])

    def step(self, position: int) -> Step:
        """Event ``position`` with its trace, as the replay showed it when applying it."""
        line = self.line(position)
        step = Step(index=position, line=line)
        identity = self.timeline.identity_at(position)
        if identity is None:
            kind, reason = self._problem_at(position) or ("bad", line.error or "bad line")
            if kind == "bad":
                step.bad_reason = reason
            else:
                step.error = reason
            return step
        run, record, time = self.state_before(identity, position)
        step.identity, step.time, step.event = identity, time, record
        try:
            step.trace = run.apply(record, time, trace=True)
        except EngineAbort as exc:
            exc.line, exc.identity = line.line_no, identity
            step.error = exc.describe()
        return step

    def state_before(self, identity: str, position: int) -> tuple[IdentityRun, Any, Any]:
        """A fresh run of ``identity`` after its events before ``position``; the event there."""
        run = self.engine.start_identity(identity, memory_stores(self.engine.spec))
        positions = self.timeline.positions_of(identity, position)
        for p in positions[:-1]:
            record, time = self.read_event(p)
            if record is None:
                continue
            try:
                run.apply(record, time)
            except EngineAbort:
                pass  # the replay recorded it and went on; so does this
        record, time = self.read_event(position)
        return run, record, time

    def state_after(self, identity: str, position: int) -> IdentityRun:
        """A fresh run of ``identity`` after all its events up to and including ``position``."""
        last = self.timeline.previous_of(identity, position + 1)
        if last is None:
            return self.engine.start_identity(identity, memory_stores(self.engine.spec))
        run, record, time = self.state_before(identity, last)
        if record is not None:
            try:
                run.apply(record, time)
            except EngineAbort:
                pass
        return run

    def scan(
        self, first: int, last: int, check: Callable[[EventFacts], str | None], traced: bool
    ) -> dict[int, str]:
        """Apply the events ``first..last`` again (each identity from its state before
        ``first``) and ``check`` each; the hits found, by position."""
        runs: dict[str, IdentityRun] = {}
        found: dict[int, str] = {}
        swallowed: list[int] = []
        self.engine.on_swallowed = lambda *_: swallowed.append(1)
        try:
            for p in range(first, last + 1):
                facts = self._replay_one(p, runs, traced, swallowed)
                facts.swallowed = bool(swallowed)
                swallowed.clear()
                why = check(facts)
                if why is not None:
                    found[p] = why
        finally:
            self.engine.on_swallowed = None
        return found

    def _replay_one(
        self, p: int, runs: dict[str, IdentityRun], traced: bool, swallowed: list[int]
    ) -> EventFacts:
        identity = self.timeline.identity_at(p)
        if identity is None:
            kind, _ = self._problem_at(p) or ("bad", "")
            return EventFacts(p, None, None, bad=kind == "bad", abort=kind == "abort")
        run = runs.get(identity)
        if run is None:
            run, record, time = self.state_before(identity, p)
            runs[identity] = run
            swallowed.clear()  # those were the identity's earlier events
        else:
            record, time = self.read_event(p)
        facts = EventFacts(p, identity, run.ns)
        if record is None:
            return facts
        try:
            facts.trace = run.apply(record, time, trace=traced)
        except EngineAbort:
            facts.abort = True
        return facts

    def read_event(self, position: int) -> tuple[Any, Any]:
        line = self.line(position)
        if line.error is not None:
            return None, None
        try:
            _, time, record = self.engine.read(line.value)
        except (EventRejected, EngineAbort):
            return None, None
        return record, time

    def close(self) -> None:
        self.lines.close()


def memory_stores(spec: StreamingSpec) -> dict[str, Any]:
    memory = MemoryStore()
    return {s.name: memory for s in spec.stores}
