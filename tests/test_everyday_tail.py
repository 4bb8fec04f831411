"""The app tails a growing log (issue 11 item 6): lines appended after the end arrive as
events, the total grows, and a truncated or rotated log is noticed and said."""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Callable
from pathlib import Path

from blurr_tui.engine.loader import load_streaming_file
from blurr_tui.replay.controller import AT_END, PAUSED, ReplayController
from blurr_tui.tui.app import make_app
from blurr_tui.tui.screens import ReplayScreen
from blurr_tui.tui.widgets import EventView, TransportBar

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs/tutorial1-streaming.yml"
LINES = (ROOT / "sample_logs/tutorial1.log").read_text().splitlines(keepends=True)


def until(cond: Callable[[], bool], c: ReplayController, limit: float = 10.0) -> None:
    """Run the worker's idle tick (follow_now) until ``cond``, as the worker does."""
    deadline = time.monotonic() + limit
    while time.monotonic() < deadline:
        c.follow_now()
        if cond():
            return
        time.sleep(0.05)
    raise AssertionError("condition not reached in time")


def test_appended_lines_become_events_and_the_total_grows(tmp_path: Path) -> None:
    log = tmp_path / "growing.log"
    log.write_text("".join(LINES[:4]))
    c = ReplayController(load_streaming_file(SPEC), log)
    try:
        c.goto_now(4)
        assert c.snapshot().state == AT_END and c.snapshot().total == 4
        c.follow_now()
        assert c.snapshot().following == "following the log"
        with log.open("a") as fh:
            fh.write("".join(LINES[4:6]))
            fh.write(LINES[6][:20])  # a line still being written: not an event yet
        until(lambda: c.snapshot().state == PAUSED, c)
        until(lambda: c.snapshot().total == 6, c)
        assert c.snapshot().following == "following the log: 2 new lines"
        c.step_now(1)
        s = c.snapshot()
        assert s.position == 5 and s.step is not None and s.step.line.line_no == 5
        assert s.step.identity == "B6FA"
        c.step_now(1)
        assert c.snapshot().state == AT_END and c.snapshot().position == 6
        with log.open("a") as fh:
            fh.write(LINES[6][20:] + LINES[7])
        until(lambda: c.snapshot().total == 8, c)
        c.step_now(2)
        s = c.snapshot()
        assert (s.position, s.state) == (8, AT_END)
        assert c.count("session_stats") == 3  # the same records as a run over the whole log
    finally:
        c.close()


def test_a_truncated_log_is_noticed_and_said(tmp_path: Path) -> None:
    log = tmp_path / "t.log"
    log.write_text("".join(LINES[:4]))
    c = ReplayController(load_streaming_file(SPEC), log)
    try:
        c.goto_now(4)
        c.follow_now()
        log.write_text(LINES[0])  # truncated and refilled shorter than what was read
        until(lambda: "stopped following it" in (c.snapshot().following or ""), c)
        assert str(log) in (c.snapshot().following or "")
        assert c.snapshot().state == AT_END and c.snapshot().position == 4
    finally:
        c.close()


def test_a_rotated_log_is_noticed_and_said(tmp_path: Path) -> None:
    log = tmp_path / "r.log"
    log.write_text("".join(LINES[:4]))
    c = ReplayController(load_streaming_file(SPEC), log)
    try:
        c.goto_now(4)
        c.follow_now()
        time.sleep(0.3)
        os.replace(log, tmp_path / "r.log.1")
        log.write_text("".join(LINES))  # a new, longer file under the same name
        until(lambda: "rotated" in (c.snapshot().following or ""), c)
        assert c.snapshot().position == 4  # nothing of the new file was applied silently
    finally:
        c.close()


def test_the_app_tails_the_log_and_plays_new_lines(tmp_path: Path) -> None:
    log = tmp_path / "app.log"
    log.write_text("".join(LINES[:3]))

    async def main() -> None:
        app = make_app(SPEC, log)
        async with app.run_test(size=(160, 45)) as pilot:

            async def wait(cond: Callable[[], bool]) -> None:
                for _ in range(1000):
                    if cond():
                        await pilot.pause(0.1)
                        return
                    await pilot.pause(0.01)
                raise AssertionError("condition not reached in time")

            def transport() -> str:
                top, bottom = app.screen.query_one(TransportBar).render_lines_text(150)
                return top.plain + "\n" + bottom.plain

            await wait(lambda: isinstance(app.screen, ReplayScreen))
            for _ in range(8):
                await pilot.press("plus")
            await pilot.press("space")
            await wait(lambda: app.controller.snapshot().state == AT_END)
            assert "3 / 3" in transport()
            await wait(lambda: "following the log" in transport())
            with log.open("a") as fh:
                fh.write("".join(LINES[3:5]))
            # it was playing when it reached the end: the new lines play on
            await wait(lambda: app.controller.snapshot().position == 5)
            assert "5 / 5" in transport() and "following the log: 2 new lines" in transport()
            assert "line 5" in "\n".join(app.screen.query_one("#event", EventView).plain_lines)
            await wait(lambda: app.controller.snapshot().state == AT_END)
            await pilot.press("space")  # at the end: new lines now wait for n / space
            await wait(lambda: not app.controller.playback.ended_playing)
            with log.open("a") as fh:
                fh.write(LINES[5])
            await wait(lambda: "5 / 6" in transport())
            assert app.controller.snapshot().state == PAUSED  # waits for a key
            assert app.controller.snapshot().position == 5
            await pilot.press("n")
            await wait(lambda: app.controller.snapshot().position == 6)
            log.write_text("")  # truncated
            await wait(
                lambda: any("stopped following" in str(n.message) for n in app._notifications)
            )
            assert "stopped following it" in transport()

    asyncio.run(main())
