"""Pages of an aggregate's records for the app: filtered by an identity pattern, sorted by a
column.  The replay's plain pages (first-save order, one exact identity) stay in
``SqliteStore.page``; these serve the record tables' identity search and column sort.

An identity pattern is a case-insensitive substring (``B6`` finds ``B6FA``) or, when it holds
``*``, ``?`` or ``[``, a glob (``B6*``, SQLite GLOB: case-sensitive).
"""

from __future__ import annotations

from dataclasses import dataclass

from .schema import q, safe_text
from .sqlite_store import SqliteStore, _key_from

KEY_COLUMNS = ("_key", "_identity")
GLOB_CHARS = frozenset("*?[")


class SortError(ValueError):
    """The column asked for cannot be sorted by (it is not a column of the table)."""


@dataclass(frozen=True, slots=True)
class RecordView:
    """Which rows of a table, in which order."""

    identity: str | None = None  # exactly this identity
    pattern: str | None = None  # identities holding this substring, or matching this glob
    order_by: str | None = None  # a field (or _key, _identity); None: first-save order
    descending: bool = False


def is_glob(pattern: str) -> bool:
    return any(c in GLOB_CHARS for c in pattern)


def _where(view: RecordView) -> tuple[str, tuple]:
    clauses: list[str] = []
    args: list[object] = []
    if view.identity is not None:
        clauses.append("_identity = ?")
        args.append(safe_text(view.identity))
    if view.pattern:
        if is_glob(view.pattern):
            clauses.append("_identity GLOB ?")
        else:
            clauses.append("instr(lower(_identity), lower(?)) > 0")
        args.append(safe_text(view.pattern))
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), tuple(args)


def sortable_columns(store: SqliteStore, aggregate: str) -> list[str]:
    """The fields of ``aggregate`` its table can be sorted by."""
    g = store._groups.get(aggregate)
    if g is None:
        return []
    return [*KEY_COLUMNS, *(c.field for c in g.layout.columns)]


def _order(store: SqliteStore, aggregate: str, view: RecordView) -> str:
    if view.order_by is None:
        return " ORDER BY _seq DESC" if view.descending else " ORDER BY _seq"
    if view.order_by not in sortable_columns(store, aggregate):
        raise SortError(f"{aggregate}.{view.order_by} is not a column of its table")
    col = q(view.order_by)
    direction = "DESC" if view.descending else "ASC"
    return f" ORDER BY {col} IS NULL, {col} {direction}, _seq"  # blanks last


def count_records(store: SqliteStore, aggregate: str, view: RecordView) -> int:
    g = store._groups.get(aggregate)
    if g is None:
        return 0
    where, args = _where(view)
    return store._fetch(f"SELECT count(*) FROM {q(g.layout.table)}{where}", args)[0][0]


def page_records(
    store: SqliteStore, aggregate: str, offset: int, limit: int, view: RecordView
) -> list[tuple[str, dict]]:
    """``limit`` rows from ``offset`` in ``view``'s order: (key text, record)."""
    g = store._groups.get(aggregate)
    if g is None or limit <= 0:
        return []
    where, args = _where(view)
    sql = g.select + where + _order(store, aggregate, view) + " LIMIT ? OFFSET ?"
    rows = store._fetch(sql, (*args, limit, offset))
    return [(str(_key_from(aggregate, r[1], r[2])), store._decode(g, r)) for r in rows]


def record_row(store: SqliteStore, aggregate: str, key: str, view: RecordView) -> int | None:
    """The 0-based row of ``key`` in ``view`` (None when the view does not hold it)."""
    g = store._groups.get(aggregate)
    if g is None:
        return None
    where, args = _where(view)
    order = _order(store, aggregate, view).removeprefix(" ORDER BY ")
    sql = (
        f"SELECT n FROM (SELECT _key, row_number() OVER (ORDER BY {order}) - 1 AS n "
        f"FROM {q(g.layout.table)}{where}) WHERE _key = ?"
    )
    row = store._fetch(sql, (*args, key))
    return row[0][0] if row else None
