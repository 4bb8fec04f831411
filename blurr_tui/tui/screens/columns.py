"""Choose a record table's shown columns (h): a checklist, Enter applies, Escape cancels."""

from __future__ import annotations

from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Label, SelectionList


class ColumnsScreen(ModalScreen[set[int] | None]):
    """Returns the set of hidden column indices (None when cancelled)."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape", "cancel", "Cancel"),
        Binding("enter", "apply", "Apply", priority=True),
        Binding("a", "all", "Show all"),
    ]

    DEFAULT_CSS = """
    ColumnsScreen {
        align: center middle;
    }
    #columns-box {
        width: 60;
        height: auto;
        max-height: 90%;
        border: thick $accent;
        background: $surface;
        padding: 1 2;
    }
    #columns-list {
        height: auto;
        max-height: 30;
    }
    #columns-note {
        color: $text-muted;
        margin-top: 1;
    }
    """

    def __init__(self, title: str, columns: list[str], hidden: set[int]) -> None:
        super().__init__()
        self.title_text = title
        self.columns = columns
        self.hidden = hidden

    def compose(self) -> ComposeResult:
        with Vertical(id="columns-box"):
            yield Label(self.title_text, id="columns-title")
            yield SelectionList[int](
                *[(name, i, i not in self.hidden) for i, name in enumerate(self.columns)],
                id="columns-list",
            )
            yield Label(
                "space shows/hides · a shows all · Enter applies · Escape cancels",
                id="columns-note",
            )

    def on_mount(self) -> None:
        self.query_one(SelectionList).focus()

    def action_all(self) -> None:
        self.query_one(SelectionList).select_all()

    def action_apply(self) -> None:
        shown = set(self.query_one(SelectionList).selected)
        self.dismiss({i for i in range(len(self.columns)) if i not in shown})

    def action_cancel(self) -> None:
        self.dismiss(None)
