"""What the debugger's keys do on the replay screen (the screen's actions call these).

p / left step back · shift+left back 10 · g go to N or a time · [ ] previous / next event of
the identity · b breakpoint · B breakpoint list · c / C continue / reverse-continue · :
evaluate · a watch · Enter on a record cell: that field's history.
"""

from __future__ import annotations

from concurrent.futures import Future
from datetime import UTC
from typing import TYPE_CHECKING

from dateutil import parser as dateparser

from blurr_tui.replay.breakpoints import KIND_HELP, Breakpoint
from blurr_tui.tui.screens.debug_modals import (
    BreakpointsModal,
    EvaluateModal,
    HistoryModal,
    when_done,
)
from blurr_tui.tui.screens.modals import InputModal

if TYPE_CHECKING:
    from blurr_tui.tui.screens.replay import ReplayScreen


def parse_target(text: str) -> int | object:
    """An event number, or a datetime for ``2018-03-04T09:10`` (UTC when no zone)."""
    cleaned = text.strip().replace(",", "").replace("_", "")
    if cleaned.isdigit():
        return int(cleaned)
    when = dateparser.parse(text.strip())
    return when if when.tzinfo is not None else when.replace(tzinfo=UTC)


class DebugKeys:
    def __init__(self, screen: ReplayScreen) -> None:
        self.screen = screen
        self.controller = screen.controller

    def back(self, n: int) -> None:
        self.screen._track("step back", self.controller.back(n))

    def goto(self) -> None:
        snap = self.screen.snapshot

        def done(value: str | None) -> None:
            if value is None or not value.strip():
                return
            try:
                target = parse_target(value)
            except (ValueError, OverflowError):
                self.screen.notify(f"not an event number or a time: {value!r}", severity="warning")
                return
            if isinstance(target, int):
                self.screen.goto(target)
            else:
                self.screen._track("go to", self.controller.goto_time(target))  # type: ignore[arg-type]

        note = (
            f"event 1 … {snap.total:,}, or a time (2018-03-04T09:10): the first event at or after"
        )
        self.screen.app.push_screen(
            InputModal("Go to event N or a time", "", str(snap.position), note), done
        )

    def identity(self, delta: int) -> None:
        c = self.controller
        fut = c.identity_next() if delta > 0 else c.identity_previous()
        self.screen._track("identity", fut)

    def add_breakpoint(self) -> None:
        def done(value: str | None) -> None:
            if value and value.strip():
                when_done(self.screen.app, self.controller.add_breakpoint(value), self._added)

        self.screen.app.push_screen(
            InputModal("Add a breakpoint", "", "session_stats.games_won >= 2", KIND_HELP), done
        )

    def _added(self, fut: Future) -> None:
        result = fut.result() if fut.exception() is None else str(fut.exception())
        if isinstance(result, Breakpoint):
            self.screen.notify(f"Breakpoint {result.id}: {result.label}  (c continues to it)")
        else:
            self.screen.notify(f"Breakpoint not added: {result}", severity="error", timeout=10)

    def breakpoints(self) -> None:
        c = self.controller
        self.screen.app.push_screen(
            BreakpointsModal(
                lambda: c.snapshot().breakpoints, c.toggle_breakpoint, c.delete_breakpoint
            )
        )

    def continue_(self, reverse: bool) -> None:
        c = self.controller
        self.screen._track("continue", c.reverse_continue() if reverse else c.continue_())

    def evaluate(self) -> None:
        snap = self.screen.snapshot
        step = snap.step
        where = f"event {snap.position:,}" + (
            f" ({step.identity})" if step and step.identity else ""
        )
        self.screen.app.push_screen(EvaluateModal(where, self.controller.evaluate))

    def add_watch(self) -> None:
        def done(value: str | None) -> None:
            if value and value.strip():
                when_done(self.screen.app, self.controller.add_watch(value), self._watched)

        self.screen.app.push_screen(
            InputModal(
                "Add a watch",
                "",
                "an expression, e.g. session_stats.games_won",
                "shown at each event with its value before it; kept for this spec",
            ),
            done,
        )

    def _watched(self, fut: Future) -> None:
        if fut.exception() is not None:
            self.screen.notify(f"watch failed: {fut.exception()}", severity="error")
        elif fut.result():
            self.screen.notify(str(fut.result()), severity="warning", timeout=10)

    def history(self, aggregate: str, key: str, field: str, identity: str | None) -> None:
        title = f"{aggregate}.{field} of {key}"

        def show(fut: Future) -> None:
            if fut.exception() is not None:
                self.screen.notify(f"history failed: {fut.exception()}", severity="error")
                return
            self.screen.app.push_screen(HistoryModal(title, fut.result()), self._go)

        fut = self.controller.field_history(aggregate, key, field, identity)
        when_done(self.screen.app, fut, show)

    def _go(self, position: int | None) -> None:
        if position is not None:
            self.screen.goto(position)
