"""The spec pane: the BTS source beside the trace, editable, saved with ctrl+s.

One editor per spec file (the streaming BTS, and the window BTS when there is one, as tabs).
``set_issues`` marks the lines of validation errors and lists them under the editor as
``file:line: path: message``; ``select_field`` highlights where a field is written.  A save
writes the file and posts :class:`SpecPane.Saved`; the screen reloads through the same path
as ``r``.  A file changed on disk is read back into its editor unless it holds unsaved edits.
"""

from __future__ import annotations

from pathlib import Path
from typing import ClassVar

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical
from textual.message import Message
from textual.widgets import Static, TabbedContent, TabPane

from blurr_tui.engine.validation import Issue
from blurr_tui.replay.spec_watch import source_lines
from blurr_tui.tui.widgets.yaml_area import YamlArea


class SpecEditor(YamlArea):
    """One spec file in an editor, knowing its path and what is on disk."""

    def __init__(self, path: Path, *, id: str | None = None) -> None:
        self.path = path
        self.saved_text = _read(path)
        super().__init__(self.saved_text, id=id)
        self.lines_of: dict[str, int] = source_lines(self.saved_text)

    @property
    def modified(self) -> bool:
        return self.text != self.saved_text

    def save(self) -> None:
        self.path.write_text(self.text, encoding="utf-8")
        self.saved_text = self.text
        self.lines_of = source_lines(self.text)

    def reread(self) -> bool:
        """Show the file as it is on disk now, unless there are unsaved edits."""
        text = _read(self.path)
        if self.modified or text == self.saved_text:
            return False
        self.saved_text = text
        self.load_text(text)
        self.lines_of = source_lines(text)
        return True


def _read(path: Path) -> str:
    try:
        return path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        return f"# cannot read {path}: {exc}\n"


class SpecPane(Vertical):
    """The spec source(s), their validation errors, ctrl+s to save."""

    BINDINGS: ClassVar[list[BindingType]] = [
        Binding("ctrl+s", "save", "Save spec", priority=True),
        Binding("escape", "leave", "Leave the editor"),
    ]

    DEFAULT_CSS = """
    SpecPane {
        width: 1fr;
        min-width: 40;
        border: round $panel-lighten-2;
        border-title-color: $text-muted;
    }
    SpecPane:focus-within {
        border: round $accent;
        border-title-color: $text;
    }
    SpecPane TabbedContent, SpecPane TabPane { padding: 0; height: 1fr; }
    SpecPane YamlArea, SpecPane YamlArea:focus { height: 1fr; border: none; padding: 0; }
    SpecPane #spec-errors {
        height: auto;
        max-height: 8;
        color: $error;
        overflow-y: auto;
    }
    """

    class Saved(Message):
        """A spec file was written from the pane."""

        def __init__(self, path: Path) -> None:
            super().__init__()
            self.path = path

    def __init__(self, paths: list[Path], *, id: str | None = None) -> None:
        super().__init__(id=id)
        self.paths = paths
        self.issues: tuple[Issue, ...] = ()

    def compose(self) -> ComposeResult:
        if len(self.paths) == 1:
            yield SpecEditor(self.paths[0], id="spec-0")
        else:
            with TabbedContent(id="spec-files"):
                for i, path in enumerate(self.paths):
                    with TabPane(path.name, id=f"spec-file-{i}"):
                        yield SpecEditor(path, id=f"spec-{i}")
        yield Static("", id="spec-errors")

    def on_mount(self) -> None:
        self.border_title = "Spec  " + " · ".join(p.name for p in self.paths)
        self.border_subtitle = "ctrl+s saves and reloads"

    @property
    def editors(self) -> list[SpecEditor]:
        return list(self.query(SpecEditor))

    def editor_for(self, path: Path) -> SpecEditor | None:
        for editor in self.editors:
            if _same(editor.path, path):
                return editor
        return None

    def focus_editor(self) -> None:
        editors = self.editors
        if editors:
            editors[0].focus()

    # -- errors and the selected field -------------------------------------------------
    def set_issues(self, issues: tuple[Issue, ...]) -> None:
        self.issues = issues
        for editor in self.editors:
            lines = {i.line - 1 for i in issues if i.line and _same(Path(i.path), editor.path)}
            editor.mark(lines, editor.selected_line)
        text = "\n".join(i.format() for i in issues)
        self.query_one("#spec-errors", Static).update(text)
        n = len(issues)
        self.border_subtitle = (
            f"{n} error{'s' if n != 1 else ''}: the last good spec keeps running"
            if n
            else "ctrl+s saves and reloads"
        )

    def select_field(self, name: str | None) -> int | None:
        """Highlight where ``name`` (``aggregate.field`` or ``aggregate``) is written; the
        1-based line, or None when no file defines it."""
        found: int | None = None
        for editor in self.editors:
            line = editor.lines_of.get(name) if name else None
            editor.mark(editor.error_lines, line - 1 if line else None)
            if line and found is None:
                found = line
                editor.scroll_to(y=max(0, line - 4), animate=False)
        return found

    # -- saving and outside edits ------------------------------------------------------
    def action_save(self) -> None:
        focused = self.screen.focused
        editor = focused if isinstance(focused, SpecEditor) else None
        targets = [editor] if editor is not None else [e for e in self.editors if e.modified]
        for target in targets or self.editors[:1]:
            try:
                target.save()
            except OSError as exc:
                self.notify(f"Cannot save {target.path}: {exc}", severity="error")
                return
            self.post_message(self.Saved(target.path))

    def action_leave(self) -> None:
        """Escape: leave the editor, so the replay keys work again."""
        self.screen.set_focus(None)

    def reread(self) -> list[Path]:
        """Read back files changed on disk (editors without unsaved edits); the paths read."""
        return [e.path for e in self.editors if e.reread()]


def _same(a: Path, b: Path) -> bool:
    try:
        return a.resolve() == b.resolve()
    except OSError:
        return a == b
