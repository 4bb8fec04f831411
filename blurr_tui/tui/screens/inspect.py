"""Looking closer at what a pane shows: the full view (v) and copying (y) of a line or cell,
sorting (o) and choosing columns (h) of a record table."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from rich.text import Text
from textual.widget import Widget

from blurr_tui.tui.screens.full_view import FullViewScreen
from blurr_tui.tui.widgets import EventView, RecordTable
from blurr_tui.tui.widgets.text_lines import TextLinesView


def value_text(value: Any) -> str:
    """A value whole: text as it is, containers as indented JSON, times in ISO form."""
    if value is None:
        return ""
    if isinstance(value, str):
        return value
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, dict | list | tuple | set):
        try:
            items = sorted(value, key=str) if isinstance(value, set) else value
            return json.dumps(items, indent=2, ensure_ascii=False, default=str)
        except (TypeError, ValueError):
            return repr(value)
    return str(value)


def table_title(table: RecordTable) -> str:
    return str(table.border_title or table.id or "table")


def full_view(widget: Widget | None, raw_event: str | None) -> FullViewScreen | None:
    """The full view of the focused widget's current cell or line (None: nothing to show)."""
    if isinstance(widget, RecordTable):
        if not widget.row_count:
            return None
        name, value = widget.cell_value()
        row = widget.get_row(widget.cursor_row) or ()
        where = f"{table_title(widget)} · row {widget.cursor_row + 1:,} · {name}"
        if row:
            where += f" · {row[0]}"
        return FullViewScreen(where, Text(value_text(value)))
    if isinstance(widget, EventView):
        if raw_event is None:
            return None
        return FullViewScreen("the event's line in the log", Text(raw_event))
    if isinstance(widget, TextLinesView):
        text = widget.full_text()
        if text is None:
            return None
        title = f"{widget.border_title or 'pane'} · line {widget.cursor + 1}"
        return FullViewScreen(title, text.copy())
    return None


def copy_text(widget: Widget | None, raw_event: str | None) -> tuple[str, str] | None:
    """(what, text) to copy: a table's cell, a trace line, else the event's line in the log."""
    if isinstance(widget, RecordTable) and widget.row_count:
        name, value = widget.cell_value()
        return f"{name} of row {widget.cursor_row + 1:,}", value_text(value)
    if isinstance(widget, TextLinesView) and not isinstance(widget, EventView):
        text = widget.full_text()
        if text is not None:
            return f"{widget.border_title or 'pane'} line {widget.cursor + 1}", text.plain.strip()
    if raw_event is not None:
        return "the event's line", raw_event
    return None
