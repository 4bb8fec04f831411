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


class ListRowSource:
    """A `RowSource` over an in-memory list of tuples."""

    def __init__(self, columns: Sequence[str], rows: list[tuple] | None = None) -> None:
        self.columns = list(columns)
        self.rows: list[tuple] = rows if rows is not None else []

    def row_count(self) -> int:
        return len(self.rows)

    def get_rows(self, start: int, count: int) -> list[tuple]:
        return self.rows[start : start + count]


def format_cell(value: Any) -> str:
    """One cell as text: None is blank, containers as compact JSON, one line, capped."""
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
    if len(text) > MAX_COL_WIDTH:
        text = text[: MAX_COL_WIDTH - 1] + "…"
    return text


def is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool)
