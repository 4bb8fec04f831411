"""Rewinding one identity to just before an event, from the record history.

``rewind_to(engine, history, log, pos)`` gives the identity's live engine state right after
its previous event: the latest saved state (``_identity_states``) restored on a store that
shows the records as of that state (:class:`~blurr_tui.store.history.AsOfStore`), then that
identity's events in between re-applied untraced.  Applying event ``pos`` to ``run`` with
``trace=True`` gives the trace exactly as when the event was first applied.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from ..engine.errors import EngineAbort, EventRejected
from ..engine.record import Record
from ..engine.runtime import IdentityRun, StreamingEngine
from ..store.history import EventRow, History
from .identity_state import restore
from .reader import LogLine, _open, parse_line


@dataclass(slots=True)
class Rewound:
    pos: int
    line: LogLine
    identity: str
    time: datetime
    record: Record
    run: IdentityRun  # the identity's state right before event ``pos``


def read_line_at(log: str | Path, offset: int, line_no: int) -> LogLine:
    with _open(log) as fh:
        fh.seek(offset)
        return parse_line(line_no, offset, fh.readline())


def rewind_to(
    engine: StreamingEngine, history: History, log: str | Path, pos: int
) -> Rewound | None:
    """The identity of event ``pos`` just before it (None: a bad line, or no such event)."""
    ev = history.event(pos)
    if ev is None or ev.identity is None or ev.status == "bad":
        return None
    identity = ev.identity
    saved = history.identity_state(identity, before=pos)
    base = saved[0] if saved is not None else 0
    store = history.store_as_of(base)
    run = engine.start_identity(identity, {s.name: store for s in engine.spec.stores})  # type: ignore[misc]
    if saved is not None:
        restore(run, saved[1])
    listener, engine.on_swallowed = engine.on_swallowed, None  # already reported once
    try:
        with _open(log) as fh:
            for e in _between(history, identity, base, pos):
                fh.seek(e.offset)
                line = parse_line(e.line, e.offset, fh.readline())
                try:
                    _i, time, record = engine.read(line.value)
                    run.apply(record, time)
                except (EventRejected, EngineAbort):
                    continue
    finally:
        engine.on_swallowed = listener
    line = read_line_at(log, ev.offset, ev.line)
    try:
        _i, time, record = engine.read(line.value)
    except (EventRejected, EngineAbort):
        return None
    return Rewound(pos, line, identity, time, record, run)


def _between(history: History, identity: str, after: int, before: int) -> list[EventRow]:
    out: list[EventRow] = []
    while True:
        batch = history.events_of(identity, after=after, limit=256)
        for e in batch:
            if e.pos >= before:
                return out
            if e.status == "ok":
                out.append(e)
            after = e.pos
        if len(batch) < 256:
            return out
