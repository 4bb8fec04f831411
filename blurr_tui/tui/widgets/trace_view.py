"""The Trace pane: what one event did to every aggregate and field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text

from blurr_tui.engine import trace as tr
from blurr_tui.engine.trace import AggregateTrace, EventTrace, FieldTrace
from blurr_tui.tui.widgets.text_lines import TextLinesView

MAX_VALUE_LEN = 60

# Plain rich styles: readable on dark and light themes alike.
S_LABEL = "bold"
S_DIM = "dim"
S_EXPR = "italic"
S_CHANGED = "bold green"
S_ERROR = "bold red"
S_CAST = "yellow"
S_KEY = "cyan"
S_TRUE = "green"
S_FALSE = "dim"

ACTION_STYLES = {
    tr.CONTINUED: "",
    tr.NEW: "bold cyan",
    tr.RESTORED: "bold magenta",
    tr.SPLIT: "bold yellow",
    tr.SKIPPED_WHEN: "dim",
    tr.SKIPPED_DIMENSION: "yellow",
    tr.SKIPPED_TRANSFORMER: "dim",
}


def format_value(value: Any) -> str:
    """A value as it would read in an expression: strings quoted, times in ISO form."""
    text = value.isoformat(sep=" ") if isinstance(value, datetime) else repr(value)
    text = text.replace("\n", "⏎")
    if len(text) > MAX_VALUE_LEN:
        text = text[: MAX_VALUE_LEN - 1] + "…"
    return text


def _result(line: Text, result: Any, error: str | None) -> None:
    """Append `→ result`, or `→ ExcType: message` in red."""
    line.append(" → ", S_DIM)
    if error:
        line.append(error, S_ERROR)
    else:
        line.append(format_value(result), S_TRUE if result else S_FALSE)


def _when(line: Text, text: str | None, result: Any, error: str | None) -> None:
    line.append("When: ", S_LABEL)
    line.append(text or "", S_EXPR)
    _result(line, result, error)


def field_line(f: FieldTrace, indent: str = "    ") -> Text:
    """One line per field: name, When, Value and old → new (or why nothing changed)."""
    line = Text(indent, no_wrap=True, end="")
    line.append(f.name, S_LABEL)
    if f.is_dimension:
        line.append(" (dimension)", S_DIM)
    if f.outcome == tr.NOT_EVALUATED:
        line.append("  not evaluated", S_DIM)
        line.append(f"  {format_value(f.old)}", S_DIM)
        line.stylize(S_DIM)
        return line
    if f.when_text is not None or f.when_error:
        line.append("  ")
        _when(line, f.when_text, f.when_result, f.when_error)
    if f.value_text is not None and f.outcome not in (tr.WHEN_FALSE, tr.WHEN_ERROR):
        line.append("  Value: ", S_LABEL)
        line.append(f.value_text, S_EXPR)
        if f.value_error:
            _result(line, None, f.value_error)
        else:
            line.append(" → ", S_DIM)
            line.append(format_value(f.value_result))
    line.append("  ")
    if f.outcome == tr.CAST_FAILED:
        line.append("failed cast", S_CAST)
        if f.cast_error:
            line.append(f": {f.cast_error}", S_CAST)
        line.append(f"  kept {format_value(f.old)}", S_DIM)
    elif f.outcome == tr.UPDATED and f.changed:
        line.append(format_value(f.old))
        line.append(" → ", S_DIM)
        line.append(format_value(f.new), S_CHANGED)
    elif f.outcome == tr.UPDATED:
        line.append(f"= {format_value(f.new)} (unchanged)")
        line.stylize(S_DIM)
    elif f.outcome == tr.VALUE_ERROR:
        line.append(f"kept {format_value(f.old)}", S_DIM)
    else:  # when-false, when-error, value-none
        reason = {tr.WHEN_FALSE: "skipped", tr.VALUE_NONE: "None: no update"}.get(
            f.outcome, "skipped"
        )
        line.append(f"{reason}  kept {format_value(f.old)}", S_DIM)
        if not f.when_error:
            line.stylize(S_DIM)
    return line


def aggregate_lines(agg: AggregateTrace) -> list[Text]:
    """The aggregate header, its When, dimensions, keys and one line per field."""
    head = Text("▌ ", no_wrap=True, end="")
    head.append(agg.name, "bold underline")
    head.append(f"  {agg.kind}  ", S_DIM)
    head.append(agg.action, ACTION_STYLES.get(agg.action, "") or S_LABEL)
    if agg.key is not None:
        head.append("  key ", S_DIM)
        head.append(agg.key, S_KEY)
    lines = [head]
    if agg.when_text is not None or agg.when_error:
        line = Text("  ", no_wrap=True, end="")
        _when(line, agg.when_text, agg.when_result, agg.when_error)
        lines.append(line)
    if agg.dimensions or agg.dimension_error:
        line = Text("  ", no_wrap=True, end="")
        line.append("Dimensions: ", S_LABEL)
        line.append(", ".join(f"{k}={format_value(v)}" for k, v in agg.dimensions.items()))
        if agg.dimension_error:
            line.append("  " if agg.dimensions else "")
            line.append(agg.dimension_error, S_ERROR)
        lines.append(line)
    if agg.persisted_key is not None:
        line = Text("  ", no_wrap=True, end="")
        line.append("Saved closed record ", S_LABEL)
        line.append(agg.persisted_key, S_KEY)
        lines.append(line)
    lines.extend(field_line(f) for f in agg.fields)
    return lines


def trace_lines(trace: EventTrace) -> list[Text]:
    """All lines of one event's trace."""
    head = Text(no_wrap=True, end="")
    head.append(trace.identity, "bold " + S_KEY)
    head.append("  ")
    head.append(trace.time.isoformat(sep=" "), S_LABEL)
    if trace.when_text is not None or trace.when_error:
        head.append("  BTS ")
        _when(head, trace.when_text, trace.when_result, trace.when_error)
    lines = [head]
    errors = trace.errors
    if errors:
        lines.append(Text(f"{len(errors)} error(s)", S_ERROR, no_wrap=True, end=""))
    for agg in trace.aggregates:
        lines.extend(aggregate_lines(agg))
    if trace.saved_keys:
        line = Text("Saved: ", S_LABEL, no_wrap=True, end="")
        line.append(", ".join(trace.saved_keys), S_KEY)
        lines.append(line)
    return lines


class TraceView(TextLinesView):
    """Renders an `EventTrace`; call `show_trace` on step/pause, not per event."""

    DEFAULT_CSS = """
    TraceView {
        height: 1fr;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._trace: EventTrace | None = None

    @property
    def trace(self) -> EventTrace | None:
        return self._trace

    def show_trace(self, trace: EventTrace | None, note: str = "") -> None:
        """Show `trace` (or only `note`, e.g. "playing: trace shown on pause")."""
        self._trace = trace
        lines: list[Text] = []
        if note:
            lines.append(Text(note, "italic dim", no_wrap=True, end=""))
        if trace is not None:
            lines.extend(trace_lines(trace))
        self.set_lines(lines)
