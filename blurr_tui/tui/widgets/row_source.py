"""What a `RecordTable` reads: a `RowSource` (a list, or a SQLite page query), and cell text."""

from __future__ import annotations

import json
from collections.abc import Sequence
from datetime import date, datetime
from typing import Any, Protocol, runtime_checkable

MAX_COL_WIDTH = 30


@runtime_checkable
class RowSource(Protocol):
    """What the table reads: a list, or a SQLite page query."""

    columns: list[str]

    def row_count(self) -> int: ...

    def get_rows(self, start: int, count: int) -> list[tuple]: ...


@runtime_checkable
class SortableSource(RowSource, Protocol):
    """A source that can give its rows ordered by one column."""

    order: tuple[int, bool] | None  # (column, descending); None: the source's own order

    def set_order(self, column: int | None, descending: bool = False) -> None: ...


def sort_key(value: Any) -> tuple:
    """Orders mixed values: blanks last, then numbers, then everything else as text."""
    if value is None or value == "":
        return (2, 0, "")
    if is_number(value):
        return (0, value, "")
    return (1, 0, format_cell(value, None))


class ListRowSource:
    """A `RowSource` over an in-memory list of tuples (sortable by any column)."""

    def __init__(self, columns: Sequence[str], rows: list[tuple] | None = None) -> None:
        self.columns = list(columns)
        self.rows: list[tuple] = rows if rows is not None else []
        self.order: tuple[int, bool] | None = None
        self._sorted: list[tuple] | None = None
        self._sorted_from: tuple[int, int] = (0, 0)

    def set_order(self, column: int | None, descending: bool = False) -> None:
        self.order = None if column is None else (column, descending)
        self._sorted = None

    def _view(self) -> list[tuple]:
        if self.order is None:
            return self.rows
        stamp = (id(self.rows), len(self.rows))
        if self._sorted is None or self._sorted_from != stamp:
            col, desc = self.order
            self._sorted = sorted(
                self.rows,
                key=lambda r: sort_key(r[col] if col < len(r) else None),
                reverse=desc,
            )
            self._sorted_from = stamp
        return self._sorted

    def row_count(self) -> int:
        return len(self.rows)

    def get_rows(self, start: int, count: int) -> list[tuple]:
        return self._view()[start : start + count]


def format_cell(value: Any, cap: int | None = MAX_COL_WIDTH) -> str:
    """One cell as text: None is blank, containers as compact JSON, one line, cut to ``cap``
    characters (None: whole)."""
    if value is None:
        text = ""
    elif isinstance(value, str):
        text = value
    elif isinstance(value, bool):
        text = "true" if value else "false"
    elif isinstance(value, float):
        text = repr(value)
    elif isinstance(value, datetime | date):
        text = value.isoformat(sep=" ") if isinstance(value, datetime) else value.isoformat()
    elif isinstance(value, dict | list | tuple | set):
        try:
            text = json.dumps(
                list(value) if isinstance(value, set) else value,
                default=str,
                ensure_ascii=False,
                separators=(",", ":"),
            )
        except (TypeError, ValueError):
            text = str(value)
    else:
        text = str(value)
    if "\n" in text or "\t" in text:
        text = text.replace("\n", "⏎").replace("\t", " ")
    if cap is not None and len(text) > cap:
        text = text[: cap - 1] + "…"
    return text


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
