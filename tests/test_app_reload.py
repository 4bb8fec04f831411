"""Fixing the spec without leaving the app (issue 10), driven with Pilot: reload on save
(valid and invalid), ``r``, the Diff tab, and editing + saving in the spec pane."""

from __future__ import annotations

import asyncio
import shutil
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Static, TabbedContent

from blurr_tui.tui.app import BlurrApp, make_app
from blurr_tui.tui.screens import ReplayScreen
from blurr_tui.tui.widgets import RecordTable, TraceView, TransportBar
from blurr_tui.tui.widgets.spec_pane import SpecEditor, SpecPane

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs/tutorial1-streaming.yml"
LOG = ROOT / "sample_logs/tutorial1.log"
GOOD = "Value: session_stats.games_won + 1"
BAD = "Value: session_stats.games_won + source.bonus"
SIZE = (200, 50)


async def wait_until(pilot: Pilot, cond: Callable[[], bool], limit: float = 15.0) -> None:
    for _ in range(int(limit / 0.02)):
        if cond():
            await pilot.pause(0.1)  # a few polls so the panes show it
            return
        await pilot.pause(0.02)
    raise AssertionError("condition not reached in time")


def with_buggy_spec(test: Callable[..., Awaitable[None]]) -> Callable[..., None]:
    """The README's mistake in a copy of tutorial 1; the app at event 8 (the end)."""

    def wrapper(tmp_path: Path) -> None:
        spec = tmp_path / "buggy.yml"
        spec.write_text(SPEC.read_text().replace(GOOD, BAD))
        log = tmp_path / "t.log"
        shutil.copy(LOG, log)

        async def main() -> None:
            app = make_app(spec, log)
            async with app.run_test(size=SIZE) as pilot:
                await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
                app.controller.goto(8)
                await wait_until(pilot, lambda: app.controller.snapshot().position == 8)
                await test(app, pilot, spec, log)

        asyncio.run(main())

    wrapper.__name__ = test.__name__
    return wrapper


def screen(app: BlurrApp) -> ReplayScreen:
    assert isinstance(app.screen, ReplayScreen)
    return app.screen


def serial(app: BlurrApp) -> int:
    assert app.controller.spec_reload is not None
    return app.controller.spec_reload.state().serial


def trace_text(app: BlurrApp) -> str:
    return "\n".join(screen(app).query_one("#trace", TraceView).plain_lines)


def transport_text(app: BlurrApp) -> str:
    top, bottom = screen(app).query_one(TransportBar).render_lines_text(190)
    return top.plain + "\n" + bottom.plain


def rows(table: RecordTable) -> list[tuple]:
    return [table.get_row(i) or () for i in range(table.row_count)]


def diff_table(app: BlurrApp) -> RecordTable:
    return screen(app).query_one("#diff-table", RecordTable)


async def reloaded(pilot: Pilot, app: BlurrApp, before: int) -> None:
    await wait_until(pilot, lambda: serial(app) > before)


@with_buggy_spec
async def test_a_fixed_file_on_disk_reloads_with_the_new_trace_and_a_diff(app, pilot, spec, log):
    assert "✗ TypeError: unsupported operand" in trace_text(app)  # line 8 is a game_end
    assert "games_won  no update: Value raised  kept 0" in trace_text(app)
    spec.write_text(spec.read_text().replace(BAD, GOOD))  # fixed in an editor
    await reloaded(pilot, app, 0)
    snap = app.controller.snapshot()
    assert snap.position == 8  # still at the same event
    trace = trace_text(app)
    assert "games_won  0 → 1" in trace and "Value: session_stats.games_won + 1 → 1" in trace
    assert "TypeError" not in trace
    assert "reloaded: 3 records changed" in transport_text(app)
    assert rows(diff_table(app)) == [
        ("session_stats", "09C1/session_stats/915D/", "games_won", "0", "2"),
        ("session_stats", "09C1/session_stats/T8KA/", "games_won", "0", "1"),
        ("session_stats", "B6FA/session_stats/D043/", "games_won", "0", "1"),
    ]
    table = screen(app).query_one("#agg-session_stats-t", RecordTable)
    assert [r[3] for r in rows(table)] == [2, 1, 1]  # games_won in the record table
    assert app.controller.snapshot().errors == ()  # no swallowed TypeError any more
    await pilot.pause(0.3)
    assert "errors 4" not in transport_text(app)  # the Errors tab starts afresh
    assert screen(app).panes.problems.errors == 0


@with_buggy_spec
async def test_an_invalid_file_keeps_the_last_good_spec(app, pilot, spec, log):
    before = trace_text(app)
    text = spec.read_text()
    spec.write_text(text.replace("Value: source.session_id", "Value: (source.session_id"))
    await reloaded(pilot, app, 0)
    assert app.controller.snapshot().position == 8 and trace_text(app) == before
    assert "1 error, last good spec running" in transport_text(app)
    pane = screen(app).query_one(SpecPane)
    errors = str(pane.query_one("#spec-errors", Static).render())
    assert errors.startswith(f"{spec}:25: sessions.session_stats.session_id: `Value: (source")
    assert pane.query_one(SpecEditor).error_lines == {24}  # marked on its line (0-based)
    assert "1 error: the last good spec keeps running" in str(pane.border_subtitle)
    # Not even YAML: still no crash, still the last good spec.
    spec.write_text("Type: [\n")
    await reloaded(pilot, app, 1)
    assert "Invalid yaml" in str(pane.query_one("#spec-errors", Static).render())
    assert app.controller.snapshot().position == 8 and trace_text(app) == before
    spec.write_text(text.replace(BAD, GOOD))  # fixed: the errors go, the new spec runs
    await reloaded(pilot, app, 2)
    assert str(pane.query_one("#spec-errors", Static).render()) == ""
    assert pane.query_one(SpecEditor).error_lines == set()
    assert "games_won  0 → 1" in trace_text(app)


