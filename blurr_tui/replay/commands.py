"""The worker thread of the replay controller: queued commands, and a tick between them.

Each command is queued as a callable with a ``Future``; setting ``interrupt`` makes a play
loop stop between two events so the command runs at once.  With no thread started, a
command runs in the caller's thread (tests drive the controller synchronously).
Knows nothing of the engine: the controller gives it ``tick`` (play a little, or idle).
"""

from __future__ import annotations

import queue
import threading
from collections.abc import Callable
from concurrent.futures import Future
from typing import Any


class CommandWorker:
    """Owns the thread, the command queue and the interrupt/stop events."""

    def __init__(self, tick: Callable[[], bool], name: str = "blurr-replay") -> None:
        # tick(): called between commands; True when it did work (playing), False to idle
        self._tick = tick
        self._name = name
        self._queue: queue.Queue[tuple[Callable[[], Any], Future]] = queue.Queue()
        self.interrupt = threading.Event()  # a command is waiting: stop playing between events
        self._stop = threading.Event()
        self.thread: threading.Thread | None = None

    @property
    def running(self) -> bool:
        return self.thread is not None and self.thread.is_alive()

    def submit(self, fn: Callable[[], Any]) -> Future:
        """Run ``fn`` in the worker (at once in this thread when no worker runs)."""
        fut: Future = Future()
        if not self.running:
            try:
                fut.set_result(fn())
            except Exception as exc:  # noqa: BLE001 - reported through the future
                fut.set_exception(exc)
            return fut
        self._queue.put((fn, fut))
        self.interrupt.set()
        return fut

    def start(self) -> None:
        if self.thread is None:
            self.thread = threading.Thread(target=self._run, name=self._name, daemon=True)
            self.thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self.interrupt.clear()
            while True:
                try:
                    fn, fut = self._queue.get_nowait()
                except queue.Empty:
                    break
                if not fut.set_running_or_notify_cancel():
                    continue
                try:
                    fut.set_result(fn())
                except Exception as exc:  # noqa: BLE001 - reported through the future
                    fut.set_exception(exc)
            if self._stop.is_set():
                break
            if not self._tick():
                self.interrupt.wait(0.1)

    def stop(self) -> None:
        """Stop the thread (waits at most 2 s)."""
        self._stop.set()
        self.interrupt.set()
        if self.thread is not None:
            self.thread.join(timeout=2.0)
