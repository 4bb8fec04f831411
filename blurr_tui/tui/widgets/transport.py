"""The transport bar: play state, position, speed and counters. Pure display."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from enum import Enum
from typing import Any

from rich.text import Text
from textual.widget import Widget

PLAYING = "playing"
PAUSED = "paused"
AT_END = "at-end"


class _Keep(Enum):
    KEEP = 0


KEEP = _Keep.KEEP  # update_state: leave this value as it is

STATE_LABELS = {PLAYING: "▶ playing", PAUSED: "⏸ paused", AT_END: "⏹ at end"}
STATE_STYLES = {PLAYING: "bold green", PAUSED: "bold yellow", AT_END: "bold"}


@dataclass(frozen=True, slots=True)
class TransportState:
    state: str = PAUSED
    position: int = 0
    total: int | None = None  # None while the log is still being counted
    event_time: datetime | None = None
    identity: str | None = None
    speed: float | None = None  # events per second; None = as fast as possible
    measured_rate: float | None = None  # events per second measured while playing
    bad_lines: int = 0
    errors: int = 0
    reload: str | None = None  # what the last spec reload did ("3 records changed", …)
    search: str | None = None  # e.g. "search 'B6FA' 3 of 17"
    following: str | None = None  # e.g. "following the log: 12 new lines"


def format_rate(rate: float) -> str:
    if rate >= 10_000:
        return f"{rate / 1000:,.0f}k ev/s"
    if rate >= 100:
        return f"{rate:,.0f} ev/s"
    return f"{rate:.3g} ev/s"


def format_measured(rate: float) -> str:
    """A measured rate: one decimal below 10 ev/s (1.0, not 0.997)."""
    return f"{rate:.1f} ev/s" if rate < 10 else format_rate(rate)


def position_bar(position: int, total: int | None, width: int) -> Text:
    """A bar of `width` cells filled in eighths."""
    if width <= 0:
        return Text()
    if not total:
        return Text("─" * width, "dim")
    frac = max(0.0, min(1.0, position / total))
    eighths = round(frac * width * 8)
    full, part = divmod(eighths, 8)
    partial = " ▏▎▍▌▋▊▉"[part] if part and full < width else ""
    bar = Text("█" * full + partial, "green")
    bar.append("─" * (width - full - len(partial)), "dim")
    return bar


class TransportBar(Widget):
    """Two lines: state, position N / total and a bar; then time, identity, speed, counters."""

    DEFAULT_CSS = """
    TransportBar {
        height: 2;
        background: $panel;
        padding: 0 1;
    }
    """

    def __init__(
        self, *, name: str | None = None, id: str | None = None, classes: str | None = None
    ) -> None:
        super().__init__(name=name, id=id, classes=classes)
        self._state = TransportState()

    @property
    def state(self) -> TransportState:
        return self._state

    def update_state(
        self,
        *,
        state: str | _Keep = KEEP,
        position: int | _Keep = KEEP,
        total: int | None | _Keep = KEEP,
        event_time: datetime | None | _Keep = KEEP,
        identity: str | None | _Keep = KEEP,
        speed: float | None | _Keep = KEEP,
        measured_rate: float | None | _Keep = KEEP,
        bad_lines: int | _Keep = KEEP,
        errors: int | _Keep = KEEP,
        reload: str | None | _Keep = KEEP,
        search: str | None | _Keep = KEEP,
        following: str | None | _Keep = KEEP,
    ) -> None:
        """Set the values given (None is a value: speed None = max); repaints only on change."""
        given = dict(
            state=state,
            position=position,
            total=total,
            event_time=event_time,
            identity=identity,
            speed=speed,
            measured_rate=measured_rate,
            bad_lines=bad_lines,
            errors=errors,
            reload=reload,
            search=search,
            following=following,
        )
        changes: dict[str, Any] = {k: v for k, v in given.items() if v is not KEEP}
        self.set_state(replace(self._state, **changes))

    def set_state(self, state: TransportState) -> None:
        """Replace the whole state; repaints only when it changed."""
        if state != self._state:
            self._state = state
            self.refresh()

    def render_lines_text(self, width: int) -> tuple[Text, Text]:
        """The two lines for a content `width` (kept separate from `render` for tests)."""
        s = self._state
        top = Text(no_wrap=True, end="")
        top.append(STATE_LABELS.get(s.state, s.state).ljust(11), STATE_STYLES.get(s.state, ""))
        total = f"{s.total:,}" if s.total is not None else "?"
        count = f"{s.position:,} / {total}"
        pct = f" {100 * s.position / s.total:5.1f}%" if s.total else ""
        top.append(count, "bold")
        top.append("  ")
        bar_width = width - top.cell_len - len(pct)
        top.append_text(position_bar(s.position, s.total, max(0, bar_width)))
        top.append(pct, "dim")

        bottom = Text(no_wrap=True, end="")
        if s.event_time is not None:
            bottom.append(s.event_time.isoformat(sep=" "), "bold")
            bottom.append("  ")
        if s.identity is not None:
            bottom.append(s.identity, "cyan")
            bottom.append("  ")
        bottom.append("speed ", "dim")
        bottom.append("max" if s.speed is None else format_rate(s.speed))
        if s.state == PLAYING and s.measured_rate is not None:
            bottom.append("  measured ", "dim")
            bottom.append(format_measured(s.measured_rate))
        bottom.append("  bad lines ", "dim")
        bottom.append(f"{s.bad_lines:,}", "bold yellow" if s.bad_lines else "")
        bottom.append("  errors ", "dim")
        bottom.append(f"{s.errors:,}", "bold red" if s.errors else "")
        if s.reload:
            bottom.append("  spec ", "dim")
            bottom.append(s.reload, "bold magenta")
        if s.search:
            bottom.append("  ")
            bottom.append(s.search, "bold magenta")
        if s.following:
            bottom.append("  ")
            bottom.append(s.following, "bold cyan")
        return top, bottom

    def render(self) -> Text:
        top, bottom = self.render_lines_text(self.content_region.width or 80)
        return Text("\n", no_wrap=True, end="").join([top, bottom])