@with_buggy_spec
async def test_r_reads_the_spec_and_the_log_again(app, pilot, spec, log):
    with log.open("a") as fh:  # the log grew; r re-reads it
        fh.write(LOG.read_text().splitlines()[-1].replace("T8KA", "NEW1") + "\n")
    await pilot.press("r")
    await reloaded(pilot, app, 0)
    snap = app.controller.snapshot()
    assert snap.position == 8 and snap.total == 9
    assert "8 / 9" in transport_text(app)
    assert "reloaded: 0 records changed" in transport_text(app)
    assert diff_table(app).row_count == 0
    assert diff_table(app).source.columns == ["(the reload changed no record at this position)"]
    await pilot.press("n")
    await wait_until(pilot, lambda: app.controller.snapshot().position == 9)
    assert "NEW1" in trace_text(app)


@with_buggy_spec
async def test_diff_tab_enter_goes_to_the_record(app, pilot, spec, log):
    spec.write_text(spec.read_text().replace(BAD, GOOD))
    await reloaded(pilot, app, 0)
    await pilot.press("d")
    assert screen(app).query_one("#tabs", TabbedContent).active == "diff"
    table = diff_table(app)
    assert table.has_focus and table.border_title == "Diff at event 8: 3 record(s) changed"
    await pilot.press("down", "enter")  # the second row: 09C1/session_stats/T8KA/
    await pilot.pause(0.1)
    assert screen(app).query_one("#tabs", TabbedContent).active == "agg-session_stats"
    records = screen(app).query_one("#agg-session_stats-t", RecordTable)
    assert records.has_focus
    assert (records.get_row(records.cursor_row) or ())[0] == "09C1/session_stats/T8KA/"


@with_buggy_spec
async def test_a_record_only_in_the_previous_run(app, pilot, spec, log):
    spec.write_text(spec.read_text().replace("Value: source.session_id", "Value: source.country"))
    await reloaded(pilot, app, 0)
    got = rows(diff_table(app))
    assert ("session_stats", "09C1/session_stats/915D/", "(record)", "6 fields", "") in got
    assert ("session_stats", "09C1/session_stats/US/", "(record)", "", "6 fields") in got
    assert ("session_stats", "09C1/session_stats/UK/", "(record)", "", "6 fields") in got
    assert "reloaded: 6 records changed" in transport_text(app)  # 3 gone, 3 new
    await pilot.press("d")
    assert [r[1].split("/")[2] for r in got] == ["US", "UK", "US", "915D", "T8KA", "D043"]
    diff_table(app).cursor_row = 3  # a record of the previous run only
    await pilot.press("enter")
    await pilot.pause(0.1)
    assert screen(app).query_one("#tabs", TabbedContent).active == "diff"


@with_buggy_spec
async def test_edit_and_save_in_the_spec_pane(app, pilot, spec, log):
    pane = screen(app).query_one(SpecPane)
    assert not pane.display
    await pilot.press("S")
    editor = pane.query_one(SpecEditor)
    assert pane.display and editor.has_focus
    assert editor.text == spec.read_text()
    # The field of the trace's line is highlighted in the source.
    trace = screen(app).query_one("#trace", TraceView)
    line = next(i for i, t in enumerate(trace.plain_lines) if t.startswith("    games_won"))
    trace.cursor = line  # type: ignore[attr-defined]
    await pilot.pause(0.2)
    assert editor.selected_line == 32  # "- Name: games_won" is line 33
    # Edit: select "source.bonus" on its line and type the fix; space and n are typed.
    row = editor.text.splitlines().index("       " + BAD)
    col = len("       " + BAD) - len("source.bonus")
    editor.select_line(row)
    editor.move_cursor((row, col))
    editor.move_cursor((row, col + len("source.bonus")), select=True)
    await pilot.press("1", "space", "space")
    assert editor.text.splitlines()[row].endswith("session_stats.games_won + 1  ")
    assert app.controller.snapshot().position == 8  # space typed, did not play
    await pilot.press("ctrl+s")
    await reloaded(pilot, app, 0)
    assert "session_stats.games_won + 1  " in spec.read_text()
    assert "games_won  0 → 1" in trace_text(app)
    assert "reloaded: 3 records changed" in transport_text(app)
    assert serial(app) == 1  # the save reloaded once (the watcher saw it as seen)
    await pilot.pause(WATCH_PAUSE)
    assert serial(app) == 1
    await pilot.press("escape", "S")  # escape leaves the editor; S hides the pane
    assert not pane.display and not editor.has_focus


WATCH_PAUSE = 0.8
