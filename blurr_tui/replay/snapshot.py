"""Plain data the replay controller publishes for the UI (no Textual, no locks)."""

from __future__ import annotations

import gzip
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .breakpoints import Breakpoint
from .pipeline import Step
from .reader import is_gzip
from .watches import WatchValue

PLAYING = "playing"
PAUSED = "paused"
AT_END = "at-end"
SPEEDS: tuple[float | None, ...] = (1, 2, 5, 10, 50, 200, 1000, None)  # None: as fast as possible


@dataclass(frozen=True, slots=True)
class Touched:
    """A record the shown event went into."""

    aggregate: str
    key: str
    action: str  # engine.trace action: new, continued, restored, split, ...


@dataclass(frozen=True, slots=True)
class Snapshot:
    """Everything the UI shows, as plain data."""

    position: int = 0
    total: int = 0
    state: str = PAUSED
    rate: float | None = 10.0
    measured_rate: float | None = None
    step: Step | None = None
    step_serial: int = 0  # changes whenever ``step`` does
    data_serial: int = 0  # changes whenever the store was checkpointed
    run_serial: int = 0  # changes at each restart
    bad: tuple[tuple[int, str, int], ...] = ()  # (line_no, reason, position)
    errors: tuple[tuple[int, str, str, int], ...] = ()  # (line, kind, reason, position)
    touched: tuple[Touched, ...] = ()
    counts: dict[str, int] = field(default_factory=dict)
    window: tuple[str, tuple[dict, ...]] | None = None  # (identity, rows)
    window_anchors: tuple = ()  # engine.window.AnchorRow per row, in the same order
    time_ordered: bool = True
    following: str | None = None  # the end of the log is watched: what is new, or why not
    error: str | None = None  # the worker failed (message), replay stopped
    computed: int = 0  # the furthest event computed (position may be earlier)
    hits: tuple[int, ...] = ()  # breakpoint hits found so far (positions)
    breakpoints: tuple[Breakpoint, ...] = ()
    watches: tuple[WatchValue, ...] = ()  # at the shown event, with the value before it
    note: str | None = None  # why the replay stopped here (a breakpoint hit), or a notice
    note_serial: int = 0  # changes whenever ``note`` is set
    until_hit: bool = False  # ``c`` is running to the next breakpoint hit


def count_lines(path: str | Path) -> int:
    """Lines in the log (a last line without newline counts), read in 1 MiB chunks."""
    opener: Callable[..., Any] = gzip.open if is_gzip(path) else open
    n, last = 0, b"\n"
    with opener(path, "rb") as fh:
        while chunk := fh.read(1 << 20):
            n += chunk.count(b"\n")
            last = chunk[-1:]
    return n + (last != b"\n")
