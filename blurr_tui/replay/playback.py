"""The transport's own state: playing or paused, the rate, the measured rate, the pacing."""

from __future__ import annotations

import time
from dataclasses import dataclass, field

from .rate_meter import RateMeter
from .snapshot import PAUSED

TRACE_ALL_UP_TO = 50.0  # ev/s: at or below this rate every event is traced


@dataclass
class Playback:
    state: str = PAUSED  # PLAYING, PAUSED or AT_END
    rate: float | None = 10.0  # ev/s; None: as fast as possible
    measured: float | None = None  # ev/s actually reached while playing
    meter: RateMeter = field(default_factory=RateMeter)  # measures ``measured``
    next_due: float = 0.0  # monotonic time the next event is due (at a set rate)
    until_hit: bool = False  # ``c``: play at full speed, stop at the next breakpoint hit
    error: str | None = None  # why playing stopped, if the worker failed
    ended_playing: bool = False  # the end of the log was reached while playing

    def start(self, position: int) -> None:
        self.next_due = time.monotonic()
        self.start_measure(position)

    def start_measure(self, position: int) -> None:
        """Measure afresh from ``position`` (play pressed, or the rate changed)."""
        self.meter.reset(time.monotonic(), position)
        self.measured = None

    @property
    def effective_rate(self) -> float | None:
        return None if self.until_hit else self.rate

    def mark(self, position: int) -> None:
        """An event was applied (called per event at a set rate: exact event times)."""
        self.meter.mark(time.monotonic(), position)

    def measure(self, position: int) -> None:
        """End of a frame of playing: update ``measured``."""
        t = time.monotonic()
        self.meter.mark(t, position)
        self.measured = self.meter.rate(t)
