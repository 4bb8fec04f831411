"""What the app reads from the replay's database: record pages, counts, row numbers.

Owned by :class:`~blurr_tui.replay.controller.ReplayController` (``controller.records``).
Reads go through a second connection (``reader``), so they see committed data (the last
checkpoint) and never wait on the worker's connection (SQLite WAL readers do not block).
"""

from __future__ import annotations

import bisect
import threading
from pathlib import Path

from ..engine.spec import StreamingSpec
from ..store import app_reads
from ..store.sqlite_store import SqliteStore


class RecordReads:
    """The read connection over the replay's database, and the row-number index per table."""

    def __init__(self, streaming: StreamingSpec) -> None:
        self.streaming = streaming
        self.db_lock = threading.RLock()  # held while the store and its reader are swapped
        self._open: SqliteStore | None = None  # the read connection (None: not attached)
        self._seq_index: dict[str, list[int]] = {}

    def attach(self, store: SqliteStore, path: Path) -> None:
        """Read ``store``'s database (a new run): index its keys, forget the old rows."""
        with self.db_lock:
            self.close()
            self._open = reader_for(store, path)
            index_keys(store, self.streaming)
            self._seq_index = {}

    def close(self) -> None:
        with self.db_lock:
            if self._open is not None:
                app_reads.close_quietly(self._open)
                self._open = None

    @property
    def reader(self) -> SqliteStore:
        """The store's read API over the read connection (hold ``db_lock`` while using it)."""
        assert self._open is not None, "RecordReads.attach() first"
        return self._open

    # The record tables page through the store by row number. Without a filter, row N is
    # found through an in-memory list of each table's _seq (grown as rows appear), so a page
    # is an index range rather than an OFFSET that reads every row before it.
    def _seqs(self, aggregate: str) -> list[int]:
        seqs = self._seq_index.setdefault(aggregate, [])
        seqs += self.reader.seqs_after(aggregate, seqs[-1] if seqs else 0)
        return seqs

    def count(self, aggregate: str, identity: str | None = None) -> int:
        with self.db_lock:
            if identity is None:
                return len(self._seqs(aggregate))
            return self.reader.count(aggregate, identity)

    def page(
        self, aggregate: str, offset: int, limit: int, identity: str | None = None
    ) -> list[tuple[str, dict]]:
        with self.db_lock:
            if identity is not None:
                return self.reader.page(aggregate, offset, limit, identity)
            seqs = self._seqs(aggregate)
            if offset >= len(seqs) or limit <= 0:
                return []
            last = seqs[min(offset + limit, len(seqs)) - 1]
            return self.reader.page_seqs(aggregate, seqs[offset], last)

    def row_index(self, aggregate: str, key: str, identity: str | None = None) -> int | None:
        """The row (0-based, first-save order) of ``key`` in ``aggregate``'s table."""
        with self.db_lock:
            hit = app_reads.row_index(self.reader, aggregate, key, identity)
            if hit is None:
                return None
            seq, among = hit
            if identity is not None:
                return among
            seqs = self._seqs(aggregate)
            i = bisect.bisect_left(seqs, seq)
            return i if i < len(seqs) and seqs[i] == seq else None

    def aggregates(self) -> list[str]:
        """Aggregates with a table, in spec order."""
        with self.db_lock:
            have = set(app_reads.aggregate_names(self.reader))
        names = [a.name for a in self.streaming.aggregates if a.name in have]
        return names + sorted(have - set(names))


def index_keys(store: SqliteStore, streaming: StreamingSpec) -> None:
    """The app finds the row of a touched key by ``_key``: index it (headless runs don't)."""
    app_reads.index_keys(store, streaming)


def reader_for(store: SqliteStore, path: Path) -> SqliteStore:
    """The same store's read API over its own connection (shares the decoded layouts)."""
    return app_reads.open_reader(store, path)
