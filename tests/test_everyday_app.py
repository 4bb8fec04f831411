"""Issue 11 in the app, driven with Pilot: tabs and keys, search, sort, copy, full view,
errors kept and walked, asserting on what the panes show."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual import events
from textual.pilot import Pilot
from textual.widgets import Footer, TabbedContent

from blurr_tui.replay.controller import AT_END
from blurr_tui.tui.app import BlurrApp, make_app
from blurr_tui.tui.screens import InputModal, ReplayScreen
from blurr_tui.tui.screens.columns import ColumnsScreen
from blurr_tui.tui.screens.full_view import FullViewScreen
from blurr_tui.tui.widgets import RecordTable, TraceView, TransportBar

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs/tutorial1-streaming.yml"
LOG = ROOT / "sample_logs/tutorial1.log"
SIZE = (160, 45)


async def wait_until(pilot: Pilot, cond: Callable[[], bool], limit: float = 15.0) -> None:
    for _ in range(int(limit / 0.01)):
        if cond():
            await pilot.pause()
            await pilot.pause(0.06)
            return
        await pilot.pause(0.01)
    raise AssertionError("condition not reached in time")


def pos(app: BlurrApp) -> int:
    return app.controller.snapshot().position


def scr(app: BlurrApp) -> ReplayScreen:
    assert isinstance(app.screen, ReplayScreen)
    return app.screen


def transport(app: BlurrApp) -> str:
    top, bottom = scr(app).query_one(TransportBar).render_lines_text(150)
    return top.plain + "\n" + bottom.plain


def table(app: BlurrApp, aggregate: str = "session_stats") -> RecordTable:
    return scr(app).query_one(f"#agg-{aggregate}-t", RecordTable)


async def type_into_modal(pilot: Pilot, app: BlurrApp, text: str) -> None:
    await wait_until(pilot, lambda: isinstance(app.screen, InputModal))
    app.screen.query_one("Input").value = ""  # type: ignore[attr-defined]
    await pilot.press(*text, "enter")
    await wait_until(pilot, lambda: not isinstance(app.screen, InputModal))


async def to_end(pilot: Pilot, app: BlurrApp, n: int) -> None:
    for _ in range(8):
        await pilot.press("plus")
    await pilot.press("space")
    await wait_until(pilot, lambda: app.controller.snapshot().state == AT_END and pos(app) == n)


def run(
    spec: Path, log: Path, window: Path | None = None
) -> Callable[[Callable[[BlurrApp, Pilot], Awaitable[None]]], None]:
    def go(test: Callable[[BlurrApp, Pilot], Awaitable[None]]) -> None:
        async def main() -> None:
            app = make_app(spec, log, window)
            async with app.run_test(size=SIZE) as pilot:
                await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
                await test(app, pilot)

        asyncio.run(main())

    return go


def buggy_spec(tmp_path: Path, long: bool = False) -> Path:
    value = "session_stats.games_won + source.bonus"
    if long:  # a long expression, longer than the pane
        value += "".join(f" + (source.extra_{i} or 0)" for i in range(8))
    spec = tmp_path / "buggy.yml"
    spec.write_text(
        SPEC.read_text().replace("Value: session_stats.games_won + 1", f"Value: {value}")
    )
    return spec


# -- item 2: nothing cut off ----------------------------------------------------------------


def test_long_expression_and_exception_wrap_and_the_full_view(tmp_path: Path) -> None:
    @run(buggy_spec(tmp_path, long=True), LOG)
    async def _(app: BlurrApp, pilot: Pilot) -> None:
        await pilot.press("n", "n")
        await wait_until(pilot, lambda: pos(app) == 2)
        trace = scr(app).query_one("#trace", TraceView)
        rows = trace.shown_rows
        width = trace.scrollable_content_region.width
        assert all(len(r) <= width for r in rows)
        shown = " ".join(r.strip() for r in rows)
        assert "(source.extra_7 or 0)" in shown  # the end of the long Value is on screen
        assert "TypeError: unsupported operand type(s) for +: 'int' and 'NoneType'" in shown
        # v on the trace's Value line: the whole line in a full view
        trace.focus()
        value_line = next(i for i, t in enumerate(trace.plain_lines) if "Value: session" in t)
        trace.cursor = value_line
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, FullViewScreen))
        full = app.screen
        assert isinstance(full, FullViewScreen) and "(source.extra_7 or 0)" in full.shown_text
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))


def test_record_table_scrolls_sideways_hides_columns_and_shows_a_cell() -> None:
    @run(SPEC, LOG)
    async def _(app: BlurrApp, pilot: Pilot) -> None:
        await pilot.press("n", "n")
        await wait_until(pilot, lambda: pos(app) == 2)
        await pilot.press("1")  # the first tab, focused
        t = table(app)
        assert app.focused is t
        for _ in range(len(t.source.columns)):
            await pilot.press("right")  # scrolls the table, does not step
        assert pos(app) == 2
        assert t.source.columns[t.cursor_column] == "end"
        await pilot.press("v")
        await wait_until(pilot, lambda: isinstance(app.screen, FullViewScreen))
        assert app.screen.shown_text == "2018-03-04T09:03:04+00:00"  # type: ignore[attr-defined]
        await pilot.press("escape")
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
        await pilot.press("h")
        await wait_until(pilot, lambda: isinstance(app.screen, ColumnsScreen))
        await pilot.press("space")  # the first entry: _key
        await pilot.press("enter")
        await wait_until(pilot, lambda: isinstance(app.screen, ReplayScreen))
        assert t.render_line(0).text.split()[0] == "identity"
        assert "09C1/session_stats" not in t.render_line(1).text


# -- item 3: keys that reach everything -------------------------------------------------------


def test_tab_keys_footer_and_palette(tmp_path: Path) -> None:
    @run(
        ROOT / "specs/boosts-streaming.yml",
        ROOT / "sample_logs/boosts.log",
        ROOT / "specs/boosts-window.yml",
    )
    async def _(app: BlurrApp, pilot: Pilot) -> None:
        tabs = scr(app).query_one("#tabs", TabbedContent)
        await pilot.press("E")
        assert tabs.active == "errors" and app.focused is scr(app).query_one("#errors-table")
        await pilot.press("W")
        assert tabs.active == "window"
        await pilot.press("1")
        assert tabs.active == "agg-session_stats"
        await pilot.press("2")
        assert tabs.active == "errors"
        await pilot.press("9")  # no ninth tab: nothing happens
        assert tabs.active == "errors"
        footer_keys = {b.binding.description for b in app.screen.active_bindings.values()}
        assert {"Errors", "Window", "Search"} <= footer_keys
        assert scr(app).query_one(Footer)
        titles = [c.title for c in app.get_system_commands(app.screen)]
        assert len(titles) == len(set(titles)), titles  # no duplicate entries
        assert {"Errors tab", "Window tab", "Search events", "Next error"} <= set(titles)


def test_keys_typed_right_after_g_are_kept() -> None:
    @run(SPEC, LOG)
    async def _(app: BlurrApp, pilot: Pilot) -> None:
        for key in "g6":  # one terminal read: the 6 arrives before the modal has the focus
            app.post_message(events.Key(key, key))
        await wait_until(pilot, lambda: isinstance(app.screen, InputModal))
        await pilot.pause(0.2)
        assert app.screen.query_one("Input").value == "6"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await wait_until(pilot, lambda: pos(app) == 6)


# -- item 4: search and sort, copy ----------------------------------------------------------


def test_search_events_next_previous_and_count() -> None:
    lines = LOG.read_text().splitlines()
    hits = [i for i, line in enumerate(lines, 1) if "B6FA" in line]

    @run(SPEC, LOG)
    async def _(app: BlurrApp, pilot: Pilot) -> None:
        await pilot.press("s")
        await type_into_modal(pilot, app, "b6fa")
        await wait_until(pilot, lambda: pos(app) == hits[0])
        assert f"search 'b6fa' 1 of {len(hits)}" in transport(app)
        await pilot.press("greater_than_sign")
        await wait_until(pilot, lambda: pos(app) == hits[1])
        assert f"search 'b6fa' 2 of {len(hits)}" in transport(app)
        await pilot.press("less_than_sign")
        await wait_until(pilot, lambda: pos(app) == hits[0])
        await pilot.press("s")
        await type_into_modal(pilot, app, "/won.: 1/")
        won = [i for i, line in enumerate(lines, 1) if '"won": 1' in line]
        await wait_until(pilot, lambda: pos(app) == min(w for w in won if w > hits[0]))
        assert f"of {len(won)}" in transport(app)
        await pilot.press("s")
        await type_into_modal(pilot, app, "/(oops/")
        await pilot.pause(0.1)
        assert any("not a valid regex" in n.message for n in app._notifications)


def test_identity_substring_glob_sort_and_copy() -> None:
    copied: list[str] = []

    @run(SPEC, LOG)
    async def _(app: BlurrApp, pilot: Pilot) -> None:
        app.copy_to_clipboard = copied.append  # type: ignore[method-assign]
        await pilot.press("g")
        await type_into_modal(pilot, app, "8")
        await wait_until(pilot, lambda: pos(app) == 8)
        t = table(app)
        await pilot.press("slash")
        await type_into_modal(pilot, app, "b6")
        assert t.row_count == 1 and t.get_row(0)[1] == "B6FA"  # type: ignore[index]
        await pilot.press("slash")
        await type_into_modal(pilot, app, "*C1")
        assert t.row_count == 2 and {t.get_row(i)[1] for i in range(2)} == {"09C1"}  # type: ignore[index]
        await pilot.press("slash")
        await type_into_modal(pilot, app, "")
        assert t.row_count == 3
        await pilot.press("1")
        cols = t.source.columns
        while cols[t.cursor_column] != "games_played":
            await pilot.press("right")
        await pilot.press("o")
        await pilot.pause(0.1)
        played = [t.get_row(i)[cols.index("games_played")] for i in range(3)]  # type: ignore[index]
        assert played == sorted(played) and "games_played ▲" in t.render_line(0).text
        await pilot.press("o")
        await pilot.pause(0.1)
        played = [t.get_row(i)[cols.index("games_played")] for i in range(3)]  # type: ignore[index]
        assert played == sorted(played, reverse=True) and "▼" in t.render_line(0).text
        await pilot.press("y")  # the cell under the cursor
        assert copied[-1] == str(played[0])
        scr(app).query_one("#event").focus()
        await pilot.press("y")  # the event's own line in the log
        assert copied[-1] == LOG.read_text().splitlines()[7].rstrip()


# -- item 5: errors you can walk ------------------------------------------------------------


def test_errors_are_kept_when_going_back_and_x_walks_them(tmp_path: Path) -> None:
    @run(buggy_spec(tmp_path), LOG)
    async def _(app: BlurrApp, pilot: Pilot) -> None:
        await to_end(pilot, app, 8)
        errors = scr(app).query_one("#errors-table", RecordTable)
        assert errors.row_count == 4
        await pilot.press("E")
        await pilot.press("enter")  # the first error: line 2 (going back replays)
        await wait_until(pilot, lambda: pos(app) == 2)
        assert errors.row_count == 4  # the list keeps every error found
        assert "errors 4" in transport(app)
        assert [errors.get_row(i)[0] for i in range(4)] == [2, 4, 6, 8]  # type: ignore[index]
        await pilot.press("x")
        await wait_until(pilot, lambda: pos(app) == 4)
        assert errors.cursor_row == 1
        await pilot.press("x", "x")
        await wait_until(pilot, lambda: pos(app) == 8)
        await pilot.press("x")
        await pilot.pause(0.1)
        assert any("No error after event 8" in n.message for n in app._notifications)
        await pilot.press("X")
        await wait_until(pilot, lambda: pos(app) == 6)
        assert "games_won  no update: Value raised" in "\n".join(
            scr(app).query_one("#trace", TraceView).plain_lines
        )


# -- item 7: the measured rate at 1-2 ev/s ---------------------------------------------------


def test_measured_rate_at_two_events_per_second() -> None:
    @run(SPEC, LOG)
    async def _(app: BlurrApp, pilot: Pilot) -> None:
        await pilot.press("minus", "minus")  # 10 → 5 → 2 ev/s
        await wait_until(pilot, lambda: app.controller.snapshot().rate == 2)
        await pilot.press("space")
        await wait_until(pilot, lambda: pos(app) >= 4)
        text = transport(app)
        assert "measured " in text, text
        measured = float(text.split("measured ")[1].split()[0])
        assert 1.8 <= measured <= 2.2, text  # today: "measured 0 ev/s"
        await pilot.press("space")
