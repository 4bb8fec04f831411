"""``blurr-tui`` with no arguments: pick a streaming spec, an optional window spec and a log.

Candidates are the YAML files and event logs in the current folder and its ``specs/`` and
``sample_logs/`` folders; a spec's kind is read from its ``Type``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import ClassVar

from textual.app import App, ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.widgets import Button, Footer, Label, Select, Static

from blurr_tui.engine.yamlpos import YamlPositionError, load_yaml_with_lines

LOG_SUFFIXES = (".log", ".jsonl", ".json", ".ndjson", ".gz")


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
    return {"blurr:transform:streaming": "streaming", "blurr:transform:window": "window"}.get(kind)


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
            yield Label("Window BTS (optional)")
            yield Select([(self._rel(p), str(p)) for p in self.window], id="window", prompt="none")
            yield Label("Event log")
            yield Select(
                [(self._rel(p), str(p)) for p in self.logs],
                id="log",
                prompt="choose…",
                value=str(self.logs[0]) if self.logs else Select.NULL,
            )
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

    def action_open(self) -> None:
        def value(widget_id: str) -> str | None:
            v = self.query_one(f"#{widget_id}", Select).value
            return None if v is Select.NULL else str(v)

        streaming, window, log = value("streaming"), value("window"), value("log")
        if streaming is None or log is None:
            self.query_one("#message", Static).update("Choose a streaming BTS and a log.")
            return
        self.exit(Choice(streaming, window, log))
