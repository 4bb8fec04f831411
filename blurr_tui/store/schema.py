"""Table layout of the SQLite store and the exact-value codec it relies on.

Design (what an analyst sees in ``sqlite3``/Datasette/pandas, and how it round-trips):

* One table per aggregate that has a store (Identity, Block, Activity, and Variable only if
  it declares ``Store``), named after the aggregate.  A name that collides with the fixed
  tables below or starts with ``sqlite_`` gets an ``agg_`` prefix; the ``aggregates`` table
  maps every aggregate to its table.  Columns, in order:

  ``_key`` (Blurr's key text as first saved), ``_seq`` (INTEGER PRIMARY KEY: global
  first-save order across all tables), ``_identity`` (the key's identity),
  ``_start_time``/``_end_time`` (ISO text, Block/Activity only), one column per user field,
  one per dimension, ``_store`` (the BTS store the aggregate writes to), ``_instant``
  (Block/Activity: the key timestamp as a fixed-width UTC ISO text, sortable), ``_lookup``
  (UNIQUE: JSON ``[identity, instant, [dims]]``, what a key compares by) and ``_extra``.
  Indexes: UNIQUE ``_lookup`` and ``(_identity, _seq)``; nothing else, to keep saves fast
  (``CREATE INDEX`` on ``_key`` yourself if you query by it a lot).

  Field columns have real types: integer → INTEGER, float → REAL, string/datetime → TEXT,
  boolean → INTEGER 0/1, map/list/set → TEXT holding JSON (``ensure_ascii=False``; a
  ``NaN`` inside a container is written as Python's bare ``NaN``).

* ``_extra`` is the side channel that makes decoding exact.  It is NULL for ordinary rows.
  When a value does not survive its typed column (a bool in an integer field (Blurr B-1),
  NaN or -0.0 in a REAL, an int beyond 64 bits, a map with non-string keys, a tuple or a
  datetime inside a list, a snapshot ``_identity`` different from the key's, a value of an
  unexpected type...), the column gets a best-effort value for humans and ``_extra`` holds
  ``{"o": [[field, tagged value], ...]}`` (overrides).  When the snapshot's keys are not the
  expected ones in the expected order (or a field has no column because its name clashes,
  case-insensitively, with another column), ``_extra`` holds the whole snapshot as
  ``{"s": [[field, tagged value], ...]}``.  *Tagged* JSON (:func:`tag`/:func:`untag`) is
  plain JSON in which every non-list container or non-JSON scalar is a one-key object:
  ``{"d": [[k, v], ...]}`` dict, ``{"t": [...]}`` tuple, ``{"s": [...]}`` set,
  ``{"f": "nan"}`` non-finite or negative-zero float, ``{"dt": iso}`` datetime, ...

* Why the primary key is ``_seq`` and not ``_key``: Blurr's key text is ambiguous (``/`` and
  ``:`` in dimension values are not escaped, BTS-SEMANTICS §8), and timestamp keys compare
  by instant, so uniqueness is enforced on ``_lookup`` instead.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from datetime import UTC, datetime
from json.encoder import encode_basestring_ascii as _esc  # type: ignore[attr-defined]
from typing import cast

from ..engine.spec import AggregateKind, AggregateSpec, FieldType
from .tagged import dumps_tagged, is_plain_json, json_text, loads_tagged, tag, untag

SCHEMA_VERSION = 2
RESERVED_TABLES = frozenset(
    {
        "window_rows",
        "bad_events",
        "run_meta",
        "aggregates",
        "swallowed_errors",
        "_identities",
        "_identity_states",
        "_events",
    }
)
META_COLUMNS = frozenset({"_key", "_seq", "_identity", "_store", "_instant", "_lookup", "_extra"})
STORED_KINDS = (AggregateKind.IDENTITY, AggregateKind.BLOCK, AggregateKind.ACTIVITY)
INT_MIN, INT_MAX = -(2**63), 2**63 - 1
SQL_TYPES = {
    FieldType.INTEGER: "INTEGER",
    FieldType.FLOAT: "REAL",
    FieldType.STRING: "TEXT",
    FieldType.BOOLEAN: "INTEGER",
    FieldType.DATETIME: "TEXT",
    FieldType.MAP: "TEXT",
    FieldType.LIST: "TEXT",
    FieldType.SET: "TEXT",
}


def q(name: str) -> str:
    """Quote an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def table_name_for(aggregate: str) -> str:
    if aggregate.lower() in RESERVED_TABLES or aggregate.lower().startswith("sqlite_"):
        return "agg_" + aggregate
    return aggregate


