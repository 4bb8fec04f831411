"""The breakpoint hits found so far, and which positions they cover.

Breakpoints are checked after each event the frontier run computes, and (for ``C``, or a
breakpoint added after going back) by a scratch pass over events already computed
(:meth:`blurr_tui.replay.revisit.Revisit.scan`).  ``HitLog`` keeps the hits of the current
breakpoint set and the range of positions checked, ``[lo, hi]``; any change to the set
voids them.
"""

from __future__ import annotations

import bisect

MAX_SHOWN = 10_000  # hit positions published to the UI (the timeline marks)


class HitLog:
    def __init__(self) -> None:
        self.positions: list[int] = []  # ascending
        self.why: dict[int, str] = {}
        self.lo = 1  # positions lo..hi have been checked (empty when hi < lo)
        self.hi = 0
        self.serial = -1  # the breakpoint set's serial these hits belong to

    def reset(self, serial: int, frontier: int) -> None:
        """A new breakpoint set: nothing checked yet; checking starts after ``frontier``."""
        self.positions, self.why = [], {}
        self.lo, self.hi = frontier + 1, frontier
        self.serial = serial

    def checked(self, position: int, why: str | None) -> None:
        """The frontier checked ``position`` (the next one after ``hi``)."""
        if position == self.hi + 1:
            self.hi = position
            if why is not None:
                self._add(position, why)

    def scanned(self, found: dict[int, str], upto: int) -> None:
        """A scratch pass checked positions 1..``upto`` (``upto`` >= lo - 1)."""
        for position, why in found.items():
            if position < self.lo:
                self._add(position, why)
        self.lo = 1
        self.hi = max(self.hi, upto)

    def _add(self, position: int, why: str) -> None:
        if position not in self.why:
            bisect.insort(self.positions, position)
            self.why[position] = why

    def covers(self, first: int, last: int) -> bool:
        return last < first or (self.lo <= first and last <= self.hi)

    def next_after(self, position: int) -> int | None:
        i = bisect.bisect_right(self.positions, position)
        return self.positions[i] if i < len(self.positions) else None

    def previous_before(self, position: int) -> int | None:
        i = bisect.bisect_left(self.positions, position)
        return self.positions[i - 1] if i > 0 else None

    def shown(self) -> tuple[int, ...]:
        return tuple(self.positions[:MAX_SHOWN])
