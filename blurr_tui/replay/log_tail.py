"""Watching the end of a log the replay has reached: lines appended later arrive as events.

A thread runs :func:`.reader.follow_lines` (the one rule for a followed log: complete lines
only, and a truncated, rewritten or rotated file is noticed) and queues what it reads; the
replay takes lines from the queue without waiting.  When the file is rewritten under it the
tail stops and ``problem`` says why.
"""

from __future__ import annotations

import queue
import threading
from pathlib import Path

from .reader import LogLine, LogRewrittenError, follow_lines

POLL_SECONDS = 0.2


class LogTail:
    def __init__(
        self, path: Path, start_offset: int, start_line: int, poll: float = POLL_SECONDS
    ) -> None:
        self.path = path
        self.start_offset = start_offset
        self._queue: queue.Queue[LogLine] = queue.Queue()
        self._stop = threading.Event()
        self.received = 0  # lines read from the file so far
        self.problem: str | None = None  # why following stopped (the file was rewritten)
        self._thread = threading.Thread(
            target=self._pump, args=(start_offset, start_line, poll), daemon=True, name="log-tail"
        )
        self._thread.start()

    def _pump(self, offset: int, line_no: int, poll: float) -> None:
        try:
            for line in follow_lines(self.path, offset, self._stop, poll, line_no):
                self.received += 1
                self._queue.put(line)
        except LogRewrittenError as exc:
            self.problem = f"{exc}; stopped following it (r replays the new file)"
        except OSError as exc:
            self.problem = f"cannot follow {self.path}: {exc.strerror or exc}"

    def take(self) -> LogLine | None:
        """The next appended line, or None when none is waiting (never blocks)."""
        try:
            return self._queue.get_nowait()
        except queue.Empty:
            return None

    @property
    def waiting(self) -> int:
        return self._queue.qsize()

    @property
    def following(self) -> bool:
        return self._thread.is_alive()

    def close(self) -> None:
        self._stop.set()
        self._thread.join(timeout=1.0)
