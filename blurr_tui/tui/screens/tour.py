"""``blurr-tui demo``: the replay screen on tutorial 1 with a guided tour for analysts.

Each stop of the tour moves the replay to an event and explains, in plain words, what the
Block aggregate did with it; the panes show the same thing in detail.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.widgets import Static

from blurr_tui.tui.screens.replay import ReplayScreen


@dataclass(frozen=True)
class Stop:
    position: int  # events applied when this stop is shown
    title: str
    text: str


TOUR: tuple[Stop, ...] = (
    Stop(
        0,
        "A spec and a stream",
        "8 game events of two players (left: each event as it arrives). The spec has one Block "
        "aggregate, session_stats, with the dimension session_id: one record per game session, "
        "counting games played and won. Press t to apply the first event.",
    ),
    Stop(
        1,
        "A new record",
        "09C1 starts a game in session 915D. No record has this key yet, so a NEW record starts "
        "from defaults (Trace: 'new'). games_played's When (event_id == 'game_start') is True, "
        "so its Value runs: 0 → 1. games_won's When is False: it keeps 0.",
    ),
    Stop(
        2,
        "The same record continues",
        "A game_end with won = 1 in the same session: the record CONTINUES. Now games_won's When "
        "is True (0 → 1) and games_played's is False, so it keeps 1. _end_time moves forward.",
    ),
    Stop(
        4,
        "Counting",
        "Two more events of session 915D: 2 games played, 2 won. Only the fields whose When is "
        "true change; the others are dimmed in the trace.",
    ),
    Stop(
        5,
        "Another player",
        "B6FA's first event. Every identity has its own state, so its session D043 is a record "
        "of its own (right: two rows now; the touched row is highlighted).",
    ),
    Stop(
        7,
        "A new session closes the old one",
        "09C1 starts session T8KA: the dimension changed, so Blurr saves the 915D record and "
        "starts a new one (Trace: 'Saved closed record').",
    ),
    Stop(
        8,
        "The result",
        "At the end Blurr saves the open records: 3 rows, exactly what `blurr transform` "
        "prints. Press e to export them as SQLite, or replay your own spec: "
        "blurr-tui replay SPEC LOG. q quits.",
    ),
)


class TourPanel(Static):
    DEFAULT_CSS = """
    TourPanel {
        dock: bottom;
        height: auto;
        max-height: 8;
        margin-bottom: 1;
        padding: 0 1;
        border: round $accent;
        background: $boost;
    }
    """


class DemoScreen(ReplayScreen):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("t", "tour(1)", "Next tip", priority=True),
        Binding("T", "tour(-1)", "Previous tip", show=False),
    ]

    stop_index = 0

    def compose(self) -> ComposeResult:
        yield TourPanel(id="tour")
        yield from super().compose()

    def on_mount(self) -> None:
        super().on_mount()
        self._show_stop()

    def _show_stop(self) -> None:
        stop = TOUR[self.stop_index]
        panel = self.query_one("#tour", TourPanel)
        panel.border_title = f"Tour {self.stop_index + 1}/{len(TOUR)}: {stop.title}"
        panel.border_subtitle = "t next · T back"
        panel.update(stop.text)

    def action_tour(self, delta: int) -> None:
        self.stop_index = max(0, min(len(TOUR) - 1, self.stop_index + delta))
        self.goto(TOUR[self.stop_index].position)
        self._show_stop()
