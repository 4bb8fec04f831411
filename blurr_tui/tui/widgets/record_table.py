"""A virtual table on the Line API: reads only the rows it shows from a `RowSource`.

The built-in DataTable measures every row up front (~20 s at 100k rows); this one asks the
source for one window of rows per frame, so a frame costs the same at 10 or 200k rows.
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
    format_cell,
    is_number,
)

__all__ = ["ListRowSource", "RecordTable", "RowSource"]

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
        Binding("left", "scroll_left", "Left", show=False),
        Binding("right", "scroll_right", "Right", show=False),
        Binding("enter", "select_row", "Select", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {
        "record-table--header",
        "record-table--cursor",
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

    def __init__(
        self,
        source: RowSource | None = None,
        *,
        fixed_columns: int = 0,
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
        self._read_count()

    # -- data ---------------------------------------------------------------------------

    @property
    def source(self) -> RowSource:
        return self._source

    def set_source(self, source: RowSource) -> None:
        """Show another source (e.g. another aggregate's table); resets widths and cursor."""
        self._source = source
        self._highlight_rows = set()
        self._new_rows = set()
        self._widths = []
        self.cursor_row = 0
        self.scroll_to(0, 0, animate=False, immediate=True)
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
            self._widths = [min(len(c), MAX_COL_WIDTH) for c in self._source.columns]
        self._update_virtual_size()

    def _update_virtual_size(self) -> None:
        width = GUTTER + sum(self._widths) + len(SEPARATOR) * max(0, len(self._widths) - 1)
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
        self._cache = [(tuple(r), [format_cell(v) for v in r]) for r in rows]
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

    def action_select_row(self) -> None:
        if self._row_count:
            row = self.cursor_row
            self.post_message(self.RowSelected(self, row, self.get_row(row)))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None and offset.y >= 1:
            self.cursor_row = int(self.scroll_y) + offset.y - 1

    # -- rendering ----------------------------------------------------------------------

    def _line_text(self, cells: Sequence[str], raw: Sequence[Any] | None) -> str:
        parts = []
        for i, width in enumerate(self._widths):
            cell = cells[i] if i < len(cells) else ""
            if raw is not None and i < len(raw) and is_number(raw[i]):
                parts.append(cell.rjust(width))
            else:
                parts.append(cell.ljust(width))
        return SEPARATOR.join(parts)

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = int(self.scroll_x), int(self.scroll_y)
        base = self.rich_style
        if y == 0:
            style = base + self.get_component_rich_style("record-table--header")
            text = " " * GUTTER + self._line_text(self._source.columns, None)
            strip = Strip([Segment(text, style)])
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
        if index == self.cursor_row:
            style = style + self.get_component_rich_style("record-table--cursor")
        if index in self._new_rows:
            gutter = Segment("● ", style + self.get_component_rich_style("record-table--new"))
        else:
            gutter = Segment(" " * GUTTER, style)
        strip = Strip([gutter, Segment(self._line_text(cells, raw), style)])
        return self._crop(strip, scroll_x, width, style)

    def _crop(self, strip: Strip, scroll_x: int, width: int, style: Style) -> Strip:
        """Keep the gutter and the fixed columns in place and scroll the rest."""
        if scroll_x:
            fixed = min(self.fixed_columns, len(self._widths))
            left = GUTTER + sum(self._widths[:fixed]) + len(SEPARATOR) * fixed
            strip = Strip.join([strip.crop(0, left), strip.crop(left + scroll_x)])
        return strip.crop_extend(0, width, style)
