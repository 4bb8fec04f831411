"""The replay controller behind the app: play, step, go anywhere, breakpoints, watches.

Composed of owned parts, each declaring its own state:

* ``worker`` (:class:`.commands.CommandWorker`): the thread and the command queue;
* ``run`` (:class:`.log_run.LogRun`): the log computed into the database so far (the
  *frontier*), its problems and its index of events (``run.timeline``);
* ``records`` (:class:`.record_reads.RecordReads`): what the record tables read;
* ``revisit`` (:class:`.revisit.Revisit`): any computed event shown again with its trace;
* ``breakpoints`` (:class:`.breakpoints.Breakpoints`) and ``hits`` (:class:`.hits.HitLog`);
* ``watches`` (:class:`.watches.Watches`);
* ``playback`` (:class:`.playback.Playback`): playing or paused, the rate.

The play loop is :mod:`.player` (``player``), the moves (go to, back, ``[ ]``, ``c``/``C``)
are :mod:`.navigation` (``nav``); both act on the parts above.  The UI sends commands
(futures, below) and polls :meth:`snapshot` at 10-20 Hz:
one plain frozen ``Snapshot`` published under a lock.  Without ``start()`` every command runs
at once in the caller's thread (``step_now``, ``goto_now``, ...).  Knows nothing of Textual.
"""

from __future__ import annotations

import shutil
import tempfile
import threading
from collections.abc import Callable
from concurrent.futures import Future
from datetime import datetime
from pathlib import Path
from typing import Any

from ..engine.spec import StreamingSpec, WindowSpec
from ..store import app_reads
from ..store.sqlite_store import SqliteStore
from .breakpoints import Breakpoints, EventFacts
from .commands import CommandWorker
from .debug_session import DebugSession
from .hits import HitLog
from .log_run import LogRun, OutOfOrder
from .navigation import Navigation
from .ordering import is_time_ordered
from .pipeline import Step
from .playback import Playback
from .player import Player
from .record_reads import RecordReads
from .revisit import Revisit
from .snapshot import AT_END, PAUSED, PLAYING, SPEEDS, Snapshot, Touched, count_lines
from .spec_reload import SpecReload
from .watches import Watches, WatchValue

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

EAGER_ORDER_CHECK_BYTES = 20_000_000
PROGRESS_EVERY = 5000  # events between progress reports of a reload


