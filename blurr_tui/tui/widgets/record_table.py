"""A virtual table on the Line API: reads only the rows it shows from a `RowSource`.

The built-in DataTable measures every row up front (~20 s at 100k rows); this one asks the
source for one window of rows per frame, so a frame costs the same at 10 or 200k rows.

A column cursor (left/right) scrolls the table sideways; ``o`` sorts by the cursor's column
(when the source can sort: ``SortableSource``), columns can be hidden (``hidden_columns``),
and ``cell_value`` gives a cell's whole value for the full view and copying.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from rich.segment import Segment
from rich.style import Style
from textual.binding import Binding, BindingType
from textual.events import Click
from textual.geometry import Size
from textual.message import Message
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

from blurr_tui.tui.widgets.row_source import (
    MAX_COL_WIDTH,
    ListRowSource,
    RowSource,
    SortableSource,
    format_cell,
    is_number,
)

__all__ = ["ListRowSource", "RecordTable", "RowSource", "SortableSource"]

GUTTER = 2  # "● " marks a row created by the current event
SEPARATOR = " │ "
WINDOW_MARGIN = 50  # rows fetched above and below the visible ones


class RecordTable(ScrollView, can_focus=True):
    """A scrollable, cursor-driven table of a `RowSource` with a sticky header."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor_up", "Up", show=False),
        Binding("down", "cursor_down", "Down", show=False),
        Binding("pageup", "page_up", "Page up", show=False),
        Binding("pagedown", "page_down", "Page down", show=False),
        Binding("home", "cursor_home", "First row", show=False),
        Binding("end", "cursor_end", "Last row", show=False),
        Binding("left", "cursor_left", "Left", show=False),
        Binding("right", "cursor_right", "Right", show=False),
        Binding("enter", "select_row", "Select", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "record-table--header",
        "record-table--cursor",
        "record-table--cursor-cell",
        "record-table--highlight",
        "record-table--new",
    }

    DEFAULT_CSS = """
    RecordTable {
        height: 1fr;
        background: $surface;
    }
    RecordTable > .record-table--header {
        text-style: bold;
        color: $text-accent;
        background: $panel;
    }
    RecordTable > .record-table--cursor {
        background: $block-cursor-blurred-background;
    }
    RecordTable:focus > .record-table--cursor {
        background: $block-cursor-background;
        color: $block-cursor-foreground;
    }
    RecordTable > .record-table--cursor-cell {
        text-style: underline;
    }
    RecordTable:focus > .record-table--cursor-cell {
        text-style: bold reverse;
    }
    RecordTable > .record-table--highlight {
        background: $warning 25%;
        text-style: bold;
    }
    RecordTable > .record-table--new {
        color: $success;
    }
    """

    class RowSelected(Message):
        """Enter was pressed on a row."""

        def __init__(self, table: RecordTable, row_index: int, row: tuple | None) -> None:
            super().__init__()
            self.table = table
            self.row_index = row_index
            self.row = row

        @property
        def control(self) -> RecordTable:
            return self.table

    cursor_row: reactive[int] = reactive(0, always_update=False)
    cursor_column: reactive[int] = reactive(0, always_update=False)  # a source column index

    def __init__(
        self,
        source: RowSource | None = None,
        *,
        fixed_columns: int = 0,
        max_col_width: int = MAX_COL_WIDTH,
        name: str | None = None,
        id: str | None = None,
        classes: str | None = None,
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._source: RowSource = source if source is not None else ListRowSource([])
        self._row_count = 0
        self._cache_start = 0
        self._cache: list[tuple[tuple, list[str]]] = []  # (raw row, formatted cells)
        self._cache_valid = False
        self._widths: list[int] = []
        self._highlight_rows: set[int] = set()
        self._new_rows: set[int] = set()
        self.fixed_columns = fixed_columns  # leftmost columns kept in view when scrolling
        self.max_col_width = max_col_width
        self._hidden: set[int] = set()  # source column indices not shown
        self._shown: list[int] = []
        self._shown_key = (-1, -1)  # (columns, hidden) _shown was computed for
        self._read_count()

    # -- data ---------------------------------------------------------------------------

    @property
    def source(self) -> RowSource:
        return self._source

    def set_source(self, source: RowSource, *, keep_position: bool = False) -> None:
        """Show another source (e.g. another aggregate's table); resets widths and cursor.

        ``keep_position`` (same columns, more rows: e.g. errors found so far) keeps the
        cursor, the scroll position, the sort and the hidden columns."""
        same = keep_position and list(source.columns) == list(self._source.columns)
        order = self.row_order if same else None
        self._source = source
        self._highlight_rows = set()
        self._new_rows = set()
        if not same:
            self._widths = []
            self._hidden = set()
            self._shown_key = (-1, -1)
            self.set_reactive(RecordTable.cursor_column, 0)
            self.cursor_row = 0
            self.scroll_to(0, 0, animate=False, immediate=True)
        elif order is not None and isinstance(source, SortableSource):
            source.set_order(*order)
        self.refresh_data()

    @property
    def row_count(self) -> int:
        return self._row_count

    def refresh_data(self) -> None:
        """Re-read the row count and drop the row cache; rows are fetched on the next frame."""
        self._cache_valid = False
        self._read_count()
        if self.cursor_row >= self._row_count:
            self.cursor_row = max(0, self._row_count - 1)
        self.refresh()

    def _read_count(self) -> None:
        self._row_count = self._source.row_count()
        if len(self._widths) != len(self._source.columns):
            self._widths = [min(len(c), self.max_col_width) for c in self._source.columns]
        self._update_virtual_size()

    def _update_virtual_size(self) -> None:
        shown = self.shown_columns
        width = GUTTER + sum(self._widths[i] for i in shown)
        width += len(SEPARATOR) * max(0, len(shown) - 1)
        self.virtual_size = Size(width + 1, self._row_count + 1)  # +1: the header line

    def _ensure_window(self, first: int, last: int) -> None:
        """Make rows first..last (inclusive) available in the cache."""
        end = self._cache_start + len(self._cache)
        if self._cache_valid and first >= self._cache_start and last < end:
            return
        start = max(0, first - WINDOW_MARGIN)
        count = last - start + 1 + WINDOW_MARGIN
        rows = self._source.get_rows(start, count) if count > 0 else []
        self._cache_start = start
        cap = self.max_col_width
        self._cache = [(tuple(r), [format_cell(v, cap) for v in r]) for r in rows]
        self._cache_valid = True
        grew = False
        for _raw, cells in self._cache:
            for i, cell in enumerate(cells[: len(self._widths)]):
                if len(cell) > self._widths[i]:
                    self._widths[i] = len(cell)
                    grew = True
        if grew:
            self._update_virtual_size()

    def get_row(self, index: int) -> tuple | None:
        """The raw row at `index` (fetched through the cache), or None when out of range."""
        if not 0 <= index < self._row_count:
            return None
        self._ensure_window(index, index)
        i = index - self._cache_start
        return self._cache[i][0] if 0 <= i < len(self._cache) else None

    def cell_value(self, row: int | None = None, column: int | None = None) -> tuple[str, Any]:
        """(column name, whole value) of a cell, by default the cursor's."""
        r = self.get_row(self.cursor_row if row is None else row)
        c = self.cursor_column if column is None else column
        name = self._source.columns[c] if 0 <= c < len(self._source.columns) else ""
        return name, (r[c] if r is not None and 0 <= c < len(r) else None)

    # -- columns: shown, hidden, sorted ---------------------------------------------------

    @property
    def shown_columns(self) -> list[int]:
        """Source column indices on screen, in order."""
        n = len(self._source.columns)
        if self._shown_key != (n, len(self._hidden)):
            self._shown = [i for i in range(n) if i not in self._hidden]
            self._shown_key = (n, len(self._hidden))
        return self._shown

    @property
    def hidden_columns(self) -> set[int]:
        return set(self._hidden)

    @hidden_columns.setter
    def hidden_columns(self, hidden: set[int]) -> None:
        n = len(self._source.columns)
        hidden = {i for i in hidden if 0 <= i < n}
        if n and len(hidden) >= n:  # one column always stays
            hidden.discard(self.cursor_column if self.cursor_column in hidden else min(hidden))
        self._hidden = hidden
        self._shown_key = (-1, -1)
        if self.cursor_column in hidden:
            shown = self.shown_columns
            self.set_reactive(RecordTable.cursor_column, shown[0] if shown else 0)
        self._update_virtual_size()
        self.scroll_to(x=0, animate=False, immediate=True)
        self.refresh()

    @property
    def row_order(self) -> tuple[int, bool] | None:
        """(column, descending) when the source is sorted, else None."""
        source = self._source
        return source.order if isinstance(source, SortableSource) else None

    @property
    def can_sort(self) -> bool:
        return isinstance(self._source, SortableSource)

    def sort_by(self, column: int | None, descending: bool = False) -> None:
        """Sort by ``column`` (None: the source's own order); keeps the cursor on row 0."""
        if not isinstance(self._source, SortableSource):
            raise TypeError("this table's rows cannot be sorted")
        self._source.set_order(column, descending)
        if column is not None and len(self._widths) > column:  # room for the arrow
            need = min(len(self._source.columns[column]) + 2, self.max_col_width)
            self._widths[column] = max(self._widths[column], need)
        self.cursor_row = 0
        self.refresh_data()

    def action_sort(self) -> None:
        """Sort by the cursor's column: ascending, then descending, then the source order."""
        order = self.row_order
        col = self.cursor_column
        if order is None or order[0] != col:
            self.sort_by(col)
        elif not order[1]:
            self.sort_by(col, True)
        else:
            self.sort_by(None)

    # -- marks --------------------------------------------------------------------------

    @property
    def highlight_rows(self) -> set[int]:
        return self._highlight_rows

    @highlight_rows.setter
    def highlight_rows(self, rows: set[int]) -> None:
        self._highlight_rows = set(rows)
        self.refresh()

    @property
    def new_rows(self) -> set[int]:
        return self._new_rows

    @new_rows.setter
    def new_rows(self, rows: set[int]) -> None:
        self._new_rows = set(rows)
        self.refresh()

    # -- cursor and scrolling -----------------------------------------------------------

    @property
    def _page_rows(self) -> int:
        return max(1, self.scrollable_content_region.height - 1)

    def validate_cursor_row(self, value: int) -> int:
        return max(0, min(value, self._row_count - 1)) if self._row_count else 0

    def watch_cursor_row(self, old: int, new: int) -> None:
        self._keep_visible(new)
        self.refresh()

    def _keep_visible(self, row: int) -> None:
        top = int(self.scroll_y)
        page = self._page_rows
        if row < top:
            self.scroll_to(y=row, animate=False, immediate=True)
        elif row >= top + page:
            self.scroll_to(y=row - page + 1, animate=False, immediate=True)

    def scroll_to_row(self, row: int, *, move_cursor: bool = False) -> None:
        """Bring `row` into view (and put the cursor on it when asked)."""
        if move_cursor:
            self.cursor_row = row
        self._keep_visible(max(0, min(row, self._row_count - 1)))

    def action_cursor_up(self) -> None:
        self.cursor_row -= 1

    def action_cursor_down(self) -> None:
        self.cursor_row += 1

    def action_page_up(self) -> None:
        self.cursor_row -= self._page_rows

    def action_page_down(self) -> None:
        self.cursor_row += self._page_rows

    def action_cursor_home(self) -> None:
        self.cursor_row = 0

    def action_cursor_end(self) -> None:
        self.cursor_row = self._row_count - 1

    def action_cursor_left(self) -> None:
        shown = self.shown_columns
        if self.cursor_column in shown and shown.index(self.cursor_column) > 0:
            self.cursor_column = shown[shown.index(self.cursor_column) - 1]
        else:
            self.scroll_to(x=0, animate=False, immediate=True)

    def action_cursor_right(self) -> None:
        shown = self.shown_columns
        if self.cursor_column in shown and shown.index(self.cursor_column) < len(shown) - 1:
            self.cursor_column = shown[shown.index(self.cursor_column) + 1]

    def validate_cursor_column(self, value: int) -> int:
        return max(0, min(value, len(self._source.columns) - 1))

    def watch_cursor_column(self, old: int, new: int) -> None:
        """Scroll sideways so the cursor's column is in view (fixed columns always are)."""
        shown = self.shown_columns
        if new not in shown:
            return
        pos = shown.index(new)
        fixed = self._fixed_shown()
        if pos >= fixed:
            left = self._fixed_width(fixed)
            start = sum(self._widths[i] + len(SEPARATOR) for i in shown[fixed:pos])
            end = start + self._widths[new]
            room = max(1, self.scrollable_content_region.width - left)
            if start < self.scroll_x:
                self.scroll_to(x=start, animate=False, immediate=True)
            elif end > self.scroll_x + room:
                self.scroll_to(x=min(start, end - room), animate=False, immediate=True)
        self.refresh()

    def _fixed_shown(self) -> int:
        """How many of the leftmost shown columns stay in place."""
        return min(self.fixed_columns, len(self.shown_columns))

    def _fixed_width(self, fixed: int) -> int:
        shown = self.shown_columns
        return GUTTER + sum(self._widths[i] for i in shown[:fixed]) + len(SEPARATOR) * fixed

    def action_select_row(self) -> None:
        if self._row_count:
            row = self.cursor_row
            self.post_message(self.RowSelected(self, row, self.get_row(row)))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            self.cursor_row = int(self.scroll_y) + offset.y - 1

    # -- rendering ----------------------------------------------------------------------

    def _cells(self, cells: Sequence[str], raw: Sequence[Any] | None) -> list[str]:
        """The shown cells padded to their widths (numbers right-aligned)."""
        parts = []
        for i in self.shown_columns:
            cell = cells[i] if i < len(cells) else ""
            width = self._widths[i]
            if raw is not None and i < len(raw) and is_number(raw[i]):
                parts.append(cell.rjust(width))
            else:
                parts.append(cell.ljust(width))
        return parts

    def _header_cells(self) -> list[str]:
        order = self.row_order
        names = list(self._source.columns)
        if order is not None and 0 <= order[0] < len(names):
            names[order[0]] += " ▼" if order[1] else " ▲"
        return self._cells([format_cell(n, self.max_col_width) for n in names], None)

    def _segments(self, parts: list[str], style: Style, cursor: Style | None) -> list[Segment]:
        """Cells joined by separators; the cursor's cell styled with ``cursor``."""
        segs: list[Segment] = []
        shown = self.shown_columns
        for n, (i, part) in enumerate(zip(shown, parts, strict=True)):
            if n:
                segs.append(Segment(SEPARATOR, style))
            cell_style = style + cursor if cursor is not None and i == self.cursor_column else style
            segs.append(Segment(part, cell_style))
        return segs

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = int(self.scroll_x), int(self.scroll_y)
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("record-table--header")
            head = [Segment(" " * GUTTER, style)]
            strip = Strip(head + self._segments(self._header_cells(), style, None))
            return self._crop(strip, scroll_x, width, style)
        index = scroll_y + y - 1
        if index >= self._row_count:
            return Strip.blank(width, base)
        self._ensure_window(scroll_y, scroll_y + self._page_rows)
        i = index - self._cache_start
        if not 0 <= i < len(self._cache):
            return Strip.blank(width, base)
        raw, cells = self._cache[i]
        style = base
        if index in self._highlight_rows:
            style = style + self.get_component_rich_style("record-table--highlight")
        cursor = None
        if index == self.cursor_row:
            style = style + self.get_component_rich_style("record-table--cursor")
            cursor = self.get_component_rich_style("record-table--cursor-cell")
        if index in self._new_rows:
            gutter = Segment("● ", style + self.get_component_rich_style("record-table--new"))
        else:
            gutter = Segment(" " * GUTTER, style)
        strip = Strip([gutter, *self._segments(self._cells(cells, raw), style, cursor)])
        return self._crop(strip, scroll_x, width, style)

    def _crop(self, strip: Strip, scroll_x: int, width: int, style: Style) -> Strip:
        """Keep the gutter and the fixed columns in place and scroll the rest."""
        if scroll_x:
            left = self._fixed_width(self._fixed_shown())
            strip = Strip.join([strip.crop(0, left), strip.crop(left + scroll_x)])
        return strip.crop_extend(0, width, style)
