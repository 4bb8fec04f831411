"""The replay app: ``BlurrApp(controller)`` and the ``make_app`` factory (CLI and tests)."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

from textual import events
from textual.app import App, SystemCommand
from textual.screen import Screen

from blurr_tui.engine.loader import SpecError, load_streaming_file, load_window_file
from blurr_tui.replay.controller import ReplayController
from blurr_tui.tui.screens.modals import InputModal
from blurr_tui.tui.screens.replay import ReplayScreen

PALETTE: list[tuple[str, str, str]] = [
    ("Play / pause", "Start or stop playing the log", "toggle_play"),
    ("Step", "Apply the next event with its trace", "step(1)"),
    ("Step 10", "Apply the next ten events", "step(10)"),
    ("Faster", "Next speed up (… 1000 ev/s, max)", "speed(1)"),
    ("Slower", "Next speed down (1 ev/s …)", "speed(-1)"),
    ("Reload spec", "Read the spec files and the log again; run to this event (r)", "reload"),
    ("Restart", "Replay from the first line", "restart"),
    ("Spec pane", "Show or hide the spec source beside the trace (S)", "spec_pane"),
    ("Diff", "What the last reload changed at this event (d)", "diff"),
    ("Go to event", "Jump to event N", "goto"),
    ("Filter by identity", "Show one identity's records", "filter"),
    ("Follow identity", "Filter to the current event's identity", "follow"),
    ("Window rows", "Compute the window rows of the current identity", "window"),
    ("Export database", "Write a SQLite copy of the records so far", "export"),
    ("Errors tab", "Bad lines and expression errors found so far (E)", "show_tab('errors')"),
    ("Window tab", "The window rows (W)", "show_tab('window')"),
    ("Next error", "Go to the next error (x)", "next_error(1)"),
    ("Previous error", "Go to the previous error (X)", "next_error(-1)"),
    ("Search events", "Text or /regex/ in the log's lines (s)", "search"),
    ("Next match", "The next event the search matches (>)", "next_match(1)"),
    ("Previous match", "The previous event the search matches (<)", "next_match(-1)"),
    ("Sort table", "By the cursor's column: up, down, off (o)", "sort"),
    ("Show / hide columns", "Choose the record table's columns (h)", "columns"),
    ("Copy", "The cell, the trace line or the event's line (y)", "copy"),
    ("Full view", "The whole cell or line (v)", "full_view"),
    ("Replay keys", "The replay screen's keys (?)", "help"),
]


class BlurrApp(App[None]):
    CSS_PATH = "app.tcss"
    TITLE = "blurr-tui replay"

    def __init__(self, controller: ReplayController, *, start_worker: bool = True) -> None:
        super().__init__()
        self.controller = controller
        self.start_worker = start_worker
        self.sub_title = f"{controller.streaming.path} · {controller.log_path}"

    def on_mount(self) -> None:
        if self.start_worker:
            self.controller.start()
        self.push_screen(self.make_screen())

    def make_screen(self) -> Screen:
        return ReplayScreen(self.controller)

    def on_unmount(self) -> None:
        self.controller.close()

    def on_key(self, event: events.Key) -> None:
        """A printable key that reached the app while an input modal is on top was typed
        before the modal took over (``g`` then ``5`` in one read): type it there."""
        screen = self.screen
        if isinstance(screen, InputModal) and event.is_printable and event.character:
            event.stop()
            screen.take_key(event.character)

    def get_system_commands(self, screen: Screen) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, ReplayScreen):
            for title, help_text, action in PALETTE:
                name, _, args = action.partition("(")
                params = tuple(a.strip("'\" ") for a in args.rstrip(")").split(",") if a)
                if screen.check_action(name, params) is False:
                    continue  # e.g. the window without a window BTS
                yield SystemCommand(
                    title,
                    help_text,
                    lambda a=action: screen.call_later(screen.run_action, a),  # type: ignore[misc]
                )


def make_app(
    spec_path: str | Path,
    log_path: str | Path,
    window_path: str | Path | None = None,
    db_path: str | Path | None = None,
) -> BlurrApp:
    """Load the specs and build the app (raises SpecError / FileExistsError / OSError)."""
    streaming = load_streaming_file(spec_path)
    if streaming.reject_reason is not None:
        raise SpecError(f"{spec_path}: {streaming.reject_reason}")
    window = load_window_file(window_path) if window_path is not None else None
    if db_path is not None and Path(db_path).exists() and Path(db_path).stat().st_size:
        raise FileExistsError(f"{db_path} exists: replay writes a fresh database; pick a new path")
    return BlurrApp(ReplayController(streaming, log_path, db_path, window))


class DemoApp(BlurrApp):
    """The replay app on tutorial 1 with the guided tour docked at the bottom."""

    TITLE = "blurr-tui demo"

    def make_screen(self) -> Screen:
        from blurr_tui.tui.screens.tour import DemoScreen

        return DemoScreen(self.controller)


REPO = Path(__file__).resolve().parents[2]
DEMO_SPEC = REPO / "specs" / "tutorial1-streaming.yml"
DEMO_LOG = REPO / "sample_logs" / "tutorial1.log"


def make_demo_app() -> DemoApp:
    if not DEMO_SPEC.exists() or not DEMO_LOG.exists():
        raise FileNotFoundError(
            f"the demo needs {DEMO_SPEC} and {DEMO_LOG} (run it from a clone of the repository)"
        )
    return DemoApp(ReplayController(load_streaming_file(DEMO_SPEC), DEMO_LOG, None, None))
