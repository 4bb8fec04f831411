"""Every bad line and expression error found so far, for the Errors tab and ``x`` / ``X``.

The controller's lists describe the current run; going back to an earlier event may replay
from the first line and start them again.  This list keeps every problem already found
(one row per line, kind and reason), so walking the errors never loses one.
"""

from __future__ import annotations

import bisect
from collections.abc import Iterable

Problem = tuple[int, str, str, int]  # (line, kind, reason, position)


class ProblemList:
    def __init__(self) -> None:
        self._rows: dict[tuple[int, str, str], Problem] = {}
        self._sorted: list[Problem] = []
        self.bad_lines = 0
        self.errors = 0

    def clear(self) -> None:
        self._rows.clear()
        self._sorted = []
        self.bad_lines = self.errors = 0

    def add(self, bad: Iterable[tuple[int, str, int]], errors: Iterable[Problem]) -> bool:
        """Merge a snapshot's bad lines and errors; True when something new was found."""
        new = False
        for line, reason, position in bad:
            new |= self._add((line, "bad line", reason, position))
        for row in errors:
            new |= self._add(row)
        if new:
            self._sorted = sorted(self._rows.values(), key=lambda r: (r[3], r[0]))
        return new

    def _add(self, row: Problem) -> bool:
        key = (row[0], row[1], row[2])
        if key in self._rows:
            return False
        self._rows[key] = row
        if row[1] == "bad line":
            self.bad_lines += 1
        else:
            self.errors += 1
        return True

    @property
    def rows(self) -> list[Problem]:
        """In replay order (position, then line)."""
        return self._sorted

    def __len__(self) -> int:
        return len(self._sorted)

    def after(self, position: int) -> int | None:
        """Index of the first problem at an event after ``position``."""
        keys = [r[3] for r in self._sorted]
        i = bisect.bisect_right(keys, position)
        return i if i < len(keys) else None

    def before(self, position: int) -> int | None:
        """Index of the last problem at an event before ``position``."""
        keys = [r[3] for r in self._sorted]
        i = bisect.bisect_left(keys, position) - 1
        return i if i >= 0 else None
