"""The reusable widgets, mounted in small apps and read back line by line."""

from __future__ import annotations

import asyncio
import functools
from collections.abc import Callable, Coroutine
from datetime import UTC, datetime

import pytest
from rich.style import Style
from textual.app import App, ComposeResult
from textual.strip import Strip

from blurr_tui.engine import trace as tr
from blurr_tui.engine.trace import AggregateTrace, EventTrace, FieldTrace
from blurr_tui.tui.widgets import (
    EventView,
    ListRowSource,
    RecordTable,
    TraceView,
    TransportBar,
    TransportState,
)
from blurr_tui.tui.widgets.transport import AT_END, PAUSED, PLAYING

SIZE = (100, 30)


def run_async(test: Callable[[], Coroutine[None, None, None]]) -> Callable[[], None]:
    """Run an async test without a pytest asyncio plugin."""

    @functools.wraps(test)
    def wrapper() -> None:
        asyncio.run(test())

    return wrapper


T0 = datetime(2018, 3, 7, 22, 35, 31, tzinfo=UTC)


class OneWidget(App[None]):
    def __init__(self, widget) -> None:
        super().__init__()
        self.widget = widget
        self.messages: list = []

    def compose(self) -> ComposeResult:
        yield self.widget

    def on_record_table_row_selected(self, message: RecordTable.RowSelected) -> None:
        self.messages.append(message)


def style_at(strip: Strip, needle: str) -> Style:
    """The style of the segment holding `needle` (the first one)."""
    for seg in strip:
        if needle in seg.text:
            return seg.style or Style()
    raise AssertionError(f"{needle!r} not in {strip.text!r}")


class CountingSource(ListRowSource):
    """A list source that records its page queries, like a SQLite source would see them."""

    def __init__(self, columns, rows) -> None:
        super().__init__(columns, rows)
        self.calls: list[tuple[int, int]] = []

    def get_rows(self, start: int, count: int) -> list[tuple]:
        self.calls.append((start, count))
        return super().get_rows(start, count)


def people(n: int) -> ListRowSource:
    return CountingSource(
        ["identity", "count", "note"], [(f"user-{i}", i, f"n{i}") for i in range(n)]
    )


# -- RecordTable ------------------------------------------------------------------------


@run_async
async def test_table_header_rows_and_cursor_keys() -> None:
    table = RecordTable(people(100))
    app = OneWidget(table)
    async with app.run_test(size=SIZE) as pilot:
        table.focus()
        await pilot.pause()
        assert table.render_line(0).text.split() == ["identity", "│", "count", "│", "note"]
        assert table.render_line(1).text.split()[0] == "user-0"
        await pilot.press("down", "down", "down")
        assert table.cursor_row == 3
        await pilot.press("up")
        assert table.cursor_row == 2
        await pilot.press("pagedown")
        page = table.size.height - 1
        assert table.cursor_row == 2 + page
        await pilot.press("end")
        assert table.cursor_row == 99
        await pilot.pause()
        assert table.scroll_y == 100 - page
        assert table.render_line(table.size.height - 1).text.split()[0] == "user-99"
        await pilot.press("home")
        await pilot.pause()
        assert (table.cursor_row, table.scroll_y) == (0, 0)
        await pilot.press("up")  # clamped
        assert table.cursor_row == 0
        await pilot.click(RecordTable, offset=(5, 4))  # the header is line 0
        assert table.cursor_row == 3


@run_async
async def test_table_cursor_highlight_and_new_row_styles() -> None:
    table = RecordTable(people(10))
    app = OneWidget(table)
    async with app.run_test(size=SIZE) as pilot:
        table.focus()
        table.highlight_rows = {2}
        table.new_rows = {3}
        await pilot.pause()
        plain = style_at(table.render_line(5), "user-4").bgcolor
        cursor = style_at(table.render_line(1), "n0").bgcolor  # the cursor's row
        highlight = style_at(table.render_line(3), "user-2")
        assert highlight.bgcolor != plain and highlight.bold
        assert cursor != plain and cursor != highlight.bgcolor
        assert style_at(table.render_line(1), "user-0").reverse  # the cursor's cell
        assert table.render_line(4).text.startswith("● user-3")
        assert table.render_line(3).text.startswith("  user-2")


