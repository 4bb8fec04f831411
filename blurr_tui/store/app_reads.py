"""Store reads and file operations the app's replay controller needs (its SQL lives here)."""

from __future__ import annotations

import copy
import sqlite3
import threading
from pathlib import Path

from ..engine.spec import StreamingSpec
from .schema import q, safe_text
from .sqlite_store import SqliteStore


def row_index(
    store: SqliteStore, aggregate: str, key: str, identity: str | None
) -> tuple[int, int | None] | None:
    """(``_seq`` of ``key``, its row among ``identity``'s rows or None) or None if absent."""
    table = q(store.table_for(aggregate))
    with store._lock:
        row = store.conn.execute(f"SELECT _seq FROM {table} WHERE _key = ?", (key,)).fetchone()
        if row is None:
            return None
        if identity is None:
            return row[0], None
        sql = f"SELECT count(*) FROM {table} WHERE _seq < ? AND _identity = ?"
        n = store.conn.execute(sql, (row[0], safe_text(identity))).fetchone()[0]
    return row[0], n


def aggregate_names(store: SqliteStore) -> list[str]:
    """Aggregates that have a table, as recorded in the database."""
    return [r[0] for r in store._fetch("SELECT aggregate FROM aggregates", ())]


def index_keys(store: SqliteStore, streaming: StreamingSpec) -> None:
    """The app finds the row of a touched key by ``_key``: index it (headless runs don't)."""
    for agg in streaming.aggregates:
        try:
            table = store.table_for(agg.name)
        except KeyError:
            continue  # not stored (a Variable without Store)
        with store._lock:
            store.conn.execute(
                f"CREATE INDEX IF NOT EXISTS {q(table + '__key')} ON {q(table)} (_key)"
            )


def open_reader(store: SqliteStore, path: str | Path) -> SqliteStore:
    """The same store's read API over its own connection (shares the decoded layouts)."""
    reader = copy.copy(store)
    reader.conn = sqlite3.connect(str(path), check_same_thread=False)
    reader.conn.isolation_level = None
    reader._lock = threading.RLock()
    return reader


def close_quietly(store: SqliteStore) -> None:
    try:
        store.conn.close()
    except sqlite3.Error:
        pass


def export_copy(store: SqliteStore, path: str | Path) -> dict[str, int]:
    """Copy the database to ``path`` (commits an open batch); rows per table of the copy."""
    store.backup_to(path)
    conn = sqlite3.connect(str(path))
    try:
        names = [
            r[0]
            for r in conn.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name"
            )
        ]
        return {n: conn.execute(f"SELECT count(*) FROM {q(n)}").fetchone()[0] for n in names}
    finally:
        conn.close()
