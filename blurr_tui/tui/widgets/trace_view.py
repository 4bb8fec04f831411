"""The Trace pane: what one event did to every aggregate and field."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from rich.text import Text

from blurr_tui.engine import trace as tr
from blurr_tui.engine.trace import AggregateTrace, EventTrace, FieldTrace
from blurr_tui.tui.widgets.text_lines import TextLinesView

MAX_VALUE_LEN = 60  # a value in the pane; the full view (v) shows up to FULL_VALUE_LEN
FULL_VALUE_LEN = 100_000

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


def format_value(value: Any, limit: int | None = MAX_VALUE_LEN) -> str:
    """A value as it would read in an expression: strings quoted, times in ISO form;
    cut to ``limit`` characters (None: whole)."""
    text = value.isoformat(sep=" ") if isinstance(value, datetime) else repr(value)
    text = text.replace("\n", "⏎")
    if limit is not None and len(text) > limit:
        text = text[: limit - 1] + "…"
    return text


def _result(line: Text, result: Any, error: str | None, limit: int | None) -> None:
    """Append `→ result`, or `→ ExcType: message` in red."""
    line.append(" → ", S_DIM)
    if error:
        line.append(error, S_ERROR)
    else:
        line.append(format_value(result, limit), S_TRUE if result else S_FALSE)


def _when(line: Text, text: str | None, result: Any, error: str | None, limit: int | None) -> None:
    line.append("When: ", S_LABEL)
    line.append(text or "", S_EXPR)
    _result(line, result, error, limit)


def _outcome(line: Text, f: FieldTrace, limit: int | None) -> bool:
    """Append what happened to the field; True when the whole field should be dimmed."""
    old = format_value(f.old, limit)
    if f.outcome == tr.UPDATED and f.changed:
        line.append(old)
        line.append(" → ", S_DIM)
        line.append(format_value(f.new, limit), S_CHANGED)
        return False
    if f.outcome == tr.UPDATED:
        line.append(f"= {format_value(f.new, limit)} (unchanged)")
        return True
    if f.outcome == tr.CAST_FAILED:
        line.append("failed cast", S_CAST)
        if f.cast_error:
            line.append(f": {f.cast_error}", S_CAST)
        line.append(f"  kept {old}", S_DIM)
        return False
    if f.outcome == tr.NOT_EVALUATED:
        line.append(f"not evaluated  {old}")
        return True
    reason = {
        tr.WHEN_FALSE: "skipped: When is false",
        tr.WHEN_ERROR: "skipped: When raised",
        tr.VALUE_NONE: "no update: Value is None",
        tr.VALUE_ERROR: "no update: Value raised",
    }.get(f.outcome, f.outcome)
    line.append(f"{reason}  kept {old}", S_DIM)
    return f.outcome in (tr.WHEN_FALSE, tr.VALUE_NONE)


def _error_line(indent: str, error: str) -> Text:
    """An exception on a line of its own, so a narrow pane still shows its message."""
    line = Text(indent + "  ✗ ", S_ERROR, no_wrap=True, end="")
    line.append(error, S_ERROR)
    return line


def field_lines(
    f: FieldTrace, indent: str = "    ", limit: int | None = MAX_VALUE_LEN
) -> list[Text]:
    """A field: its name and what happened (old → new, or why not), then its When and Value."""
    head = Text(indent, no_wrap=True, end="")
    head.append(f.name, S_LABEL)
    if f.is_dimension:
        head.append(" (dimension)", S_DIM)
    head.append("  ")
    dim = _outcome(head, f, limit)
    lines = [head]
    sub = indent + "    "
    internal = f.name.startswith("_") and f.when_text is None
    if f.outcome != tr.NOT_EVALUATED and not internal:
        if f.when_text is not None or f.when_error:
            line = Text(sub, no_wrap=True, end="")
            if f.when_error:
                line.append("When: ", S_LABEL)
                line.append(f.when_text or "", S_EXPR)
                lines += [line, _error_line(sub, f.when_error)]
            else:
                _when(line, f.when_text, f.when_result, None, limit)
                lines.append(line)
        if f.value_text is not None and f.outcome not in (tr.WHEN_FALSE, tr.WHEN_ERROR):
            line = Text(sub, no_wrap=True, end="")
            line.append("Value: ", S_LABEL)
            line.append(f.value_text.replace("\n", " "), S_EXPR)
            if f.value_error:
                lines += [line, _error_line(sub, f.value_error)]
            else:
                line.append(" → ", S_DIM)
                line.append(format_value(f.value_result, limit))
                lines.append(line)
    if dim:
        for line in lines:
            line.stylize(S_DIM)
    return lines


def field_line(f: FieldTrace, indent: str = "    ") -> Text:
    """All of a field on one line (for narrow uses and tests)."""
    parts = field_lines(f, indent)
    out = parts[0].copy()
    for extra in parts[1:]:
        out.append("  ")
        out.append_text(extra[len(indent) + 4 :])
    return out


def aggregate_lines(agg: AggregateTrace, limit: int | None = MAX_VALUE_LEN) -> list[Text]:
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
        _when(line, agg.when_text, agg.when_result, agg.when_error, limit)
        lines.append(line)
    if agg.dimensions or agg.dimension_error:
        line = Text("  ", no_wrap=True, end="")
        line.append("Dimensions: ", S_LABEL)
        line.append(", ".join(f"{k}={format_value(v, limit)}" for k, v in agg.dimensions.items()))
        if agg.dimension_error:
            line.append("  " if agg.dimensions else "")
            line.append(agg.dimension_error, S_ERROR)
        lines.append(line)
    if agg.persisted_key is not None:
        line = Text("  ", no_wrap=True, end="")
        line.append("Saved closed record ", S_LABEL)
        line.append(agg.persisted_key, S_KEY)
        lines.append(line)
    for f in agg.fields:
        lines.extend(field_lines(f, limit=limit))
    return lines


def trace_lines(trace: EventTrace, limit: int | None = MAX_VALUE_LEN) -> list[Text]:
    """All lines of one event's trace (values cut to ``limit`` characters; None: whole)."""
    head = Text(no_wrap=True, end="")
    head.append(trace.identity, "bold " + S_KEY)
    head.append("  ")
    head.append(trace.time.isoformat(sep=" "), S_LABEL)
    if trace.when_text is not None or trace.when_error:
        head.append("  BTS ")
        _when(head, trace.when_text, trace.when_result, trace.when_error, limit)
    lines = [head]
    errors = trace.errors
    if errors:
        lines.append(Text(f"{len(errors)} error(s)", S_ERROR, no_wrap=True, end=""))
    for agg in trace.aggregates:
        lines.extend(aggregate_lines(agg, limit))
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
        self._note = ""

    @property
    def trace(self) -> EventTrace | None:
        return self._trace

    def show_trace(self, trace: EventTrace | None, note: str = "") -> None:
        """Show `trace` (or only `note`, e.g. "playing: trace shown on pause")."""
        self._trace = trace
        self._note = note
        self.set_lines(self._build(MAX_VALUE_LEN))

    def _build(self, limit: int | None) -> list[Text]:
        lines: list[Text] = []
        if self._note:
            lines.append(Text(self._note, "italic dim", no_wrap=True, end=""))
        if self._trace is not None:
            lines.extend(trace_lines(self._trace, limit))
        return lines

    def full_text(self, index: int | None = None) -> Text | None:
        """The line at ``index`` (default: the cursor's) with its values not shortened."""
        i = self.cursor if index is None else index
        full = self._build(FULL_VALUE_LEN)
        return full[i] if 0 <= i < len(full) else None