@run_async
async def test_table_enter_posts_row_selected() -> None:
    table = RecordTable(people(10))
    app = OneWidget(table)
    async with app.run_test(size=SIZE) as pilot:
        table.focus()
        await pilot.press("down", "enter")
        await pilot.pause()
        assert [(m.row_index, m.row) for m in app.messages] == [(1, ("user-1", 1, "n1"))]


@run_async
async def test_table_truncates_wide_cells_and_scrolls_horizontally() -> None:
    wide = ListRowSource(["k", "text"], [(f"k{i}", "x" * 50 + str(i)) for i in range(5)])
    table = RecordTable(wide)
    app = OneWidget(table)
    async with app.run_test(size=(30, 10)) as pilot:
        table.focus()
        await pilot.pause()
        line = table.render_line(1).text
        assert "x" * 29 + "…" not in line  # the 30-char cell does not fit in 30 columns
        table.scroll_to(x=20, animate=False, immediate=True)
        await pilot.pause()
        line = table.render_line(1).text
        assert line.startswith("  ")  # the gutter stays put
        assert line.rstrip().endswith("x…")
        assert "k0" not in line


@run_async
async def test_table_fixed_column_stays_when_scrolling_right() -> None:
    wide = ListRowSource(["key", "a", "b"], [("k0", "a" * 30, "b" * 30)])
    table = RecordTable(wide, fixed_columns=1)
    app = OneWidget(table)
    async with app.run_test(size=(40, 6)) as pilot:
        table.focus()
        await pilot.pause()
        await pilot.press(*["right"] * 10)
        await pilot.pause()
        assert table.scroll_x > 0
        assert table.render_line(0).text.startswith("  key │ ")
        assert table.render_line(1).text.startswith("  k0  │ ")
        assert "a" * 30 not in table.render_line(1).text


@run_async
async def test_table_refresh_data_and_scroll_to_row() -> None:
    source = people(5)
    table = RecordTable(source)
    app = OneWidget(table)
    async with app.run_test(size=SIZE) as pilot:
        await pilot.pause()
        assert table.render_line(6).text.strip() == ""
        source.rows.extend((f"late-{i}", i, "") for i in range(1000))
        source.rows[0] = ("changed", 0, "")
        table.refresh_data()
        await pilot.pause()
        assert table.row_count == 1005
        assert table.render_line(1).text.split()[0] == "changed"
        assert table.render_line(6).text.split()[0] == "late-0"
        table.scroll_to_row(900, move_cursor=True)
        await pilot.pause()
        assert table.cursor_row == 900
        rows_shown = [table.render_line(y).text.split()[0] for y in range(1, table.size.height)]
        assert "late-895" in rows_shown
        table.new_rows = {900}
        await pilot.pause()
        assert any(line.startswith("● late-895") for line in _lines(table))


def _lines(table: RecordTable) -> list[str]:
    return [table.render_line(y).text for y in range(table.size.height)]


@run_async
async def test_table_set_source_resets_columns() -> None:
    table = RecordTable(people(3))
    app = OneWidget(table)
    async with app.run_test(size=SIZE) as pilot:
        table.set_source(ListRowSource(["a", "b"], [(1, None)]))
        await pilot.pause()
        assert table.render_line(0).text.split() == ["a", "│", "b"]
        assert table.render_line(1).text.split() == ["1", "│"]


@run_async
async def test_table_200k_rows_frame_is_fast_and_reads_one_window() -> None:
    source = people(200_000)
    table = RecordTable(source)
    app = OneWidget(table)
    async with app.run_test(size=SIZE) as pilot:
        table.focus()
        await pilot.pause()
        assert max(count for _start, count in source.calls) < 200
        # A frame's cost does not grow with the table: each frame reads one window of rows
        # (timing is for bench/, not for tests on a loaded machine).
        for k in range(50):
            table.refresh_data()  # drops the cache: every frame fetches a window
            source.calls.clear()
            table.scroll_to(y=k * 3_989, animate=False, immediate=True)
            for y in range(table.size.height):
                table.render_line(y)
            assert len(source.calls) == 1 and source.calls[0][1] < 200
        await pilot.press("end")
        await pilot.pause()
        assert table.render_line(table.size.height - 1).text.split()[0] == "user-199999"


