"""Row sources over the replay's SQLite store for the record tables."""

from __future__ import annotations

from blurr_tui.engine.spec import StreamingSpec
from blurr_tui.replay.controller import ReplayController
from blurr_tui.replay.record_reads import RecordReads
from blurr_tui.store.record_pages import (
    RecordView,
    count_records,
    page_records,
    record_row,
    sortable_columns,
)
from blurr_tui.store.sqlite_store import SqliteStore

START, END = "_start_time", "_end_time"
_LABELS = {"_identity": "identity", START: "start", END: "end"}


def record_columns(spec: StreamingSpec, aggregate: str) -> list[str]:
    """_key, identity, dimensions, fields, then start/end (Block and Activity)."""
    agg = next((a for a in spec.aggregates if a.name == aggregate), None)
    cols = ["_key", "_identity"]
    if agg is None:
        return cols
    cols += [d.name for d in agg.dimensions]
    cols += [f.name for f in agg.fields if f.name not in cols]
    if agg.has_time_fields:
        cols += [START, END]
    return cols


class SqliteRowSource:
    """One aggregate's records in first-save order (or sorted by a column), optionally for
    one identity (``identity``) or the identities matching a substring or glob (``pattern``)."""

    def __init__(
        self, controller: ReplayController, aggregate: str, columns: list[str] | None = None
    ) -> None:
        self.controller = controller
        self.aggregate = aggregate
        self.fields = columns or record_columns(controller.streaming, aggregate)
        self.columns = [_LABELS.get(c, c) for c in self.fields]
        self.identity: str | None = None
        self.pattern: str | None = None
        self.order: tuple[int, bool] | None = None

    @property
    def view(self) -> RecordView | None:
        """The query when it is not the plain first-save order (None: the fast path)."""
        if self.pattern is None and self.order is None:
            return None
        order_by, desc = (
            (self.fields[self.order[0]], self.order[1]) if self.order else (None, False)
        )
        return RecordView(self.identity, self.pattern, order_by, desc)

    def set_order(self, column: int | None, descending: bool = False) -> None:
        if column is not None:
            field = self.fields[column]
            with self._reads.db_lock:
                sortable = sortable_columns(self._store(), self.aggregate)
            if field not in sortable:
                raise ValueError(f"{self.columns[column]} is kept outside the table's columns")
        self.order = None if column is None else (column, descending)

    def row_count(self) -> int:
        view = self.view
        if view is None:
            return self.controller.count(self.aggregate, self.identity)
        with self._reads.db_lock:
            return count_records(self._store(), self.aggregate, view)

    def get_rows(self, start: int, count: int) -> list[tuple]:
        view = self.view
        if view is None:
            rows = self.controller.page(self.aggregate, start, count, self.identity)
        else:
            with self._reads.db_lock:
                rows = page_records(self._store(), self.aggregate, start, count, view)
        return self._tuples(rows)

    def row_index(self, key: str) -> int | None:
        """The row showing record ``key`` (None when this view does not show it)."""
        view = self.view
        if view is None:
            return self.controller.row_index(self.aggregate, key, self.identity)
        with self._reads.db_lock:
            return record_row(self._store(), self.aggregate, key, view)

    @property
    def _reads(self) -> RecordReads:
        return self.controller.records

    def _store(self) -> SqliteStore:
        """The replay database's read connection (call with ``_reads.db_lock`` held)."""
        reader = self._reads.reader
        if reader is None:
            raise RuntimeError("the replay's database is not open")
        return reader

    def _tuples(self, rows: list[tuple[str, dict]]) -> list[tuple]:
        out = []
        for key, record in rows:
            values: list[object] = [key]
            values += [record.get(c) for c in self.fields[1:]]
            out.append(tuple(values))
        return out
