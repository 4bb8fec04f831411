"""The side tables of :class:`~.sqlite_store.SqliteStore`: window rows, bad events, run meta.

Each is a mixin of ``SqliteStore``, which provides ``conn``, ``db``, ``_lock`` and ``_fetch``.
"""

from __future__ import annotations

import json
import re
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
        rows = self._fetch("SELECT key, value FROM run_meta ORDER BY key", ())
        return {k: meta_from_text(v) for k, v in rows}


class WindowRowsMixin:
    """``window_rows``: the window BTS output rows of each identity, exact and queryable.

    Columns: ``_identity``, ``_row`` (0-based), ``_anchor_key`` and ``_anchor_time`` (the
    block the row is anchored on), one column per flattened row key with dots made
    underscores (``last_7_days.sessions`` → ``last_7_days_sessions``; the mapping is in
    ``run_meta.window_columns``), ``_row_json`` (the row as Blurr prints it) and
    ``_row_exact`` (tagged JSON when ``_row_json`` is not exact).
    """

    if TYPE_CHECKING:  # provided by SqliteStore
        conn: sqlite3.Connection
        db: sqlite_utils.Database
        _lock: threading.RLock

        def _fetch(self, sql: str, args: tuple) -> list: ...
        def get_meta(self) -> dict[str, object]: ...
        def set_meta(self, **kv: object) -> None: ...

    def _open_window_rows(self) -> None:
        cols = {
            "_identity": str,
            "_row": int,
            "_anchor_key": str,
            "_anchor_time": str,
            "_row_json": str,
            "_row_exact": str,
        }
        t = cast("sqlite_utils.db.Table", self.db["window_rows"])
        t.create(cols, pk=("_identity", "_row"), if_not_exists=True)
        taken = {c.lower() for c in t.columns_dict}
        mapping = self.get_meta().get("window_columns")
        self._wmap: dict[str, str] = json.loads(mapping) if isinstance(mapping, str) else {}
        self._wtaken = taken | {c.lower() for c in self._wmap.values()}
        self._wsql: dict[tuple[str, ...], str] = {}

    def _wcolumn(self, key: str, sample: object) -> str:
        col = self._wmap.get(key)
        if col is None:
            base = col = key.replace(".", "_")
            n = 2
            while col.lower() in self._wtaken:
                col = f"{base}_{n}"
                n += 1
            self.conn.execute(f"ALTER TABLE window_rows ADD COLUMN {q(col)} {_sql_type(sample)}")
            self._wmap[key] = col
            self._wtaken.add(col.lower())
            self.set_meta(window_columns=json.dumps(self._wmap))
        return col

    def set_window_rows(
        self, identity: str, rows: list[dict], anchors: list[str] | None = None
    ) -> None:
        """Replace ``identity``'s window rows (``anchors``: each row's anchor key text)."""
        ident = safe_text(identity)
        with self._lock:
            for row in rows:
                for k, v in row.items():
                    if k not in self._wmap and v is not None:
                        self._wcolumn(k, v)
            self.conn.execute("DELETE FROM window_rows WHERE _identity = ?", (ident,))
            for i, row in enumerate(rows):
                keys = tuple(k for k in row if k in self._wmap)
                sql = self._wsql.get(keys)
                if sql is None:
                    names = [*_WFIXED, *(self._wmap[k] for k in keys)]
                    marks = ", ".join("?" * len(names))
                    sql = f"INSERT INTO window_rows ({', '.join(map(q, names))}) VALUES ({marks})"
                    self._wsql[keys] = sql
                anchor = anchors[i] if anchors is not None and i < len(anchors) else None
                when = anchor.rsplit("/", 1)[1] or None if anchor else None
                text = json_text(row)
                exact = text == safe_text(text) and is_plain_json(row)
                params = [ident, i, safe_value(anchor), when, safe_text(text)]
                params.append(None if exact else json.dumps(tag(row)))
                params += [_cell(row[k]) for k in keys]
                self.conn.execute(sql, params)

    def window_rows(self, identity: str) -> list[dict]:
        """The rows saved by :meth:`set_window_rows`, exactly."""
        sql = "SELECT _row_json, _row_exact FROM window_rows WHERE _identity = ? ORDER BY _row"
        rows = self._fetch(sql, (safe_text(identity),))
        return [json.loads(t) if x is None else cast(dict, untag(json.loads(x))) for t, x in rows]


_WFIXED = ("_identity", "_row", "_anchor_key", "_anchor_time", "_row_json", "_row_exact")


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


def _meta_value(v: object) -> str | None:
    """``run_meta.value`` is TEXT: numbers as their decimal text (read back as numbers)."""
    if v is None:
        return None
    if type(v) is bool:
        return str(int(cast(bool, v)))
    if type(v) in (int, float):
        return repr(v)
    if type(v) is str:
        return safe_text(cast(str, v))
    if isinstance(v, datetime):
        return v.isoformat()
    return json_text(v) if is_plain_json(v) else repr(v)


_INT = re.compile(r"-?\d{1,18}")
_FLOAT = re.compile(r"-?\d+\.\d+(e[-+]?\d+)?")


def meta_from_text(v: object) -> object:
    """A ``run_meta`` value as written: number texts come back as numbers."""
    if isinstance(v, str):
        if _INT.fullmatch(v):
            return int(v)
        if _FLOAT.fullmatch(v):
            return float(v)
    return v