# -- TraceView --------------------------------------------------------------------------


def sample_trace() -> EventTrace:
    return EventTrace(
        identity="user-1",
        time=T0,
        when_text="source.event_id != 'skip'",
        when_result=True,
        aggregates=[
            AggregateTrace(
                name="session_stats",
                kind="Block",
                action=tr.NEW,
                key="user-1/session_stats/2018-03-07T22:35:31+00:00",
                when_text="source.kind == 'game'",
                when_result=True,
                fields=[
                    FieldTrace(
                        "games_won",
                        tr.UPDATED,
                        old=0,
                        new=1,
                        value_text="games_won + 1",
                        value_result=1,
                    ),
                    FieldTrace(
                        "score",
                        tr.VALUE_ERROR,
                        old=0,
                        value_text="score + source.points",
                        value_error="TypeError: unsupported operand type(s) for +: 'int' and 'str'",
                    ),
                    FieldTrace(
                        "country",
                        tr.UPDATED,
                        old="US",
                        new="US",
                        value_text="source.country",
                        value_result="US",
                    ),
                    FieldTrace(
                        "level",
                        tr.CAST_FAILED,
                        old=3,
                        value_text="source.level",
                        value_result="high",
                        cast_error="ValueError: invalid literal for int() with base 10: 'high'",
                    ),
                    FieldTrace(
                        "bonus",
                        tr.WHEN_FALSE,
                        old=0,
                        when_text="source.bonus",
                        when_result=False,
                        value_text="bonus + 1",
                    ),
                ],
            ),
            AggregateTrace(
                name="by_country",
                kind="Activity",
                action=tr.SKIPPED_DIMENSION,
                dimension_error="KeyError: 'country'",
            ),
        ],
        saved_keys=["user-1/session_stats/2018-03-07T22:35:31+00:00"],
    )


@run_async
async def test_trace_view_fields_errors_and_changes() -> None:
    view = TraceView()
    app = OneWidget(view)
    async with app.run_test(size=SIZE) as pilot:
        view.show_trace(sample_trace())
        await pilot.pause()
        text = view.plain_lines
        assert text[0].startswith("user-1  2018-03-07 22:35:31+00:00  BTS When:")
        assert text[0].endswith("→ True")
        assert any("session_stats  Block  new  key user-1/session_stats/" in t for t in text)
        # A field: "    name  outcome", then its When and Value lines indented below it.
        heads = [i for i, line in enumerate(text) if line[:4] == "    " and line[4] != " "]
        by_name = {}
        for n, i in enumerate(heads):
            end = heads[n + 1] if n + 1 < len(heads) else len(text)
            block = [t for t in text[i:end] if t.startswith("    ")]
            by_name[text[i].split()[0]] = (i, block)
        y, won = by_name["games_won"]
        assert won[0] == "    games_won  0 → 1"
        assert "        Value: games_won + 1 → 1" in won
        new_style = [s.style for s in view.render_line(y) if s.text == "1"][-1]
        assert new_style.bold and new_style.color.name == "green"
        y, score = by_name["score"]
        assert "no update: Value raised" in score[0]
        err_line = next(i for i, t in enumerate(text) if "TypeError: unsupported operand" in t)
        assert style_at(view.render_line(err_line), "TypeError").color.name == "red"
        y, country = by_name["country"]
        assert "= 'US' (unchanged)" in country[0]
        assert all(s.style.dim for s in view.render_line(y) if s.text.strip())
        y, level = by_name["level"]
        assert "failed cast: ValueError" in level[0]
        assert style_at(view.render_line(y), "failed cast").color.name == "yellow"
        _, bonus = by_name["bonus"]
        assert "skipped: When is false" in bonus[0]
        assert any("When: source.bonus → False" in t for t in bonus)
        assert not any("Value" in t for t in bonus)
        assert any("KeyError: 'country'" in t for t in text)
        assert text[1] == "3 error(s)"


