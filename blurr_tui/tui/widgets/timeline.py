"""The timeline: one line under the transport bar, the whole log from left to right.

Each cell is a slice of the log: ``━`` computed, ``─`` not yet, ``◆`` a breakpoint hit,
``✕`` a bad line or an error, ``█`` the event shown.  Clicking a cell asks to go there
(:class:`Timeline.Jump`).  Pure display.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from rich.text import Text
from textual.events import Click
from textual.message import Message
from textual.widget import Widget


@dataclass(frozen=True, slots=True)
class TimelineState:
    position: int = 0
    computed: int = 0
    total: int = 0
    hits: tuple[int, ...] = ()
    problems: tuple[int, ...] = ()


def cell_of(position: int, total: int, width: int) -> int:
    return min(width - 1, max(0, (position - 1) * width // max(total, 1)))


def render_timeline(s: TimelineState, width: int) -> Text:
    if width <= 0:
        return Text()
    total = max(s.total, s.computed, 1)
    computed = (s.computed * width + total - 1) // total if s.computed else 0
    cells = ["━" if i < computed else "─" for i in range(width)]
    styles = ["cyan" if i < computed else "dim" for i in range(width)]
    for positions, mark, style in (
        (s.problems, "✕", "bold yellow"),
        (s.hits, "◆", "bold red"),
    ):
        for p in _marks(positions, total, width):
            cells[p], styles[p] = mark, style
    if s.position:
        i = cell_of(s.position, total, width)
        cells[i], styles[i] = "█", "bold green"
    text = Text(no_wrap=True, end="")
    for ch, style in zip(cells, styles, strict=True):
        text.append(ch, style)
    return text


def _marks(positions: Iterable[int], total: int, width: int) -> set[int]:
    return {cell_of(p, total, width) for p in positions}


class Timeline(Widget):
    DEFAULT_CSS = """
    Timeline {
        height: 1;
        background: $panel;
        padding: 0 1;
    }
    """

    class Jump(Message):
        """The user clicked the timeline: go to ``position``."""

        def __init__(self, position: int) -> None:
            super().__init__()
            self.position = position

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.state = TimelineState()
        self.tooltip = "Timeline: ━ computed · ◆ breakpoint hit · ✕ bad line/error · click: go"

    def set_state(self, state: TimelineState) -> None:
        if state != self.state:
            self.state = state
            self.refresh()

    def render(self) -> Text:
        return render_timeline(self.state, self.content_region.width or 80)

    def position_at(self, x: int) -> int:
        """The first event of the slice under column ``x`` (of the content)."""
        width = max(1, self.content_region.width)
        total = max(self.state.total, self.state.computed, 1)
        return max(1, min(total, x * total // width + 1))

    def on_click(self, event: Click) -> None:
        offset = event.get_content_offset(self)
        if offset is not None:
            self.post_message(self.Jump(self.position_at(offset.x)))
