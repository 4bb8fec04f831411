"""``blurr-tui run``: replay a log into a SQLite database, with resume and follow.

Commits happen at checkpoints (at least once every few seconds, and at the end), each one
atomic: records, identities, bad lines, history and the resume position move together, so a
kill at any moment leaves a database that opens and resumes to the same result.  A failed
commit (disk full, read-only, locked) stops the run with one line; a later ``--resume``
continues from the last good commit.

Resume continues a log replayed in file order from the byte after the last committed line.
A log that is not in time order is replayed in Blurr's time order (first pass, then the
lines by offset); its resume replays the same order over the same bytes and skips the
positions already committed.  The processed prefix of the log is hashed, so a log changed
anywhere in that part is refused.
"""

from __future__ import annotations

import itertools
import queue
import threading
import time as _time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from .. import __version__
from ..engine.errors import EngineAbort
from ..engine.loader import load_streaming_file, load_window_file
from ..store.files import StoreError, WriterLock, check_target, clear, store_errors
from ..store.sqlite_store import SpecMismatchError, SqliteStore
from .ordering import TimeOrder
from .pipeline import OutOfOrder, Replayer
from .reader import LogLine, LogRewrittenError, PrefixHash, follow_lines, read_lines


class RunRefused(Exception):
    """The run cannot go on; the message says why and what to do."""


@dataclass
class RunSummary:
    lines: int
    applied: int
    bad: int
    errors: int
    seconds: float
    stopped_at_offset: int
    resumed_from: int
    reordered: bool
    db: str
    swallowed: int = 0


Progress = Callable[[int, int, int, int], None]  # (bytes done, lines, bad, errors)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _int(meta: dict[str, object], key: str) -> int:
    return int(cast("int | str", meta.get(key) or 0))