def is_stored(agg: AggregateSpec) -> bool:
    if agg.kind in STORED_KINDS:
        return True
    return agg.kind == AggregateKind.VARIABLE and agg.store is not None


def instant_text(ts: datetime) -> str:
    """Fixed-width UTC text of an instant: sorts like the instants."""
    if ts.tzinfo is None or ts.utcoffset() is None:
        return ts.isoformat(timespec="microseconds")  # naive: never equal to an aware key
    utc = ts.astimezone(UTC).replace(tzinfo=None)
    return utc.isoformat(timespec="microseconds") + "Z"


def lookup_text(identity: str, dims: tuple[str, ...], instant: str | None) -> str:
    """``json.dumps([identity, instant, list(dims)])``, built faster.

    Instant before dimensions: all timestamp keys of an identity share the prefix
    :func:`instant_prefix` and sort by instant in the UNIQUE index (``latest_block``).
    """
    ts = _esc(instant) if instant is not None else "null"
    return f"[{_esc(identity)}, {ts}, [{', '.join(map(_esc, dims))}]]"


def instant_prefix(identity: str) -> tuple[str, str]:
    """Bounds of the ``_lookup`` texts of ``identity``'s timestamp keys: ``lo < x < hi``."""
    lo = f'[{_esc(identity)}, "'
    return lo, lo[:-1] + "#"  # '#' follows '"'


def safe_text(s: str) -> str:
    """``s`` unchanged unless it holds lone surrogates (SQLite needs valid UTF-8)."""
    try:
        s.encode("utf-8")
    except UnicodeEncodeError:
        return s.encode("utf-8", "backslashreplace").decode("utf-8")
    return s


def safe_value(v: object) -> object:
    """A bindable SQLite value: lone surrogates escaped, ints beyond 64 bits as text."""
    if type(v) is str:
        return safe_text(v)
    if type(v) is int and not INT_MIN <= v <= INT_MAX:
        return str(v)
    return v


# --- per-aggregate layout ------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Column:
    field: str  # snapshot key
    sql_type: str
    ftype: FieldType | None


@dataclass(frozen=True, slots=True)
class TableLayout:
    aggregate: str
    table: str
    kind: str
    store: str | None
    snapshot_keys: tuple[str, ...]  # expected snapshot key order
    columns: tuple[Column, ...]  # typed value columns, after _identity
    has_instant: bool
    whole_only: bool  # some snapshot key has no column: always keep the whole snapshot

    def create_columns(self) -> dict[str, str]:
        cols = {"_key": "TEXT", "_seq": "INTEGER", "_identity": "TEXT"}
        cols.update({c.field: c.sql_type for c in self.columns})
        cols["_store"] = "TEXT"
        if self.has_instant:
            cols["_instant"] = "TEXT"
        cols["_lookup"] = "TEXT"
        cols["_extra"] = "TEXT"
        return cols


def layout_for(
    agg: AggregateSpec | None, group: str, taken: set[str], table: str | None = None
) -> TableLayout:
    """The layout of ``group``'s table; ``agg`` None: a group unknown to the spec.

    ``table``: the name recorded in an existing database; otherwise a free name is chosen.
    """
    if table is None:
        table = base = table_name_for(group)
        n = 2
        while table.lower() in taken:
            table = f"{base}_{n}"
            n += 1
    if agg is None:
        return TableLayout(group, table, "unknown", None, (), (), True, True)
    keys: list[str] = ["_identity"]
    specs: list[tuple[str, FieldType | None]] = []
    if agg.has_time_fields:
        specs += [("_start_time", FieldType.DATETIME), ("_end_time", FieldType.DATETIME)]
    specs += [(f.name, f.type) for f in agg.fields + agg.dimensions]
    used = {c.lower() for c in META_COLUMNS}
    columns: list[Column] = []
    whole_only = False
    for name, ftype in specs:
        if name in keys:
            continue  # a dict keeps the first position of a repeated name
        keys.append(name)
        if name.lower() in used:
            whole_only = True
            continue
        used.add(name.lower())
        columns.append(Column(name, SQL_TYPES.get(ftype, "TEXT") if ftype else "TEXT", ftype))
    return TableLayout(
        agg.name,
        table,
        agg.kind.value,
        agg.store,
        tuple(keys),
        tuple(columns),
        agg.has_time_fields,
        whole_only,
    )


