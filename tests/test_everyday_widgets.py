"""Issue 11 at widget level: nothing cut off (wrap, full view, sideways scrolling), sorting,
hidden columns, whole values, and keys typed right after a modal opens."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime

from rich.text import Text
from textual.app import App, ComposeResult
from textual.widget import Widget

from blurr_tui.engine import trace as tr
from blurr_tui.engine.trace import AggregateTrace, EventTrace, FieldTrace
from blurr_tui.tui.screens.columns import ColumnsScreen
from blurr_tui.tui.screens.full_view import FullViewScreen
from blurr_tui.tui.widgets import ListRowSource, RecordTable, TraceView
from blurr_tui.tui.widgets.row_source import sort_key
from blurr_tui.tui.widgets.text_lines import wrap_text

LONG_WHEN = "source.event_id == 'game_end' and " + " and ".join(
    f"source.flag_{i} is not None" for i in range(12)
)
LONG_ERROR = "TypeError: unsupported operand type(s) for +: 'int' and 'str' " + "x" * 150
BIG_VALUE = [f"item-{i:03d}" for i in range(40)]


def run_async(test: Callable[[], Coroutine[None, None, None]]) -> Callable[[], None]:
    @functools.wraps(test)
    def wrapper() -> None:
        asyncio.run(test())

    return wrapper


class OneWidget(App[None]):
    def __init__(self, widget: Widget) -> None:
        super().__init__()
        self.widget = widget

    def compose(self) -> ComposeResult:
        yield self.widget


def long_trace() -> EventTrace:
    return EventTrace(
        identity="user-1",
        time=datetime(2018, 3, 7, 22, 35, 31, tzinfo=UTC),
        aggregates=[
            AggregateTrace(
                name="session_stats",
                kind="Block",
                action=tr.CONTINUED,
                key="user-1/session_stats",
                when_text=LONG_WHEN,
                when_result=True,
                fields=[
                    FieldTrace(
                        "items",
                        tr.UPDATED,
                        old=[],
                        new=BIG_VALUE,
                        value_text="items + [source.item]",
                        value_result=BIG_VALUE,
                    ),
                    FieldTrace(
                        "score",
                        tr.VALUE_ERROR,
                        old=0,
                        value_text="score + source.points",
                        value_error=LONG_ERROR,
                    ),
                ],
            )
        ],
    )


def test_wrap_text_cuts_at_spaces_and_indents_continuations() -> None:
    text = Text("When: ", "bold")
    text.append("alpha beta gamma delta epsilon zeta eta theta", "italic")
    rows = wrap_text(text, 20)
    assert [r.plain for r in rows] == [
        "When: alpha beta",
        "  gamma delta",
        "  epsilon zeta eta",
        "  theta",
    ]
    assert all(r.cell_len <= 20 for r in rows)
    assert wrap_text(Text("x" * 45), 20)[1].plain == "  " + "x" * 18  # no space: cut anyway
    assert [r.plain for r in wrap_text(Text("short"), 20)] == ["short"]


@run_async
async def test_trace_wraps_long_expressions_and_errors_nothing_cut() -> None:
    view = TraceView()
    async with OneWidget(view).run_test(size=(60, 40)) as pilot:
        view.show_trace(long_trace())
        await pilot.pause()
        width = view.scrollable_content_region.width
        rows = view.shown_rows
        assert all(len(r) <= width for r in rows)
        flat = " ".join(r.strip() for r in rows)
        assert LONG_WHEN.split(" and ")[-1] in flat  # the expression's end is on screen
        assert "x" * 40 in flat and LONG_ERROR[-20:] in flat.replace(" ", "")
        assert view.virtual_size.width <= width  # nothing to scroll to: all is shown
        # every shown row is painted, none cut at the edge
        painted = [view.render_line(y).text.rstrip() for y in range(len(rows))]
        assert painted == [r.rstrip() for r in rows][: len(painted)]


@run_async
async def test_trace_without_wrap_scrolls_sideways() -> None:
    view = TraceView()
    async with OneWidget(view).run_test(size=(60, 40)) as pilot:
        view.wrap = False
        view.show_trace(long_trace())
        await pilot.pause()
        assert view.virtual_size.width > 100
        view.scroll_to(x=60, animate=False, immediate=True)
        await pilot.pause()
        assert any("flag_" in view.render_line(y).text for y in range(10))


@run_async
async def test_trace_full_text_of_the_cursor_line_has_whole_values() -> None:
    view = TraceView()
    async with OneWidget(view).run_test(size=(60, 40)) as pilot:
        view.show_trace(long_trace())
        view.focus()
        await pilot.pause()
        items_line = next(i for i, t in enumerate(view.plain_lines) if "items" in t)
        assert "…" in view.plain_lines[items_line]  # the pane shortens the long list
        for _ in range(items_line):
            await pilot.press("down")
        assert view.cursor == items_line
        full = view.full_text()
        assert full is not None and "item-039" in full.plain and "…" not in full.plain


@run_async
async def test_table_column_cursor_scrolls_sideways_and_gives_whole_cells() -> None:
    cols = ["key", *[f"field_{i}" for i in range(10)]]
    rows = [(f"k{r}", *[f"v{r}-{i}-" + "w" * 40 for i in range(10)]) for r in range(3)]
    table = RecordTable(ListRowSource(cols, rows), fixed_columns=1)
    async with OneWidget(table).run_test(size=(80, 12)) as pilot:
        table.focus()
        await pilot.pause()
        assert "field_9" not in table.render_line(0).text
        for _ in range(10):
            await pilot.press("right")
        await pilot.pause()
        assert table.cursor_column == 10 and table.scroll_x > 0
        header = table.render_line(0).text
        assert header.startswith("  key │ ") and "field_9" in header
        await pilot.press("down")
        name, value = table.cell_value()
        assert name == "field_9" and value == rows[1][10]  # whole, not the shown 30 characters
        for _ in range(10):
            await pilot.press("left")
        await pilot.pause()
        assert table.cursor_column == 0 and table.scroll_x == 0


@run_async
async def test_table_sort_cycles_and_marks_the_header() -> None:
    source = ListRowSource(["name", "n"], [("b", 2), ("a", None), ("c", 10), ("d", 1)])
    table = RecordTable(source)
    async with OneWidget(table).run_test(size=(60, 10)) as pilot:
        table.focus()
        await pilot.press("right")
        table.action_sort()
        await pilot.pause()
        assert table.render_line(0).text.split()[:4] == ["name", "│", "n", "▲"]
        assert [table.render_line(y).text.split()[0] for y in range(1, 5)] == ["d", "b", "c", "a"]
        table.action_sort()
        await pilot.pause()
        assert "n ▼" in table.render_line(0).text
        assert [table.render_line(y).text.split()[0] for y in range(1, 4)] == ["a", "c", "b"]
        table.action_sort()
        await pilot.pause()
        assert "▲" not in table.render_line(0).text and "▼" not in table.render_line(0).text
        assert table.render_line(1).text.split()[0] == "b"


def test_sort_key_orders_numbers_then_text_then_blanks() -> None:
    values = ["b", None, 3, "a", 1.5, "", {"x": 1}]
    assert sorted(values, key=sort_key) == [1.5, 3, "a", "b", {"x": 1}, None, ""]


@run_async
async def test_table_hidden_columns_leave_the_screen() -> None:
    source = ListRowSource(["a", "b", "c"], [(1, 2, 3)])
    table = RecordTable(source)
    async with OneWidget(table).run_test(size=(60, 10)) as pilot:
        table.hidden_columns = {1}
        await pilot.pause()
        assert table.render_line(0).text.split() == ["a", "│", "c"]
        assert table.render_line(1).text.split() == ["1", "│", "3"]
        table.hidden_columns = {0, 1, 2}  # one column always stays
        await pilot.pause()
        assert len(table.shown_columns) == 1


@run_async
async def test_table_keeps_cursor_when_the_same_columns_get_more_rows() -> None:
    table = RecordTable(ListRowSource(["line", "reason"], [(1, "a"), (2, "b")]))
    async with OneWidget(table).run_test(size=(60, 10)) as pilot:
        table.focus()
        await pilot.press("down")
        table.set_source(
            ListRowSource(["line", "reason"], [(1, "a"), (2, "b"), (3, "c")]), keep_position=True
        )
        await pilot.pause()
        assert table.cursor_row == 1 and table.row_count == 3


class Host(App[None]):
    def __init__(self, screen_factory: Callable[[], object]) -> None:
        super().__init__()
        self.factory = screen_factory
        self.result: object = "unset"

    def on_mount(self) -> None:
        def done(value: object) -> None:
            self.result = value

        self.push_screen(self.factory(), done)  # type: ignore[arg-type]


@run_async
async def test_columns_screen_returns_the_hidden_columns() -> None:
    app = Host(lambda: ColumnsScreen("Columns of t", ["a", "b", "c"], {2}))
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        await pilot.press("space")  # the first entry: hide "a"
        await pilot.press("enter")
        await pilot.pause()
        assert app.result == {0, 2}


@run_async
async def test_full_view_shows_the_whole_text_and_copies_it() -> None:
    copied: list[str] = []
    long = "Value: " + " ".join(BIG_VALUE)
    app = Host(lambda: FullViewScreen("trace line", Text(long)))
    app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
    async with app.run_test(size=(80, 24)) as pilot:
        await pilot.pause()
        shown = app.screen.query_one("#full-text").render()
        assert "item-039" in str(shown)
        await pilot.press("y")
        assert copied == [long]
        await pilot.press("escape")
        await pilot.pause()
        assert app.result is None
