"""One pass of the log through the engine into the replay's database, as far as computed.

Owned by the controller (``controller.run``); a new ``LogRun`` replaces it when the replay
starts over.  It owns the store, the ``Replayer``, the line iterator, the problems found so
far (bad lines, errors) and the index of every computed event (``timeline``).  The furthest
event computed is ``position``; the app may show an earlier one (see the controller).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..engine.runtime import IdentityRun
from ..engine.spec import StreamingSpec, WindowSpec
from ..store import app_reads
from ..store.sqlite_store import SqliteStore
from .log_tail import LogTail
from .ordering import time_order
from .pipeline import OutOfOrder, Replayer, Step
from .reader import LogLine, is_gzip, read_lines
from .timeline import TimelineIndex

MAX_ERRORS = 10_000


class LogRun:
    def __init__(
        self,
        streaming: StreamingSpec,
        window: WindowSpec | None,
        log_path: Path,
        db_path: Path,
        time_ordered: bool,
    ) -> None:
        self.streaming = streaming
        self.window_spec = window
        self.log_path = log_path
        self.db_path = db_path
        self.time_ordered = time_ordered
        for suffix in ("", "-wal", "-shm"):
            Path(str(db_path) + suffix).unlink(missing_ok=True)
        self.store = SqliteStore(db_path, streaming, window)
        self.replayer = Replayer(streaming, self.store, window, strict_order=time_ordered)
        self.replayer.engine.on_swallowed = self._swallowed
        self.timeline = TimelineIndex()
        self.last: Step | None = None
        self.bad: list[tuple[int, str, int]] = []  # (line_no, reason, position)
        # (line, kind, reason, position): "abort" where Blurr stops the run, "swallowed"
        # where Blurr turns an exception into "no update" (capped: the first MAX_ERRORS).
        self.errors: list[tuple[int, str, str, int]] = []
        self.errors_dropped = 0
        self.swallowed_at = 0  # the last position where an exception was swallowed
        self.problems: dict[int, tuple[str, str]] = {}  # position -> ("bad"|"abort", reason)
        self.counts: dict[str, int] = {}
        self.finished = False
        self.window_rows: tuple[str, tuple[dict, ...]] | None = None
        self.window_anchors: tuple = ()  # AnchorRow per window row: anchor key, window blocks
        self.last_checkpoint = time.monotonic()
        self.on_end: Callable[[], None] | None = None  # the controller: playing stops
        self._current: tuple[int, int] = (0, 0)
        self._read_to = (0, 1)  # (byte offset, line number) after the last line read
        self.tail: LogTail | None = None  # watches the end of the log once it is reached
        self._lines = self._line_iter()

    def _line_iter(self) -> Iterator[LogLine]:
        if self.time_ordered:
            lines = read_lines(self.log_path, final=True)
        else:
            lines = time_order(self.log_path, self.replayer.engine)
        self._next: LogLine | None = next(lines, None)  # read ahead: the end is known at once
        return lines

    @property
    def position(self) -> int:
        """The furthest event computed."""
        return self.replayer.counters.lines

    @property
    def at_end(self) -> bool:
        return self._next is None

    def advance(self, trace: bool) -> Step | None:
        """One line; None at the end of the log (the run is then finished).

        Raises :class:`OutOfOrder` when the log goes back in time for an identity: the
        caller starts a time-ordered ``LogRun`` (:meth:`reordered`)."""
        line = self._next
        if line is None:
            self.finish()
            return None
        self._current = (line.line_no, self.replayer.counters.lines + 1)
        step = self.replayer.step(line, trace=trace)
        if step.bad_reason is not None:
            self.bad.append((line.line_no, step.bad_reason, step.index))
            self.problems[step.index] = ("bad", step.bad_reason)
        elif step.error is not None:
            self.add_error(line.line_no, "abort", step.error, step.index)
            if step.identity is None:
                self.problems[step.index] = ("abort", step.error)
        self.timeline.add(line.offset, line.line_no, step.identity, step.time)
        self.last = step
        self._read_to = (line.end_offset, line.line_no + 1)
        self._next = next(self._lines, None)
        if self._next is None and self.tail is not None:
            self._next = self.tail.take()
        if self._next is None:
            self.finish()
        return step

    # -- the end of the log: following it -----------------------------------------------------
    @property
    def can_follow(self) -> bool:
        """Lines appended later can be applied in order: a plain log replayed in file order."""
        return self.time_ordered and not is_gzip(self.log_path)

    def poll_tail(self) -> bool:
        """At the end of the log: True when a line appended since is ready to apply (the
        run then goes on; its end will be finished again)."""
        if self._next is not None or not self.can_follow:
            return False
        if self.tail is None:
            self.tail = LogTail(self.log_path, *self._read_to)
        line = self.tail.take()
        if line is None:
            return False
        self._next = line
        self.finished = False
        return True

    @property
    def waiting(self) -> int:
        """Lines read but not applied yet (the total is ``position + waiting``)."""
        queued = self.tail.waiting if self.tail is not None else 0
        return queued + (1 if self._next is not None else 0)

    @property
    def following(self) -> str | None:
        """What the transport says about the end of the log, if the app watches it."""
        if self.tail is None:
            return None
        if self.tail.problem is not None:
            return self.tail.problem
        n = self.tail.received
        return "following the log" + (f": {n:,} new line{'' if n == 1 else 's'}" if n else "")

    def reordered(self) -> LogRun:
        """A new run in time order, advanced (untraced) to just before the line that went
        back in time, as Blurr sorts each identity's events."""
        target = self.position - 1  # the line that went back in time is not applied
        self.close()
        run = LogRun(self.streaming, self.window_spec, self.log_path, self.db_path, False)
        while run.position < target and run.advance(trace=False) is not None:
            pass
        return run

    def add_error(self, line_no: int, kind: str, reason: str, position: int) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append((line_no, kind, reason, position))
        else:
            self.errors_dropped += 1

    def _swallowed(self, where: str, what: str, exc: BaseException) -> None:
        line_no, position = self._current
        self.swallowed_at = position
        self.add_error(
            line_no, "swallowed", f"{where} {what}: {type(exc).__name__}: {exc}", position
        )

    def finish(self) -> None:
        """The end of the log: persist what Blurr persists at the end (once)."""
        if not self.finished:
            self.finished = True
            self.replayer.checkpoint()
            self.replayer.finish()
            if self.window_spec is not None and self.last is not None:
                self.compute_window(self.last.identity)
            if self.tail is None and self.can_follow:  # watch the end from now on
                self.tail = LogTail(self.log_path, *self._read_to)
            if self.on_end is not None:
                self.on_end()

    def checkpoint(self) -> None:
        self.replayer.checkpoint()
        self.counts = {a: self.store.count(a) for a in app_reads.aggregate_names(self.store)}
        self.last_checkpoint = time.monotonic()

    def compute_window(self, identity: str | None) -> None:
        if self.window_spec is None or identity is None:
            return
        anchors = self.replayer.window_explained(identity)
        self.window_rows = (identity, tuple(a.row for a in anchors))
        self.window_anchors = tuple(anchors)

    def identity_run(self, identity: str) -> IdentityRun | None:
        """The live engine state of ``identity`` (after its last computed event)."""
        st = self.replayer.states.get(identity)
        return st.run if st is not None else None

    def close(self) -> None:
        if self.tail is not None:
            self.tail.close()
        try:
            self.store.close()
        except Exception:  # noqa: BLE001
            pass


__all__ = ["LogRun", "OutOfOrder"]
