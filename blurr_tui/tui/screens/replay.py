"""The replay screen: transport bar, event + trace on the left, record tabs on the right.

The screen polls the controller's snapshot at 20 Hz (``self.set_interval`` on the screen)
and repaints a pane only when what it shows changed.
"""

from __future__ import annotations

from concurrent.futures import Future
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Footer, TabbedContent, TabPane, TextArea

from blurr_tui.replay.controller import AT_END, PLAYING, SPEEDS, ReplayController, Snapshot
from blurr_tui.replay.search import EventQuery, SearchError
from blurr_tui.tui.event_search import EventSearch
from blurr_tui.tui.screens.columns import ColumnsScreen
from blurr_tui.tui.screens.debug_keys import DebugKeys
from blurr_tui.tui.screens.inspect import copy_text, full_view, table_title
from blurr_tui.tui.screens.modals import AnchorScreen, HelpScreen, InputModal
from blurr_tui.tui.screens.panes import PaneUpdater, problems_source, window_source
from blurr_tui.tui.screens.reload_ui import ReloadUi
from blurr_tui.tui.sources import SqliteRowSource
from blurr_tui.tui.widgets import EventView, RecordTable, TraceView, TransportBar
from blurr_tui.tui.widgets.spec_pane import SpecPane
from blurr_tui.tui.widgets.timeline import Timeline, TimelineState
from blurr_tui.tui.widgets.watch_view import WatchView

POLL_HZ = 20
FAST_POLL = 0.004  # s: poll interval while a command is being carried out
DEFAULT_EXPORT = "./blurr-export.db"


def tab_id(aggregate: str) -> str:
    return "agg-" + "".join(c if c.isalnum() else "_" for c in aggregate)


