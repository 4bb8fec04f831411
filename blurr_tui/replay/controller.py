"""The replay controller behind the app: step, play at a rate, pause, go to, restart, export.

One worker thread owns the engine (``start()``); the UI sends commands (``play``, ``pause``,
``step``, ...) and polls :meth:`ReplayController.snapshot` at 10-20 Hz: one plain frozen
``Snapshot`` published under a lock, never a message per event.  Without ``start()`` every
command runs at once in the caller's thread, so tests can drive it synchronously
(``step_now``, ``goto_now``, ``play_now``).  Knows nothing of Textual.
"""

from __future__ import annotations

import gc
import shutil
import sqlite3
import tempfile
import threading
import time
from collections.abc import Callable, Iterator
from pathlib import Path

from ..engine.spec import StreamingSpec, WindowSpec
from ..store.sqlite_store import SqliteStore
from .commands import CommandWorker
from .ordering import is_time_ordered, time_order
from .pipeline import OutOfOrder, Replayer, Step
from .reader import LogLine, read_lines
from .record_reads import RecordReads, index_keys, reader_for
from .snapshot import AT_END, PAUSED, PLAYING, SPEEDS, Snapshot, Touched, count_lines
from .spec_reload import SpecReload

__all__ = [
    "AT_END",
    "PAUSED",
    "PLAYING",
    "SPEEDS",
    "ReplayController",
    "Snapshot",
    "Touched",
    "count_lines",
]

TRACE_ALL_UP_TO = 50.0  # ev/s: at or below this rate every event is traced
SNAPSHOT_EVERY = 0.05  # s between snapshots while playing
CHECKPOINT_EVERY = 1.0  # s between store checkpoints while playing


MAX_ERRORS = 10_000
EAGER_ORDER_CHECK_BYTES = 20_000_000


def _settle() -> None:
    """After a long run of events: move what exists now out of the garbage collector's
    sight (``gc.freeze``). The engine keeps many long-lived objects; without this a full
    collection during a later step costs 50-150 ms on a 1M-event log (bench/bench_app.py)."""
    gc.freeze()


