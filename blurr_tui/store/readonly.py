"""Read-only access to a blurr-tui SQLite store (``mode=ro``), for ``blurr-tui derive``.

``SqliteStore`` itself writes run metadata when it opens a file, so rows are decoded here with
the store's own :class:`RowCodec` (same exact decoding as ``SqliteStore.page``/``all_records``)
from the layout of the spec in ``run_meta``.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from ..engine.loader import SpecError, load_streaming
from ..engine.spec import FieldType, StreamingSpec
from .extras import meta_from_text
from .schema import RowCodec, TableLayout, layout_for, q

_TIME_FIELDS = frozenset({"_start_time", "_end_time"})


class DeriveError(Exception):
    """A one-line reason why nothing can be derived (exit status 1)."""


def parse_time(text: str) -> datetime:
    """ISO-8601 text → aware datetime (naive means UTC); ValueError if not ISO-8601."""
    dt = datetime.fromisoformat(text.strip())
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _aware(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_time(value)
        except ValueError:
            return value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


@dataclass(slots=True)
class _Table:
    layout: TableLayout
    codec: RowCodec
    datetime_fields: frozenset[str]


class ReadOnlyStore:
    """The records of a blurr-tui SQLite store, opened with ``mode=ro``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise DeriveError(f"{path}: no such database file")
        self.conn = self._connect()
        try:
            self.meta, self._known, self.spec = self._read_meta()
        except BaseException:
            self.conn.close()
            raise
        self._tables: dict[str, _Table] = {}

    def _connect(self) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        except sqlite3.OperationalError:  # a WAL database without -shm in a read-only folder
            conn.close()
            conn = sqlite3.connect(uri + "&immutable=1", uri=True)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DeriveError(f"{self.path}: not a blurr-tui store ({exc})") from None
        return conn

    def _read_meta(self) -> tuple[dict[str, Any], dict[str, str], StreamingSpec]:
        try:
            meta = {
                k: meta_from_text(v)
                for k, v in self.conn.execute("SELECT key, value FROM run_meta")
            }
            known = dict(self.conn.execute("SELECT aggregate, table_name FROM aggregates"))
        except sqlite3.DatabaseError as exc:
            raise DeriveError(f"{self.path}: not a blurr-tui store ({exc})") from None
        text = meta.get("streaming_spec_text")
        if not isinstance(text, str):
            raise DeriveError(f"{self.path}: run_meta holds no streaming spec text")
        try:
            spec = load_streaming(text, str(meta.get("streaming_spec_path") or "<run_meta>"))
        except SpecError as exc:
            raise DeriveError(
                f"{self.path}: the spec in run_meta cannot be loaded: {exc}"
            ) from None
        return meta, known, spec

    def close(self) -> None:
        self.conn.close()

    def aggregates(self) -> list[str]:
        """The aggregates that have a table in the database, spec order first."""
        order = [a.name for a in self.spec.aggregates if a.name in self._known]
        return order + sorted(set(self._known) - set(order))

    def table(self, aggregate: str) -> _Table:
        t = self._tables.get(aggregate)
        if t is not None:
            return t
        if aggregate not in self._known:
            names = ", ".join(self.aggregates()) or "(none)"
            raise DeriveError(
                f"no aggregate {aggregate!r} in {self.path.name}; aggregates: {names}"
            )
        agg = next((a for a in self.spec.aggregates if a.name == aggregate), None)
        layout = layout_for(agg, aggregate, set(), self._known[aggregate])
        have = [r[1] for r in self.conn.execute(f"PRAGMA table_info({q(layout.table)})")]
        if have != list(layout.create_columns()):
            raise DeriveError(
                f"table {layout.table!r} does not match the spec in run_meta "
                f"(columns {have}, expected {list(layout.create_columns())})"
            )
        dts = {c.field for c in layout.columns if c.ftype is FieldType.DATETIME}
        t = _Table(layout, RowCodec(layout), frozenset(dts | _TIME_FIELDS))
        self._tables[aggregate] = t
        return t

    def records(self, aggregate: str) -> Iterator[tuple[str, dict]]:
        """(key text, snapshot) of every record of ``aggregate`` in ``_seq`` order."""
        t = self.table(aggregate)
        cols = "".join(", " + q(c.field) for c in t.layout.columns)
        sql = f"SELECT _key, _extra, _identity{cols} FROM {q(t.layout.table)} ORDER BY _seq"
        for row in self.conn.execute(sql):
            yield row[0], t.codec.decode(row[2], row[3:], row[1])

    def column_names(self, aggregate: str) -> list[str]:
        """The names a record of ``aggregate`` has (``_identity``, times, fields)."""
        return ["_identity", *(c.field for c in self.table(aggregate).layout.columns)]

    def decoded(self, aggregate: str, snapshot: dict) -> dict:
        """The snapshot with its datetime fields as aware datetimes."""
        dts = self.table(aggregate).datetime_fields
        return {k: (_aware(v) if k in dts else v) for k, v in snapshot.items()}

    def last_event_time(self) -> datetime | None:
        """run_meta's ``last_event_time`` (written by the replay pipeline), if readable."""
        value = _aware(self.meta.get("last_event_time"))
        return value if isinstance(value, datetime) else None

    def max_end_time(self) -> datetime | None:
        """The latest ``_end_time`` over every Block/Activity table."""
        best: datetime | None = None
        for name in self.aggregates():
            try:
                if not self.table(name).layout.has_instant:
                    continue
            except DeriveError:  # a table this spec does not describe: not ours to read
                continue
            for _key, snap in self.records(name):
                end = _aware(snap.get("_end_time"))
                if isinstance(end, datetime) and (best is None or end > best):
                    best = end
        return best


__all__ = ["DeriveError", "ReadOnlyStore", "parse_time"]