class ReplayScreen(Screen[None]):
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("space", "toggle_play", "Play/Pause", priority=True),
        Binding("n", "step(1)", "Step"),
        # not priority: a focused record table takes left/right to scroll sideways
        Binding("right", "step(1)", "Step", show=False),
        Binding("shift+right", "step(10)", "Step 10", show=False),
        Binding("p", "back(1)", "Back"),
        Binding("left", "back(1)", "Back", show=False),
        Binding("shift+left", "back(10)", "Back 10", show=False),
        Binding("left_square_bracket", "identity(-1)", "Prev of id", show=False, key_display="["),
        Binding("right_square_bracket", "identity(1)", "Next of id", show=False, key_display="]"),
        Binding("b", "breakpoint", "Break"),
        Binding("B", "breakpoints", "Breakpoints", show=False),
        Binding("c", "continue(0)", "Continue"),
        Binding("C", "continue(1)", "Reverse-continue", show=False),
        Binding("colon", "evaluate", "Eval", key_display=":"),
        Binding("a", "watch", "Watch", show=False),
        Binding("plus,equals_sign", "speed(1)", "Faster", key_display="+"),
        Binding("minus", "speed(-1)", "Slower", key_display="-"),
        Binding("r", "reload", "Reload spec"),
        Binding("S", "spec_pane", "Spec"),
        Binding("d", "diff", "Diff"),
        Binding("g", "goto", "Go to"),
        Binding("slash", "filter", "Filter", key_display="/"),
        Binding("f", "follow", "Follow"),
        Binding("w", "window", "Window", show=False),
        Binding("e", "export", "Export"),
        Binding("E", "show_tab('errors')", "Errors", key_display="E"),
        Binding("W", "show_tab('window')", "Window", key_display="W"),
        Binding("s", "search", "Search"),
        Binding("greater_than_sign", "next_match(1)", "Next match", key_display=">", show=False),
        Binding("less_than_sign", "next_match(-1)", "Prev match", key_display="<", show=False),
        Binding("x", "next_error(1)", "Next error", show=False),
        Binding("X", "next_error(-1)", "Prev error", show=False),
        Binding("o", "sort", "Sort", show=False),
        Binding("h", "columns", "Columns", show=False),
        Binding("y", "copy", "Copy", show=False),
        Binding("v", "full_view", "View", show=False),
        *[Binding(str(i), f"tab({i})", f"Tab {i}", show=False) for i in range(1, 10)],
        Binding("question_mark", "help", "Help", key_display="?"),
        Binding("q", "quit", "Quit"),
    ]

    def __init__(self, controller: ReplayController) -> None:
        super().__init__()
        self.controller = controller
        self.aggregates = controller.aggregates()
        self.sources = {a: SqliteRowSource(controller, a) for a in self.aggregates}
        self.identity_filter: str | None = None  # exactly this identity (f follows one)
        self.identity_pattern: str | None = None  # a substring or glob (/ filter)
        self.follow = False
        self.search = EventSearch()
        self._pending: list[tuple[str, Future]] = []
        self.panes: PaneUpdater | None = None
        self._shown_state = ""
        self._kicked = False
        self._shown_error: str | None = None
        self._shown_following: str | None = None
        self._rate: float | None | bool = False  # False: not chosen here yet
        self._order_noted = False
        self.reload_ui = ReloadUi(self)
        self.debug = DebugKeys(self)
        self._note_serial = 0

    @staticmethod
    def tab(aggregate: str) -> str:
        return tab_id(aggregate)

    @staticmethod
    def table_id(aggregate: str) -> str:
        return tab_id(aggregate) + "-t"

    def compose(self) -> ComposeResult:
        yield TransportBar(id="transport")
        yield Timeline(id="timeline")
        with Horizontal(id="main"):
            with Vertical(id="left"):
                yield EventView(id="event")
                yield TraceView(id="trace")
                yield WatchView(id="watches")
            pane = self.reload_ui.spec_pane()
            if pane is not None:
                yield pane
            with TabbedContent(id="tabs"):
                for agg in self.aggregates:
                    with TabPane(agg, id=tab_id(agg)):
                        yield RecordTable(self.sources[agg], fixed_columns=1, id=tab_id(agg) + "-t")
                with TabPane("Errors", id="errors"):
                    yield RecordTable(problems_source(()), max_col_width=120, id="errors-table")
                yield self.reload_ui.diff_tab()
                if self.controller.window_spec is not None:
                    with TabPane("Window", id="window"):
                        yield RecordTable(window_source(None), id="window-table")
        yield Footer()

    def on_mount(self) -> None:
        self.query_one("#event", EventView).border_title = "Event"
        self.query_one("#trace", TraceView).border_title = "Trace"
        tables = {a: self.query_one(f"#{tab_id(a)}-t", RecordTable) for a in self.aggregates}
        window = (
            self.query("#window-table").first(RecordTable) if self.query("#window-table") else None
        )
        self.panes = PaneUpdater(
            self.controller,
            self.query_one(TransportBar),
            self.query_one("#event", EventView),
            self.query_one("#trace", TraceView),
            tables,
            self.query_one("#errors-table", RecordTable),
            window,
        )
        self._set_titles()
        self._order_noted = False
        self.poll()
        self.set_interval(1 / POLL_HZ, self.poll)
        self.reload_ui.mount()

    # -- polling ------------------------------------------------------------------------
    def poll(self) -> None:
        if self.panes is None:
            return
        snap = self.controller.snapshot()
        if self.follow and snap.step is not None and snap.step.identity is not None:
            if snap.step.identity != self.identity_filter:
                self.set_identity_filter(snap.step.identity)
        self.panes.update(snap, self.identity_filter, self.identity_pattern)
        self.reload_ui.poll()
        self.query_one(TransportBar).update_state(reload=self.reload_ui.transport_text())
        self._show_debugger(snap)
        if not snap.time_ordered and not self._order_noted:
            self._order_noted = True
            self.notify(
                "Some identity's events are not in time order: replaying in time order, "
                "as Blurr sorts each identity's events (bad lines first).",
                title="Log out of order",
                timeout=10,
            )
        self._check_pending()
        if snap.following != self._shown_following:
            self._shown_following = snap.following
            if snap.following is not None and not snap.following.startswith("following"):
                self.notify(snap.following, title="The log changed", severity="error", timeout=15)
        if snap.error is not None and snap.error != self._shown_error:
            self._shown_error = snap.error
            self.notify(f"Replay stopped: {snap.error}", severity="error", timeout=15)
        if snap.state != self._shown_state:
            self._shown_state = snap.state
            self.refresh_bindings()

    def _show_debugger(self, snap: Snapshot) -> None:
        """The timeline, the watches, and why the replay stopped (a breakpoint hit)."""
        problems = tuple(p for _l, _w, p in snap.bad) + tuple(e[3] for e in snap.errors)
        self.query_one(Timeline).set_state(
            TimelineState(snap.position, snap.computed, snap.total, snap.hits, problems)
        )
        watches = self.query_one(WatchView)
        watches.show_values(snap.watches)
        watches.display = bool(snap.watches)
        if snap.note_serial != self._note_serial:
            self._note_serial = snap.note_serial
            if snap.note:
                self.notify(snap.note, title=f"Event {snap.position:,}", timeout=6)

    def _check_pending(self) -> None:
        still = []
        for what, fut in self._pending:
            if not fut.done():
                still.append((what, fut))
                continue
            exc = fut.exception()
            if exc is not None:
                self.notify(f"{what} failed: {exc}", severity="error", timeout=8)
            elif what.startswith("export "):
                counts = fut.result()
                tables = ", ".join(f"{t} {n:,}" for t, n in counts.items())
                self.notify(f"Wrote {what[7:]}: {tables}", title="Exported", timeout=10)
        self._pending = still

    def _track(self, what: str, fut: Future) -> None:
        """Report ``fut``'s failure (or result) and poll fast until it is done."""
        self._pending.append((what, fut))
        self._kick()

    def _kick(self) -> None:
        if not self._kicked:
            self._kicked = True
            self.set_timer(FAST_POLL, self._fast_poll)

    def _fast_poll(self) -> None:
        self._kicked = False
        self.poll()
        if self._pending:
            self._kick()

    @property
    def snapshot(self) -> Snapshot:
        return self.controller.snapshot()

    # -- actions --------------------------------------------------------------------------
    def action_toggle_play(self) -> None:
        snap = self.snapshot
        if snap.state == PLAYING:
            self._track("pause", self.controller.pause())
        elif snap.state != AT_END:
            self._track("play", self.controller.play())
        elif snap.following is not None and snap.following.startswith("following"):
            on = not self.controller.playback.ended_playing
            self._track("play new lines", self.controller.play_new_lines(on))
            self.notify(
                "At the end of the log: new lines will play as they arrive"
                if on
                else "At the end of the log: new lines wait for n or space"
            )
        else:
            self.notify("At the end of the log: g goes to an event (g 1: the start).")

    def action_step(self, n: int) -> None:
        self._track("step", self.controller.step(n))

    def action_speed(self, delta: int) -> None:
        rate = self._rate if self._rate is not False else self.snapshot.rate
        i = SPEEDS.index(rate) if rate in SPEEDS else SPEEDS.index(10)
        new = SPEEDS[max(0, min(len(SPEEDS) - 1, i + delta))]
        self._rate = new  # keys pressed before the worker answers add up
        self._track("speed", self.controller.set_rate(new))

    def action_restart(self) -> None:
        self._track("restart", self.controller.restart())

    def action_reload(self) -> None:
        self.reload_ui.reload()

    def action_spec_pane(self) -> None:
        self.reload_ui.toggle_pane()

    def action_diff(self) -> None:
        self.reload_ui.show_diff()

    def on_spec_pane_saved(self, event: SpecPane.Saved) -> None:
        self.reload_ui.reload(f"save {event.path.name}")

    def action_goto(self) -> None:
        self.debug.goto()

    # -- the debugger's keys (tui/screens/debug_keys.py) ----------------------------------
    def action_back(self, n: int) -> None:
        self.debug.back(n)

    def action_identity(self, delta: int) -> None:
        self.debug.identity(delta)

    def action_breakpoint(self) -> None:
        self.debug.add_breakpoint()

    def action_breakpoints(self) -> None:
        self.debug.breakpoints()

    def action_continue(self, reverse: int) -> None:
        self.debug.continue_(bool(reverse))

    def action_evaluate(self) -> None:
        self.debug.evaluate()

    def action_watch(self) -> None:
        self.debug.add_watch()

    def on_timeline_jump(self, event: Timeline.Jump) -> None:
        self.goto(event.position)

    def goto(self, n: int) -> None:
        self._track("go to", self.controller.goto(n))

    def action_filter(self) -> None:
        def done(value: str | None) -> None:
            if value is None:
                return
            self.follow = False
            self.set_identity_filter(None, value.strip() or None)

        current = self.identity_pattern or self.identity_filter or ""
        self.app.push_screen(
            InputModal(
                "Filter records by identity",
                current,
                "part of an identity, or a glob: B6, B6*, ?9C1 (empty clears)",
            ),
            done,
        )

    def set_identity_filter(self, identity: str | None, pattern: str | None = None) -> None:
        """Show one identity's records (``identity``) or those matching ``pattern``."""
        self.identity_filter = identity
        self.identity_pattern = pattern if identity is None else None
        for src in self.sources.values():
            src.identity = identity
            src.pattern = self.identity_pattern
        self._set_titles()
        if self.panes is not None:
            self.panes.force_tables()
            self.panes.update(self.snapshot, identity, self.identity_pattern)

    def _set_titles(self) -> None:
        for agg in self.aggregates:
            table = self.query_one(f"#{tab_id(agg)}-t", RecordTable)
            title = agg
            if self.identity_filter is not None:
                title += f"  identity = {self.identity_filter}"
                if self.follow:
                    title += " (follow)"
            elif self.identity_pattern is not None:
                title += f"  identity ~ {self.identity_pattern}"
            table.border_title = title

    def action_follow(self) -> None:
        self.follow = not self.follow
        if not self.follow:
            self.set_identity_filter(None)
        else:
            step = self.snapshot.step
            self.set_identity_filter(step.identity if step is not None else None)
        self.notify("Following the current identity" if self.follow else "Follow off")

    def action_window(self) -> None:
        if self.controller.window_spec is None:
            self.notify("No window BTS given (--window-bts)", severity="warning")
            return
        self._track("window", self.controller.compute_window(self._window_identity()))
        self.query_one("#tabs", TabbedContent).active = "window"
        self.query_one("#window-table", RecordTable).focus()  # Enter explains a row

    def _window_identity(self) -> str | None:
        """The filtered identity; with a pattern, the identity of the record under the
        cursor of the first table; else None (the current event's identity)."""
        if self.identity_filter is not None or self.identity_pattern is None:
            return self.identity_filter
        for agg in self.aggregates:
            table = self.query_one(f"#{tab_id(agg)}-t", RecordTable)
            row = table.get_row(table.cursor_row)
            if row is not None and len(row) > 1 and row[1] is not None:
                return str(row[1])
        return None

    def action_export(self) -> None:
        def done(value: str | None) -> None:
            if value and value.strip():
                path = value.strip()
                self._track(f"export {path}", self.controller.export(path))

        self.app.push_screen(
            InputModal(
                "Export the database to",
                DEFAULT_EXPORT,
                "path of a SQLite file",
                "a consistent copy of the records so far; an existing file is replaced",
            ),
            done,
        )

    # -- tabs, errors, search, and looking closer (issue 11) ------------------------------
    def action_tab(self, n: int) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        panes = list(tabs.query(TabPane))
        if 1 <= n <= len(panes):
            self.action_show_tab(str(panes[n - 1].id))

    def action_show_tab(self, pane_id: str) -> None:
        tabs = self.query_one("#tabs", TabbedContent)
        if not tabs.query(f"#{pane_id}"):
            self.notify("No window BTS given (--window-bts)", severity="warning")
            return
        tabs.active = pane_id
        tabs.query_one(f"#{pane_id}").query(RecordTable).first().focus()

    def active_table(self) -> RecordTable | None:
        """The focused record table, else the one on the active tab."""
        if isinstance(self.focused, RecordTable):
            return self.focused
        pane = self.query_one("#tabs", TabbedContent).active_pane
        tables = pane.query(RecordTable) if pane is not None else None
        return tables.first() if tables else None

    def action_next_error(self, direction: int) -> None:
        if self.panes is None:
            return
        problems = self.panes.problems
        position = self.snapshot.position
        i = problems.after(position) if direction > 0 else problems.before(position)
        if i is None:
            where = "after" if direction > 0 else "before"
            more = " (found so far: play on to find more)" if self.snapshot.state != AT_END else ""
            self.notify(f"No error {where} event {position:,}{more}", severity="warning")
            return
        line, kind, reason, target = problems.rows[i]
        self.goto(target)
        errors = self.query_one("#errors-table", RecordTable)
        if errors.source.order is None:  # type: ignore[attr-defined]
            errors.scroll_to_row(i, move_cursor=True)
        self.notify(f"Error {i + 1} of {len(problems)}: line {line:,} ({kind}): {reason}")

    def action_search(self) -> None:
        def done(value: str | None) -> None:
            if value is None or not value.strip():
                return
            try:
                query = EventQuery.parse(value)
            except SearchError as exc:
                self.notify(str(exc), severity="error")
                return
            self.run_worker(self._find(query), exclusive=True, group="search")

        last = self.search.result.query.text if self.search.result is not None else ""
        self.app.push_screen(
            InputModal(
                "Search the events",
                last,
                "text (any case) or /regex/",
                "> next match · < previous match",
            ),
            done,
        )

    async def _find(self, query: EventQuery) -> None:
        self.query_one(TransportBar).update_state(search=f"searching {query.text!r}…")
        in_time_order = None if self.snapshot.time_ordered else self.controller.streaming
        result = await self.search.find(self.controller.log_path, query, in_time_order)
        if result.count:
            self.action_next_match(1)
        else:
            self.notify(f"No event matches {query.text!r}", severity="warning")
            self._show_search()

    def action_next_match(self, direction: int) -> None:
        if self.search.result is None:
            self.notify("s searches the events first", severity="warning")
            return
        target = self.search.move(self.snapshot.position, direction)
        if target is not None:
            self.goto(target)
        self._show_search(target)

    def _show_search(self, position: int | None = None) -> None:
        text = self.search.status(position)
        self.query_one(TransportBar).update_state(search=text)

    def action_sort(self) -> None:
        table = self.active_table()
        if table is None or not table.can_sort:
            self.notify("This table cannot be sorted", severity="warning")
            return
        try:
            table.action_sort()
        except ValueError as exc:
            self.notify(str(exc), severity="warning")
            return
        order = table.row_order
        name = table.source.columns[table.cursor_column]
        what = "first-save order" if order is None else f"{name} {'▼' if order[1] else '▲'}"
        self.notify(f"{table_title(table)}: sorted by {what}")

    def action_columns(self) -> None:
        table = self.active_table()
        if table is None:
            return

        def done(hidden: set[int] | None) -> None:
            if hidden is not None:
                table.hidden_columns = hidden

        title = f"Columns of {table_title(table)}"
        self.app.push_screen(
            ColumnsScreen(title, list(table.source.columns), table.hidden_columns), done
        )

    def _raw_event(self) -> str | None:
        step = self.snapshot.step
        if step is None:
            return None
        return step.line.raw.decode("utf-8", "backslashreplace").rstrip("\r\n")

    def action_full_view(self) -> None:
        widget = self.focused if self.focused is not None else self.active_table()
        screen = full_view(widget, self._raw_event())
        if screen is None:
            self.notify("Nothing to show here", severity="warning")
            return
        self.app.push_screen(screen)

    def action_copy(self) -> None:
        got = copy_text(self.focused, self._raw_event())
        if got is None:
            self.notify("Nothing to copy yet", severity="warning")
            return
        what, text = got
        self.app.copy_to_clipboard(text)
        self.notify(f"Copied {what} ({len(text):,} characters)")

    def action_help(self) -> None:
        self.app.push_screen(HelpScreen())

    async def action_quit(self) -> None:
        self.app.exit()

    def on_record_table_row_selected(self, event: RecordTable.RowSelected) -> None:
        if event.table.id == "errors-table" and event.row is not None:
            position = event.row[-1]
            self.goto(int(position))
            self.notify(f"Going to line {event.row[0]}")
        elif event.table.id == "diff-table":
            self.reload_ui.go_to(event.row_index)
        elif event.table.id in self._agg_of_table and event.row is not None:
            agg = self._agg_of_table[event.table.id]
            source = self.sources[agg]
            field = source.fields[event.table.cursor_column]
            identity = event.row[1] if len(event.row) > 1 else None
            self.debug.history(agg, str(event.row[0]), field, identity)  # type: ignore[arg-type]
        elif event.table.id == "window-table" and event.row is not None:
            anchors = self.snapshot.window_anchors
            if 0 <= event.row_index < len(anchors):
                self.app.push_screen(AnchorScreen(anchors[event.row_index]))

    @property
    def _agg_of_table(self) -> dict[str, str]:
        return {tab_id(a) + "-t": a for a in self.aggregates}

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        if action in ("toggle_play", "step") and isinstance(self.focused, TextArea):
            return False  # typing in the spec pane: space and arrows edit
        if action == "step" and self.snapshot.state == AT_END:
            return None  # shown dimmed
        if action in ("window", "show_tab") and self.controller.window_spec is None:
            if action == "window" or parameters == ("window",):
                return False
        return True
