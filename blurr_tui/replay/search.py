"""Searching the log's events (``s`` in the app): a substring or a regex over each line's text.

A query is plain text (case-insensitive substring) or ``/regex/`` (Python syntax; add ``i``
after the closing slash to ignore case).  The result is the replay positions (1-based event
numbers, bad lines included, as the transport counts them) of the matching lines.
"""

from __future__ import annotations

import bisect
import gzip
import re
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from ..engine.runtime import StreamingEngine
from ..engine.spec import StreamingSpec
from .ordering import time_order
from .reader import LogLine, is_gzip

MAX_MATCHES = 100_000


class SearchError(ValueError):
    """The query cannot be used (an empty query, a regex that does not compile)."""


@dataclass(frozen=True, slots=True)
class EventQuery:
    text: str  # what was typed
    pattern: re.Pattern[str] | None  # a regex query; None: substring

    @classmethod
    def parse(cls, query: str) -> EventQuery:
        q = query.strip()
        if not q:
            raise SearchError("nothing to search for")
        m = re.fullmatch(r"/(.+)/(i?)", q, re.DOTALL)
        if m is None:
            return cls(q, None)
        try:
            return cls(q, re.compile(m.group(1), re.IGNORECASE if m.group(2) else 0))
        except re.error as exc:
            raise SearchError(f"not a valid regex {m.group(1)!r}: {exc}") from None

    @property
    def kind(self) -> str:
        return "regex" if self.pattern is not None else "text"

    def matches(self, text: str) -> bool:
        if self.pattern is not None:
            return self.pattern.search(text) is not None
        return self.text.lower() in text.lower()


@dataclass(frozen=True, slots=True)
class SearchResult:
    query: EventQuery
    positions: tuple[int, ...]  # ascending
    capped: bool = False  # stopped at MAX_MATCHES

    @property
    def count(self) -> int:
        return len(self.positions)

    def after(self, position: int) -> int | None:
        """Index (0-based) of the first match after ``position`` (wraps to the first)."""
        if not self.positions:
            return None
        i = bisect.bisect_right(self.positions, position)
        return i if i < len(self.positions) else 0

    def before(self, position: int) -> int | None:
        """Index of the last match before ``position`` (wraps to the last)."""
        if not self.positions:
            return None
        i = bisect.bisect_left(self.positions, position) - 1
        return i if i >= 0 else len(self.positions) - 1


def raw_lines(path: str | Path) -> Iterator[str]:
    """Every line of the log as text (undecodable bytes escaped), in file order."""
    opener = gzip.open if is_gzip(path) else open
    with opener(path, "rb") as fh:  # type: ignore[operator]
        for line in fh:
            yield line.decode("utf-8", "backslashreplace").rstrip("\r\n")


def search_texts(
    texts: Iterable[str], query: EventQuery, stop: threading.Event | None = None
) -> SearchResult:
    """Positions (1-based, in the order given) of the texts that match ``query``."""
    found: list[int] = []
    for position, text in enumerate(texts, start=1):
        if query.matches(text):
            found.append(position)
            if len(found) >= MAX_MATCHES:
                return SearchResult(query, tuple(found), capped=True)
        if stop is not None and position % 4096 == 0 and stop.is_set():
            break
    return SearchResult(query, tuple(found))


def search_log(
    path: str | Path,
    query: EventQuery,
    time_ordered_by: StreamingSpec | None = None,
    stop: threading.Event | None = None,
) -> SearchResult:
    """Search the log in file order, or, for a log replayed in time order, in the order
    ``time_ordered_by``'s replay applies it (so positions are the replay's)."""
    if time_ordered_by is None:
        return search_texts(raw_lines(path), query, stop)
    lines = time_order(path, StreamingEngine(time_ordered_by))  # its own engine: a thread
    return search_texts(_texts(lines), query, stop)


def _texts(lines: Iterable[LogLine]) -> Iterator[str]:
    for line in lines:
        yield line.raw.decode("utf-8", "backslashreplace").rstrip("\r\n")
