"""The Event pane: the current event as pretty JSON, coloured by a small tokenizer.

`Static(Syntax(json))` costs ~31 ms per update; this builds the `Text` by hand (well under a
millisecond for a typical event).
"""

from __future__ import annotations

import json
import re
from collections.abc import Mapping
from typing import Any

from rich.text import Text

from blurr_tui.tui.widgets.text_lines import TextLinesView

S_KEY = "bold blue"
S_STRING = "green"
S_NUMBER = "cyan"
S_LITERAL = "magenta"
S_PUNCT = "dim"
S_META = "dim"
S_ERROR = "bold red"

_TOKEN = re.compile(
    r'(?P<string>"(?:[^"\\]|\\.)*")(?P<colon>\s*:)?'
    r"|(?P<number>-?\d+(?:\.\d+)?(?:[eE][+-]?\d+)?)"
    r"|(?P<literal>\btrue\b|\bfalse\b|\bnull\b)"
    r"|(?P<punct>[{}\[\],:])"
)
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")


def printable(raw: str) -> str:
    """Raw log text made safe to draw: tabs expanded, control characters replaced."""
    return _CONTROL.sub("\ufffd", raw.expandtabs(4))


def highlight_json_line(line: str) -> Text:
    """Colour one line of `json.dumps(indent=2)` output."""
    text = Text(no_wrap=True, end="")
    pos = 0
    for m in _TOKEN.finditer(line):
        if m.start() > pos:
            text.append(line[pos : m.start()])
        kind = m.lastgroup
        if m.group("string") is not None:
            colon = m.group("colon")
            text.append(m.group("string"), S_KEY if colon else S_STRING)
            if colon:
                text.append(colon, S_PUNCT)
        elif kind == "number":
            text.append(m.group(), S_NUMBER)
        elif kind == "literal":
            text.append(m.group(), S_LITERAL)
        else:
            text.append(m.group(), S_PUNCT)
        pos = m.end()
    if pos < len(line):
        text.append(line[pos:])
    return text


def json_lines(event: Any) -> list[Text]:
    """The event pretty-printed, one coloured `Text` per line."""
    try:
        dumped = json.dumps(event, indent=2, ensure_ascii=False, default=str)
    except (TypeError, ValueError) as exc:
        return [Text(f"{type(exc).__name__}: {exc}", S_ERROR, end=""), Text(repr(event), end="")]
    return [highlight_json_line(line) for line in dumped.splitlines()]


def location_line(line_no: int | None, offset: int | None, extra: str = "") -> Text:
    parts = []
    if line_no is not None:
        parts.append(f"line {line_no:,}")
    if offset is not None:
        parts.append(f"byte {offset:,}")
    text = Text(" · ".join(parts), S_META, no_wrap=True, end="")
    if extra:
        text.append(("  " if parts else "") + extra, S_ERROR)
    return text


class EventView(TextLinesView):
    """Shows one event (or one bad line) with its position in the log."""

    DEFAULT_CSS = """
    EventView {
        height: 1fr;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self.is_bad_line = False

    def show_event(
        self,
        event: Mapping[str, Any] | None,
        *,
        line_no: int | None = None,
        offset: int | None = None,
    ) -> None:
        """Show a parsed event; None clears the pane (keeping the position, if any)."""
        self.is_bad_line = False
        lines = [location_line(line_no, offset)] if line_no is not None or offset else []
        if event is not None:
            lines.extend(json_lines(event))
        self.set_lines(lines)

    def show_bad_line(
        self,
        raw: str,
        reason: str,
        *,
        line_no: int | None = None,
        offset: int | None = None,
    ) -> None:
        """Show a line that could not be used as an event: the reason in red, then the raw text."""
        self.is_bad_line = True
        lines = [location_line(line_no, offset, "bad line")]
        lines.append(Text(reason, S_ERROR, no_wrap=True, end=""))
        raw_lines = raw.rstrip("\r\n").split("\n") or [""]
        lines.extend(Text(printable(r), no_wrap=True, end="") for r in raw_lines)
        self.set_lines(lines)

    def show_message(self, message: str) -> None:
        """Show a plain note (e.g. "no event yet")."""
        self.is_bad_line = False
        self.set_lines([Text(message, "italic dim", no_wrap=True, end="")])
