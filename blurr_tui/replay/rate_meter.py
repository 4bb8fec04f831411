"""The measured replay rate: events per second over the last few seconds of playing.

Samples are ``(time, position)`` taken when the position moved (at most one per
``MIN_GAP`` seconds, so a run at full speed keeps a few hundred); the rate is the positions
gained between the oldest and the newest sample over the time between them.  At 1 ev/s the
samples are the events' own times, so the rate reads 1, not 0 or a frame's jitter.
"""

from __future__ import annotations

from collections import deque

WINDOW = 3.0  # s of samples kept
MIN_GAP = 0.01  # s between two kept samples


class RateMeter:
    def __init__(self, window: float = WINDOW) -> None:
        self.window = window
        self._samples: deque[tuple[float, int]] = deque()
        self._start = 0

    def reset(self, now: float, position: int) -> None:
        """Start measuring (play pressed, rate changed).  The first sample is the first
        event applied after this, not this moment: playing applies one event at once, and
        counting it over no time would overstate the rate."""
        self._samples.clear()
        self._start = position

    def mark(self, now: float, position: int) -> None:
        """The replay is at ``position`` at ``now``."""
        samples = self._samples
        if not samples and position == self._start:
            return
        if samples:
            t, p = samples[-1]
            if position == p:
                return
            if now - t < MIN_GAP and len(samples) > 1:
                samples[-1] = (now, position)  # keep the newest, not one per event
                return
        samples.append((now, position))
        while len(samples) > 2 and now - samples[1][0] >= self.window:
            samples.popleft()

    def rate(self, now: float) -> float | None:
        """Events per second, or None before two events have been seen."""
        samples = self._samples
        if len(samples) < 2:
            return None
        (t0, p0), (t1, p1) = samples[0], samples[-1]
        if p1 <= p0:
            return None
        span = t1 - t0
        gap = span / max(1, len(samples) - 1)
        if now - t1 > max(2 * gap, 1.0):  # nothing for a while: the rate is falling
            span = now - t0
        return (p1 - p0) / span if span > 0 else None
