"""The worker thread of the replay controller and the command API the UI calls.

Each command is queued as a callable with a ``Future``; setting ``_interrupt`` makes a play
loop stop between two events so the command runs at once.  With no thread started, a
command runs in the caller's thread (tests drive the controller synchronously).
"""

from __future__ import annotations

import queue
import threading
import time
from collections.abc import Callable
from concurrent.futures import Future
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .snapshot import AT_END, PAUSED, PLAYING


class CommandWorker:
    """Mixin: the thread and the queued commands; the controller supplies the ``*_now``."""

    state: str
    worker_error: str | None
    _rate_mark: tuple[float, int] | None

    if TYPE_CHECKING:  # supplied by the controller

        @property
        def position(self) -> int: ...

    def _init_worker(self) -> None:
        self._queue: queue.Queue[tuple[Callable[[], Any], Future]] = queue.Queue()
        self._interrupt = threading.Event()
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None

    def submit(self, fn: Callable[[], Any]) -> Future:
        """Run ``fn`` in the worker (at once in this thread when no worker runs)."""
        fut: Future = Future()
        if self._thread is None or not self._thread.is_alive():
            try:
                fut.set_result(fn())
            except Exception as exc:  # noqa: BLE001
                fut.set_exception(exc)
            return fut
        self._queue.put((fn, fut))
        self._interrupt.set()
        return fut

    def play(self, rate: float | None | bool = False) -> Future:
        if rate is not False:
            self.submit(lambda: self.set_rate_now(rate))  # type: ignore[arg-type]
        if self._thread is None:  # synchronous: play to the end
            return self.submit(self.play_now)
        return self.submit(self._start_playing)

    def _start_playing(self) -> None:
        if self.state != AT_END:
            self.state = PLAYING
            self._next_due = time.monotonic()
            self._rate_mark = (time.monotonic(), self.position)
            self._publish()

    def pause(self) -> Future:
        return self.submit(self.pause_now)

    def toggle(self) -> Future:
        return self.pause() if self.state == PLAYING else self.play()

    def step(self, n: int = 1) -> Future:
        return self.submit(lambda: self.step_now(n))

    def goto(self, n: int) -> Future:
        return self.submit(lambda: self.goto_now(n))

    def restart(self) -> Future:
        return self.submit(self.restart_now)

    def reload(self) -> Future:
        return self.submit(self.reload_now)

    def set_rate(self, rate: float | None) -> Future:
        return self.submit(lambda: self.set_rate_now(rate))

    def compute_window(self, identity: str | None = None) -> Future:
        return self.submit(lambda: self.window_now(identity))

    def export(self, path: str | Path) -> Future:
        return self.submit(lambda: self.export_now(path))

    def start(self) -> None:
        if self._thread is None:
            self._thread = threading.Thread(target=self._run, name="blurr-replay", daemon=True)
            self._thread.start()

    def _run(self) -> None:
        while not self._stop.is_set():
            self._interrupt.clear()
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
            if self.state == PLAYING:
                try:
                    self._play_chunk()
                except Exception as exc:  # noqa: BLE001
                    self.state = PAUSED
                    self.worker_error = f"{type(exc).__name__}: {exc}"
                    self._publish()
            else:
                self._interrupt.wait(0.1)

    def _stop_worker(self) -> None:
        self._stop.set()
        self._interrupt.set()
        if self._thread is not None:
            self._thread.join(timeout=2.0)

    # supplied by the controller
    def _publish(self, checkpoint: bool = False) -> None:
        raise NotImplementedError

    def _play_chunk(self) -> None:
        raise NotImplementedError

    def play_now(self, max_events: int | None = None) -> None:
        raise NotImplementedError

    def pause_now(self) -> None:
        raise NotImplementedError

    def step_now(self, n: int = 1) -> None:
        raise NotImplementedError

    def goto_now(self, n: int) -> None:
        raise NotImplementedError

    def restart_now(self) -> None:
        raise NotImplementedError

    def reload_now(self) -> None:
        raise NotImplementedError

    def set_rate_now(self, rate: float | None) -> None:
        raise NotImplementedError

    def window_now(self, identity: str | None = None) -> None:
        raise NotImplementedError

    def export_now(self, path: str | Path) -> dict[str, int]:
        raise NotImplementedError
