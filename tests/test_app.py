"""The replay app driven with Pilot: what the panes show after each control."""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import pytest
from textual.pilot import Pilot
from textual.widgets import Static

from blurr_tui.engine.loader import load_streaming_file
from blurr_tui.replay.controller import AT_END, PAUSED, PLAYING, ReplayController
from blurr_tui.tui.app import BlurrApp, make_app
from blurr_tui.tui.screens import InputModal, ReplayScreen
from blurr_tui.tui.screens.modals import AnchorScreen
from blurr_tui.tui.widgets import EventView, RecordTable, TraceView, TransportBar

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs/tutorial1-streaming.yml"
LOG = ROOT / "sample_logs/tutorial1.log"
SIZE = (160, 45)


async def wait_until(pilot: Pilot, cond: Callable[[], bool], limit: float = 10.0) -> None:
    for _ in range(int(limit / 0.01)):
        if cond():
            await pilot.pause()  # one more poll so the panes show it
            await pilot.pause(0.06)
            return
        await pilot.pause(0.01)
    raise AssertionError("condition not reached in time")


def at(app: BlurrApp, position: int, state: str | None = None) -> Callable[[], bool]:
    def cond() -> bool:
        s = app.controller.snapshot()
        return s.position == position and (state is None or s.state == state)

    return cond


def screen(app: BlurrApp) -> ReplayScreen:
    assert isinstance(app.screen, ReplayScreen)
    return app.screen


def event_text(app: BlurrApp) -> str:
    return "\n".join(screen(app).query_one("#event", EventView).plain_lines)


def trace_text(app: BlurrApp) -> str:
    return "\n".join(screen(app).query_one("#trace", TraceView).plain_lines)


def transport_text(app: BlurrApp) -> str:
    bar = screen(app).query_one(TransportBar)
    top, bottom = bar.render_lines_text(150)
    return top.plain + "\n" + bottom.plain


def table(app: BlurrApp, aggregate: str = "session_stats") -> RecordTable:
    return screen(app).query_one(f"#agg-{aggregate}-t", RecordTable)


