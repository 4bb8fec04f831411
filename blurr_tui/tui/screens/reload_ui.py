"""The replay screen's part for editing and reloading the spec (issue 10).

Owns the spec pane and the Diff tab and what they show: ``r`` / a save / a change on disk
reload through the controller's :class:`~blurr_tui.replay.spec_reload.SpecReload`; each
finished reload is applied once (its ``serial``): errors marked in the pane (the last good
spec keeps running), or new record tables plus the Diff of the records at the position.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from textual.widgets import TabbedContent, TabPane

from blurr_tui.replay.spec_reload import ReloadState
from blurr_tui.tui.sources import SqliteRowSource
from blurr_tui.tui.widgets import RecordTable, TraceView
from blurr_tui.tui.widgets.diff_source import DiffTarget, diff_rows
from blurr_tui.tui.widgets.spec_pane import SpecPane

if TYPE_CHECKING:
    from blurr_tui.tui.screens.replay import ReplayScreen

WATCH_EVERY = 0.5  # s between looks at the spec files


def field_at(lines: list[str], index: int) -> str | None:
    """The ``aggregate.field`` (or ``aggregate``) a trace line belongs to: aggregate headers
    start with ``▌ name``, field lines with four spaces and the field name."""
    agg: str | None = None
    field: str | None = None
    for line in lines[: index + 1]:
        if line.startswith("▌ "):
            agg, field = line[2:].split("  ", 1)[0], None
        elif agg is not None and line.startswith("    ") and not line.startswith("     "):
            field = line[4:].split(" ", 1)[0]
        elif not line.startswith(" "):
            agg = field = None
    if agg is None:
        return None
    return f"{agg}.{field}" if field else agg


class ReloadUi:
    def __init__(self, screen: ReplayScreen) -> None:
        self.screen = screen
        self.controller = screen.controller
        self.reloader = self.controller.spec_reload
        self.applied = 0  # serial of the last reload shown
        self.targets: list[DiffTarget] = []
        self.pane: SpecPane | None = None
        self._selected: str | None = None

    # -- composing ------------------------------------------------------------------------
    def spec_pane(self) -> SpecPane | None:
        if self.reloader is None:
            return None
        self.pane = SpecPane(self.reloader.paths, id="spec-pane")
        self.pane.display = False
        return self.pane

    def diff_tab(self) -> TabPane:
        source, self.targets = diff_rows(None)
        return TabPane("Diff", RecordTable(source, id="diff-table"), id="diff")

    def mount(self) -> None:
        if self.reloader is not None:
            self.screen.set_interval(WATCH_EVERY, self.watch_files)

    # -- reloading ------------------------------------------------------------------------
    def reload(self, why: str = "reload") -> None:
        self.screen._track(why, self.controller.reload())

    def watch_files(self) -> None:
        if self.reloader is not None and self.reloader.files_changed():
            if self.pane is not None:
                self.pane.reread()
            self.reload("reload (the spec changed on disk)")

    def state(self) -> ReloadState | None:
        return self.reloader.state() if self.reloader is not None else None

    def transport_text(self) -> str | None:
        st = self.state()
        if st is None:
            return None
        if st.progress:
            return st.progress
        if st.issues:
            n = len(st.issues)
            return f"{n} error{'s' if n != 1 else ''}, last good spec running"
        if st.diff is not None:
            n = len(st.diff.records)
            return f"reloaded: {n} record{'s' if n != 1 else ''} changed"
        return None

    def poll(self) -> None:
        st = self.state()
        self.select_from_trace()
        if st is None or st.serial == self.applied:
            return
        self.applied = st.serial
        if self.pane is not None:
            self.pane.set_issues(st.issues)
        if st.issues:
            shown = "\n".join(i.format() for i in st.issues[:5])
            more = f"\n… and {len(st.issues) - 5} more" if len(st.issues) > 5 else ""
            self.screen.notify(shown + more, title=st.message, severity="error", timeout=15)
            return
        self._new_tables()
        table = self.screen.query_one("#diff-table", RecordTable)
        source, self.targets = diff_rows(st.diff)
        table.set_source(source)
        n = len(st.diff.records) if st.diff is not None else 0
        table.border_title = f"Diff at event {st.position:,}: {n} record(s) changed"
        self.screen.notify(st.message, title="Spec reloaded", timeout=6)

    def _new_tables(self) -> None:
        """Record tables for the new spec: new columns; new tabs if the aggregates changed."""
        screen = self.screen
        if self.controller.aggregates() != screen.aggregates:
            screen.app.switch_screen(screen.app.make_screen())  # type: ignore[attr-defined]
            return
        for agg in screen.aggregates:
            src = SqliteRowSource(self.controller, agg)
            src.identity = screen.identity_filter
            src.pattern = screen.identity_pattern
            screen.sources[agg] = src
            table = screen.query_one(f"#{screen.table_id(agg)}", RecordTable)
            table.set_source(src)
        if screen.panes is not None:
            screen.panes.force_tables()

    # -- the spec pane --------------------------------------------------------------------
    def toggle_pane(self) -> None:
        if self.pane is None:
            self.screen.notify("The specs were not read from files", severity="warning")
            return
        self.pane.display = not self.pane.display
        if self.pane.display:
            self.pane.focus_editor()
            self._selected = None
            self.select_from_trace()

    def select_from_trace(self) -> None:
        """Highlight in the source the field of the trace's cursor line."""
        if self.pane is None or not self.pane.display:
            return
        trace = self.screen.query_one("#trace", TraceView)
        index = int(getattr(trace, "cursor", 0))
        name = field_at(trace.plain_lines, index)
        if name != self._selected:
            self._selected = name
            self.pane.select_field(name)

    # -- the Diff tab ---------------------------------------------------------------------
    def show_diff(self) -> None:
        self.screen.query_one("#tabs", TabbedContent).active = "diff"
        self.screen.query_one("#diff-table", RecordTable).focus()

    def go_to(self, row_index: int) -> None:
        """Enter on a Diff row: the record's tab, the cursor on its row."""
        if not 0 <= row_index < len(self.targets):
            return
        target = self.targets[row_index]
        screen = self.screen
        if not target.exists:
            screen.notify(f"{target.key} exists only in the previous spec's run")
            return
        if target.aggregate is None:  # a window row: the identity's window rows
            screen.set_identity_filter(target.identity)
            screen.action_window()
            return
        agg = target.aggregate
        index = screen.sources[agg].row_index(target.key)
        if index is None and (screen.identity_filter or screen.identity_pattern):
            screen.follow = False  # the record is filtered out: show every identity
            screen.set_identity_filter(None)
            index = screen.sources[agg].row_index(target.key)
        screen.query_one("#tabs", TabbedContent).active = screen.tab(agg)
        table = screen.query_one(f"#{screen.table_id(agg)}", RecordTable)
        table.focus()
        if index is not None:
            table.scroll_to_row(index, move_cursor=True)
