"""A scrollable view of pre-built rich `Text` lines on the Line API (no wrapping).

The trace and event panes rebuild their lines only on step/pause (and a few times a second
while playing); a frame then only crops the strips it shows.
"""

from __future__ import annotations

from rich.segment import Segment
from rich.style import Style
from rich.text import Text
from textual.geometry import Size
from textual.scroll_view import ScrollView
from textual.strip import Strip


class TextLinesView(ScrollView, can_focus=True):
    """Shows a list of one-line `Text`s, scrollable both ways."""

    DEFAULT_CSS = """
    TextLinesView {
        height: 1fr;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._texts: list[Text] = []
        self._strips: list[Strip | None] = []
        self._strip_base: Style | None = None

    def set_lines(self, lines: list[Text]) -> None:
        """Replace the content and scroll back to the top."""
        self._texts = lines
        self._strips = [None] * len(lines)
        width = max((t.cell_len for t in lines), default=0)
        self.virtual_size = Size(width, len(lines))
        self.scroll_to(0, 0, animate=False, immediate=True)
        self.refresh()

    @property
    def lines(self) -> list[Text]:
        return self._texts

    @property
    def plain_lines(self) -> list[str]:
        """The content as plain strings (for tests and copying)."""
        return [t.plain for t in self._texts]

    def _strip(self, index: int, base: Style) -> Strip:
        if base != self._strip_base:  # theme or style changed: re-render everything
            self._strips = [None] * len(self._texts)
            self._strip_base = base
        strip = self._strips[index]
        if strip is None:
            text = self._texts[index]
            console = self.app.console
            segments = list(text.render(console, end=""))
            if text.style and not text.spans:  # Text.render drops the base style then
                segments = list(Segment.apply_style(segments, console.get_style(text.style)))
            strip = Strip(segments, text.cell_len).apply_style(base)
            self._strips[index] = strip
        return strip

    def render_line(self, y: int) -> Strip:
        width = self.scrollable_content_region.width
        scroll_x, scroll_y = int(self.scroll_x), int(self.scroll_y)
        base = self.rich_style
        index = scroll_y + y
        if index >= len(self._texts):
            return Strip.blank(width, base)
        return self._strip(index, base).crop_extend(scroll_x, scroll_x + width, base)
