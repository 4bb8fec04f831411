"""Replaying a log through the engine into the SQLite store, one line at a time.

The ``Replayer`` is the one event loop behind ``blurr-tui run`` (headless) and the app's
controller.  Identities are independent in Blurr (fresh state each), so events are applied
in log order with one live ``IdentityRun`` per identity; the results equal Blurr's as long as
each identity's events come in time order.  An event that goes back in time for its identity
is detected (``OutOfOrder``) and the caller replays the log in time order instead
(:func:`blurr_tui.replay.ordering.time_order`).
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from ..engine.errors import EngineAbort, EventRejected
from ..engine.runtime import IdentityRun, StreamingEngine
from ..engine.spec import StreamingSpec, WindowSpec
from ..engine.trace import EventTrace
from ..engine.window import AnchorRow, WindowTransform
from ..store.identities import encode_state, identity_text
from ..store.sqlite_store import SqliteStore
from .identity_state import capture, restore
from .live_store import LiveStore
from .reader import LogLine
from .swallowed import SwallowedErrors


class OutOfOrder(Exception):
    """An identity's event is earlier than one already applied: Blurr would sort them."""

    def __init__(self, line: LogLine, identity: str) -> None:
        super().__init__(f"line {line.line_no}: identity {identity!r} goes back in time")
        self.line = line
        self.identity = identity


@dataclass(slots=True)
class Step:
    """What one log line did."""

    index: int  # 1-based position among the lines processed
    line: LogLine
    identity: str | None = None
    time: datetime | None = None
    event: dict | None = None
    trace: EventTrace | None = None
    bad_reason: str | None = None  # the line was skipped
    error: str | None = None  # Blurr would abort here; the replay records it and goes on

    @property
    def ok(self) -> bool:
        return self.bad_reason is None and self.error is None


@dataclass
class Counters:
    lines: int = 0
    applied: int = 0
    bad: int = 0
    errors: int = 0
    last_offset: int = 0
    last_line: int = 0
    last_event_time: datetime | None = None


@dataclass(slots=True)
class _IdentityState:
    run: IdentityRun
    last_time: datetime | None = None
    last_pos: int = 0
    dirty: bool = True


ACTIVITY = "activity"
STATE_EVERY = 64  # with history: an identity's engine state is kept every N of its events
MAX_LIVE = 20_000  # identities kept in memory; the least recently seen leave at a checkpoint


