"""The side tables of :class:`~.sqlite_store.SqliteStore`: window rows, bad events, run meta.

Each is a mixin of ``SqliteStore``, which provides ``conn``, ``db``, ``_lock`` and ``_fetch``.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from datetime import datetime
from typing import TYPE_CHECKING, cast

from .schema import is_plain_json, json_text, q, safe_text, safe_value
from .tagged import tag, untag

if TYPE_CHECKING:
    import sqlite_utils
    import sqlite_utils.db

RAW_LIMIT = 2048


class BadEventsMixin:
    """``bad_events``: input lines that could not be read, with why."""

    if TYPE_CHECKING:  # provided by SqliteStore
        conn: sqlite3.Connection
        _lock: threading.RLock

        def _fetch(self, sql: str, args: tuple) -> list: ...

    def add_bad_event(self, line: int, byte_offset: int, raw: bytes | str, reason: str) -> None:
        if isinstance(raw, bytes):
            raw = raw[:RAW_LIMIT].decode("utf-8", "backslashreplace")
        row = (line, byte_offset, safe_text(raw[:RAW_LIMIT]), safe_text(reason))
        with self._lock:
            self.conn.execute(
                "INSERT INTO bad_events (line, byte_offset, raw, reason) VALUES (?, ?, ?, ?)", row
            )

    def bad_events(self, offset: int = 0, limit: int = -1) -> list[tuple[int, int, str, str]]:
        sql = "SELECT line, byte_offset, raw, reason FROM bad_events ORDER BY id LIMIT ? OFFSET ?"
        return self._fetch(sql, (limit, offset))


class SwallowedMixin:
    """``swallowed_errors``: exceptions Blurr swallows (the field was not updated)."""

    if TYPE_CHECKING:  # provided by SqliteStore
        conn: sqlite3.Connection
        _lock: threading.RLock

        def _fetch(self, sql: str, args: tuple) -> list: ...

    def _open_swallowed(self) -> None:
        self.conn.execute(
            "CREATE TABLE IF NOT EXISTS swallowed_errors (id INTEGER PRIMARY KEY, line INTEGER, "
            "identity TEXT, aggregate TEXT, field TEXT, expression TEXT, exception TEXT)"
        )

    def add_swallowed(self, rows: list[tuple[int, str | None, str, str, str, str]]) -> None:
        sql = (
            "INSERT INTO swallowed_errors (line, identity, aggregate, field, expression, "
            "exception) VALUES (?, ?, ?, ?, ?, ?)"
        )
        with self._lock:
            self.conn.executemany(sql, [tuple(safe_value(v) for v in r) for r in rows])

    def swallowed_errors(self) -> list[tuple]:
        sql = "SELECT line, identity, aggregate, field, expression, exception FROM swallowed_errors ORDER BY id"
        return self._fetch(sql, ())


class RunMetaMixin:
    """``run_meta``: key/value facts about the run (specs, versions, progress)."""

    if TYPE_CHECKING:  # provided by SqliteStore
        conn: sqlite3.Connection
        _lock: threading.RLock

        def _fetch(self, sql: str, args: tuple) -> list: ...

    def set_meta(self, **kv: object) -> None:
        sql = "INSERT INTO run_meta (key, value) VALUES (?, ?) ON CONFLICT(key) DO UPDATE SET value = excluded.value"
        with self._lock:
            self.conn.executemany(sql, [(k, _meta_value(v)) for k, v in kv.items()])

    def get_meta(self) -> dict[str, object]:
        return dict(self._fetch("SELECT key, value FROM run_meta ORDER BY key", ()))


class WindowRowsMixin:
    """``window_rows``: the window BTS output rows of each identity, exact and queryable."""

    if TYPE_CHECKING:  # provided by SqliteStore
        conn: sqlite3.Connection
        db: sqlite_utils.Database
        _lock: threading.RLock

        def _fetch(self, sql: str, args: tuple) -> list: ...

    def _open_window_rows(self) -> None:
        cols = {"identity": str, "row": int, "_row_json": str, "_row_exact": str}
        t = cast("sqlite_utils.db.Table", self.db["window_rows"])
        t.create(cols, pk=("identity", "row"), if_not_exists=True)
        self._wcols = {c.lower(): c for c in t.columns_dict}
        self._wsql: dict[tuple[str, ...], str] = {}

    def set_window_rows(self, identity: str, rows: list[dict]) -> None:
        """Replace ``identity``'s window rows; a column per flattened key, added as seen."""
        ident = safe_text(identity)
        with self._lock:
            new: dict[str, object] = {}
            for row in rows:
                for k, v in row.items():
                    if k.lower() not in self._wcols and new.get(k) is None:
                        new[k] = v
            for k, v in new.items():
                if k.lower() not in self._wcols:
                    self.conn.execute(f"ALTER TABLE window_rows ADD COLUMN {q(k)} {_sql_type(v)}")
                    self._wcols[k.lower()] = k
            self.conn.execute("DELETE FROM window_rows WHERE identity = ?", (ident,))
            for i, row in enumerate(rows):
                cols = tuple(
                    k for k in row if k.lower() not in _WFIXED and self._wcols.get(k.lower()) == k
                )
                sql = self._wsql.get(cols)
                if sql is None:
                    names = ("identity", "row", "_row_json", "_row_exact", *cols)
                    marks = ", ".join("?" * len(names))
                    sql = f"INSERT INTO window_rows ({', '.join(map(q, names))}) VALUES ({marks})"
                    self._wsql[cols] = sql
                text = json_text(row)
                exact = text == safe_text(text) and is_plain_json(row)
                params = [ident, i, safe_text(text), None if exact else json.dumps(tag(row))]
                params += [_cell(row[k]) for k in cols]
                self.conn.execute(sql, params)

    def window_rows(self, identity: str) -> list[dict]:
        """The rows saved by :meth:`set_window_rows`, exactly."""
        sql = "SELECT _row_json, _row_exact FROM window_rows WHERE identity = ? ORDER BY row"
        rows = self._fetch(sql, (safe_text(identity),))
        return [json.loads(t) if x is None else cast(dict, untag(json.loads(x))) for t, x in rows]


_WFIXED = frozenset({"identity", "row", "_row_json", "_row_exact"})


def _sql_type(v: object) -> str:
    if isinstance(v, bool | int):
        return "INTEGER"
    return "REAL" if isinstance(v, float) else "TEXT"


def _cell(v: object) -> object:
    t = type(v)
    if t is bool:
        return int(cast(bool, v))
    if t is float:
        return None if v != v else v
    if v is None or t is int or t is str:
        return safe_value(v)
    try:
        return safe_text(json_text(v))
    except (TypeError, ValueError):
        return safe_text(repr(v))


def _meta_value(v: object) -> object:
    if v is None or type(v) in (int, float, bytes):
        return safe_value(v)
    if type(v) is bool:
        return int(cast(bool, v))
    if type(v) is str:
        return safe_text(v)
    if isinstance(v, datetime):
        return v.isoformat()
    return json_text(v) if is_plain_json(v) else repr(v)