async def type_into_modal(pilot: Pilot, app: BlurrApp, text: str) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, InputModal))
    modal = app.screen
    modal.query_one("Input").value = ""  # type: ignore[attr-defined]
    await pilot.press(*text, "enter") if text else await pilot.press("enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, InputModal))


def with_app(*args: object) -> Callable[[Callable[..., Awaitable[None]]], Callable[[], None]]:
    def deco(test: Callable[..., Awaitable[None]]) -> Callable[[], None]:
        def wrapper() -> None:
            async def main() -> None:
                app = make_app(*args)  # type: ignore[arg-type]
                async with app.run_test(size=SIZE) as pilot:
                    await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
                    await test(app, pilot)

            asyncio.run(main())

        wrapper.__name__ = test.__name__  # not functools.wraps: pytest would see (app, pilot)
        wrapper.__doc__ = test.__doc__
        return wrapper

    return deco


@with_app(SPEC, LOG)
async def test_step_shows_event_and_trace(app: BlurrApp, pilot: Pilot) -> None:
    assert "No event yet" in event_text(app)
    assert "0 / 8" in transport_text(app)
    await pilot.press("n")
    await wait_until(pilot, at(app, 1))
    ev = event_text(app)
    assert "line 1" in ev and '"event_id": "game_start"' in ev and '"user_id": "09C1"' in ev
    tr = trace_text(app)
    assert "games_played" in tr and "0 → 1" in tr
    assert "1 / 8" in transport_text(app)
    t = table(app)
    assert t.row_count == 1 and t.highlight_rows == {0} and t.new_rows == {0}
    await pilot.press("right")
    await wait_until(pilot, at(app, 2))
    assert "games_won" in trace_text(app) and "0 → 1" in trace_text(app)
    assert t.new_rows == set() and t.highlight_rows == {0}
    await pilot.press("shift+right")
    await wait_until(pilot, at(app, 8, AT_END))
    assert "at end" in transport_text(app)
    assert t.row_count == 3


@with_app(SPEC, LOG)
async def test_speed_play_and_pause(app: BlurrApp, pilot: Pilot) -> None:
    assert "speed 10 ev/s" in transport_text(app)
    await pilot.press("minus", "minus", "minus")
    await wait_until(pilot, lambda: app.controller.snapshot().rate == 1)
    assert "speed 1 ev/s" in transport_text(app)
    await pilot.press("plus")
    await wait_until(pilot, lambda: app.controller.snapshot().rate == 2)
    assert "speed 2 ev/s" in transport_text(app)
    await pilot.press("space")
    await wait_until(pilot, lambda: app.controller.snapshot().state == PLAYING)
    assert "playing" in transport_text(app)
    await wait_until(pilot, lambda: app.controller.snapshot().position >= 1)
    await pilot.press("space")
    await wait_until(pilot, lambda: app.controller.snapshot().state == PAUSED)
    pos = app.controller.snapshot().position
    assert 1 <= pos < 8
    await pilot.pause(0.6)  # paused: nothing moves
    assert app.controller.snapshot().position == pos
    assert "paused" in transport_text(app) and f"{pos} / 8" in transport_text(app)
    for _ in range(8):
        await pilot.press("plus")
    await wait_until(pilot, lambda: app.controller.snapshot().rate is None)
    assert "speed max" in transport_text(app)
    await pilot.press("space")
    await wait_until(pilot, at(app, 8, AT_END))


@with_app(SPEC, LOG)
async def test_goto_and_restart(app: BlurrApp, pilot: Pilot) -> None:
    await pilot.press("g")
    await type_into_modal(pilot, app, "5")
    await wait_until(pilot, at(app, 5))
    assert "line 5" in event_text(app) and '"user_id": "B6FA"' in event_text(app)
    assert "B6FA" in trace_text(app)
    assert table(app).row_count == 2
    await pilot.press("g")
    await type_into_modal(pilot, app, "2")  # backwards: replays from the start
    await wait_until(pilot, at(app, 2))
    assert "line 2" in event_text(app) and "games_won" in trace_text(app)
    assert table(app).row_count == 1
    await pilot.press("r")  # r reloads the spec and stays at the event
    await wait_until(pilot, lambda: app.controller.spec_reload.state().serial == 1)
    assert app.controller.snapshot().position == 2 and table(app).row_count == 1
    await screen(app).run_action("restart")  # the palette's Restart replays from the start
    await wait_until(pilot, at(app, 0))
    assert "No event yet" in event_text(app)
    assert "0 / 8" in transport_text(app)
    assert table(app).row_count == 0


@with_app(SPEC, LOG)
async def test_filter_and_follow(app: BlurrApp, pilot: Pilot) -> None:
    await pilot.press("g")
    await type_into_modal(pilot, app, "8")
    await wait_until(pilot, at(app, 8))
    assert table(app).row_count == 3
    await pilot.press("slash")
    await type_into_modal(pilot, app, "B6FA")
    assert table(app).row_count == 1
    assert table(app).get_row(0)[1] == "B6FA"  # type: ignore[index]
    assert "identity ~ B6FA" in str(table(app).border_title)  # a substring or glob
    await pilot.press("slash")
    await type_into_modal(pilot, app, "")
    assert table(app).row_count == 3
    await pilot.press("f")  # follow: the current event is 09C1's
    await pilot.pause(0.1)
    assert table(app).row_count == 2
    assert {r[1] for r in (table(app).get_row(0), table(app).get_row(1))} == {"09C1"}  # type: ignore[index]


@with_app(SPEC, LOG)
async def test_export_writes_a_sound_database(app: BlurrApp, pilot: Pilot) -> None:
    await pilot.press("g")
    await type_into_modal(pilot, app, "5")
    await wait_until(pilot, at(app, 5))
    out = Path(app.controller.db_path).parent / "export-test.db"
    await pilot.press("e")
    await type_into_modal(pilot, app, str(out))
    await wait_until(pilot, out.exists)
    await wait_until(pilot, lambda: not screen(app)._pending)
    conn = sqlite3.connect(out)
    try:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
        assert conn.execute("SELECT count(*) FROM session_stats").fetchone()[0] == 2
        assert conn.execute("SELECT count(*) FROM bad_events").fetchone()[0] == 0
    finally:
        conn.close()
    notes = [n.message for n in app._notifications]
    assert any(str(out) in m and "session_stats 2" in m for m in notes)


def test_errors_tab_lists_bad_lines_and_jumps(tmp_path: Path) -> None:
    lines = LOG.read_text().splitlines()
    log = tmp_path / "bad.log"
    log.write_text("\n".join(lines[:3] + ["{not json"] + lines[3:]) + "\n")

    async def main() -> None:
        app = make_app(SPEC, log)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
            for _ in range(8):
                await pilot.press("plus")
            await pilot.press("space")
            await wait_until(pilot, at(app, 9, AT_END))
            assert "bad lines 1" in transport_text(app)
            errors = screen(app).query_one("#errors-table", RecordTable)
            assert errors.row_count == 1
            row = errors.get_row(0)
            assert row is not None and row[0] == 4 and row[1] == "bad line"
            assert "invalid JSON" in row[2]
            screen(app).query_one("#tabs").active = "errors"  # type: ignore[attr-defined]
            await pilot.pause()
            errors.focus()
            await pilot.press("enter")
            await wait_until(pilot, at(app, 4))
            ev = event_text(app)
            assert "bad line" in ev and "{not json" in ev and "invalid JSON" in ev

    asyncio.run(main())


def test_window_tab_after_the_end() -> None:
    spec = ROOT / "specs/boosts-streaming.yml"
    window = ROOT / "specs/boosts-window.yml"
    log = ROOT / "sample_logs/boosts.log"

    async def main() -> None:
        app = make_app(spec, log, window)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
            for _ in range(8):
                await pilot.press("plus")
            await pilot.press("space")
            await wait_until(pilot, lambda: app.controller.snapshot().state == AT_END, 60)
            store = app.controller.store
            idents = [r[0] for r in store.conn.execute("SELECT identity FROM _identities")]
            with_rows = [i for i in idents if store.window_rows(i)]
            assert with_rows
            who = with_rows[0]
            await pilot.press("slash")
            await type_into_modal(pilot, app, who)
            await pilot.press("w")
            await wait_until(pilot, lambda: (app.controller.snapshot().window or ("",))[0] == who)
            wt = screen(app).query_one("#window-table", RecordTable)
            assert wt.row_count == len(store.window_rows(who)) > 0
            assert wt.get_row(0)[0] == who  # type: ignore[index]
            cols = wt.source.columns
            assert "last_7_days.sessions" in cols and "next_3_days.sessions" in cols, cols
            # Enter on a window row: its anchor and the blocks that fell into each window
            anchor = app.controller.snapshot().window_anchors[0]
            assert wt.get_row(0)[1] == anchor.anchor_key  # type: ignore[index]
            assert set(anchor.windows) == {"last_7_days", "next_3_days"}
            assert len(anchor.windows["last_7_days"]) == anchor.row["last_7_days.sessions"]
            screen(app).query_one("#tabs").active = "window"  # type: ignore[attr-defined]
            await pilot.pause()
            wt.focus()
            await pilot.press("enter")
            await wait_until(pilot, lambda: isinstance(app.screen, AnchorScreen))
            shown = str(app.screen.query_one(Static).render())
            assert anchor.anchor_key in shown and "last_7_days" in shown
            assert anchor.windows["last_7_days"][0] in shown
            await pilot.press("escape")
            await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))

    asyncio.run(main())


