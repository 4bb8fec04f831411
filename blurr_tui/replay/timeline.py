"""Where each computed event came from: its line, identity and time, per position.

The debugger needs, for any event already computed, its log line (to show it again), the
other events of its identity (``[`` / ``]`` and re-tracing it, see :mod:`.revisit`) and its
time (go to a time).  Kept in compact arrays: about 32 bytes per event
(``bench/bench_debugger.py`` prints the figure).  Plain data, no engine, no store.
"""

from __future__ import annotations

import bisect
import math
from array import array
from datetime import UTC, datetime

NO_IDENTITY = -1  # a bad line, or an event whose identity could not be read


class TimelineIndex:
    """Per position (1-based, in the order applied): offset, line number, identity, time."""

    def __init__(self) -> None:
        self.offsets = array("q")
        self.line_nos = array("q")
        self.identity_ids = array("i")
        self.times = array("d")  # POSIX seconds; nan for a bad line
        self.identities: list[str] = []
        self._ids: dict[str, int] = {}
        self.by_identity: list[array] = []  # identity id -> its positions, ascending

    def __len__(self) -> int:
        return len(self.offsets)

    @property
    def computed(self) -> int:
        """The furthest position computed."""
        return len(self.offsets)

    def add(self, offset: int, line_no: int, identity: str | None, time: datetime | None) -> None:
        position = len(self.offsets) + 1
        self.offsets.append(offset)
        self.line_nos.append(line_no)
        self.times.append(time.timestamp() if time is not None else math.nan)
        if identity is None:
            self.identity_ids.append(NO_IDENTITY)
            return
        i = self._ids.get(identity)
        if i is None:
            i = self._ids[identity] = len(self.identities)
            self.identities.append(identity)
            self.by_identity.append(array("i"))
        self.identity_ids.append(i)
        self.by_identity[i].append(position)

    def identity_at(self, position: int) -> str | None:
        i = self.identity_ids[position - 1]
        return None if i == NO_IDENTITY else self.identities[i]

    def positions_of(self, identity: str, upto: int | None = None) -> list[int]:
        """The positions of ``identity``'s events (up to and including ``upto``)."""
        i = self._ids.get(identity)
        if i is None:
            return []
        positions = self.by_identity[i]
        if upto is None:
            return list(positions)
        return list(positions[: bisect.bisect_right(positions, upto)])

    def previous_of(self, identity: str, position: int) -> int | None:
        """The last event of ``identity`` before ``position``."""
        i = self._ids.get(identity)
        if i is None:
            return None
        positions = self.by_identity[i]
        j = bisect.bisect_left(positions, position)
        return positions[j - 1] if j > 0 else None

    def next_of(self, identity: str, position: int) -> int | None:
        """The first event of ``identity`` after ``position`` (among those computed)."""
        i = self._ids.get(identity)
        if i is None:
            return None
        positions = self.by_identity[i]
        j = bisect.bisect_right(positions, position)
        return positions[j] if j < len(positions) else None

    def first_at_or_after(self, when: datetime) -> int | None:
        """The first position (in replay order) whose event time is at or after ``when``."""
        t = when.timestamp() if when.tzinfo is not None else when.replace(tzinfo=UTC).timestamp()
        for position, value in enumerate(self.times, 1):
            if value >= t:  # nan compares False
                return position
        return None

    def nbytes(self) -> int:
        """Memory held by the arrays (not the identity strings)."""
        arrays: list[array] = [
            self.offsets,
            self.line_nos,
            self.identity_ids,
            self.times,
            *self.by_identity,
        ]
        return sum(a.itemsize * len(a) + 64 for a in arrays)
