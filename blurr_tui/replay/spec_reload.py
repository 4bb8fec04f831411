"""Reloading the specs of a running replay (issue 10): ``r``, a save in the spec pane, or a
change on disk.  Knows nothing of Textual.

A valid spec replaces the running one and the log is computed again up to the position the
user was at; the records of the previous spec and of the new one at that position are
compared (both computed in memory, :mod:`.memory_run`) into the Diff.  A spec ``validate``
rejects is not run: the last good spec keeps running and ``state().issues`` says why.
The UI polls :meth:`SpecReload.state` (one frozen value, like the controller's snapshot).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Protocol

from ..engine.runtime import StreamingEngine
from ..engine.spec import StreamingSpec, WindowSpec
from ..engine.validation import Issue
from .memory_run import MemoryRun, run_in_memory
from .ordering import time_order
from .reader import LogLine, read_lines
from .record_diff import RunDiff, diff_runs
from .spec_watch import SpecWatcher, load_specs


class Reloadable(Protocol):
    """What a reload needs from the replay it reloads."""

    streaming: StreamingSpec
    window_spec: WindowSpec | None
    log_path: Path
    time_ordered: bool

    @property
    def position(self) -> int: ...

    def rerun_with(
        self,
        streaming: StreamingSpec,
        window: WindowSpec | None,
        position: int,
        progress: Callable[[int], None],
    ) -> None: ...


@dataclass(frozen=True, slots=True)
class ReloadState:
    serial: int = 0  # +1 each time a reload finishes (valid or not)
    issues: tuple[Issue, ...] = ()  # why the files on disk cannot run (empty: they run)
    diff: RunDiff | None = None  # what the last valid reload changed, at ``position``
    position: int = 0
    progress: str | None = None  # while a reload runs: what it is doing
    message: str = ""  # one line about the last reload

    @property
    def changed_records(self) -> int | None:
        return None if self.diff is None else len(self.diff.records)


class SpecReload:
    """The spec files of one replay: watched, reloaded, and the Diff of the last reload."""

    def __init__(self, streaming_path: str | Path, window_path: str | Path | None) -> None:
        self.streaming_path = Path(streaming_path)
        self.window_path = Path(window_path) if window_path is not None else None
        self.paths = [self.streaming_path] + ([self.window_path] if self.window_path else [])
        self.watcher = SpecWatcher(self.paths)
        self._lock = threading.Lock()
        self._state = ReloadState()

    def state(self) -> ReloadState:
        with self._lock:
            return self._state

    def _set(self, **changes: object) -> None:
        with self._lock:
            self._state = replace(self._state, **changes)  # type: ignore[arg-type]

    def files_changed(self) -> bool:
        return self.watcher.changed()

    def reload(self, target: Reloadable) -> ReloadState:
        """Read the spec files again; run them to the current position if they are valid."""
        self.watcher.mark_seen()
        load = load_specs(self.streaming_path, self.window_path)
        serial = self.state().serial + 1
        if not load.ok or load.streaming is None:
            n = len(load.issues)
            self._set(
                serial=serial,
                issues=load.issues,
                progress=None,
                message=f"{n} error{'s' if n != 1 else ''} in the spec: the last good spec "
                "keeps running",
            )
            return self.state()
        position = target.position
        before = self._memory_run(target, target.streaming, target.window_spec, position, "old")
        after = self._memory_run(target, load.streaming, load.window, position, "new")

        def progress(n: int) -> None:
            self._set(progress=f"reloading: running the new spec {n:,} / {position:,}")

        target.rerun_with(load.streaming, load.window, position, progress)
        diff = diff_runs(before, after)
        n = len(diff.records)
        self._set(
            serial=serial,
            issues=(),
            diff=diff,
            position=position,
            progress=None,
            message=f"reloaded at event {position:,}: {n} record{'s' if n != 1 else ''} changed",
        )
        return self.state()

    def _memory_run(
        self,
        target: Reloadable,
        streaming: StreamingSpec,
        window: WindowSpec | None,
        position: int,
        which: str,
    ) -> MemoryRun:
        what = "previous" if which == "old" else "new"

        def progress(n: int) -> None:
            self._set(progress=f"reloading: records of the {what} spec {n:,} / {position:,}")

        return run_in_memory(
            streaming, window, self._lines(target, streaming), limit=position, progress=progress
        )

    @staticmethod
    def _lines(target: Reloadable, streaming: StreamingSpec) -> Iterator[LogLine]:
        """The log in the order the replay applies it."""
        if target.time_ordered:
            return read_lines(target.log_path, final=True)
        return time_order(target.log_path, StreamingEngine(streaming))