class ReplayController(CommandWorker, RecordReads):
    store: SqliteStore
    replayer: Replayer

    def __init__(
        self,
        streaming: StreamingSpec,
        log_path: str | Path,
        db_path: str | Path | None = None,
        window: WindowSpec | None = None,
    ) -> None:
        self.streaming = streaming
        self.window_spec = window
        self.log_path = Path(log_path)
        self._tmpdir: str | None = None
        if db_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="blurr-replay-")
            db_path = Path(self._tmpdir) / "replay.db"
        self.db_path = Path(db_path)
        self.db_lock = threading.RLock()  # held while the store and its reader are swapped
        self._lock = threading.Lock()  # guards _snap
        self._init_worker()
        self.total = count_lines(self.log_path)
        self.state = PAUSED
        self.rate: float | None = 10.0
        self.worker_error: str | None = None  # why playing stopped, if it failed
        # A small log is checked for time order up front (one cheap pass); a big one is
        # replayed in file order and switches to time order at the first event that goes
        # back in time for its identity (so the app opens at once on a 1M-event log).
        self.time_ordered = True
        try:
            self._open_run(first=True)
        except BaseException:  # the specs cannot run together: leave no temporary files
            if self._tmpdir is not None:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
            raise
        if Path(self.log_path).stat().st_size <= EAGER_ORDER_CHECK_BYTES:
            self.time_ordered = is_time_ordered(self.log_path, self.replayer.engine)
            self.replayer.strict_order = self.time_ordered
        self._lines = self._line_iter()
        # The spec files, watched and reloaded (None when the specs did not come from files).
        self.spec_reload: SpecReload | None = None
        if Path(streaming.path).is_file():
            self.spec_reload = SpecReload(streaming.path, window.path if window else None)
        self._snap = Snapshot(total=self.total, time_ordered=self.time_ordered)
        self._run_serial = 0
        self._step_serial = 0
        self._data_serial = 0
        self._publish(checkpoint=True)

    # -- the run ------------------------------------------------------------------------------
    def _open_run(self, first: bool = False) -> None:
        with self.db_lock:
            if not first:
                self.store.close()
                self.reader.conn.close()
            for suffix in ("", "-wal", "-shm"):
                Path(str(self.db_path) + suffix).unlink(missing_ok=True)
            self.store = SqliteStore(self.db_path, self.streaming, self.window_spec)
            self.replayer = Replayer(
                self.streaming, self.store, self.window_spec, strict_order=self.time_ordered
            )
            self.reader = reader_for(self.store, self.db_path)
            index_keys(self.store, self.streaming)
            self._seq_index: dict[str, list[int]] = {}
        self.last: Step | None = None
        self.bad: list[tuple[int, str, int]] = []  # (line_no, reason, position)
        # (line, kind, reason, position): "abort" where Blurr stops the run, "swallowed"
        # where Blurr turns an exception into "no update" (capped: the first MAX_ERRORS).
        self.errors: list[tuple[int, str, str, int]] = []
        self.errors_dropped = 0
        self.replayer.engine.on_swallowed = self._swallowed
        self._current: tuple[int, int] = (0, 0)
        self.window_rows: tuple[str, tuple[dict, ...]] | None = None
        self.window_anchors: tuple = ()  # AnchorRow per window row: anchor key, window blocks
        self.counts: dict[str, int] = {}
        self._finished = False
        self._rate_mark = None
        self.measured: float | None = None
        self._last_checkpoint = time.monotonic()
        if not first:
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
        return self.replayer.counters.lines

    def _advance(self, trace: bool) -> Step | None:
        """One line; None at the end of the log (the run is then finished)."""
        line = self._next
        if line is None:
            self._at_end()
            return None
        self._current = (line.line_no, self.replayer.counters.lines + 1)
        try:
            step = self.replayer.step(line, trace=trace)
        except OutOfOrder:
            self._reorder()
            return self._advance(trace)
        if step.bad_reason is not None:
            self.bad.append((line.line_no, step.bad_reason, step.index))
        elif step.error is not None:
            self._add_error(line.line_no, "abort", step.error, step.index)
        self.last = step
        self._step_serial += 1
        self._next = next(self._lines, None)
        if self._next is None:
            self._at_end()
        return step

    def _reorder(self) -> None:
        """The log went back in time for an identity: replay it in time order from the start
        (untraced) to the same position, as Blurr sorts each identity's events."""
        target = self.position - 1  # the line that went back in time is not applied
        self.time_ordered = False
        self._open_run()
        self._run_serial += 1
        while self.position < target and self._advance(trace=False) is not None:
            pass

    def _add_error(self, line_no: int, kind: str, reason: str, position: int) -> None:
        if len(self.errors) < MAX_ERRORS:
            self.errors.append((line_no, kind, reason, position))
        else:
            self.errors_dropped += 1

    def _swallowed(self, where: str, what: str, exc: BaseException) -> None:
        line_no, position = self._current
        self._add_error(
            line_no, "swallowed", f"{where} {what}: {type(exc).__name__}: {exc}", position
        )

    def _at_end(self) -> None:
        self.state = AT_END
        if not self._finished:
            self._finished = True
            self.replayer.checkpoint()
            self.replayer.finish()
            if self.window_spec is not None and self.last is not None:
                self._compute_window(self.last.identity)

    def _checkpoint(self) -> None:
        self.replayer.checkpoint()
        rows = self.store.conn.execute("SELECT aggregate FROM aggregates").fetchall()
        self.counts = {r[0]: self.store.count(r[0]) for r in rows}
        self._last_checkpoint = time.monotonic()
        self._data_serial += 1

    def _publish(self, checkpoint: bool = False) -> None:
        if checkpoint:
            self._checkpoint()
        step = self.last
        touched: tuple[Touched, ...] = ()
        if step is not None and step.trace is not None:
            touched = tuple(
                Touched(a.name, a.key, a.action) for a in step.trace.aggregates if a.key
            )
        snap = Snapshot(
            position=self.position,
            total=max(self.total, self.position),
            state=self.state,
            rate=self.rate,
            measured_rate=self.measured,
            step=step,
            step_serial=self._step_serial,
            data_serial=self._data_serial,
            run_serial=self._run_serial,
            bad=tuple(self.bad),
            errors=tuple(self.errors),
            touched=touched,
            counts=dict(self.counts),
            window=self.window_rows,
            window_anchors=self.window_anchors,
            time_ordered=self.time_ordered,
            error=self.worker_error,
        )
        with self._lock:
            self._snap = snap

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snap

    # -- synchronous operations (the worker thread runs these) -------------------------------
    def step_now(self, n: int = 1) -> None:
        if self.state == PLAYING:
            self.state = PAUSED
        for i in range(n):
            if self.state == AT_END or self._advance(trace=i == n - 1) is None:
                break
        self._publish(checkpoint=True)

    def restart_now(self) -> None:
        self._open_run()
        self.state = PAUSED
        self._run_serial += 1
        self._step_serial += 1
        self._publish(checkpoint=True)

    def reload_now(self) -> None:
        """Read the spec files and the log again and run to the current position (``r``)."""
        if self.state == PLAYING:
            self.state = PAUSED
        if self.spec_reload is None:
            self.restart_now()
            return
        self.spec_reload.reload(self)

    def rerun_with(
        self,
        streaming: StreamingSpec,
        window: WindowSpec | None,
        position: int,
        progress: Callable[[int], None],
    ) -> None:
        """Replace the specs, count the log again, and compute it up to ``position``."""
        self.streaming, self.window_spec = streaming, window
        self.total = count_lines(self.log_path)
        self._open_run()
        self._run_serial += 1
        self.state = PAUSED
        while self.position < position - 1:
            if self._advance(trace=False) is None:
                break
            if self.position % 5000 == 0:
                progress(self.position)
        if self.position < position:
            self._advance(trace=True)
        self._step_serial += 1
        self._publish(checkpoint=True)
        _settle()

    def goto_now(self, n: int) -> None:
        n = max(0, n)
        if n == self.position and self.last is not None and self.last.trace is not None:
            return
        if n <= self.position:
            self._open_run()
            self._run_serial += 1
        self.state = PAUSED
        while self.position < n - 1:
            if self._advance(trace=False) is None:
                break
        if self.position < n:
            self._advance(trace=True)
        self._step_serial += 1
        self._publish(checkpoint=True)
        _settle()

    def set_rate_now(self, rate: float | None) -> None:
        self.rate = rate
        self._rate_mark = None
        self._next_due = time.monotonic()
        self._publish()

    def play_now(self, max_events: int | None = None) -> None:
        """Play (in this thread) until the end, an interrupt or ``max_events``."""
        if self.state == AT_END:
            return
        self.state = PLAYING
        self._next_due = time.monotonic()
        self._rate_mark = (time.monotonic(), self.position)
        start = self.position
        while self.state == PLAYING:
            self._play_chunk()
            if max_events is not None and self.position - start >= max_events:
                self.state = PAUSED
        if self.state == PAUSED:
            self._trace_on_pause()
        self._publish(checkpoint=True)
        _settle()

    def _trace_on_pause(self) -> None:
        """Paused after an untraced event (full speed): apply one more event with its trace,
        so the panes show what the shown event did."""
        last = self.last
        if last is not None and last.trace is None and last.ok:
            if self._advance(trace=True) is not None and self.state != AT_END:
                self.state = PAUSED

    def _play_chunk(self) -> None:
        """About SNAPSHOT_EVERY seconds of playing, then one snapshot."""
        now = time.monotonic
        t_end = now() + SNAPSHOT_EVERY
        rate, interrupt = self.rate, self._interrupt
        advance = self._advance
        while True:
            if rate is None:
                traced = now() >= t_end or self.position + 1 >= self.total  # the last is traced
            else:
                delay = self._next_due - now()
                if delay > 0:
                    if delay > t_end - now():  # not due in this frame: wait out the frame
                        interrupt.wait(max(0.0, t_end - now()))
                        break
                    if interrupt.wait(delay):
                        break
                self._next_due = max(self._next_due, now() - 0.2) + 1.0 / rate
                traced = rate <= TRACE_ALL_UP_TO or now() >= t_end
            if advance(traced) is None or self.state == AT_END:
                break
            if traced and (rate is None or now() >= t_end):
                break
            if interrupt.is_set():
                break
        t = now()
        if self._rate_mark is not None and t - self._rate_mark[0] >= 0.25:
            self.measured = (self.position - self._rate_mark[1]) / (t - self._rate_mark[0])
            self._rate_mark = (t, self.position)
        checkpoint = self.state != PLAYING or t - self._last_checkpoint >= CHECKPOINT_EVERY
        self._publish(checkpoint=checkpoint)

    def pause_now(self) -> None:
        if self.state == PLAYING:
            self.state = PAUSED
            self._trace_on_pause()
        self._publish(checkpoint=True)
        _settle()

    def _compute_window(self, identity: str | None) -> None:
        if self.window_spec is None or identity is None:
            return
        anchors = self.replayer.window_explained(identity)
        self.window_rows = (identity, tuple(a.row for a in anchors))
        self.window_anchors = tuple(anchors)

    def window_now(self, identity: str | None = None) -> None:
        if identity is None and self.last is not None:
            identity = self.last.identity
        self._compute_window(identity)
        self._publish()

    def export_now(self, path: str | Path) -> dict[str, int]:
        """Checkpoint, then copy the database to ``path``; returns rows per table."""
        self._checkpoint()
        self.store.backup_to(path)

        conn = sqlite3.connect(str(path))
        try:
            names = [
                r[0]
                for r in conn.execute(
                    "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
                )
            ]
            return {n: conn.execute(f'SELECT count(*) FROM "{n}"').fetchone()[0] for n in names}
        finally:
            conn.close()

    def close(self) -> None:
        """Stop the worker (never waits long) and remove the temporary database."""
        self._stop_worker()
        with self.db_lock:
            for conn in (self.store.conn, self.reader.conn):
                try:
                    conn.close()
                except Exception:  # noqa: BLE001
                    pass
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
