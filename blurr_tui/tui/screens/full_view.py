"""The full view (v): one line of the trace or event, or one table cell, whole and wrapped."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.screen import ModalScreen
from textual.widgets import Label, Static


class FullViewScreen(ModalScreen[None]):
    """Shows ``text`` wrapped in a scrollable box; y copies it, Escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,v,enter", "close", "Close"),
        Binding("y", "copy", "Copy"),
    ]

    DEFAULT_CSS = """
    FullViewScreen {
        align: center middle;
    }
    #full-box {
        width: 90%;
        height: auto;
        max-height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 0 1;
    }
    #full-title {
        text-style: bold;
        margin-bottom: 1;
    }
    #full-scroll {
        height: auto;
        max-height: 30;
    }
    #full-note {
        color: $text-muted;
        margin-top: 1;
    }
    """

    def __init__(self, title: str, text: Text | str, copy_text: str | None = None) -> None:
        super().__init__()
        self.title_text = title
        self.text = text if isinstance(text, Text) else Text(text)
        self.text.no_wrap = False
        self.copy_text = copy_text if copy_text is not None else self.text.plain

    def compose(self) -> ComposeResult:
        with Vertical(id="full-box"):
            yield Label(self.title_text, id="full-title")
            with VerticalScroll(id="full-scroll"):
                yield Static(self.text, id="full-text")
            yield Label("y copies · Escape closes", id="full-note")

    @property
    def shown_text(self) -> str:
        return self.text.plain

    def action_copy(self) -> None:
        self.app.copy_to_clipboard(self.copy_text)
        self.notify(f"Copied {len(self.copy_text):,} characters")

    def action_close(self) -> None:
        self.dismiss(None)