def test_controller_synchronous() -> None:
    c = ReplayController(load_streaming_file(SPEC), LOG)
    try:
        c.step_now(3)
        s = c.snapshot()
        assert (s.position, s.total, s.state) == (3, 8, PAUSED)
        assert s.step is not None and s.step.trace is not None and s.step.line.line_no == 3
        assert s.counts == {"session_stats": 1}
        c.goto_now(1)
        assert c.snapshot().position == 1 and c.snapshot().run_serial == 1
        c.set_rate_now(None)
        c.play_now()
        s = c.snapshot()
        assert s.state == AT_END and s.position == 8 and s.counts == {"session_stats": 3}
        c.restart_now()
        assert c.snapshot().position == 0 and c.snapshot().counts == {"session_stats": 0}
    finally:
        c.close()


def test_controller_out_of_order_log_replays_in_time_order(tmp_path: Path) -> None:
    lines = LOG.read_text().splitlines()
    log = tmp_path / "shuffled.log"
    log.write_text("\n".join([lines[1], lines[0], *lines[2:]]) + "\n")
    c = ReplayController(load_streaming_file(SPEC), log)
    try:
        assert not c.time_ordered
        c.step_now(1)
        s = c.snapshot()
        assert s.step is not None and s.step.line.line_no == 2  # line 2 is the earliest
        c.set_rate_now(None)
        c.play_now()
        rows = dict(c.page("session_stats", 0, 10))
        assert rows["09C1/session_stats/915D/"]["games_played"] == 2
        assert rows["09C1/session_stats/915D/"]["games_won"] == 2
    finally:
        c.close()


@with_app(SPEC, LOG)
async def test_command_palette_lists_replay_commands(app: BlurrApp, pilot: Pilot) -> None:
    titles = [c.title for c in app.get_system_commands(app.screen)]
    for title in ("Play / pause", "Step", "Go to event", "Filter by identity", "Export database"):
        assert title in titles
    step = next(c for c in app.get_system_commands(app.screen) if c.title == "Step")
    step.callback()
    await wait_until(pilot, at(app, 1))


