"""The rows of ``run --runner=spark``'s datasets: the SQLite store's tables, column for column.

The layouts, the record codec (typed columns + the exact ``_extra``), the key texts and the
window-row cells are the store's own functions (:mod:`blurr_tui.store.schema`,
:mod:`blurr_tui.store.extras`); this module only fits their values to Parquet's fixed column
types (SQLite would keep a text in an INTEGER column; Parquet has a null there, and the exact
value is in ``_extra`` as in SQLite).
"""

from __future__ import annotations

import json
from typing import Any

from ..engine.keys import Key
from ..engine.spec import StreamingSpec
from ..store.extras import RAW_LIMIT
from ..store.extras import _cell as window_cell
from ..store.schema import (
    INT_MAX,
    INT_MIN,
    RowCodec,
    TableLayout,
    dumps_tagged,
    instant_text,
    is_plain_json,
    is_stored,
    json_text,
    layout_for,
    lookup_text,
    safe_text,
)
from ..store.tagged import tag

FIXED_TABLES = ("run_meta", "bad_events", "aggregates")  # the store creates these first
Columns = tuple[tuple[str, str], ...]  # (name, SQLite type)
WINDOW_FIXED: Columns = (("_identity", "TEXT"), ("_row", "INTEGER"), ("_anchor_key", "TEXT"))
WINDOW_FIXED += (("_anchor_time", "TEXT"), ("_row_json", "TEXT"), ("_row_exact", "TEXT"))
BAD_COLUMNS: Columns = (("id", "INTEGER"), ("file", "TEXT"), ("line", "INTEGER"))
BAD_COLUMNS += (("raw", "TEXT"), ("reason", "TEXT"))
AGGREGATES_COLUMNS: Columns = (("aggregate", "TEXT"), ("table_name", "TEXT"), ("kind", "TEXT"))
AGGREGATES_COLUMNS += (("store", "TEXT"), ("is_output", "INTEGER"), ("fields", "TEXT"))
META_COLUMNS: Columns = (("key", "TEXT"), ("value", "TEXT"))


def table_layouts(streaming: StreamingSpec) -> dict[str, TableLayout]:
    """Each stored aggregate's table, named as a new SQLite store names it."""
    taken = set(FIXED_TABLES)
    out = {}
    for agg in streaming.aggregates:
        if is_stored(agg):
            layout = layout_for(agg, agg.name, taken)
            taken.add(layout.table.lower())
            out[agg.name] = layout
    return out


def table_columns(layout: TableLayout) -> list[tuple[str, str]]:
    return list(layout.create_columns().items())


def aggregates_rows(streaming: StreamingSpec) -> list[tuple]:
    return [
        (
            layout.aggregate,
            layout.table,
            layout.kind,
            layout.store,
            int(layout.store is not None and layout.store == streaming.output_store),
            json.dumps(list(layout.snapshot_keys)),
        )
        for layout in table_layouts(streaming).values()
    ]


def typed(sql_type: str, v: Any) -> Any:
    """``v`` as a value of a Parquet column of ``sql_type`` (None where it is not one)."""
    if v is None:
        return None
    t = type(v)
    if sql_type == "INTEGER":
        if t is bool:
            return int(v)
        return v if t is int and INT_MIN <= v <= INT_MAX else None
    if sql_type == "REAL":
        if t is float:
            return v
        return float(v) if t is bool or (t is int and INT_MIN <= v <= INT_MAX) else None
    if t is str:
        return safe_text(v)
    try:
        return safe_text(json_text(v))
    except (TypeError, ValueError):
        return safe_text(repr(v))


class RecordRows:
    """One table row per saved record, as ``SqliteStore.save`` inserts it; ``_seq`` (global
    first-save order) is filled in after the records are sorted."""

    def __init__(self, streaming: StreamingSpec) -> None:
        self.tables = {g: (lay, RowCodec(lay)) for g, lay in table_layouts(streaming).items()}

    def row(self, key: Key, record: dict) -> tuple[str, list] | None:
        hit = self.tables.get(key.group)
        if hit is None:
            return None
        layout, codec = hit
        values, extra = codec.encode(record, key.identity)
        cells = [typed(c.sql_type, v) for c, v in zip(layout.columns, values, strict=True)]
        changed = any(type(v) is str and c != v for c, v in zip(cells, values, strict=True))
        instant = instant_text(key.timestamp) if key.timestamp is not None else None
        row = [typed("TEXT", str(key)), None, typed("TEXT", key.identity), *cells, layout.store]
        if layout.has_instant:
            row.append(instant)
        lookup = lookup_text(str(key.identity), key.dimensions, instant)
        if changed or lookup != safe_text(lookup):
            extra = dumps_tagged(list(record.items()), "s")  # as the store does then
        row += [safe_text(lookup), extra]
        return layout.table, row


# --- window rows ---------------------------------------------------------------------------


def value_kind(v: Any) -> int:
    """0 null, 1 integer, 2 real, 3 text: the widest kind a column has seen wins."""
    if v is None:
        return 0
    if isinstance(v, bool | int):
        return 1
    return 2 if isinstance(v, float) else 3


_KIND_TYPES = {0: "TEXT", 1: "INTEGER", 2: "REAL", 3: "TEXT"}


def window_columns(seen: list[tuple[str, tuple, int]]) -> list[tuple[str, str, str]]:
    """``(key, column, type)`` of ``window_rows``' flattened-key columns from ``(key, first
    order, widest kind)``: in first-seen order, a key only once a value is not null, named as
    the store names them (dots → underscores, ``_2``… when taken, ignoring case)."""
    taken = {name.lower() for name, _ in WINDOW_FIXED}
    out = []
    for key, _order, kind in sorted(seen, key=lambda s: s[1]):
        if kind == 0:
            continue
        base = col = key.replace(".", "_")
        n = 2
        while col.lower() in taken:
            col = f"{base}_{n}"
            n += 1
        taken.add(col.lower())
        out.append((key, col, _KIND_TYPES[kind]))
    return out


def window_row(
    identity: Any, n: int, row: dict, anchor: str | None, columns: list[tuple[str, str, str]]
) -> list:
    text = json_text(row)
    exact = text == safe_text(text) and is_plain_json(row)
    when = anchor.rsplit("/", 1)[1] or None if anchor else None
    cells = [typed("TEXT", identity), n, typed("TEXT", anchor), when, safe_text(text)]
    cells.append(None if exact else json.dumps(tag(row)))
    cells += [typed(t, window_cell(row.get(k))) for k, _c, t in columns]
    return cells


def bad_row(n: int, path: str, line: int, raw: str, reason: str) -> list:
    return [n, path, line, safe_text(raw[:RAW_LIMIT]), safe_text(reason)]
