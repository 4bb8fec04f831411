"""SVG snapshots of the replay app at a fixed size on deterministic data (tutorial1)."""

from __future__ import annotations

from pathlib import Path

from textual.pilot import Pilot

from blurr_tui.tui.app import make_app
from blurr_tui.tui.screens import HelpScreen, ReplayScreen

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs/tutorial1-streaming.yml"
LOG = ROOT / "sample_logs/tutorial1.log"
SIZE = (160, 45)


async def _wait(pilot: Pilot, cond, limit: float = 10.0) -> None:  # type: ignore[no-untyped-def]
    for _ in range(int(limit / 0.01)):
        if cond():
            await pilot.pause(0.1)  # a couple of polls so every pane shows it
            return
        await pilot.pause(0.01)
    raise AssertionError("condition not reached in time")


async def _steps(pilot: Pilot, n: int) -> None:
    app = pilot.app
    await _wait(pilot, lambda: isinstance(app.screen, ReplayScreen))
    for _ in range(n):
        await pilot.press("n")
    await _wait(pilot, lambda: app.controller.snapshot().position == n)  # type: ignore[attr-defined]


def test_after_three_steps(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await _steps(pilot, 3)

    assert snap_compare(make_app(SPEC, LOG), terminal_size=SIZE, run_before=run_before)


def test_help_screen(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await _steps(pilot, 1)
        await pilot.press("question_mark")
        await _wait(pilot, lambda: isinstance(pilot.app.screen, HelpScreen))

    assert snap_compare(make_app(SPEC, LOG), terminal_size=SIZE, run_before=run_before)


def test_filtered_at_end(snap_compare) -> None:  # type: ignore[no-untyped-def]
    async def run_before(pilot: Pilot) -> None:
        await _steps(pilot, 8)
        pilot.app.screen.set_identity_filter("09C1")  # type: ignore[attr-defined]
        await pilot.pause(0.1)

    assert snap_compare(make_app(SPEC, LOG), terminal_size=SIZE, run_before=run_before)
