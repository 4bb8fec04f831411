"""The debugger's keys driven with Pilot, asserting on what the panes show."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import OptionList, Static

from blurr_tui.tui.app import BlurrApp, make_app
from blurr_tui.tui.screens import ReplayScreen
from blurr_tui.tui.screens.debug_modals import BreakpointsModal, EvaluateModal, HistoryModal
from blurr_tui.tui.widgets import RecordTable
from blurr_tui.tui.widgets.timeline import Timeline
from blurr_tui.tui.widgets.watch_view import WatchView
from tests.test_app import (
    LOG,
    SIZE,
    SPEC,
    at,
    event_text,
    table,
    trace_text,
    transport_text,
    type_into_modal,
    wait_until,
)


@pytest.fixture(autouse=True)
def state_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("BLURR_TUI_STATE_DIR", str(tmp_path / "state"))
    return tmp_path / "state"


def drive(test: Callable[[BlurrApp, Pilot], Awaitable[None]]) -> None:
    async def main() -> None:
        app = make_app(SPEC, LOG)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
            await test(app, pilot)

    asyncio.run(main())


def rows(app: BlurrApp) -> list[tuple]:
    t = table(app)
    return [t.get_row(i) for i in range(t.row_count)]


def test_step_back_go_to_and_identity_keys() -> None:
    async def test(app: BlurrApp, pilot: Pilot) -> None:
        shown = {}
        for n in range(1, 6):
            await pilot.press("n")
            await wait_until(pilot, at(app, n))
            shown[n] = (event_text(app), trace_text(app), rows(app))
        await pilot.press("p")
        await wait_until(pilot, at(app, 4))
        assert (event_text(app), trace_text(app), rows(app)) == shown[4]
        await pilot.press("left")
        await wait_until(pilot, at(app, 3))
        assert (event_text(app), trace_text(app), rows(app)) == shown[3]
        assert "games_won" in trace_text(app) or "games_played" in trace_text(app)
        await pilot.press("shift+left")
        await wait_until(pilot, at(app, 0))
        assert "No event yet" in event_text(app)
        await pilot.press("g")
        await type_into_modal(pilot, app, "5")
        await wait_until(pilot, at(app, 5))
        assert (event_text(app), trace_text(app), rows(app)) == shown[5]
        await pilot.press("g")
        await type_into_modal(pilot, app, "2018-03-04T09:10")
        await wait_until(pilot, at(app, 4))
        assert "line 4" in app.screen.query_one("#event").border_title  # type: ignore[operator]
        await pilot.press("right_square_bracket")  # 09C1's next event: line 7
        await wait_until(pilot, at(app, 7))
        assert "09C1" in transport_text(app) and "T8KA" in event_text(app)
        await pilot.press("left_square_bracket")
        await wait_until(pilot, at(app, 4))
        timeline = app.screen.query_one(Timeline)
        assert timeline.state.position == 4 and timeline.state.computed == 4
        await pilot.click(Timeline, offset=(timeline.content_region.width - 1, 0))
        await wait_until(pilot, at(app, 8))

    drive(test)


def test_breakpoint_keys_continue_reverse_and_list() -> None:
    async def test(app: BlurrApp, pilot: Pilot) -> None:
        await pilot.press("b")
        await type_into_modal(pilot, app, "session_stats.games_won >= 2")
        await wait_until(pilot, lambda: bool(app.controller.snapshot().breakpoints))
        await pilot.press("c")
        await wait_until(pilot, at(app, 4))
        assert app.controller.snapshot().note == "breakpoint 1: session_stats.games_won >= 2"
        assert "games_won" in trace_text(app) and "1 → 2" in trace_text(app)
        assert 4 in app.screen.query_one(Timeline).state.hits
        await pilot.press("c")  # no later hit: plays to the end
        await wait_until(pilot, at(app, 8))
        await pilot.press("C")
        await wait_until(pilot, at(app, 4))
        await pilot.press("b")
        await type_into_modal(pilot, app, "session_stats.nope > 1")
        await pilot.press("B")
        await wait_until(pilot, lambda: isinstance(app.screen, BreakpointsModal))
        listing = app.screen.query_one(OptionList)
        assert listing.option_count == 2
        assert "session_stats.games_won >= 2" in str(listing.get_option_at_index(0).prompt)
        await pilot.press("space")  # disable breakpoint 1
        await wait_until(pilot, lambda: not app.controller.breakpoints.items()[0].enabled)
        await pilot.press("down", "d")  # delete breakpoint 2
        await wait_until(pilot, lambda: len(app.controller.breakpoints.items()) == 1)
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
        await pilot.press("c")
        await wait_until(pilot, lambda: app.controller.snapshot().note is not None)
        assert "no breakpoint enabled" in app.controller.snapshot().note  # type: ignore[operator]

    drive(test)


def test_a_typo_in_a_breakpoint_is_shown_and_the_session_goes_on() -> None:
    async def test(app: BlurrApp, pilot: Pilot) -> None:
        await pilot.press("b")
        await type_into_modal(pilot, app, "session_stats.games_won >=")
        await pilot.pause(0.2)
        assert not app.controller.snapshot().breakpoints
        await pilot.press("n")
        await wait_until(pilot, at(app, 1))

    drive(test)


def test_watch_evaluate_and_a_values_history(state_dir: Path) -> None:
    async def test(app: BlurrApp, pilot: Pilot) -> None:
        await pilot.press("a")
        await type_into_modal(pilot, app, "session_stats.games_won")
        await pilot.press("g")
        await type_into_modal(pilot, app, "4")
        await wait_until(pilot, at(app, 4))
        await wait_until(pilot, lambda: bool(app.screen.query_one(WatchView).values))
        assert "session_stats.games_won = 2   before 1" in app.screen.query_one(WatchView).plain
        await pilot.press("colon")
        await wait_until(pilot, lambda: isinstance(app.screen, EvaluateModal))
        await pilot.press(*"session_stats.games_played * 10", "enter")
        out = app.screen.query_one("#eval-out", Static)
        await wait_until(pilot, lambda: "20" in str(out.render()))
        await pilot.press(*"nope", "enter")
        await pilot.pause(0.3)
        await wait_until(pilot, lambda: "NameError" in str(out.render()))
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
        t = table(app)
        t.focus()
        t.cursor_row = 0
        t.cursor_column = t.source.columns.index("games_won")  # type: ignore[union-attr]
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, HistoryModal))
        history = app.screen.query_one(OptionList)
        lines = [str(history.get_option_at_index(i).prompt) for i in range(history.option_count)]
        assert len(lines) == 2 and "0 → 1" in lines[0] and "1 → 2" in lines[1]
        await pilot.press("enter")  # the first change: event 2
        await wait_until(pilot, at(app, 2))
        assert isinstance(app.screen.query_one("#agg-session_stats-t"), RecordTable)

    drive(test)
    assert "session_stats.games_won" in (state_dir / "watches.json").read_text()
