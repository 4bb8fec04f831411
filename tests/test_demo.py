"""`blurr-tui demo`: the tour moves the replay and explains each stop."""

from __future__ import annotations

import asyncio

from test_app import SIZE, at, event_text, trace_text, wait_until
from textual.widgets import Static

from blurr_tui.tui.app import make_demo_app
from blurr_tui.tui.screens.tour import TOUR, DemoScreen


def test_tour_steps_through_tutorial1() -> None:
    async def main() -> None:
        app = make_demo_app()
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, DemoScreen))
            panel = app.screen.query_one("#tour", Static)
            assert "1/7" in str(panel.border_title)
            await pilot.press("t")
            await wait_until(pilot, at(app, 1))
            assert "A new record" in str(panel.border_title)
            assert "NEW record" in str(panel.render())
            assert '"event_id": "game_start"' in event_text(app)
            assert "games_played  0 → 1" in trace_text(app)
            for _ in range(len(TOUR)):
                await pilot.press("t")
            await wait_until(pilot, at(app, 8))
            assert "The result" in str(panel.border_title)
            await pilot.press("T")
            await wait_until(pilot, at(app, TOUR[-2].position))
            assert "closes the old one" in str(panel.border_title)

    asyncio.run(main())
