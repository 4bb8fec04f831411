"""The debugger's modals: the breakpoint list, the ``:`` prompt and a value's history."""

from __future__ import annotations

from collections.abc import Callable
from concurrent.futures import Future
from typing import Any, ClassVar

from rich.text import Text
from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets.option_list import Option

from blurr_tui.replay.breakpoints import KIND_HELP, Breakpoint
from blurr_tui.replay.debug_session import ValueChange
from blurr_tui.replay.watches import Failure


def when_done(app: Any, fut: Future, fn: Callable[[Future], None]) -> None:
    """Call ``fn(fut)`` in the app's thread once ``fut`` is done."""
    if fut.done():
        fn(fut)
    else:
        fut.add_done_callback(lambda f: app.call_from_thread(fn, f))


def breakpoint_label(bp: Breakpoint) -> Text:
    text = Text(no_wrap=True, end="")
    text.append("● " if bp.enabled else "○ ", "bold red" if bp.enabled else "dim")
    text.append(f"{bp.id}  ", "dim")
    text.append(bp.label, "" if bp.enabled else "dim")
    if bp.error is not None:
        text.append(f"   ! {bp.error} ({bp.errors}×)", "red")
    return text


class BreakpointsModal(ModalScreen[None]):
    """The breakpoints: space enables/disables, d deletes, Escape closes."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("escape,q,B", "close", "Close"),
        Binding("space", "toggle_bp", "Enable/disable"),
        Binding("d,delete", "delete", "Delete"),
    ]

    def __init__(
        self,
        items: Callable[[], tuple[Breakpoint, ...]],
        toggle: Callable[[int], Future],
        delete: Callable[[int], Future],
    ) -> None:
        super().__init__()
        self._items = items
        self._toggle = toggle
        self._delete = delete

    def compose(self) -> ComposeResult:
        with Vertical(id="modal-box"):
            yield Label("Breakpoints  (space: enable/disable · d: delete · Esc: close)")
            yield OptionList(id="bp-list")
            yield Label(f"b adds one: {KIND_HELP}", id="modal-note")

    def on_mount(self) -> None:
        self.refill()
        self.query_one(OptionList).focus()

    def refill(self) -> None:
        options = self.query_one(OptionList)
        keep = options.highlighted
        options.clear_options()
        items = self._items()
        if not items:
            options.add_option(Option(Text("no breakpoints", "dim"), disabled=True))
            return
        options.add_options([Option(breakpoint_label(b), id=str(b.id)) for b in items])
        options.highlighted = min(keep or 0, len(items) - 1)

    def _current(self) -> int | None:
        options = self.query_one(OptionList)
        if options.highlighted is None:
            return None
        option = options.get_option_at_index(options.highlighted)
        return int(option.id) if option.id else None

    def action_toggle_bp(self) -> None:
        self._then(self._toggle)

    def action_delete(self) -> None:
        self._then(self._delete)

    def _then(self, command: Callable[[int], Future]) -> None:
        bp_id = self._current()
        if bp_id is not None:
            when_done(self.app, command(bp_id), lambda _f: self.refill())

    def action_close(self) -> None:
        self.dismiss(None)


def show_value(value: Any) -> Text:
    if isinstance(value, Failure):
        return Text(value.message, "bold red")
    return Text(repr(value), "cyan")


class EvaluateModal(ModalScreen[None]):
    """``:`` — evaluate expressions at the shown event, like a debugger's prompt."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape", "close", "Close")]

    def __init__(self, where: str, evaluate: Callable[[str], Future]) -> None:
        super().__init__()
        self.where = where
        self._evaluate = evaluate
        self.transcript = Text()

    def compose(self) -> ComposeResult:
        with Vertical(id="modal-box"):
            yield Label(f"Evaluate at {self.where}  (Enter runs · Esc closes)", id="modal-title")
            yield Static(
                Text("names: the aggregates, source, time, identity, imports", "dim"), id="eval-out"
            )
            yield Input(placeholder="expression, e.g. session_stats.games_won * 2", id="eval-in")

    def on_mount(self) -> None:
        self.query_one(Input).focus()

    def on_input_submitted(self, event: Input.Submitted) -> None:
        event.stop()
        text = event.value.strip()
        if not text:
            return
        event.input.value = ""
        fut = self._evaluate(text)
        when_done(self.app, fut, lambda f: self._show(text, f))

    def _show(self, text: str, fut: Future) -> None:
        exc = fut.exception()
        value = Failure(f"{type(exc).__name__}: {exc}") if exc is not None else fut.result()
        if self.transcript.plain:
            self.transcript.append("\n")
        self.transcript.append(f": {text}\n", "bold")
        self.transcript.append_text(show_value(value))
        self.query_one("#eval-out", Static).update(self.transcript)

    def action_close(self) -> None:
        self.dismiss(None)


class HistoryModal(ModalScreen[int | None]):
    """A field's history: every event that changed it; Enter goes to that event."""

    BINDINGS: ClassVar[list[BindingType]] = [Binding("escape,q", "close", "Close")]

    def __init__(self, title: str, changes: list[ValueChange]) -> None:
        super().__init__()
        self.title_text = title
        self.changes = changes

    def compose(self) -> ComposeResult:
        with Vertical(id="modal-box"):
            yield Label(self.title_text, id="modal-title")
            yield OptionList(id="history-list")
            yield Label("Enter: go to that event · Esc: close", id="modal-note")

    def on_mount(self) -> None:
        options = self.query_one(OptionList)
        if not self.changes:
            options.add_option(Option(Text("no event changed it (so far)", "dim"), disabled=True))
        for ch in self.changes:
            text = Text(no_wrap=True, end="")
            text.append(f"event {ch.position:>7,}  line {ch.line:>7,}  ", "dim")
            text.append(ch.time.isoformat(sep=" ") if ch.time else "", "bold")
            text.append(f"  {ch.old!r} → ", "")
            text.append(repr(ch.new), "cyan")
            options.add_option(Option(text, id=str(ch.position)))
        if self.changes:
            options.highlighted = 0
        options.focus()

    def on_option_list_option_selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id:
            self.dismiss(int(event.option.id))

    def action_close(self) -> None:
        self.dismiss(None)