@run_async
async def test_trace_view_note_and_empty() -> None:
    view = TraceView()
    app = OneWidget(view)
    async with app.run_test(size=SIZE) as pilot:
        view.show_trace(None, note="playing: the trace is shown on pause")
        await pilot.pause()
        assert view.plain_lines == ["playing: the trace is shown on pause"]
        assert view.render_line(0).text.startswith("playing: the trace")
        view.show_trace(None)
        await pilot.pause()
        assert view.render_line(0).text.strip() == ""


# -- EventView --------------------------------------------------------------------------


@run_async
async def test_event_view_pretty_json_with_position() -> None:
    view = EventView()
    app = OneWidget(view)
    async with app.run_test(size=SIZE) as pilot:
        view.show_event(
            {"user": "u1", "n": 3, "ok": True, "tags": ["a"], "x": None},
            line_no=12,
            offset=3456,
        )
        await pilot.pause()
        text = view.plain_lines
        assert text[0] == "line 12 · byte 3,456"
        assert text[1:3] == ["{", '  "user": "u1",']
        assert '  "ok": true,' in text
        line = view.render_line(2)
        assert style_at(line, '"user"').color != style_at(line, '"u1"').color
        assert not view.is_bad_line


@run_async
async def test_event_view_bad_line() -> None:
    view = EventView()
    app = OneWidget(view)
    async with app.run_test(size=SIZE) as pilot:
        view.show_bad_line(
            '{"user": "u1", \x1b oops\n',
            "Expecting value: line 1 column 16",
            line_no=7,
            offset=99,
        )
        await pilot.pause()
        assert view.is_bad_line
        assert view.plain_lines == [
            "line 7 · byte 99  bad line",
            "Expecting value: line 1 column 16",
            '{"user": "u1", \ufffd oops',
        ]
        assert style_at(view.render_line(1), "Expecting").color.name == "red"


# -- TransportBar -----------------------------------------------------------------------


@run_async
async def test_transport_bar_states() -> None:
    bar = TransportBar()
    app = OneWidget(bar)
    async with app.run_test(size=SIZE) as pilot:
        bar.update_state(
            state=PLAYING,
            position=2_500,
            total=10_000,
            event_time=T0,
            identity="user-1",
            speed=10,
            measured_rate=9.8,
            bad_lines=2,
            errors=5,
        )
        await pilot.pause()
        screen = app.export_screenshot()
        top, bottom = (bar.render_line(0).text, bar.render_line(1).text)
        assert top.startswith("▶ playing  2,500 / 10,000  ██")
        assert top.rstrip().endswith("25.0%")
        assert len(top.rstrip()) == SIZE[0] - 2  # the bar fills the width inside the padding
        assert "2018-03-07 22:35:31+00:00  user-1  speed 10 ev/s  measured 9.8 ev/s" in bottom
        assert "bad lines 2  errors 5" in bottom
        assert "playing" in screen
        bar.update_state(state=PAUSED, speed=None)  # None is a value: as fast as possible
        await pilot.pause()
        assert bar.render_line(0).text.startswith("⏸ paused")
        assert "speed max" in bar.render_line(1).text
        assert "measured" not in bar.render_line(1).text
        assert bar.state.identity == "user-1"  # kept
        bar.set_state(TransportState(state=AT_END, position=10, total=10))
        await pilot.pause()
        assert bar.render_line(0).text.startswith("⏹ at end   10 / 10")
        assert "100.0%" in bar.render_line(0).text


@pytest.mark.parametrize(
    ("position", "total", "full"), [(0, 10, 0), (5, 10, 10), (10, 10, 20), (3, None, 0)]
)
def test_position_bar(position: int, total: int | None, full: int) -> None:
    from blurr_tui.tui.widgets.transport import position_bar

    bar = position_bar(position, total, 20).plain
    assert len(bar) == 20
    assert bar.count("█") == full
