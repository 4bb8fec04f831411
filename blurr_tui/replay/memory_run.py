"""A spec's records for a stretch of a log, computed in memory (no SQLite).

``run_in_memory(streaming, window, lines)`` groups the lines' events by identity, sorts each
identity's events stably by time (as Blurr does), runs every identity with fresh state into
in-memory stores and persists what the end of a run persists: the records Blurr would output
if the log ended after these lines.  Unlike ``transform`` an abort does not end the run: it is
recorded (with its line) and the identity goes on, as in the app.  ``spec diff``, ``spec
test`` and the app's Diff tab all read their records from here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import cast

from ..engine.errors import EngineAbort, EventRejected
from ..engine.keys import Key
from ..engine.record import Record
from ..engine.runtime import StreamingEngine
from ..engine.spec import StreamingSpec, WindowSpec
from ..engine.store import MemoryStore, RecordStore
from ..engine.window import WindowTransform
from .reader import LogLine

PROGRESS_EVERY = 5000


@dataclass(frozen=True, slots=True)
class Swallowed:
    """An exception Blurr turned into "no update": the field (FQN), When/Value/cast, why."""

    line: int
    where: str
    what: str
    error: str  # exception type name
    message: str


@dataclass
class MemoryRun:
    """What one spec made of the lines: records by key, window rows by identity, problems."""

    records: dict[tuple, tuple[Key, dict]] = field(default_factory=dict)  # key.lookup → …
    window_rows: dict[str, list[dict]] = field(default_factory=dict)
    swallowed: list[Swallowed] = field(default_factory=list)
    bad: list[tuple[int, str]] = field(default_factory=list)  # (line, reason)
    aborts: list[tuple[int | None, str]] = field(default_factory=list)  # (line, description)
    lines: int = 0

    def by_key_text(self) -> dict[str, tuple[Key, dict]]:
        return {str(k): (k, rec) for k, rec in self.records.values()}


def run_in_memory(
    streaming: StreamingSpec,
    window: WindowSpec | None,
    lines: Iterable[LogLine],
    limit: int | None = None,
    progress: Callable[[int], None] | None = None,
) -> MemoryRun:
    """Run the first ``limit`` lines (all when None) and persist as at the end of a run;
    ``progress(lines read)`` is called every ``PROGRESS_EVERY`` lines."""
    out = MemoryRun()
    engine = StreamingEngine(streaming)
    current = [0]

    def swallowed(where: str, what: str, exc: BaseException) -> None:
        out.swallowed.append(Swallowed(current[0], where, what, type(exc).__name__, str(exc)))

    engine.on_swallowed = swallowed
    groups: dict[str, list[tuple[datetime, int, Record, int]]] = {}
    for line in lines:
        if limit is not None and out.lines >= limit:
            break
        out.lines += 1
        if progress is not None and out.lines % PROGRESS_EVERY == 0:
            progress(out.lines)
        if line.error is not None:
            out.bad.append((line.line_no, line.error))
            continue
        try:
            identity, time, record = engine.read(line.value)
        except EventRejected as exc:
            out.bad.append((line.line_no, str(exc)))
            continue
        except EngineAbort as exc:
            exc.line = line.line_no
            out.aborts.append((line.line_no, exc.describe()))
            continue
        groups.setdefault(identity, []).append((time, out.lines, record, line.line_no))
    stores = {s.name: MemoryStore() for s in streaming.stores}
    as_records = cast("dict[str, RecordStore]", stores)
    win = _window(streaming, window, out)
    for identity, events in groups.items():
        events.sort(key=lambda e: e[0])  # stable: ties keep log order
        run = engine.start_identity(identity, as_records)
        for time, _seq, record, line_no in events:
            current[0] = line_no
            try:
                run.apply(record, time)
            except EngineAbort as exc:
                exc.line, exc.identity = line_no, identity
                out.aborts.append((line_no, exc.describe()))
        current[0] = 0
        try:
            run.finalize()
            if win is not None:
                out.window_rows[identity] = win.run(identity, as_records)
        except EngineAbort as exc:
            exc.identity = identity
            out.aborts.append((None, exc.describe()))
    for store in stores.values():
        for key, rec in store.all_records():
            out.records[key.lookup] = (key, rec)
    return out


def _window(
    streaming: StreamingSpec, window: WindowSpec | None, out: MemoryRun
) -> WindowTransform | None:
    if window is None:
        return None
    try:
        return WindowTransform(streaming, window)
    except EngineAbort as exc:
        out.aborts.append((None, exc.describe()))
        return None