@with_app(SPEC, LOG)
async def test_help_screen_and_quit(app: BlurrApp, pilot: Pilot) -> None:
    from blurr_tui.tui.screens import HelpScreen

    await pilot.press("question_mark")
    await wait_until(pilot, lambda: isinstance(app.screen, HelpScreen))
    await pilot.press("escape")
    await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
    await pilot.press("q")
    await pilot.pause(0.1)
    assert app._exit_renderables is not None or not app.is_running


def test_quit_while_playing_at_full_speed_does_not_hang() -> None:
    spec = ROOT / "specs/boosts-streaming.yml"
    log = ROOT / "sample_logs/boosts.log"

    async def main() -> BlurrApp:
        app = make_app(spec, log)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
            app.controller.set_rate(None)
            await pilot.press("space")
            await wait_until(pilot, lambda: app.controller.snapshot().position > 0)
            await pilot.press("q")
        return app

    app = asyncio.run(asyncio.wait_for(main(), 20))
    thread = app.controller.worker.thread
    assert thread is not None and not thread.is_alive()


def test_swallowed_errors_are_listed_and_shown_in_the_trace(tmp_path: Path) -> None:
    """An exception Blurr swallows (the field keeps its value) is an error the user can find."""
    spec = tmp_path / "buggy.yml"
    spec.write_text(
        SPEC.read_text().replace(
            "Value: session_stats.games_won + 1", "Value: session_stats.games_won + source.bonus"
        )
    )

    async def main() -> None:
        app = make_app(spec, LOG)
        async with app.run_test(size=SIZE) as pilot:
            await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
            for _ in range(8):
                await pilot.press("plus")
            await pilot.press("space")
            await wait_until(pilot, at(app, 8, AT_END))
            errors = screen(app).query_one("#errors-table", RecordTable)
            rows = [errors.get_row(i) for i in range(errors.row_count)]
            # every game_end with won == 1 evaluates the Value: lines 2, 4, 6, 8
            assert [r[0] for r in rows if r] == [2, 4, 6, 8]
            assert all(r[1] == "swallowed" for r in rows if r)
            assert "sessions.session_stats.games_won Value: TypeError" in rows[0][2]  # type: ignore[index]
            screen(app).query_one("#tabs").active = "errors"  # type: ignore[attr-defined]
            await pilot.pause()
            errors.focus()
            await pilot.press("enter")
            await wait_until(pilot, at(app, 2))
            trace = trace_text(app)
            assert "games_won  no update: Value raised  kept 0" in trace
            assert "✗ TypeError: unsupported operand type(s) for +" in trace

    asyncio.run(main())


def test_controller_pause_at_full_speed_shows_a_traced_event() -> None:
    """Full speed keeps traces only now and then; a pause lands on an event with its trace."""
    c = ReplayController(load_streaming_file(SPEC), LOG)
    try:
        c.set_rate_now(None)
        c.worker.interrupt.set()  # as a pause does: every frame ends after one untraced event
        c.play_now(max_events=3)
        s = c.snapshot()
        assert s.state == PAUSED and s.position == 3  # where it paused, shown with its trace
        assert s.step is not None and s.step.trace is not None and s.step.line.line_no == 3
    finally:
        c.close()


def test_controller_big_log_switches_to_time_order_when_it_must(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A big log is replayed in file order until an identity goes back in time."""
    from blurr_tui.replay import controller as ctl

    monkeypatch.setattr(ctl, "EAGER_ORDER_CHECK_BYTES", 0)  # treat the sample as big
    lines = LOG.read_text().splitlines()
    log = tmp_path / "shuffled.log"
    log.write_text("\n".join([*lines[:2], lines[3], lines[2], *lines[4:]]) + "\n")
    c = ReplayController(load_streaming_file(SPEC), log)
    try:
        assert c.time_ordered  # not known yet
        c.step_now(3)
        assert c.time_ordered and c.snapshot().position == 3
        c.step_now(1)  # file line 4 is earlier than line 3 for 09C1: replay in time order
        s = c.snapshot()
        assert not s.time_ordered and s.position == 4 and s.run_serial == 1
        c.set_rate_now(None)
        c.play_now()
        rows = dict(c.page("session_stats", 0, 10))
        assert rows["09C1/session_stats/915D/"]["games_played"] == 2
        assert rows["09C1/session_stats/915D/"]["games_won"] == 2
        assert len(rows) == 3
    finally:
        c.close()
