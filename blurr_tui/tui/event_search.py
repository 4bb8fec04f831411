"""The replay screen's event search (s, then > / <): the last query's matches and where
the user is among them.  The search itself runs off the UI thread (``find``)."""

from __future__ import annotations

import asyncio
from pathlib import Path

from blurr_tui.engine.spec import StreamingSpec
from blurr_tui.replay.search import EventQuery, SearchResult, search_log


class EventSearch:
    def __init__(self) -> None:
        self.result: SearchResult | None = None
        self.index: int | None = None  # the match shown (0-based), if any

    async def find(
        self, log: Path, query: EventQuery, time_ordered_by: StreamingSpec | None = None
    ) -> SearchResult:
        """Search in a thread; the result becomes the current one."""
        result = await asyncio.to_thread(search_log, log, query, time_ordered_by)
        self.result, self.index = result, None
        return result

    def move(self, position: int, direction: int) -> int | None:
        """The position of the next (1) or previous (-1) match from ``position`` (wrapping)."""
        r = self.result
        if r is None:
            return None
        i = r.after(position) if direction > 0 else r.before(position)
        self.index = i
        return None if i is None else r.positions[i]

    def status(self, position: int | None = None) -> str | None:
        """What the transport bar shows: the query, where we are and the count."""
        r = self.result
        if r is None:
            return None
        what = f"search {r.query.text!r}"
        if not r.count:
            return f"{what}: no match"
        more = "+" if r.capped else ""
        if self.index is not None and (position is None or r.positions[self.index] == position):
            return f"{what} {self.index + 1:,} of {r.count:,}{more}"
        return f"{what}: {r.count:,}{more} matches"