# --- row codec -----------------------------------------------------------------------------

_MISS = object()


def _enc_int(v: object) -> object:
    if v is None or (type(v) is int and INT_MIN <= v <= INT_MAX):  # type: ignore[operator]
        return v
    return _MISS


def _enc_float(v: object) -> object:
    if v is None or (type(v) is float and v == v and (v or math.copysign(1.0, v) > 0)):
        return v
    return _MISS


def _enc_text(v: object) -> object:
    return v if v is None or type(v) is str else _MISS


def _enc_bool(v: object) -> object:
    if type(v) is bool:
        return int(v)
    return None if v is None else _MISS


def _enc_json(v: object) -> object:
    if v is None:
        return None
    return json_text(v) if is_plain_json(v) else _MISS


def _dec_same(v: object) -> object:
    return v


def _dec_bool(v: object) -> object:
    return None if v is None else bool(v)


def _dec_json(v: object) -> object:
    return None if v is None else json.loads(v)  # type: ignore[arg-type]


_CODECS = {
    FieldType.INTEGER: (_enc_int, _dec_same),
    FieldType.FLOAT: (_enc_float, _dec_same),
    FieldType.STRING: (_enc_text, _dec_same),
    FieldType.DATETIME: (_enc_text, _dec_same),
    FieldType.BOOLEAN: (_enc_bool, _dec_bool),
    FieldType.MAP: (_enc_json, _dec_json),
    FieldType.LIST: (_enc_json, _dec_json),
    FieldType.SET: (_enc_json, _dec_json),
}


def best_effort(v: object) -> object:
    """A column value for humans when the exact value lives in ``_extra``."""
    t = type(v)
    if v is None or t is str:
        return v
    if t is bool:
        return int(cast(bool, v))
    if t is int:
        return v if INT_MIN <= cast(int, v) <= INT_MAX else str(v)
    if t is float:
        return None if v != v else v
    try:
        return json_text(v)
    except (TypeError, ValueError):
        return repr(v)


class RowCodec:
    """Encodes a snapshot into column values + ``_extra`` text, and back."""

    __slots__ = ("layout", "fields", "encoders", "decoders", "keys")

    def __init__(self, layout: TableLayout) -> None:
        self.layout = layout
        self.fields = tuple(c.field for c in layout.columns)
        codecs = [_CODECS.get(c.ftype, (_enc_text, _dec_same)) for c in layout.columns]  # type: ignore[arg-type]
        self.encoders = tuple(c[0] for c in codecs)
        self.decoders = tuple(c[1] for c in codecs)
        self.keys = layout.snapshot_keys

    def encode(self, record: dict, identity: str) -> tuple[list[object], str | None]:
        values: list[object] = []
        over: list[tuple[str, object]] = []
        get = record.get
        for name, enc in zip(self.fields, self.encoders, strict=True):
            v = get(name)
            c = enc(v)
            if c is _MISS:
                c = best_effort(v)
                over.append((name, v))
            values.append(c)
        if self.layout.whole_only or tuple(record) != self.keys:
            return values, dumps_tagged(list(record.items()), "s")
        idv = record["_identity"]
        if type(idv) is not str or idv != identity:
            over.insert(0, ("_identity", idv))
        return values, (dumps_tagged(over, "o") if over else None)

    def decode(self, identity: str, values: tuple | list, extra: str | None) -> dict:
        if extra is not None:
            mode, pairs = loads_tagged(extra)
            if mode == "s":
                return dict(pairs)
        rec: dict = {"_identity": identity}
        for name, dec, v in zip(self.fields, self.decoders, values, strict=True):
            rec[name] = dec(v)
        if extra is not None:
            rec.update(pairs)
        return rec


__all__ = [
    "INT_MAX",
    "INT_MIN",
    "SCHEMA_VERSION",
    "Column",
    "RowCodec",
    "TableLayout",
    "best_effort",
    "dumps_tagged",
    "instant_prefix",
    "instant_text",
    "is_plain_json",
    "is_stored",
    "json_text",
    "layout_for",
    "loads_tagged",
    "lookup_text",
    "q",
    "safe_text",
    "safe_value",
    "table_name_for",
    "tag",
    "untag",
]
