"""``blurr-tui`` with no arguments: pick a streaming spec, an optional window spec and a log.

Candidates are the YAML files and event logs in the current folder and its ``specs/`` and
``sample_logs/`` folders; a spec's kind is read from its ``Type``.  A path can also be typed
under each list (it wins over the list), and choosing a streaming spec selects the log that
goes with it (``specs/cart-streaming.yml`` → ``sample_logs/cart.log``).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Footer, Input, Label, Select, Static

from blurr_tui.engine.typenames import STREAMING, WINDOW
from blurr_tui.engine.yamlpos import YamlPositionError, load_yaml_with_lines

LOG_SUFFIXES = (".log", ".jsonl", ".json", ".ndjson", ".gz")
SPEC_SUFFIXES = ("-streaming", "_streaming", ".streaming", "-window", "_window", ".window")


@dataclass(frozen=True)
class Choice:
    streaming: str
    window: str | None
    log: str


def spec_kind(path: Path) -> str | None:
    """'streaming', 'window' or None (not a BTS)."""
    try:
        doc = load_yaml_with_lines(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, YamlPositionError):
        return None
    kind = str(doc.get("Type", "")).lower() if isinstance(doc, dict) else ""
    return {STREAMING: "streaming", WINDOW: "window"}.get(kind)


def candidates(root: Path) -> tuple[list[Path], list[Path], list[Path]]:
    folders = [root, root / "specs", root / "sample_logs"]
    files = sorted({p for d in folders if d.is_dir() for p in d.iterdir() if p.is_file()})
    streaming, window, logs = [], [], []
    for p in files:
        if p.suffix in (".yml", ".yaml"):
            kind = spec_kind(p)
            if kind == "streaming":
                streaming.append(p)
            elif kind == "window":
                window.append(p)
        elif p.name.endswith(LOG_SUFFIXES):
            logs.append(p)
    return streaming, window, logs


def spec_topic(spec: Path) -> str:
    """What a spec is about, from its name: ``cart-streaming.yml`` → ``cart``."""
    stem = spec.stem
    for suffix in SPEC_SUFFIXES:
        if stem.lower().endswith(suffix):
            return stem[: -len(suffix)]
    return stem


def log_for(spec: Path, logs: list[Path]) -> Path | None:
    """The log that goes with ``spec``: the same topic as its name, else the log whose name
    shares the longest start with it (at least 3 characters)."""
    topic = spec_topic(spec).lower()

    def stem(p: Path) -> str:
        name = p.name.lower()
        for suffix in (".gz", *LOG_SUFFIXES):
            name = name.removesuffix(suffix)
        return name

    exact = [p for p in logs if stem(p) == topic]
    if exact:
        return exact[0]

    def shared(p: Path) -> int:
        n = 0
        for a, b in zip(stem(p), topic, strict=False):
            if a != b:
                break
            n += 1
        return n

    best = max(logs, key=shared, default=None)
    return best if best is not None and shared(best) >= 3 else None


class PickerApp(App[Choice]):
    TITLE = "blurr-tui: choose a spec and a log"
    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+o", "open", "Open"),
        Binding("escape", "quit", "Quit"),
    ]
    DEFAULT_CSS = """
    #picker { padding: 1 2; width: 100; height: auto; }
    #picker Label { margin-top: 1; }
    #picker Button { margin-top: 1; }
    #message { color: $error; margin-top: 1; }
    """

    def __init__(self, root: Path) -> None:
        super().__init__()
        self.root = root
        self.streaming, self.window, self.logs = candidates(root)

    def _rel(self, p: Path) -> str:
        try:
            return str(p.relative_to(self.root))
        except ValueError:
            return str(p)

    def compose(self) -> ComposeResult:
        with Vertical(id="picker"):
            yield Static(f"Specs and logs found under {self.root}")
            yield Label("Streaming BTS")
            yield Select(
                [(self._rel(p), str(p)) for p in self.streaming],
                id="streaming",
                prompt="choose…",
                value=str(self.streaming[0]) if self.streaming else Select.NULL,
            )
            yield Input(placeholder="or type a path", id="streaming-path")
            yield Label("Window BTS (optional)")
            yield Select([(self._rel(p), str(p)) for p in self.window], id="window", prompt="none")
            yield Input(placeholder="or type a path", id="window-path")
            yield Label("Event log")
            first_log = log_for(self.streaming[0], self.logs) if self.streaming else None
            first_log = first_log or (self.logs[0] if self.logs else None)
            yield Select(
                [(self._rel(p), str(p)) for p in self.logs],
                id="log",
                prompt="choose…",
                value=str(first_log) if first_log is not None else Select.NULL,
            )
            yield Input(placeholder="or type a path", id="log-path")
            yield Button("Open", id="open", variant="primary")
            yield Static("", id="message")
        yield Footer()

    def on_mount(self) -> None:
        if not self.streaming or not self.logs:
            self.query_one("#message", Static).update(
                "No streaming spec or no log here: run blurr-tui replay SPEC LOG, or cd to a "
                "folder with specs/ and sample_logs/."
            )

    def on_button_pressed(self, event: Button.Pressed) -> None:
        self.action_open()

    def on_select_changed(self, event: Select.Changed) -> None:
        if event.select.id == "streaming" and event.value is not Select.NULL:
            self._select_log_for(Path(str(event.value)))

    def on_input_submitted(self, event: Input.Submitted) -> None:
        if event.input.id == "streaming-path" and event.value.strip():
            self._select_log_for(self._typed(event.value))
        self.action_open()

    def _select_log_for(self, spec: Path) -> None:
        log = log_for(spec, self.logs)
        if log is not None:
            self.query_one("#log", Select).value = str(log)

    def _typed(self, text: str) -> Path:
        path = Path(text.strip()).expanduser()
        return path if path.is_absolute() else self.root / path

    def _value(self, widget_id: str) -> str | None:
        """The typed path (it wins) or the list's choice."""
        typed = self.query_one(f"#{widget_id}-path", Input).value.strip()
        if typed:
            return str(self._typed(typed))
        v = self.query_one(f"#{widget_id}", Select).value
        return None if v is Select.NULL else str(v)

    def action_open(self) -> None:
        message = self.query_one("#message", Static)
        streaming, window, log = self._value("streaming"), self._value("window"), self._value("log")
        if streaming is None or log is None:
            message.update("Choose a streaming BTS and a log.")
            return
        for what, path in (("streaming BTS", streaming), ("window BTS", window), ("log", log)):
            if path is not None and not Path(path).is_file():
                message.update(f"No such file for the {what}: {path}")
                return
        if spec_kind(Path(streaming)) != "streaming":
            message.update(f"{streaming} is not a streaming BTS (Type: Blurr:Transform:Streaming)")
            return
        if window is not None and spec_kind(Path(window)) != "window":
            message.update(f"{window} is not a window BTS (Type: Blurr:Transform:Window)")
            return
        self.exit(Choice(streaming, window, log))
