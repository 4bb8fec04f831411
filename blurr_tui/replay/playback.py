"""The transport's own state: playing or paused, the rate, the measured rate, the pacing."""

from __future__ import annotations

import time
from dataclasses import dataclass

from .snapshot import PAUSED

TRACE_ALL_UP_TO = 50.0  # ev/s: at or below this rate every event is traced


@dataclass
class Playback:
    state: str = PAUSED  # PLAYING, PAUSED or AT_END
    rate: float | None = 10.0  # ev/s; None: as fast as possible
    measured: float | None = None  # ev/s actually reached while playing
    rate_mark: tuple[float, int] | None = None  # (monotonic time, position) of the last measure
    next_due: float = 0.0  # monotonic time the next event is due (at a set rate)
    until_hit: bool = False  # ``c``: play at full speed, stop at the next breakpoint hit
    error: str | None = None  # why playing stopped, if the worker failed

    def start(self, position: int) -> None:
        self.next_due = time.monotonic()
        self.rate_mark = (time.monotonic(), position)

    @property
    def effective_rate(self) -> float | None:
        return None if self.until_hit else self.rate

    def measure(self, position: int) -> None:
        t = time.monotonic()
        if self.rate_mark is not None and t - self.rate_mark[0] >= 0.25:
            self.measured = (position - self.rate_mark[1]) / (t - self.rate_mark[0])
            self.rate_mark = (t, position)
