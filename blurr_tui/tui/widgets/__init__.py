"""Reusable widgets of the replay app: record table, trace, event and transport panes."""

from blurr_tui.tui.widgets.event_view import EventView
from blurr_tui.tui.widgets.record_table import RecordTable
from blurr_tui.tui.widgets.row_source import ListRowSource, RowSource
from blurr_tui.tui.widgets.trace_view import TraceView
from blurr_tui.tui.widgets.transport import TransportBar, TransportState

__all__ = [
    "EventView",
    "ListRowSource",
    "RecordTable",
    "RowSource",
    "TraceView",
    "TransportBar",
    "TransportState",
]