class Replayer:
    def __init__(
        self,
        streaming: StreamingSpec,
        store: SqliteStore,
        window: WindowSpec | None = None,
        *,
        strict_order: bool = True,
        abort_on_error: bool = False,
        start_pos: int = 0,
        start_offset: int = 0,
        start_line: int = 0,
        max_live: int = MAX_LIVE,
    ) -> None:
        self.spec = streaming
        self.window_spec = window
        self.store = store
        self.history = store.history_log
        self.live = LiveStore(store, recording=self.history is not None)
        self.engine = StreamingEngine(streaming)
        self.window = WindowTransform(streaming, window) if window is not None else None
        self.stores = {s.name: self.live.for_store(s.name) for s in streaming.stores}
        self.states: dict[str, _IdentityState] = {}
        self.counters = Counters(last_offset=start_offset, last_line=start_line)
        self.start_pos = start_pos  # positions of this run are start_pos + 1, ...
        self.strict_order = strict_order
        self.abort_on_error = abort_on_error
        self.max_live = max_live
        # An Activity (a block no event touched) or a stored Variable (one whose When never
        # held) can save at the end of the run what no checkpoint saved: finalize those again.
        self._has_activity = any(
            a.kind.value == ACTIVITY or (a.kind.value == "variable" and a.store)
            for a in streaming.aggregates
        )
        self._state_versions: list[tuple[str, int, str]] = []
        self._finished_through = start_pos
        self._fresh = store.identities.count() == 0  # nothing saved before this run
        self._evicted: set[str] = set()  # identities that left memory (fresh database only)
        self.swallowed = SwallowedErrors(streaming)
        self._cur: tuple[int, str | None] = (0, None)
        self.engine.on_swallowed = self._swallowed

    def _swallowed(self, where: str, what: str, exc: BaseException) -> None:
        self.swallowed.add(self._cur[0], self._cur[1], where, what, exc)

    @property
    def position(self) -> int:
        """The position of the last line processed (0: none yet)."""
        return self.start_pos + self.counters.lines

    # -- identities ------------------------------------------------------------------------
    def _state(self, identity: str) -> _IdentityState:
        st = self.states.get(identity)
        if st is None:
            run = self.engine.start_identity(identity, self.stores)  # type: ignore[arg-type]
            st = _IdentityState(run)
            # A database that was empty when opened holds only what this run saved: an
            # identity that never left memory has nothing there yet.
            may_exist = not self._fresh or identity in self._evicted
            saved = self.store.identities.load(identity) if may_exist else None
            if saved is not None:  # seen earlier (an earlier run, or it left memory): continue it
                st.last_pos, st.last_time, state = saved
                if state is not None:
                    restore(run, state)
                st.dirty = False
            self.states[identity] = st
        return st

    # -- the loop ----------------------------------------------------------------------------
    def step(self, line: LogLine, trace: bool = False) -> Step:
        c = self.counters
        c.lines += 1
        c.last_offset = line.end_offset
        c.last_line = line.line_no
        step = Step(index=self.start_pos + c.lines, line=line)
        if line.error is not None:
            return self._bad(step, line.error)
        try:
            identity, time, record = self.engine.read(line.value)
        except EventRejected as exc:
            return self._bad(step, str(exc))
        except EngineAbort as exc:
            exc.line = line.line_no
            return self._error(step, exc)
        st = self._state(identity)
        if st.last_time is not None and time < st.last_time:
            if self.strict_order:
                raise OutOfOrder(line, identity)
        step.identity, step.time, step.event = identity, time, record
        self._cur = (line.line_no, identity)
        try:
            step.trace = st.run.apply(record, time, trace=trace)
        except EngineAbort as exc:
            exc.line, exc.identity = line.line_no, identity
            return self._error(step, exc)
        st.last_time = time if st.last_time is None or time > st.last_time else st.last_time
        st.last_pos = step.index
        st.dirty = True
        c.applied += 1
        if c.last_event_time is None or time > c.last_event_time:
            c.last_event_time = time
        if self.history is not None:
            self._record(step, st)
        return step

    def _record(self, step: Step, st: _IdentityState) -> None:
        """History: the records the event changed, the event, now and then the engine state."""
        h = self.history
        assert h is not None
        pos = step.index
        for key, agg in self.live.drain_touched():
            h.version(key, agg.snapshot(), pos)  # type: ignore[attr-defined]
        h.event(pos, step.line.line_no, step.line.offset, step.identity, step.time, "ok")
        if st.run.events % STATE_EVERY == 0:
            self._state_versions.append(
                (identity_text(st.run.identity), pos, encode_state(capture(st.run)))
            )

    def _bad(self, step: Step, reason: str) -> Step:
        self.counters.bad += 1
        step.bad_reason = reason
        line = step.line
        self.store.add_bad_event(line.line_no, line.offset, line.raw, reason)
        if self.history is not None:
            self.history.event(step.index, line.line_no, line.offset, None, None, "bad")
        return step

    def _error(self, step: Step, exc: EngineAbort) -> Step:
        self.counters.errors += 1
        step.error = exc.describe()
        if self.history is not None:
            self.live.drain_touched()
            line = step.line
            self.history.event(step.index, line.line_no, line.offset, exc.identity, None, "error")
        if self.abort_on_error:
            raise exc
        return step

    def run(self, lines: Iterable[LogLine]) -> Iterator[Step]:
        step = self.step
        for line in lines:
            yield step(line)

    # -- checkpoints -------------------------------------------------------------------------
    def checkpoint(self, **meta: Any) -> None:
        """Make the database hold everything so far, with where to resume, in one commit;
        then identities not seen for a while leave memory (their state is in the store)."""
        store = self.store
        store.begin()
        self.live.flush()
        rows = []
        for identity, st in self.states.items():
            if st.dirty:
                rows.append((identity, st.last_pos, st.last_time, capture(st.run)))
                st.dirty = False
        if rows:
            store.identities.save(rows)
        if self._state_versions:
            store.identities.add_versions(self._state_versions)
            self._state_versions = []
        if self.history is not None:
            self.history.flush()
        rows_swallowed = self.swallowed.drain()
        if rows_swallowed:
            store.add_swallowed(rows_swallowed)
        c = self.counters
        values: dict[str, Any] = dict(
            stopped_at_offset=c.last_offset,
            stopped_at_line=c.last_line,
            stopped_at_pos=self.position,
            last_event_time=c.last_event_time.isoformat() if c.last_event_time else None,
        )
        values.update(meta)
        store.set_meta(**values)
        store.commit()
        if len(self.states) > self.max_live:
            self._evict(len(self.states) - self.max_live // 2)

    def _evict(self, n: int) -> None:
        """The ``n`` least recently seen identities leave memory (all of them are saved)."""
        order = sorted(self.states.items(), key=lambda kv: kv[1].last_pos)[:n]
        gone = [identity for identity, _st in order]
        for identity in gone:
            del self.states[identity]
        if self._fresh:
            self._evicted.update(gone)
        seqs = self.store.forget(gone)
        if self.history is not None:
            self.history.forget(seqs)

    def finish(self, identities: Iterable[str] | None = None) -> None:
        """Blurr's end of run: persist every live identity, then compute the windows.

        ``identities``: those changed since the last finish (the default).
        An identity saved at a checkpoint (in memory or not) was saved as if the run ended
        then; it is finalized again only when the spec has an Activity (an Activity's end of
        run can save a block that no event touched).
        """
        if identities is None:
            saved = self.store.identities.identities(after_pos=self._finished_through)
            identities = dict.fromkeys([*saved, *self.states])
        names = list(identities)
        self._finished_through = self.position
        self.store.begin()
        for identity in names:
            st = self.states.get(identity)
            if not self._has_activity and (st is None or not st.dirty):
                continue  # saved at the last checkpoint exactly as finalize would save it
            if st is None:
                st = self._state(identity)
            st.run.finalize()
        self.live.flush()
        if self.window is not None:
            for identity in names:
                rows = self.window.run_explained(identity, self.stores, explain=False)  # type: ignore[arg-type]
                self.store.set_window_rows(
                    identity, [a.row for a in rows], [a.anchor_key for a in rows]
                )
        self.store.commit()
        self._evict(max(0, len(self.states) - self.max_live))

    def window_rows(self, identity: str) -> list[dict]:
        assert self.window is not None
        self.live.flush()
        return self.window.run(identity, self.stores)  # type: ignore[arg-type]

    def window_explained(self, identity: str) -> list[AnchorRow]:
        """The window rows with each anchor's key and the blocks in each of its windows."""
        assert self.window is not None
        self.live.flush()
        return self.window.run_explained(identity, self.stores)  # type: ignore[arg-type]