class HeadlessRun:
    def __init__(
        self,
        streaming_path: str,
        log_path: str,
        db_path: str,
        window_path: str | None = None,
        resume: bool = False,
        checkpoint_seconds: float | None = None,
        *,
        overwrite: bool = False,
        history: bool = False,
    ) -> None:
        self.streaming = load_streaming_file(streaming_path)
        if self.streaming.reject_reason is not None:
            raise RunRefused(f"{streaming_path}: {self.streaming.reject_reason}")
        self.window = load_window_file(window_path) if window_path else None
        self.log_path = log_path
        self.db_path = db_path
        self.checkpoint_seconds = checkpoint_seconds
        self.history = history
        if not Path(log_path).is_file():
            raise RunRefused(f"{log_path}: no such event log")
        try:
            existing = check_target(db_path, resume, overwrite)
            self.lock = WriterLock(db_path)
        except StoreError as exc:
            raise RunRefused(str(exc)) from None
        self.resume = resume and existing
        self.start_offset = 0
        self.start_line = 1
        self.start_pos = 0
        self.skip = 0  # positions of an interrupted time-order replay already committed
        self.prior: dict[str, int] = {}
        self.meta: dict[str, object] = {}
        try:
            if not existing:
                clear(db_path)
            with store_errors(db_path):
                self.store = SqliteStore(db_path, self.streaming, self.window, history=history)
                if self.resume:
                    self._check_resume()
        except SpecMismatchError as exc:
            self.lock.release()
            raise RunRefused(f"{db_path}: {exc} — use --overwrite to rebuild it") from None
        except (StoreError, RunRefused) as exc:
            self.lock.release()
            raise RunRefused(str(exc)) from None
        self.prefix = PrefixHash(log_path)
        self.log_size = Path(log_path).stat().st_size
        self.replayer = self._replayer(strict=True)
        self.first_bad: list[tuple[int, int, str, str]] = []  # for the summary

    def _replayer(self, strict: bool) -> Replayer:
        rp = Replayer(
            self.streaming,
            self.store,
            self.window,
            strict_order=strict,
            start_pos=self.start_pos,
            start_offset=self.start_offset,
            start_line=self.start_line - 1,
        )
        return rp

    def _check_resume(self) -> None:
        meta = self.meta = self.store.get_meta()
        if (
            meta.get("log_path")
            and Path(str(meta["log_path"])).resolve() != Path(self.log_path).resolve()
        ):
            raise RunRefused(
                f"{self.db_path} was built from {meta['log_path']}, not {self.log_path}"
            )
        size = Path(self.log_path).stat().st_size
        prefix = _int(meta, "log_prefix_bytes")
        if size < prefix:
            raise RunRefused(
                f"{self.log_path} is shorter than the {prefix:,} bytes already processed into "
                f"{self.db_path}: it was rewritten, not appended to (use --overwrite to rebuild)"
            )
        if meta.get("log_prefix_sha256") != PrefixHash(self.log_path).update_to(prefix):
            raise RunRefused(
                f"{self.log_path} changed within the {prefix:,} bytes already processed into "
                f"{self.db_path} (their sha256 differs): it was rewritten, not only appended to "
                "(use --overwrite to rebuild)"
            )
        self.start_offset = _int(meta, "stopped_at_offset")
        self.start_line = _int(meta, "stopped_at_line") + 1
        self.start_pos = _int(meta, "stopped_at_pos")
        if meta.get("replay_order") == "time" and self.start_pos < _int(meta, "time_order_lines"):
            self.skip = self.start_pos
        self.prior = {k: _int(meta, k) for k in ("events_read", "events_applied", "events_bad")}

    # ------------------------------------------------------------------------------------
    def run(
        self,
        progress: Progress | None = None,
        follow: bool = False,
        stop: threading.Event | None = None,
    ) -> RunSummary:
        try:
            return self._run(progress, follow, stop or threading.Event())
        except StoreError as exc:
            self.store.close(commit=False)
            raise RunRefused(
                f"{exc}; stopped: nothing after the last commit was kept, --resume continues from it"
            ) from None
        finally:
            self.prefix.close()
            self.lock.release()

    def _run(self, progress: Progress | None, follow: bool, stop: threading.Event) -> RunSummary:
        started = _time.perf_counter()
        if self.checkpoint_seconds is None:
            # A batch run commits less often (each commit writes every open record); a
            # followed log is committed at least once a second.
            self.checkpoint_seconds = 1.0 if follow else 5.0
        reordered = self.skip > 0
        store_failed = False
        try:
            with store_errors(self.db_path):
                self._write_start_meta()
                reordered = self._read_all(progress, follow, stop) or reordered
        except StoreError:
            store_failed = True
            raise
        except LogRewrittenError as exc:
            note = f"{exc}; stopped after line {self.replayer.counters.last_line:,}"
            raise RunRefused(note + " (everything before it is saved)") from None
        finally:
            if not store_failed:
                with store_errors(self.db_path):
                    interrupted = stop.is_set()
                    self._checkpoint()
                    if not interrupted or follow:
                        self._finish()
                    self.first_bad = self.store.bad_events(0, 1)
                self.store.close()
        c = self.replayer.counters
        return RunSummary(
            lines=c.lines,
            applied=c.applied,
            bad=c.bad,
            errors=c.errors,
            seconds=_time.perf_counter() - started,
            stopped_at_offset=c.last_offset,
            resumed_from=self.start_offset,
            reordered=reordered,
            db=self.db_path,
            swallowed=self.replayer.swallowed.total,
        )

    def _read_all(self, progress: Progress | None, follow: bool, stop: threading.Event) -> bool:
        """Every line to the end (or on, following); True if the log was put in time order."""
        if self.skip:
            self._resume_time_order(progress, stop)
            if stop.is_set():
                return True
        if follow:
            self._loop(self._followed(stop), progress, stop)
            return False
        try:
            lines = read_lines(
                self.log_path, self.start_offset, self.start_line, stop=stop, final=True
            )
            self._loop(lines, progress, stop)
        except OutOfOrder as exc:
            if self.start_pos:
                raise RunRefused(
                    f"{exc}: the appended events are older than events already applied, "
                    "so Blurr's per-identity time order needs a full rebuild (use --overwrite)"
                ) from None
            self._restart_in_time_order(progress, stop)
            return True
        return False

    def _finish(self) -> None:
        since = _int(self.store.get_meta(), "finished_through_pos")
        rp = self.replayer
        rp.finish(list(self.store.identities.identities(after_pos=since)))
        self.store.set_meta(finished_at=_now(), finished_through_pos=rp.position)

    def _write_start_meta(self) -> None:
        self.store.set_meta(
            streaming_path=self.streaming.path,
            window_path=self.window.path if self.window else None,
            log_path=str(Path(self.log_path).resolve()),
            log_size=self.log_size,
            tool_version=__version__,
            started_at=_now(),
            finished_at=None,
        )
        if not self.meta.get("replay_order"):
            self.store.set_meta(replay_order="file")

    def _checkpoint(self) -> None:
        c = self.replayer.counters
        prior = self.prior
        meta: dict[str, object] = dict(
            events_read=prior.get("events_read", 0) + c.lines,
            events_applied=prior.get("events_applied", 0) + c.applied,
            events_bad=prior.get("events_bad", 0) + c.bad,
        )
        done = self.replayer.position
        in_time_part = self.order_lines is not None and done < self.order_lines
        if in_time_part:  # resume replays the same time order and skips what is committed
            meta.update(stopped_at_offset=0, stopped_at_line=0)
            prefix_end = self.order_end
        else:
            prefix_end = c.last_offset
        meta.update(
            log_prefix_bytes=prefix_end, log_prefix_sha256=self.prefix.update_to(prefix_end)
        )
        self.replayer.checkpoint(**meta)

    order_lines: int | None = None  # lines of the time-ordered part (None: file order)
    order_end = 0

    def _loop(
        self, lines: Iterator[LogLine | None], progress: Progress | None, stop: threading.Event
    ) -> None:
        rp = self.replayer
        step = rp.step
        c = rp.counters
        last_commit = _time.monotonic()
        self.store.begin()
        n = 0
        for line in lines:
            if line is None:  # follow mode: nothing new for a moment
                pass
            else:
                s = step(line)
                if s.error is not None:
                    raise EngineAbort(s.error)
                n += 1
                if n & 1023:
                    continue
            now = _time.monotonic()
            if (
                now - last_commit >= cast(float, self.checkpoint_seconds)
                or len(rp.states) > rp.max_live
            ):
                self._checkpoint()
                self.store.begin()
                last_commit = now
            if progress is not None:
                progress(c.last_offset, c.lines, c.bad, c.errors)
            if stop.is_set():
                break
        if progress is not None:
            progress(c.last_offset, c.lines, c.bad, c.errors)

    def _followed(self, stop: threading.Event) -> Iterator[LogLine | None]:
        """Lines of the growing log, with ``None`` ticks while it is idle (for commits)."""
        q: queue.Queue[LogLine | BaseException | None] = queue.Queue(maxsize=10_000)
        start = self.replayer.counters.last_offset
        line = self.replayer.counters.last_line + 1

        def pump() -> None:
            try:
                for item in follow_lines(self.log_path, start, stop, 0.2, line):
                    q.put(item)
            except BaseException as exc:  # handed to the main thread
                q.put(exc)
            q.put(None)
            q.put(StopIteration())

        t = threading.Thread(target=pump, daemon=True, name="follow-reader")
        t.start()
        while True:
            try:
                item = q.get(timeout=0.25)
            except queue.Empty:
                item = None
            if isinstance(item, StopIteration):
                return
            if isinstance(item, BaseException):
                raise item
            yield item
            if stop.is_set() and q.empty():
                return

    def _time_ordered_part(self, end: int | None) -> TimeOrder:
        order = TimeOrder(self.log_path, self.replayer.engine, end_offset=end)
        self.order_lines, self.order_end = order.count, order.end
        self.store.set_meta(
            replay_order="time", time_order_lines=order.count, time_order_end=order.end
        )
        return order

    def _resume_time_order(self, progress: Progress | None, stop: threading.Event) -> None:
        self.replayer.strict_order = False
        order = self._time_ordered_part(_int(self.meta, "time_order_end"))
        self._loop(itertools.islice(iter(order), self.skip, None), progress, stop)
        if not stop.is_set():
            self._after_time_part(order)

    def _after_time_part(self, order: TimeOrder) -> None:
        """Lines appended after the time-ordered part are read in file order from its end."""
        self.replayer.strict_order = True
        self.replayer.counters.last_offset = order.end
        self.replayer.counters.last_line = order.last_line
        self.start_offset, self.start_line = order.end, order.last_line + 1

    def _restart_in_time_order(self, progress: Progress | None, stop: threading.Event) -> None:
        self.store.rollback()
        self.store.close(commit=False)
        clear(self.db_path)
        self.store = SqliteStore(self.db_path, self.streaming, self.window, history=self.history)
        self.replayer = self._replayer(strict=False)
        self._write_start_meta()
        order = self._time_ordered_part(None)
        self._loop(iter(order), progress, stop)
        if not stop.is_set():
            self._after_time_part(order)
            self._loop(
                read_lines(self.log_path, order.end, order.last_line + 1, stop=stop, final=True),
                progress,
                stop,
            )
