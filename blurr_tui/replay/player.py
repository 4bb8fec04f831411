"""The play loop: about SNAPSHOT_EVERY seconds of events per chunk, paced at the rate.

Owned by the controller (``controller.player``); its state is the controller's
``playback`` (:class:`.playback.Playback`).  Playing stops at the end of the log, at a
breakpoint hit, at a pause, or when a command interrupts it.
"""

from __future__ import annotations

import gc
import time
from typing import TYPE_CHECKING

from .playback import TRACE_ALL_UP_TO
from .snapshot import AT_END, PAUSED, PLAYING

if TYPE_CHECKING:
    from .controller import ReplayController

SNAPSHOT_EVERY = 0.05  # s between snapshots while playing
CHECKPOINT_EVERY = 1.0  # s between store checkpoints while playing


def settle() -> None:
    """After a long run of events: move what exists now out of the garbage collector's
    sight (``gc.freeze``). The engine keeps many long-lived objects; without this a full
    collection during a later step costs 50-150 ms on a 1M-event log (bench/bench_app.py)."""
    gc.freeze()


class Player:
    def __init__(self, controller: ReplayController) -> None:
        self.c = controller

    def tick(self) -> bool:
        """The worker between commands: play a little (True), or idle (False)."""
        pb = self.c.playback
        if pb.state != PLAYING:
            self.c.follow_now()  # at the end of the log: lines appended since
            return False
        try:
            self.chunk()
        except Exception as exc:  # noqa: BLE001
            pb.state = PAUSED
            pb.until_hit = False
            pb.error = f"{type(exc).__name__}: {exc}"
            self.c._publish()
        return True

    def start(self) -> None:
        """Start playing (the worker's tick goes on with it)."""
        c = self.c
        if c.playback.state != AT_END:
            c.playback.state = PLAYING
            c.playback.start(c.run.position)
            c._publish()

    def play_now(self, max_events: int | None = None) -> None:
        """Play (in this thread) until the end, a breakpoint, an interrupt or ``max_events``."""
        c, pb = self.c, self.c.playback
        if pb.state == AT_END:
            return
        pb.state = PLAYING
        pb.start(c.run.position)
        start = c.run.position
        while pb.state == PLAYING:
            self.chunk()
            if max_events is not None and c.run.position - start >= max_events:
                pb.state = PAUSED
                self.stopped()

    def stopped(self) -> None:
        """Playing ended: show where it stopped, with its trace."""
        c = self.c
        c.playback.until_hit = False
        c._show(c.run.position)
        c._publish(checkpoint=True)
        settle()

    def chunk(self) -> None:
        """About SNAPSHOT_EVERY seconds of playing, then one snapshot."""
        c, pb = self.c, self.c.playback
        now = time.monotonic
        t_end = now() + SNAPSHOT_EVERY
        rate, interrupt = pb.effective_rate, c.worker.interrupt
        advance, total = c._advance, c.total
        while True:
            if rate is None:
                traced = now() >= t_end or c.run.position + 1 >= total  # the last is traced
            else:
                delay = pb.next_due - now()
                if delay > 0:
                    if delay > t_end - now():  # not due in this frame: wait out the frame
                        interrupt.wait(max(0.0, t_end - now()))
                        break
                    if interrupt.wait(delay):
                        break
                pb.next_due = max(pb.next_due, now() - 0.2) + 1.0 / rate
                traced = rate <= TRACE_ALL_UP_TO or now() >= t_end
            if advance(traced) is None or pb.state == AT_END:
                break
            if rate is not None:
                pb.mark(c.run.position)
            if c._hit is not None:
                pb.state = PAUSED
                c._set_note(c._hit)
                break
            if traced and (rate is None or now() >= t_end):
                break
            if interrupt.is_set():
                break
        pb.measure(c.run.position)
        if pb.state != PLAYING:
            self.stopped()
            return
        if c.shown is not c.run.last:
            c.cursor, c.shown = c.run.position, c.run.last
            c.serials["step"] += 1
        c._publish(checkpoint=now() - c.run.last_checkpoint >= CHECKPOINT_EVERY)

    def pause_now(self) -> None:
        c = self.c
        if c.playback.state == PLAYING:
            c.playback.state = PAUSED
            self.stopped()
            return
        c._publish(checkpoint=True)

    def set_rate_now(self, rate: float | None) -> None:
        pb = self.c.playback
        pb.rate = rate
        pb.start_measure(self.c.run.position)
        pb.next_due = time.monotonic()
        self.c._publish()
