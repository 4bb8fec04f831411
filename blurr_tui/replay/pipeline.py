"""Replaying a log through the engine into the SQLite store, one line at a time.

The ``Replayer`` is the one event loop behind ``blurr-tui run`` (headless) and the app's
controller.  Identities are independent in Blurr (fresh state each), so events are applied
in log order with one live ``IdentityRun`` per identity; the results equal Blurr's as long as
each identity's events come in time order.  An event that goes back in time for its identity
is detected (``OutOfOrder``) and the caller replays the log in time order instead
(:func:`blurr_tui.replay.ordering.time_order`).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..engine.errors import EngineAbort, EventRejected
from ..engine.runtime import IdentityRun, StreamingEngine
from ..engine.spec import StreamingSpec, WindowSpec
from ..engine.trace import EventTrace
from ..engine.window import AnchorRow, WindowTransform
from ..store.sqlite_store import SqliteStore
from .live_store import LiveStore
from .reader import LogLine

IDENTITIES_TABLE = "_identities"


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


@dataclass
class _IdentityState:
    run: IdentityRun
    last_time: datetime | None = None
    dirty: bool = True
    extra: dict[str, Any] = field(default_factory=dict)


class Replayer:
    def __init__(
        self,
        streaming: StreamingSpec,
        store: SqliteStore,
        window: WindowSpec | None = None,
        *,
        strict_order: bool = True,
        abort_on_error: bool = False,
    ) -> None:
        self.spec = streaming
        self.window_spec = window
        self.store = store
        self.live = LiveStore(store)
        self.engine = StreamingEngine(streaming)
        self.window = WindowTransform(streaming, window) if window is not None else None
        self.stores = {s.name: self.live for s in streaming.stores}
        self.states: dict[str, _IdentityState] = {}
        self.counters = Counters()
        self.strict_order = strict_order
        self.abort_on_error = abort_on_error
        self._ensure_identities_table()

    # -- identities ------------------------------------------------------------------------
    def _ensure_identities_table(self) -> None:
        self.store.conn.execute(
            f"CREATE TABLE IF NOT EXISTS [{IDENTITIES_TABLE}] (identity TEXT PRIMARY KEY, "
            "last_time TEXT, events INTEGER, live_state TEXT)"
        )

    def _state(self, identity: str) -> _IdentityState:
        st = self.states.get(identity)
        if st is None:
            run = self.engine.start_identity(identity, self.stores)  # type: ignore[arg-type]
            st = _IdentityState(run)
            row = self.store.conn.execute(
                f"SELECT last_time, events, live_state FROM [{IDENTITIES_TABLE}] WHERE identity = ?",
                (identity,),
            ).fetchone()
            if row is not None:  # seen by an earlier run of this database: continue it
                st.last_time = datetime.fromisoformat(row[0]) if row[0] else None
                run.events = row[1] or 0
                if row[2]:
                    run.restore_live_state(json.loads(row[2]))
            self.states[identity] = st
        return st

    # -- the loop ----------------------------------------------------------------------------
    def step(self, line: LogLine, trace: bool = False) -> Step:
        c = self.counters
        c.lines += 1
        c.last_offset = line.end_offset
        c.last_line = line.line_no
        step = Step(index=c.lines, line=line)
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
        try:
            step.trace = st.run.apply(record, time, trace=trace)
        except EngineAbort as exc:
            exc.line, exc.identity = line.line_no, identity
            return self._error(step, exc)
        st.last_time = time if st.last_time is None or time > st.last_time else st.last_time
        st.dirty = True
        c.applied += 1
        if c.last_event_time is None or time > c.last_event_time:
            c.last_event_time = time
        return step

    def _bad(self, step: Step, reason: str) -> Step:
        self.counters.bad += 1
        step.bad_reason = reason
        line = step.line
        self.store.add_bad_event(line.line_no, line.offset, line.raw, reason)
        return step

    def _error(self, step: Step, exc: EngineAbort) -> Step:
        self.counters.errors += 1
        step.error = exc.describe()
        if self.abort_on_error:
            raise exc
        return step

    def run(self, lines: Iterable[LogLine]) -> Iterator[Step]:
        step = self.step
        for line in lines:
            yield step(line)

    # -- checkpoints -------------------------------------------------------------------------
    def checkpoint(self, **meta: Any) -> None:
        """Make the database hold everything so far, with where to resume, in one commit."""
        store = self.store
        store.begin()
        self.live.flush()
        rows = []
        for identity, st in self.states.items():
            if st.dirty:
                live = st.run.live_state()
                rows.append(
                    (
                        identity,
                        st.last_time.isoformat() if st.last_time else None,
                        st.run.events,
                        json.dumps(live, default=str) if live else None,
                    )
                )
                st.dirty = False
        if rows:
            store.conn.executemany(
                f"INSERT INTO [{IDENTITIES_TABLE}] VALUES (?, ?, ?, ?) ON CONFLICT(identity) DO UPDATE SET "
                "last_time = excluded.last_time, events = excluded.events, live_state = excluded.live_state",
                rows,
            )
        c = self.counters
        store.set_meta(
            stopped_at_offset=c.last_offset,
            stopped_at_line=c.last_line,
            last_event_time=c.last_event_time.isoformat() if c.last_event_time else None,
            **meta,
        )
        store.commit()

    def finish(self, identities: Iterable[str] | None = None) -> None:
        """Blurr's end of run: persist every live identity, then compute the windows."""
        self.store.begin()
        for identity in list(identities if identities is not None else self.states):
            st = self.states.get(identity)
            if st is None:
                continue
            st.run.finalize()
        self.live.flush()
        if self.window is not None:
            for identity in list(identities if identities is not None else self.states):
                self.store.set_window_rows(identity, self.window_rows(identity))
        self.store.commit()

    def window_rows(self, identity: str) -> list[dict]:
        assert self.window is not None
        self.live.flush()
        return self.window.run(identity, self.stores)  # type: ignore[arg-type]

    def window_explained(self, identity: str) -> list[AnchorRow]:
        """The window rows with each anchor's key and the blocks in each of its windows."""
        assert self.window is not None
        self.live.flush()
        return self.window.run_explained(identity, self.stores)  # type: ignore[arg-type]
