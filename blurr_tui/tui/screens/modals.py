"""Small modal screens: a one-line input (go to, filter, export) and the key help."""

from __future__ import annotations

from typing import ClassVar

from rich.text import Text
from textual import events
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, Static

HELP_KEYS: list[tuple[str, str]] = [
    ("space", "play / pause"),
    ("n, →", "step one event"),
    ("shift+→", "step ten events"),
    ("+ / -", "speed: 1, 2, 5, 10, 50, 200, 1000 ev/s, max"),
    ("r", "reload: read the spec files and the log again, run to this event (also on save)"),
    ("S", "show / hide the spec pane (the source beside the trace; editable)"),
    ("ctrl+s", "spec pane: save the spec and reload"),
    ("d", "Diff tab: the records the last reload changed (enter: go to the record)"),
    ("p, ←", "step back (the event as it was applied, the tables as they were)"),
    ("shift+←", "step back ten events"),
    ("g", "go to event N, or a time (2018-03-04T09:10): first event at or after"),
    ("[ / ]", "previous / next event of the current identity"),
    ("b", "add a breakpoint: EXPR · change AGG.FIELD · swallowed · abort · new · bad"),
    ("B", "breakpoint list: space enables/disables, d deletes"),
    ("c / C", "continue to the next / back to the previous breakpoint hit"),
    (":", "evaluate an expression at the shown event"),
    ("a", "add a watch (kept for this spec)"),
    ("enter", "on a record cell: that field's history (Enter on a change goes there)"),
    ("/", "filter records by identity: a part (B6) or a glob (B6*)"),
    ("f", "follow the current event's identity"),
    ("w", "window rows of the current identity (with a window BTS)"),
    ("e", "export the database (SQLite backup)"),
    ("enter", "Errors tab: jump there; Window tab: the anchor and its windows; Diff: the record"),
    ("1 … 9", "switch to tab N (E Errors, W Window)"),
    ("x / X", "next / previous error"),
    ("s", "search the events: text (any case) or /regex/"),
    ("> / <", "next / previous match"),
    ("← / →", "in a focused table: column by column, sideways"),
    ("o", "sort the table by the cursor's column (up, down, off)"),
    ("h", "show / hide the table's columns"),
    ("v", "full view of the cell, or of the trace / event line"),
    ("y", "copy the cell, the trace line, or the event's line"),
    ("ctrl+p", "command palette"),
    ("?", "this help"),
    ("q", "quit"),
]


class InputModal(ModalScreen[str | None]):
    """Asks for one value; Enter returns it, Escape returns None.

    Keys typed before the input has the focus (right after the key that opened the modal)
    are kept: they replace the proposed value, as typing over the selected value would."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, title: str, value: str = "", placeholder: str = "", note: str = "") -> None:
        super().__init__()
        self.title_text = title
        self.value = value
        self.placeholder = placeholder
        self.note = note
        self._early: list[str] = []  # keys typed before the input had the focus
        self._typed = False

    def compose(self) -> ComposeResult:
        with Vertical(id="modal-box"):
            yield Label(self.title_text, id="modal-title")
            yield Input(value=self.value, placeholder=self.placeholder, id="modal-input")
            if self.note:
                yield Label(self.note, id="modal-note")

    def on_mount(self) -> None:
        self.query_one(Input).focus()
        self._take_early()

    def on_key(self, event: events.Key) -> None:
        """A key that reached this screen, not the input: the input had no focus yet."""
        inputs = self.query(Input)
        if not (inputs and inputs.first().has_focus) and event.is_printable and event.character:
            event.stop()
            self.take_key(event.character)

    def take_key(self, character: str) -> None:
        """A character typed before the input had it (e.g. right after ``g``): type it."""
        self._early.append(character)
        self._take_early()

    def _take_early(self) -> None:
        inputs = self.query(Input)
        if not self._early or not inputs:
            return
        field = inputs.first(Input)
        typed = "".join(self._early)
        self._early = []
        if not self._typed:  # the first keys replace the proposed value
            field.value = typed
        else:
            field.insert_text_at_cursor(typed)
        self._typed = True
        field.cursor_position = len(field.value)
        field.focus()

    def on_input_changed(self, event: Input.Changed) -> None:
        if event.value != self.value:
            self._typed = True

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        self.dismiss(event.value)

    def action_cancel(self) -> None:
        self.dismiss(None)


class HelpScreen(ModalScreen[None]):
    """The keys of the replay screen."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,question_mark", "close", "Close"),
    ]

    def compose(self) -> ComposeResult:
        text = Text()
        text.append("blurr-tui replay — keys\n\n", "bold")
        for key, what in HELP_KEYS:
            text.append(f"{key:>10}  ", "bold cyan")
            text.append(what + "\n")
        text.append("\nPanes: event JSON and its per-field trace (When, Value, old → new) on the")
        text.append("\nleft; one tab per aggregate on the right. Rows the event touched are")
        text.append("\nhighlighted, new records are marked ●.  Escape closes this help.")
        with Vertical(id="help-box"):
            yield Static(text)

    def action_close(self) -> None:
        self.dismiss(None)


class AnchorScreen(ModalScreen[None]):
    """One window row: its anchor block and the blocks that fell into each window."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q,enter", "close", "Close")]

    def __init__(self, anchor: object) -> None:
        super().__init__()
        self.anchor_row = anchor

    def compose(self) -> ComposeResult:
        a = self.anchor_row
        text = Text()
        text.append("Anchor ", "bold")
        text.append(f"{a.anchor_key}\n", "bold cyan")  # type: ignore[attr-defined]
        windows: dict = a.windows  # type: ignore[attr-defined]
        if not windows:
            text.append("\nThe window BTS's When was false: a row of defaults, no window.\n")
        for name, keys in windows.items():
            text.append(f"\n{name}", "bold")
            text.append(f"  {len(keys)} block{'' if len(keys) == 1 else 's'}\n", "dim")
            for key in keys:
                text.append(f"  {key}\n")
        text.append("\nRow\n", "bold")
        for k, v in a.row.items():  # type: ignore[attr-defined]
            text.append(f"  {k} = ", "dim")
            text.append(f"{v!r}\n")
        text.append("\nEscape closes.", "dim")
        with Vertical(id="help-box"):
            yield Static(text)

    def action_close(self) -> None:
        self.dismiss(None)
