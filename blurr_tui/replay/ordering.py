"""Time order for logs that are not in order (Blurr stably sorts each identity by time).

A first pass reads identity and time of every line and keeps ``(time, seq, offset)``; the
lines are then read again, by offset, in stable time order.  Identities are independent, so
one global stable sort gives every identity its own stable order.  Bad lines come first.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

from ..engine.errors import EngineAbort, EventRejected
from ..engine.runtime import StreamingEngine
from .reader import LogLine, is_gzip, parse_line, read_lines


class TimeOrder:
    """The lines of ``path`` (up to ``end_offset``) in Blurr's order; the first pass is done
    on construction: ``count`` lines, ending at byte ``end`` (resume continues from there)."""

    def __init__(
        self,
        path: str | Path,
        engine: StreamingEngine,
        start_offset: int = 0,
        start_line: int = 1,
        end_offset: int | None = None,
    ) -> None:
        self.path = path
        self.keys: list[tuple] = []
        self.bad: list[LogLine] = []
        self.end = start_offset
        self.last_line = start_line - 1
        lines = read_lines(path, start_offset, start_line, final=True)
        for seq, line in enumerate(lines):
            if end_offset is not None and line.end_offset > end_offset:
                break
            self.end, self.last_line = line.end_offset, line.line_no
            if line.error is not None:
                self.bad.append(line)
                continue
            try:
                _ident, time, _rec = engine.read(line.value)
            except (EventRejected, EngineAbort):
                self.bad.append(line)  # the replayer reads it again and reports why
                continue
            self.keys.append((time, seq, line.offset, line.line_no))
        self.keys.sort(key=lambda k: (k[0], k[1]))
        self.count = len(self.bad) + len(self.keys)

    def __iter__(self) -> Iterator[LogLine]:
        yield from self.bad
        if is_gzip(self.path):
            import gzip

            data = gzip.open(self.path, "rb").read()
            for _t, _s, offset, line_no in self.keys:
                end = data.find(b"\n", offset)
                end = len(data) if end < 0 else end + 1
                yield parse_line(line_no, offset, data[offset:end])
            return
        with open(self.path, "rb") as fh:
            for _t, _s, offset, line_no in self.keys:
                fh.seek(offset)
                yield parse_line(line_no, offset, fh.readline())


def time_order(
    path: str | Path, engine: StreamingEngine, start_offset: int = 0, start_line: int = 1
) -> Iterator[LogLine]:
    yield from TimeOrder(path, engine, start_offset, start_line)


def is_time_ordered(path: str | Path, engine: StreamingEngine) -> bool:
    """True when every identity's events are in non-decreasing time (one cheap pass)."""
    last: dict[str, object] = {}
    for line in read_lines(path, final=True):
        if line.error is not None:
            continue
        try:
            ident, time, _rec = engine.read(line.value)
        except (EventRejected, EngineAbort):
            continue
        prev = last.get(ident)
        if prev is not None and time < prev:  # type: ignore[operator]
            return False
        last[ident] = time
    return True


__all__ = ["TimeOrder", "time_order", "is_time_ordered", "json"]
