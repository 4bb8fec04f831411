"""What a Spark task runs, in plain Python: read log lines, then run each identity.

Stage 1 (:func:`read_file`) turns numbered lines of one file into shuffle items through
``transform``'s reading stage; stage 2 (:func:`run_partition`) gets one hash partition of them
sorted by ``(identity, time, position)`` and runs identity after identity through the same
engine functions as ``transform`` (:func:`~blurr_tui.transform.apply_identity`,
:func:`~blurr_tui.transform.transform_rows`).  Only one identity's records are in memory at a
time; events stream through.

A *position* is ``(run, file index, line index, part)``: the global file order of an event
(``part`` numbers the events of one ipfix line).  An identity's order is the smallest
position of its events (first-seen order), carried over from a ``--state`` of an earlier run.
Output items are ``(order, kind, data)``; sorting them by ``order`` gives the local runner's
order: aborts first, then bad lines, then per identity its rows/records, windows, state.
"""

from __future__ import annotations

import zlib
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from ..engine.errors import EngineAbort
from ..engine.loader import load_streaming, load_window
from ..engine.record import Record
from ..engine.runtime import StreamingEngine
from ..engine.spec import StreamingSpec, WindowSpec
from ..engine.window import WindowTransform
from ..transform import (
    apply_identity,
    dumps_row,
    read_line,
    transform_rows,
    window_for_identity,
)
from .state import IdentityState, OrderedStore, ordered_stores, start_from_state, state_of

# shuffle keys: (group, time, position); a marker (bad line, read abort) sorts before events
MARKER = (0, "", "")
STATE_TIME = datetime.min.replace(tzinfo=UTC)  # an identity's saved state comes first
# kinds of output items
ABORT, BAD, ROW, RECORD, WINDOW, STATE = "abort", "bad", "row", "record", "window", "state"


@dataclass(frozen=True)
class Job:
    """Everything a task needs, shipped as plain text (compiled specs do not pickle)."""

    streaming_text: str
    streaming_path: str
    window_text: str | None
    window_path: str | None
    ipfix: bool = False
    run: int = 0  # continuation number: positions of a later run sort after earlier ones

    def specs(self) -> tuple[StreamingSpec, WindowSpec | None]:
        hit = _SPECS.get(self)
        if hit is None:
            streaming = load_streaming(self.streaming_text, self.streaming_path)
            window = (
                load_window(self.window_text, self.window_path or "")
                if self.window_text is not None
                else None
            )
            hit = _SPECS[self] = (streaming, window)
        return hit


_SPECS: dict[Job, tuple[StreamingSpec, WindowSpec | None]] = {}  # per Python worker


def partition_of(key: tuple, partitions: int) -> int:
    """Hash partition of a shuffle key: by identity (markers by position); stable across
    processes, unlike ``hash()`` of a string."""
    group, _time, position = key
    text = repr(position) if group == MARKER else repr(group[2])
    return zlib.crc32(text.encode("utf-8", "surrogatepass")) % partitions


def describe_line(text: str) -> str:
    return text if len(text) <= 200 else text[:200] + "…"


def read_file(
    job: Job, file_index: int, path: str, lines: Iterable[tuple[str, int]], last: int = -1
) -> Iterator[tuple[tuple, Any]]:
    """Shuffle items of numbered lines ``(text, 0-based index)`` of one file, each read with
    its newline as the local runner reads it (``last``: the index of a last line that has
    none, or -1)."""
    streaming, _window = job.specs()
    engine = StreamingEngine(streaming)
    for text, index in lines:
        raw = text.encode("utf-8", "surrogatepass")
        if index != last:
            raw += b"\n"
        line_no = index + 1
        pos = (job.run, file_index, index)
        try:
            events, bad = read_line(engine, raw, job.ipfix)
        except EngineAbort as exc:
            exc.line = line_no
            yield (MARKER, pos, pos), (ABORT, (None, exc.where, exc.describe()))
            continue
        for part, reason in enumerate(bad):
            yield (MARKER, pos, pos + (part,)), (BAD, (path, line_no, text, reason))
        for part, (identity, time, record) in enumerate(events):
            group = (1, type(identity).__name__, identity)
            yield (group, time, pos + (part,)), (identity, dict(record), line_no)


class _Events:
    """One identity's run of sorted items: events as ``apply_identity`` takes them, keeping
    the smallest position and any event older than the saved state's last one."""

    def __init__(
        self, engine: StreamingEngine, items: Iterator, first: tuple, last_time: datetime | None
    ) -> None:
        self.make_record = engine.make_record
        self.items = items
        self.pending: tuple | None = first
        self.group = first[0][0]
        self.position: tuple | None = None
        self.last_time = last_time
        self.older: tuple[int, datetime] | None = None
        self.last: datetime | None = last_time

    def __iter__(self) -> Iterator[tuple[datetime, Record, int]]:
        while self.pending is not None and self.pending[0][0] == self.group:
            (_group, time, pos), (_identity, record, line_no) = self.pending
            self.pending = next(self.items, None)
            if self.position is None or pos < self.position:
                self.position = pos
            if self.last_time is not None and time < self.last_time and self.older is None:
                self.older = (line_no, time)
            if self.last is None or time > self.last:
                self.last = time
            yield time, self.make_record(record), line_no

    def drain(self) -> None:
        for _ in self:
            pass


