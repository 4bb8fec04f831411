"""Writing record history: ``_events`` and one ``<table>__history`` per record table.

The replay tells the log what each event did (:meth:`HistoryLog.event`, :meth:`version`);
rows are buffered and written by :meth:`flush`, which the replay calls inside the checkpoint
transaction, so history, records and the resume offset always commit together.  A version
row is the record's whole value after the event (same typed columns and exact ``_extra`` as
the record table); an event that left a record unchanged writes no version.
"""

from __future__ import annotations

import sqlite3
from datetime import datetime
from typing import TYPE_CHECKING

from ..engine.keys import Key
from .schema import dumps_tagged, q, safe_text, safe_value

if TYPE_CHECKING:
    from .sqlite_store import SqliteStore

EVENTS = "_events"
_BIND_ERRORS = (UnicodeEncodeError, OverflowError, sqlite3.InterfaceError, sqlite3.ProgrammingError)


def history_table(table: str) -> str:
    return table + "__history"


def create_events_table(conn: sqlite3.Connection) -> None:
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {EVENTS} (pos INTEGER PRIMARY KEY, line INTEGER, "
        "byte_offset INTEGER, identity TEXT, time REAL, status TEXT, seq_hi INTEGER)"
    )
    conn.execute(f"CREATE INDEX IF NOT EXISTS {EVENTS}_identity ON {EVENTS} (identity, pos)")


def create_history_table(conn: sqlite3.Connection, table: str, columns: dict[str, str]) -> str:
    """``table``'s history table (created if missing): ``_seq, _pos``, value columns, ``_extra``."""
    name = history_table(table)
    cols = ", ".join(f"{q(c)} {t}" for c, t in columns.items())
    conn.execute(
        f"CREATE TABLE IF NOT EXISTS {q(name)} (_seq INTEGER, _pos INTEGER, {cols}, _extra TEXT, "
        "PRIMARY KEY (_seq, _pos)) WITHOUT ROWID"
    )
    return name


class HistoryLog:
    """Buffered history rows of one store (see module doc)."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        create_events_table(store.conn)
        self._events: list[tuple] = []
        self._versions: dict[str, list[list[object]]] = {}
        self._last: dict[int, tuple] = {}  # _seq -> (values, extra) of its last version
        self._sql: dict[str, str] = {}

    def event(
        self,
        pos: int,
        line: int,
        offset: int,
        identity: str | None,
        time: datetime | None,
        status: str,
    ) -> None:
        """Event ``pos`` (call it after the event's :meth:`version` calls)."""
        when = time.timestamp() if time is not None else None
        self._events.append((pos, line, offset, identity, when, status, self.store.last_seq))

    def version(self, key: Key, snapshot: dict, pos: int) -> None:
        """``key``'s record is ``snapshot`` after event ``pos``."""
        store = self.store
        g = store.group(key.group)
        seq = store.reserve(key)
        values, extra = g.codec.encode(snapshot, key.identity)
        last = self._last.get(seq)
        if last is not None and last[0] == values and last[1] == extra:
            return
        self._last[seq] = (values, extra)
        rows = self._versions.get(key.group)
        if rows is None:
            rows = self._versions[key.group] = []
            self.ensure_table(key.group)
        rows.append([seq, pos, *values, extra, snapshot])

    def forget(self, seqs: list[int]) -> None:
        for seq in seqs:
            self._last.pop(seq, None)

    def flush(self) -> None:
        conn = self.store.conn
        if self._events:
            try:
                conn.executemany(
                    f"INSERT OR REPLACE INTO {EVENTS} VALUES (?, ?, ?, ?, ?, ?, ?)", self._events
                )
            except _BIND_ERRORS:
                conn.executemany(
                    f"INSERT OR REPLACE INTO {EVENTS} VALUES (?, ?, ?, ?, ?, ?, ?)",
                    [tuple(safe_value(v) for v in row) for row in self._events],
                )
            self._events = []
        for group, rows in self._versions.items():
            sql = self._sql[group]
            try:
                conn.executemany(sql, [r[:-1] for r in rows])
            except _BIND_ERRORS:
                for r in rows:
                    self._insert_one(sql, r)
        self._versions = {}

    def _insert_one(self, sql: str, row: list[object]) -> None:
        params = row[:-1]
        try:
            self.store.conn.execute(sql, params)
        except _BIND_ERRORS:
            snap = row[-1]
            safe = [safe_value(p) for p in params]
            safe[-1] = dumps_tagged(list(snap.items()), "s")  # type: ignore[attr-defined]
            self.store.conn.execute(sql, safe)

    def ensure_table(self, group: str) -> None:
        if group not in self._sql:
            self._sql[group] = self._insert_sql(group)

    def _insert_sql(self, group: str) -> str:
        g = self.store.group(group)
        cols = {c.field: c.sql_type for c in g.layout.columns}
        name = create_history_table(self.store.conn, g.layout.table, cols)
        names = ["_seq", "_pos", *cols, "_extra"]
        marks = ", ".join("?" * len(names))
        return f"INSERT OR REPLACE INTO {q(name)} ({', '.join(map(q, names))}) VALUES ({marks})"


__all__ = [
    "EVENTS",
    "HistoryLog",
    "create_events_table",
    "create_history_table",
    "history_table",
    "safe_text",
]
