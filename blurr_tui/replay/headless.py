"""``blurr-tui run``: replay a log into a SQLite database, with resume and follow.

Commits happen at checkpoints (at least once a second, and at the end), each one atomic:
records, identities, bad lines and the resume offset move together, so a kill at any
moment leaves a database that opens and resumes to the same result.
"""

from __future__ import annotations

import queue
import threading
import time as _time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import cast

from .. import __version__
from ..engine.errors import EngineAbort
from ..engine.loader import load_streaming_file, load_window_file
from ..store.sqlite_store import SpecMismatchError, SqliteStore, log_head_sha256
from .ordering import time_order
from .pipeline import OutOfOrder, Replayer
from .reader import LogLine, LogRewrittenError, follow_lines, read_lines


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


Progress = Callable[[int, int, int, int], None]  # (bytes done, lines, bad, errors)


def _now() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class HeadlessRun:
    def __init__(
        self,
        streaming_path: str,
        log_path: str,
        db_path: str,
        window_path: str | None = None,
        resume: bool = False,
        checkpoint_seconds: float | None = None,
    ) -> None:
        self.streaming = load_streaming_file(streaming_path)
        if self.streaming.reject_reason is not None:
            raise RunRefused(f"{streaming_path}: {self.streaming.reject_reason}")
        self.window = load_window_file(window_path) if window_path else None
        self.log_path = log_path
        self.db_path = db_path
        self.resume = resume
        self.checkpoint_seconds = checkpoint_seconds
        if not Path(log_path).is_file():
            raise RunRefused(f"{log_path}: no such event log")
        self.start_offset = 0
        self.start_line = 1
        db_exists = Path(db_path).exists()
        if db_exists and not resume:
            for suffix in ("", "-wal", "-shm"):
                Path(db_path + suffix).unlink(missing_ok=True)
        try:
            self.store = SqliteStore(db_path, self.streaming, self.window)
        except SpecMismatchError as exc:
            raise RunRefused(f"{db_path}: {exc} — run without --resume to rebuild it") from None
        if resume and db_exists:
            self._check_resume()
        self.replayer = Replayer(self.streaming, self.store, self.window)
        self.log_size = Path(log_path).stat().st_size

    def _check_resume(self) -> None:
        meta = self.store.get_meta()
        if (
            meta.get("log_path")
            and Path(str(meta["log_path"])).resolve() != Path(self.log_path).resolve()
        ):
            raise RunRefused(
                f"{self.db_path} was built from {meta['log_path']}, not {self.log_path}"
            )
        offset = int(cast("int | str", meta.get("stopped_at_offset") or 0))
        size = Path(self.log_path).stat().st_size
        head = meta.get("log_head_sha256")
        head_bytes = int(cast("int | str", meta.get("log_head_bytes") or 0))
        if size < offset or (head and head != log_head_sha256(self.log_path, head_bytes)):
            raise RunRefused(
                f"{self.log_path} was rewritten, not appended to, since {self.db_path} was built "
                "(it is shorter or its start changed): run without --resume to rebuild"
            )
        self.start_offset = offset
        self.start_line = int(cast("int | str", meta.get("stopped_at_line") or 0)) + 1
        self.prior = {
            k: int(cast("int | str", meta.get(k) or 0))
            for k in ("events_read", "events_applied", "events_bad")
        }

    # ------------------------------------------------------------------------------------
    def run(
        self,
        progress: Progress | None = None,
        follow: bool = False,
        stop: threading.Event | None = None,
    ) -> RunSummary:
        started = _time.perf_counter()
        stop = stop or threading.Event()
        self._write_start_meta()
        if self.checkpoint_seconds is None:
            # A batch run commits less often (each commit writes every open record); a
            # followed log is committed at least once a second.
            self.checkpoint_seconds = 1.0 if follow else 5.0
        reordered = False
        try:
            if follow:
                self._loop(self._followed(stop), progress, stop)
            else:
                try:
                    self._loop(
                        read_lines(
                            self.log_path, self.start_offset, self.start_line, stop=stop, final=True
                        ),
                        progress,
                        stop,
                    )
                except OutOfOrder as exc:
                    if self.start_offset:
                        raise RunRefused(
                            f"{exc}: the appended events are older than events already applied, "
                            "so Blurr's per-identity time order needs a full rebuild (run without --resume)"
                        ) from None
                    reordered = True
                    self._restart_in_time_order(progress, stop)
        except LogRewrittenError as exc:
            raise RunRefused(f"{exc}: the log was rewritten while following it") from None
        finally:
            interrupted = stop.is_set()
            self._checkpoint()
            if not interrupted or follow:
                self.replayer.finish(self._all_identities())
                self.store.set_meta(finished_at=_now())
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
        )

    def _write_start_meta(self) -> None:
        head_bytes = min(self.log_size, 64 * 1024)
        self.store.set_meta(
            streaming_path=self.streaming.path,
            window_path=self.window.path if self.window else None,
            log_path=str(Path(self.log_path).resolve()),
            log_size=self.log_size,
            log_head_bytes=head_bytes,
            log_head_sha256=log_head_sha256(self.log_path, head_bytes),
            tool_version=__version__,
            started_at=_now(),
            finished_at=None,
        )

    def _all_identities(self) -> list[str]:
        rows = self.store.conn.execute("SELECT identity FROM _identities").fetchall()
        seen = dict.fromkeys(r[0] for r in rows)
        seen.update(dict.fromkeys(self.replayer.states))
        return list(seen)

    def _checkpoint(self) -> None:
        c = self.replayer.counters
        prior = getattr(self, "prior", {})
        self.replayer.checkpoint(
            events_read=prior.get("events_read", 0) + c.lines,
            events_applied=prior.get("events_applied", 0) + c.applied,
            events_bad=prior.get("events_bad", 0) + c.bad,
        )

    def _loop(self, lines, progress: Progress | None, stop: threading.Event) -> None:
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
            if now - last_commit >= cast(float, self.checkpoint_seconds):
                self._checkpoint()
                self.store.begin()
                last_commit = now
            if progress is not None:
                progress(c.last_offset, c.lines, c.bad, c.errors)
            if stop.is_set():
                break
        if progress is not None:
            progress(c.last_offset, c.lines, c.bad, c.errors)

    def _followed(self, stop: threading.Event):
        """Lines of the growing log, with ``None`` ticks while it is idle (for commits)."""
        q: queue.Queue[LogLine | BaseException | None] = queue.Queue(maxsize=10_000)

        def pump() -> None:
            try:
                for line in follow_lines(
                    self.log_path, self.start_offset, stop, 0.2, self.start_line
                ):
                    q.put(line)
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

    def _restart_in_time_order(self, progress: Progress | None, stop: threading.Event) -> None:
        self.store.rollback()
        self.store.close(commit=False)
        for suffix in ("", "-wal", "-shm"):
            Path(self.db_path + suffix).unlink(missing_ok=True)
        self.store = SqliteStore(self.db_path, self.streaming, self.window)
        self.replayer = Replayer(self.streaming, self.store, self.window, strict_order=False)
        self._write_start_meta()
        self._loop(time_order(self.log_path, self.replayer.engine), progress, stop)
