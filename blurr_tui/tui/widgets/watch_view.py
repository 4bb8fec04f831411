"""The watch pane: each watch expression, its value at the shown event and one event before."""

from __future__ import annotations

from rich.text import Text
from textual.widgets import Static

from blurr_tui.replay.watches import Failure, WatchValue


def watch_text(values: tuple[WatchValue, ...]) -> Text:
    text = Text(no_wrap=True, end="")
    if not values:
        text.append("a adds a watch: an expression evaluated at each shown event", "dim")
        return text
    for i, w in enumerate(values):
        if i:
            text.append("\n")
        text.append(f"{i + 1}. ", "dim")
        text.append(w.text, "bold")
        text.append(" = ")
        text.append(WatchValue.show(w.value), "red" if isinstance(w.value, Failure) else "cyan")
        text.append("   before ", "dim")
        text.append(WatchValue.show(w.before), "red" if isinstance(w.before, Failure) else "")
        if w.value != w.before and not isinstance(w.value, Failure):
            text.append("  ← changed", "bold yellow")
    return text


class WatchView(Static):
    DEFAULT_CSS = """
    WatchView {
        height: auto;
        max-height: 8;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
        padding: 0 1;
    }
    """

    def __init__(self, *, id: str | None = None) -> None:
        super().__init__(watch_text(()), id=id)
        self.values: tuple[WatchValue, ...] = ()
        self.border_title = "Watches"

    def show_values(self, values: tuple[WatchValue, ...]) -> None:
        if values != self.values:
            self.values = values
            self.update(watch_text(values))

    @property
    def plain(self) -> str:
        return watch_text(self.values).plain
