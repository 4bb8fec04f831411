"""Row sources over the replay's SQLite store for the record tables."""

from __future__ import annotations

from blurr_tui.engine.spec import StreamingSpec
from blurr_tui.replay.controller import ReplayController

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
    """One aggregate's records in first-save order, optionally for one identity."""

    def __init__(
        self, controller: ReplayController, aggregate: str, columns: list[str] | None = None
    ) -> None:
        self.controller = controller
        self.aggregate = aggregate
        self.fields = columns or record_columns(controller.streaming, aggregate)
        self.columns = [_LABELS.get(c, c) for c in self.fields]
        self.identity: str | None = None

    def row_count(self) -> int:
        return self.controller.count(self.aggregate, self.identity)

    def get_rows(self, start: int, count: int) -> list[tuple]:
        return self._tuples(self.controller.page(self.aggregate, start, count, self.identity))

    def _tuples(self, rows: list[tuple[str, dict]]) -> list[tuple]:
        out = []
        for key, record in rows:
            values: list[object] = [key]
            values += [record.get(c) for c in self.fields[1:]]
            out.append(tuple(values))
        return out