class ReplayController:
    def __init__(
        self,
        streaming: StreamingSpec,
        log_path: str | Path,
        db_path: str | Path | None = None,
        window: WindowSpec | None = None,
        watch_file: Path | None = None,
    ) -> None:
        self.streaming = streaming
        self.window_spec = window
        self.log_path = Path(log_path)
        self._tmpdir: str | None = None
        if db_path is None:
            self._tmpdir = tempfile.mkdtemp(prefix="blurr-replay-")
            db_path = Path(self._tmpdir) / "replay.db"
        self.db_path = Path(db_path)
        self.total = count_lines(self.log_path)
        self.playback = Playback()
        self.player = Player(self)
        self.nav = Navigation(self)
        self.debug = DebugSession(self)
        self.worker = CommandWorker(self.player.tick)
        self.records = RecordReads(streaming)
        self.breakpoints = Breakpoints(streaming)
        self.hits = HitLog()
        self.watches = Watches(streaming.path, watch_file)
        self._lock = threading.Lock()  # guards _snap
        # what is shown: the event at ``cursor`` (<= the frontier, run.position)
        self.cursor = 0
        self.shown: Step | None = None
        self.watch_values: tuple[WatchValue, ...] = ()
        self.note: str | None = None  # why the replay stopped where it is (a breakpoint hit)
        self._hit: str | None = None  # the hit at the event just computed, if any
        self.serials = {"run": -1, "step": 0, "data": 0, "note": 0}
        # A small log is checked for time order up front (one cheap pass); a big one is
        # replayed in file order and switches to time order at the first event that goes
        # back in time for its identity (so the app opens at once on a 1M-event log).
        self.time_ordered = True
        self.run: LogRun
        self.revisit: Revisit
        try:
            self._new_run()
        except BaseException:  # the specs cannot run together: leave no temporary files
            if self._tmpdir is not None:
                shutil.rmtree(self._tmpdir, ignore_errors=True)
            raise
        if self.log_path.stat().st_size <= EAGER_ORDER_CHECK_BYTES:
            self.time_ordered = is_time_ordered(self.log_path, self.run.replayer.engine)
            self.run.replayer.strict_order = self.time_ordered
            self.run.time_ordered = self.time_ordered
            if not self.time_ordered:
                self._new_run()
        # The spec files, watched and reloaded (None when the specs did not come from files).
        self.spec_reload: SpecReload | None = None
        if Path(streaming.path).is_file():
            self.spec_reload = SpecReload(streaming.path, window.path if window else None)
        self._snap = Snapshot(total=self.total, time_ordered=self.time_ordered)
        self._publish(checkpoint=True)

    # -- compatibility names ------------------------------------------------------------------
    @property
    def state(self) -> str:
        return self.playback.state

    @property
    def position(self) -> int:
        """The event shown."""
        return self.cursor

    @property
    def db_lock(self) -> threading.RLock:
        """The read side's lock (``records.db_lock``), for the app's row sources."""
        return self.records.db_lock

    @property
    def reader(self) -> SqliteStore:
        """The read connection (``records.reader``), for the app's row sources."""
        return self.records.reader

    @property
    def store(self) -> SqliteStore:
        return self.run.store

    def start(self) -> None:
        self.worker.start()

    # -- the run ------------------------------------------------------------------------------
    def _new_run(self) -> None:
        """Start computing the log again from its first line."""
        with self.records.db_lock:
            self.records.close()
            if getattr(self, "run", None) is not None:
                self.run.close()
                self.revisit.close()
            self.run = LogRun(
                self.streaming, self.window_spec, self.log_path, self.db_path, self.time_ordered
            )
            self.records.attach(self.run.store, self.db_path)
        self.run.on_end = self._on_end
        self.revisit = Revisit(
            self.streaming, self.log_path, self.run.timeline, self.run.problems.get
        )
        self.seen: dict[tuple[int, str], Any] = {}  # watchpoint values of the frontier run
        self.hits.reset(self.breakpoints.serial, 0)
        self.cursor, self.shown = 0, None
        self.playback.state = PAUSED
        self.serials["run"] += 1
        self.serials["step"] += 1

    def _on_end(self) -> None:
        self.playback.ended_playing = self.playback.state == PLAYING
        self.playback.state = AT_END
        self.playback.until_hit = False

    def play_new_lines(self, on: bool) -> Future:
        """At the end of the log: play lines as they are appended (True), or wait (False)."""

        def set_it() -> None:
            self.playback.ended_playing = on
            self._publish()

        return self.submit(set_it)

    def follow_now(self) -> None:
        """At the end of the log (the worker, between commands): lines appended to the log
        since make the replay go on: paused, or playing if it was playing at the end."""
        run = self.run
        if not run.at_end:
            return
        if run.poll_tail():
            pb = self.playback
            if pb.state == AT_END:
                pb.state = PAUSED
                if pb.ended_playing:
                    self.player.start()
        if run.following != self.snapshot().following or not run.at_end:
            self._publish()

    def _advance(self, trace: bool) -> Step | None:
        """Compute one more line (the frontier moves; what is shown does not)."""
        self._hit = None
        try:
            step = self.run.advance(trace or self.breakpoints.needs_trace)
        except OutOfOrder:
            self._reorder()
            return self._advance(trace)
        if step is not None and self.breakpoints.active:
            self._hit = self._check(step)
        return step

    def _reorder(self) -> None:
        """The log went back in time for an identity: replay it in time order from the start
        (untraced) to the same position, as Blurr sorts each identity's events."""
        target = self.run.position - 1  # the line that went back in time is not applied
        self.time_ordered = False
        self._new_run()
        while self.run.position < target and self._advance(trace=False) is not None:
            pass

    def _check(self, step: Step) -> str | None:
        if self.hits.serial != self.breakpoints.serial:
            self.hits.reset(self.breakpoints.serial, step.index - 1)
        identity_run = self.run.identity_run(step.identity) if step.identity else None
        facts = EventFacts(
            step.index,
            step.identity,
            identity_run.ns if identity_run is not None else None,
            bad=step.bad_reason is not None,
            abort=step.error is not None,
            swallowed=self.run.swallowed_at == step.index,
            trace=step.trace,
        )
        why = self.breakpoints.check(facts, self.seen)
        self.hits.checked(step.index, why)
        return why

    # -- what is shown ------------------------------------------------------------------------
    def _show(self, position: int) -> None:
        """Show event ``position`` (computed already) with its trace."""
        step: Step | None = None
        if position == self.run.position:
            step = self.run.last
            if step is not None and step.ok and step.trace is None:
                step = self.revisit.step(position)  # computed untraced (full speed)
        elif position > 0:
            step = self.revisit.step(position)
        self.cursor, self.shown = position, step
        self.watch_values = self._watch_values()
        self.serials["step"] += 1

    def _watch_values(self) -> tuple[WatchValue, ...]:
        if not self.watches.texts:
            return ()
        step = self.shown
        if step is None or step.identity is None:
            return self.watches.values(None, None)
        run, record, when = self.revisit.state_before(step.identity, step.index)
        before = self.watches.values(None, run.ns)
        if record is not None:
            try:
                run.apply(record, when)
            except Exception:  # noqa: BLE001 - Blurr would abort; the state is what it is
                pass
        after = self.watches.values(run.ns, None)
        return tuple(
            WatchValue(a.text, a.value, b.before) for a, b in zip(after, before, strict=True)
        )

    def names_at_cursor(self) -> dict[str, Any] | None:
        """The names a Value sees, after the shown event, in the shown event's identity."""
        step = self.shown
        if step is None or step.identity is None:
            return None
        if self.cursor == self.run.position:
            live = self.run.identity_run(step.identity)
            if live is not None:
                return live.ns
        return self.revisit.state_after(step.identity, self.cursor).ns

    def _set_note(self, note: str | None) -> None:
        self.note = note
        self.serials["note"] += 1

    # -- publishing ---------------------------------------------------------------------------
    def _publish(self, checkpoint: bool = False) -> None:
        run = self.run
        if checkpoint:
            run.checkpoint()
            self.serials["data"] += 1
        step = self.shown
        touched: tuple[Touched, ...] = ()
        if step is not None and step.trace is not None:
            touched = tuple(
                Touched(a.name, a.key, a.action) for a in step.trace.aggregates if a.key
            )
        pb = self.playback
        snap = Snapshot(
            position=self.cursor,
            total=max(self.total, run.position + run.waiting),
            state=pb.state,
            rate=pb.rate,
            measured_rate=pb.measured,
            step=step,
            step_serial=self.serials["step"],
            data_serial=self.serials["data"],
            run_serial=self.serials["run"],
            bad=tuple(run.bad),
            errors=tuple(run.errors),
            touched=touched,
            counts=dict(run.counts),
            window=run.window_rows,
            window_anchors=run.window_anchors,
            time_ordered=self.time_ordered,
            error=pb.error,
            following=run.following,
            computed=run.position,
            hits=self.hits.shown() if self.breakpoints.active else (),
            breakpoints=self.breakpoints.items(),
            watches=self.watch_values,
            note=self.note,
            note_serial=self.serials["note"],
            until_hit=pb.until_hit,
        )
        with self._lock:
            self._snap = snap

    def snapshot(self) -> Snapshot:
        with self._lock:
            return self._snap

    # -- commands: each runs in the worker (at once without one); a Future reports the end ---
    def submit(self, fn: Callable[[], Any]) -> Future:
        return self.worker.submit(fn)

    def play(self, rate: float | None | bool = False) -> Future:
        if rate is not False:
            self.submit(lambda: self.player.set_rate_now(rate))  # type: ignore[arg-type]
        if not self.worker.running:  # synchronous: play to the end
            return self.submit(self.player.play_now)
        return self.submit(self.player.start)

    def pause(self) -> Future:
        return self.submit(self.player.pause_now)

    def toggle(self) -> Future:
        return self.pause() if self.playback.state == PLAYING else self.play()

    def step(self, n: int = 1) -> Future:
        return self.submit(lambda: self.nav.step(n))

    def back(self, n: int = 1) -> Future:
        return self.submit(lambda: self.nav.back(n))

    def goto(self, n: int) -> Future:
        return self.submit(lambda: self.nav.goto(n))

    def goto_time(self, when: datetime) -> Future:
        return self.submit(lambda: self.nav.goto_time(when))

    def identity_previous(self) -> Future:
        return self.submit(self.nav.identity_previous)

    def identity_next(self) -> Future:
        return self.submit(self.nav.identity_next)

    def continue_(self) -> Future:
        return self.submit(self.nav.continue_)

    def reverse_continue(self) -> Future:
        return self.submit(self.nav.reverse_continue)

    def restart(self) -> Future:
        return self.submit(self.nav.restart)

    def reload(self) -> Future:
        """Read the spec files and the log again; run to the shown event (``r``)."""
        return self.submit(self.reload_now)

    def set_rate(self, rate: float | None) -> Future:
        return self.submit(lambda: self.player.set_rate_now(rate))

    def compute_window(self, identity: str | None = None) -> Future:
        return self.submit(lambda: self.window_now(identity))

    def export(self, path: str | Path) -> Future:
        return self.submit(lambda: self.export_now(path))

    def add_breakpoint(self, text: str) -> Future:
        return self.submit(lambda: self.debug.add_breakpoint(text))

    def toggle_breakpoint(self, bp_id: int) -> Future:
        return self.submit(lambda: self.debug.toggle_breakpoint(bp_id))

    def delete_breakpoint(self, bp_id: int) -> Future:
        return self.submit(lambda: self.debug.delete_breakpoint(bp_id))

    def add_watch(self, text: str) -> Future:
        return self.submit(lambda: self.debug.add_watch(text))

    def remove_watch(self, index: int) -> Future:
        return self.submit(lambda: self.debug.remove_watch(index))

    def evaluate(self, text: str) -> Future:
        """The value (or a ``watches.Failure``) of ``text`` at the shown event."""
        return self.submit(lambda: self.debug.evaluate(text))

    def field_history(
        self, aggregate: str, key: str, field: str, identity: str | None = None
    ) -> Future:
        return self.submit(lambda: self.debug.field_history(aggregate, key, field, identity))

    # synchronous names (tests, scripts)
    def step_now(self, n: int = 1) -> None:
        self.nav.step(n)

    def goto_now(self, n: int) -> None:
        self.nav.goto(n)

    def restart_now(self) -> None:
        self.nav.restart()

    def reload_now(self) -> None:
        if self.playback.state == PLAYING:
            self.playback.state = PAUSED
        if self.spec_reload is None:
            self.nav.restart()
            return
        self.spec_reload.reload(self)

    def rerun_with(
        self,
        streaming: StreamingSpec,
        window: WindowSpec | None,
        position: int,
        progress: Callable[[int], None],
    ) -> None:
        """Run new specs over the log (counted again) up to ``position`` and show it there.
        Breakpoints and watches are kept (the same objects); new watchpoints are checked
        against the new spec."""
        self.streaming, self.window_spec = streaming, window
        self.records.streaming = streaming
        self.breakpoints.streaming = streaming
        self.total = count_lines(self.log_path)
        self._new_run()
        run = self.run
        while run.position < position - 1 and not run.at_end:
            if self._advance(trace=False) is None:
                break
            run = self.run  # a reorder starts a new run
            if run.position % PROGRESS_EVERY == 0:
                progress(run.position)
        if run.position < position and not run.at_end:
            self._advance(trace=True)
        self._show(min(position, self.run.position))
        self._set_note(None)
        self._publish(checkpoint=True)

    def play_now(self, max_events: int | None = None) -> None:
        self.player.play_now(max_events)

    def pause_now(self) -> None:
        self.player.pause_now()

    def set_rate_now(self, rate: float | None) -> None:
        self.player.set_rate_now(rate)

    def window_now(self, identity: str | None = None) -> None:
        if identity is None and self.shown is not None:
            identity = self.shown.identity
        self.run.compute_window(identity)
        self._publish()

    def export_now(self, path: str | Path) -> dict[str, int]:
        """Checkpoint, then copy the database to ``path``; returns rows per table."""
        self.run.checkpoint()
        return app_reads.export_copy(self.run.store, path)

    # -- record reads (the tables) ------------------------------------------------------------
    def count(self, aggregate: str, identity: str | None = None) -> int:
        return self.records.count(aggregate, identity)

    def page(
        self, aggregate: str, offset: int, limit: int, identity: str | None = None
    ) -> list[tuple[str, dict]]:
        return self.records.page(aggregate, offset, limit, identity)

    def row_index(self, aggregate: str, key: str, identity: str | None = None) -> int | None:
        return self.records.row_index(aggregate, key, identity)

    def aggregates(self) -> list[str]:
        return self.records.aggregates()

    def close(self) -> None:
        """Stop the worker (never waits long) and remove the temporary database."""
        self.worker.stop()
        with self.records.db_lock:
            self.records.close()
            self.run.close()
            self.revisit.close()
        if self._tmpdir is not None:
            shutil.rmtree(self._tmpdir, ignore_errors=True)