def run_partition(job: Job, items: Iterator[tuple[tuple, Any]], full: bool) -> Iterator[tuple]:
    """Output items of one sorted partition; ``full``: ``run``'s records, windows and state
    instead of ``transform``'s printed rows."""
    streaming, window = job.specs()
    engine = StreamingEngine(streaming)
    win: list[WindowTransform | EngineAbort] = []
    item = next(items, None)
    while item is not None:
        (group, _time, pos), payload = item
        if group == MARKER:
            kind, data = payload
            yield ((0, 0, pos) if kind == ABORT else (1, pos)), kind, data
            item = next(items, None)
            continue
        saved: IdentityState | None = None
        if _time == STATE_TIME and isinstance(payload, IdentityState):
            saved = payload
            item = next(items, None)
            if item is None or item[0][0] != group:
                yield from _unchanged(job, saved, win, full)
                continue
        identity = group[2]
        events = _Events(engine, items, item, saved.last_time if saved else None)
        stores = ordered_stores([s.name for s in streaming.stores])
        try:
            run = start_from_state(engine, identity, stores, saved)
            apply_identity(run, events)
            if events.older is not None:
                events.drain()
            else:
                wt = _window(streaming, window, identity, win)
                out = list(_outputs(identity, stores, wt, streaming.output_store, full))
        except EngineAbort as exc:
            events.drain()
            first = saved.position if saved else events.position
            yield (0, 1, first), ABORT, (exc.identity, exc.where, exc.describe())
            item = events.pending
            continue
        item = events.pending
        first = saved.position if saved else events.position
        if events.older is not None:
            line_no, time = events.older
            msg = (
                f"identity {identity!r}: the event at line {line_no} ({time.isoformat()}) is "
                f"older than the last event of the saved state ({saved.last_time.isoformat()})"  # type: ignore[union-attr]
            )
            yield (0, 2, first), ABORT, (None, "", msg)
            continue
        for n, kind, data in out:
            yield (2 if kind in (ROW, RECORD) else 3, first, n), kind, data
        if full:
            yield (4, first), STATE, state_of(run, stores, first or (), events.last)


def _window(
    streaming: StreamingSpec,
    window: WindowSpec | None,
    identity: Any,
    win: list[WindowTransform | EngineAbort],
) -> WindowTransform | None:
    """The partition's window transform; a window BTS that cannot run fails every identity
    (the driver reports the first one, as Blurr checks it at the first identity)."""
    if window is None:
        return None
    if not win:
        try:
            win.append(window_for_identity(streaming, window, identity))
        except EngineAbort as exc:
            win.append(exc)
    wt = win[0]
    if isinstance(wt, EngineAbort):
        again = EngineAbort(wt.message, wt.where, wt.expression)
        again.identity = identity
        raise again
    return wt


def _outputs(
    identity: Any,
    stores: dict[str, OrderedStore],
    wt: WindowTransform | None,
    first_store: str | None,
    full: bool,
) -> Iterator[tuple[int, str, Any]]:
    """``transform``'s rows, or every stored record (by first save) and the window rows."""
    if not full:
        for n, row in enumerate(transform_rows(identity, stores, first_store, wt)):  # type: ignore[arg-type]
            try:
                yield n, ROW, (dumps_row(row), None)
            except (TypeError, ValueError) as exc:  # Blurr stops printing here (B-25)
                yield n, ROW, (None, f"the row {str(row[0])!r} cannot be written as JSON: {exc}")
        return
    numbered = [r for store in stores.values() for r in store.numbered()]
    numbered.sort(key=lambda r: r[0])
    for n, key, record in numbered:
        yield n, RECORD, (key, record)
    if wt is not None:
        explained = wt.run_explained(identity, stores, explain=False)  # type: ignore[arg-type]
        for n, a in enumerate(explained):
            yield n, WINDOW, (identity, n, a.row, a.anchor_key)


def _unchanged(
    job: Job, saved: IdentityState, win: list[WindowTransform | EngineAbort], full: bool
) -> Iterator[tuple]:
    """An identity of the saved state with no new events: its records as they were."""
    streaming, window = job.specs()
    stores = ordered_stores([s.name for s in streaming.stores])
    saved.restore_records(stores)
    identity = saved.identity
    try:
        wt = _window(streaming, window, identity, win)
        out = list(_outputs(identity, stores, wt, streaming.output_store, full))
    except EngineAbort as exc:
        yield (0, 1, saved.position), ABORT, (identity, exc.where, exc.describe())
        return
    for n, kind, data in out:
        yield (2 if kind in (ROW, RECORD) else 3, saved.position, n), kind, data
    if full:
        yield (4, saved.position), STATE, saved
