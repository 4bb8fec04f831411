"""A scrollable view of pre-built rich `Text` lines on the Line API, wrapped to the pane.

The trace and event panes rebuild their lines only on step/pause (and a few times a second
while playing); a frame then only crops the strips it shows.  Lines longer than the pane are
wrapped (continuation rows indented), so nothing is cut at the pane's edge; with ``wrap``
off the pane scrolls sideways instead.  A cursor line (up/down when focused) says which
line ``full_text`` returns, for the full view and for copying.
"""

from __future__ import annotations

from typing import ClassVar

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.binding import Binding, BindingType
from textual.geometry import Size
from textual.reactive import reactive
from textual.scroll_view import ScrollView
from textual.strip import Strip

CONTINUATION = "  "  # indent of a wrapped line's continuation rows


def wrap_text(text: Text, width: int) -> list[Text]:
    """``text`` cut into rows of at most ``width`` cells, at a space where one fits;
    continuation rows are indented."""
    if width <= 0 or text.cell_len <= width:
        return [text]
    plain = text.plain
    out: list[Text] = []
    start = 0
    while start < len(plain):
        avail = width if not out else max(1, width - len(CONTINUATION))
        end = start + avail
        if end >= len(plain):
            cut = nxt = len(plain)
        else:
            space = plain.rfind(" ", start + 1, end + 1)
            cut, nxt = (space, space + 1) if space > start else (end, end)
        piece = text[start:cut]
        out.append(piece if not out else Text(CONTINUATION, end="") + piece)
        start = nxt
    return out


class TextLinesView(ScrollView, can_focus=True, inherit_bindings=False):
    """Shows a list of one-line `Text`s, wrapped (or scrollable sideways), with a cursor."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("up", "cursor(-1)", "Up", show=False),
        Binding("down", "cursor(1)", "Down", show=False),
        Binding("pageup", "cursor_page(-1)", "Page up", show=False),
        Binding("pagedown", "cursor_page(1)", "Page down", show=False),
        Binding("home", "cursor_to(0)", "Top", show=False),
        Binding("end", "cursor_to(-1)", "Bottom", show=False),
    ]

    COMPONENT_CLASSES: ClassVar[set[str]] = {"text-lines--cursor"}

    DEFAULT_CSS = """
    TextLinesView {
        height: 1fr;
    }
    TextLinesView:focus > .text-lines--cursor {
        background: $block-cursor-blurred-background;
    }
    """

    wrap: reactive[bool] = reactive(True)
    cursor: reactive[int] = reactive(0, always_update=False)

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._texts: list[Text] = []
        self._rows: list[tuple[int, Text]] = []  # (line index, row text) per display row
        self._first_row: list[int] = []  # display row of each line's first row
        self._strips: dict[int, Strip] = {}
        self._strip_base: Style | None = None
        self._wrap_width = -1

    def set_lines(self, lines: list[Text]) -> None:
        """Replace the content and scroll back to the top."""
        self._texts = lines
        self._wrap_width = -1
        self._layout_rows()
        self.set_reactive(TextLinesView.cursor, 0)
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    @property
    def lines(self) -> list[Text]:
        return self._texts

    @property
    def plain_lines(self) -> list[str]:
        """The content as plain strings, one per line (for tests and copying)."""
        return [t.plain for t in self._texts]

    @property
    def shown_rows(self) -> list[str]:
        """The display rows as plain strings (wrapped lines give several)."""
        self._layout_rows()
        return [row.plain for _, row in self._rows]

    def full_text(self, index: int | None = None) -> Text | None:
        """The whole line at ``index`` (default: the cursor line); subclasses may give more
        than the pane shows (e.g. values the trace shortens)."""
        i = self.cursor if index is None else index
        return self._texts[i] if 0 <= i < len(self._texts) else None

    # -- layout -------------------------------------------------------------------------
    def _content_width(self) -> int:
        return self.scrollable_content_region.width

    def _layout_rows(self) -> None:
        width = self._content_width() if self.wrap else 0
        if width == self._wrap_width:
            return
        self._wrap_width = width
        self._strips = {}
        rows: list[tuple[int, Text]] = []
        first: list[int] = []
        for i, text in enumerate(self._texts):
            first.append(len(rows))
            parts = wrap_text(text, width) if width > 0 else [text]
            rows.extend((i, part) for part in parts)
        self._rows, self._first_row = rows, first
        widest = max((t.cell_len for _, t in rows), default=0)
        self.virtual_size = Size(widest if not self.wrap else min(widest, width), len(rows))

    def on_resize(self) -> None:
        if self.wrap:
            self._layout_rows()
            self.refresh()

    def watch_wrap(self) -> None:
        self._wrap_width = -1
        self._layout_rows()
        self.refresh()

    # -- cursor -------------------------------------------------------------------------
    def validate_cursor(self, value: int) -> int:
        return max(0, min(value, len(self._texts) - 1)) if self._texts else 0

    def watch_cursor(self, old: int, new: int) -> None:
        self._layout_rows()
        if new < len(self._first_row):
            top = self._first_row[new]
            bottom = self._first_row[new + 1] - 1 if new + 1 < len(self._first_row) else top
            height = self.scrollable_content_region.height
            if top < self.scroll_y:
                self.scroll_to(y=top, animate=False, immediate=True)
            elif bottom >= self.scroll_y + height:
                self.scroll_to(y=max(top, bottom - height + 1), animate=False, immediate=True)
        self.refresh()

    def action_cursor(self, delta: int) -> None:
        self.cursor += delta

    def action_cursor_page(self, delta: int) -> None:
        self.cursor += delta * max(1, self.scrollable_content_region.height - 1)

    def action_cursor_to(self, index: int) -> None:
        self.cursor = index if index >= 0 else len(self._texts) - 1

    # -- rendering ----------------------------------------------------------------------
    def _strip(self, row: int, base: Style) -> Strip:
        if base != self._strip_base:  # theme or style changed: re-render everything
            self._strips = {}
            self._strip_base = base
        strip = self._strips.get(row)
        if strip is None:
            text = self._rows[row][1]
            console = self.app.console
            segments = list(text.render(console, end=""))
            if text.style and not text.spans:  # Text.render drops the base style then
                segments = list(Segment.apply_style(segments, console.get_style(text.style)))
            strip = Strip(segments, text.cell_len).apply_style(base)
            self._strips[row] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        self._layout_rows()
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = int(self.scroll_x), int(self.scroll_y)
        base = self.rich_style
        row = scroll_y + y
        if row >= len(self._rows):
            return Strip.blank(width, base)
        strip = self._strip(row, base).crop_extend(scroll_x, scroll_x + width, base)
        if self.has_focus and self._rows[row][0] == self.cursor:
            cursor = self.get_component_rich_style("text-lines--cursor")
            strip = Strip(Segment.apply_style(list(strip), post_style=cursor), width)
        return strip
