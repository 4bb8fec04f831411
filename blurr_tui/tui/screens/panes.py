"""Turns controller snapshots into pane updates, touching a pane only when its data changed."""

from __future__ import annotations

from blurr_tui.replay.controller import PLAYING, ReplayController, Snapshot
from blurr_tui.tui.problems import ProblemList
from blurr_tui.tui.sources import SqliteRowSource
from blurr_tui.tui.widgets import EventView, RecordTable, TraceView, TransportBar
from blurr_tui.tui.widgets.row_source import ListRowSource

PROBLEM_COLUMNS = ["line", "kind", "reason", "event #"]


def problems_source(rows: tuple[tuple[int, str, str, int], ...]) -> ListRowSource:
    return ListRowSource(PROBLEM_COLUMNS, list(rows))


def window_source(
    window: tuple[str, tuple[dict, ...]] | None, anchors: tuple = ()
) -> ListRowSource:
    """One row per anchor: identity, the anchor block's key, then the flattened fields."""
    if window is None:
        return ListRowSource(["identity", "(press w for the current identity's window rows)"])
    identity, rows = window
    cols: list[str] = []
    for row in rows:  # each aggregate's copy of the identity is the identity column
        cols += [k for k in row if k not in cols and not k.endswith("._identity")]
    keys = [a.anchor_key for a in anchors] if len(anchors) == len(rows) else [""] * len(rows)
    data = [
        (identity, key, *(row.get(c) for c in cols)) for key, row in zip(keys, rows, strict=True)
    ]
    return ListRowSource(["identity", "anchor", *cols], data)


class PaneUpdater:
    def __init__(
        self,
        controller: ReplayController,
        transport: TransportBar,
        event: EventView,
        trace: TraceView,
        tables: dict[str, RecordTable],
        errors: RecordTable,
        window: RecordTable | None,
    ) -> None:
        self.controller = controller
        self.transport = transport
        self.event = event
        self.trace = trace
        self.tables = tables
        self.errors = errors
        self.window = window
        self._step_key: tuple[int, int] | None = None
        self._data_key: tuple | None = None
        self._marks_key: tuple | None = None
        self.problems = ProblemList()  # every problem found, kept across re-runs
        self._problems_of: object = None  # the spec the problems were found with
        self._seen_run = -1  # run_serial of the last snapshot whose problems were added
        self._stale_run: int | None = None  # the previous spec's run: its snapshots are skipped
        self._window: object = None

    def force_tables(self) -> None:
        self._data_key = self._marks_key = None

    def update(self, snap: Snapshot, identity: str | None, pattern: str | None = None) -> None:
        step = snap.step
        self.transport.update_state(
            state=snap.state,
            position=snap.position,
            total=snap.total,
            event_time=step.time if step is not None else None,
            identity=step.identity if step is not None else None,
            speed=snap.rate,
            measured_rate=snap.measured_rate,
            bad_lines=self.problems.bad_lines,
            errors=self.problems.errors,
            following=snap.following,
        )
        step_key = (snap.run_serial, snap.step_serial)
        if step_key != self._step_key:
            self._step_key = step_key
            self._show_step(snap)
        data_key = (snap.run_serial, snap.data_serial, identity, pattern)
        marks_key = (data_key, snap.step_serial)
        if data_key != self._data_key:
            self._data_key = data_key
            for table in self.tables.values():
                table.refresh_data()
        if marks_key != self._marks_key:
            self._marks_key = marks_key
            self._mark_rows(snap, identity)
        self._update_problems(snap)
        if self.window is not None and snap.window is not self._window:
            self._window = snap.window
            self.window.set_source(window_source(snap.window, snap.window_anchors))
            if snap.window is not None:
                self.window.border_title = f"Window rows of {snap.window[0]}"

    def _update_problems(self, snap: Snapshot) -> None:
        """Add what this snapshot found to the Errors tab (a reloaded spec starts afresh)."""
        spec = self.controller.streaming
        fresh = spec is not self._problems_of
        if fresh:
            if self._problems_of is not None:
                self._stale_run = self._seen_run  # a snapshot of the old run may still come
            self._problems_of = spec
            self.problems.clear()
        found = False
        if snap.run_serial != self._stale_run:
            self._seen_run = snap.run_serial
            found = self.problems.add(snap.bad, snap.errors)
        if found or fresh:
            p = self.problems
            self.errors.set_source(problems_source(tuple(p.rows)), keep_position=not fresh)
            self.errors.border_title = f"Bad lines {p.bad_lines} · errors {p.errors}"
        self.transport.update_state(bad_lines=self.problems.bad_lines, errors=self.problems.errors)

    def _show_step(self, snap: Snapshot) -> None:
        step = snap.step
        if step is None:
            self.event.show_message("No event yet: n steps, space plays, ? shows the keys.")
            self.event.remove_class("-bad-line")
            self.trace.show_trace(None, "")
            self.event.border_title = "Event"
            return
        line = step.line
        self.event.border_title = f"Event {step.index:,} · line {line.line_no:,}"
        if step.bad_reason is not None:
            raw = line.raw.decode("utf-8", "backslashreplace")
            self.event.show_bad_line(raw, step.bad_reason, line_no=line.line_no, offset=line.offset)
            self.event.add_class("-bad-line")
            self.trace.show_trace(None, "bad line: skipped, no trace")
            return
        self.event.remove_class("-bad-line")
        self.event.show_event(step.event or line.value, line_no=line.line_no, offset=line.offset)  # type: ignore[arg-type]
        if step.error is not None:
            self.trace.show_trace(step.trace, f"error (Blurr would stop here): {step.error}")
        elif step.trace is None:
            note = "playing at full speed: traces are kept for the last event of each frame"
            if snap.state != PLAYING:
                note = "not traced (played at full speed): n steps with a trace"
            self.trace.show_trace(None, note)
        else:
            self.trace.show_trace(step.trace)

    def _mark_rows(self, snap: Snapshot, identity: str | None) -> None:
        """Highlight the rows the shown event touched (new ones get a ●)."""
        touched: dict[str, list] = {}
        for t in snap.touched:
            touched.setdefault(t.aggregate, []).append(t)
        step_identity = snap.step.identity if snap.step is not None else None
        if identity is not None and step_identity != identity:
            touched = {}  # the touched rows are filtered out
        for agg, table in self.tables.items():
            marks: set[int] = set()
            new: set[int] = set()
            source = table.source
            for t in touched.get(agg, ()):
                if isinstance(source, SqliteRowSource):
                    idx = source.row_index(t.key)
                else:
                    idx = self.controller.row_index(agg, t.key, identity)
                if idx is None:
                    continue
                marks.add(idx)
                if t.action == "new":
                    new.add(idx)
            table.highlight_rows = marks
            table.new_rows = new
            if marks:
                table.scroll_to_row(min(marks))
            count = snap.counts.get(agg)
            sub = f"{count:,} record{'' if count == 1 else 's'}" if count is not None else ""
            if identity is not None:
                sub = f"{table.row_count:,} of {sub}"
            table.border_subtitle = sub
