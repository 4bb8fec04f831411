"""A TextArea for BTS YAML: highlighted without tree-sitter, with lines marked as errors or
as the selected field.

Textual highlights a TextArea through tree-sitter, which is not a dependency here; this
subclass fills the same per-line highlight map (``_highlights``: byte ranges and a style
name, rebuilt after every edit) from a small line tokenizer for the YAML a BTS uses: keys,
comments, quoted strings, numbers, booleans/null, list dashes.
"""

from __future__ import annotations

import re
from dataclasses import replace

from rich.style import Style
from textual.widgets import TextArea
from textual.widgets.text_area import TextAreaTheme

THEME = "blurr-spec"
ERROR = "bz.error"
SELECTED = "bz.selected"

_KEY = re.compile(r"^(\s*)(- +)?([A-Za-z_][\w.-]*)\s*:(?=\s|$)")
_DASH = re.compile(r"^(\s*)(-)(?=\s|$)")
_COMMENT = re.compile(r"(^|\s)#.*$")
_STRING = re.compile(r"'[^']*'|\"(?:[^\"\\]|\\.)*\"")
_SCALAR = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?|true|false|True|False|null|None|~)(?![\w.(])")


def _theme() -> TextAreaTheme:
    base = TextAreaTheme.get_builtin_theme("vscode_dark")
    assert base is not None
    styles = dict(base.syntax_styles)
    styles[ERROR] = Style(bgcolor="#5a1d1d")
    styles[SELECTED] = Style(bgcolor="#264f78", bold=True)
    styles["number"] = styles.get("number", Style(color="#b5cea8"))
    return replace(base, name=THEME, syntax_styles=styles)


def tokens(line: str) -> list[tuple[int, int, str]]:
    """(start, end, style name) character ranges of one YAML line."""
    out: list[tuple[int, int, str]] = []
    comment = _COMMENT.search(line)
    code_end = len(line)
    if comment is not None:
        start = comment.start() + len(comment.group(1))
        if line.count("'", 0, start) % 2 == 0 and line.count('"', 0, start) % 2 == 0:
            out.append((start, len(line), "comment"))
            code_end = start
    code = line[:code_end]
    value_from = 0
    key = _KEY.match(code)
    if key is not None:
        if key.group(2):
            out.append((key.start(2), key.start(2) + 1, "list.marker"))
        out.append((key.start(3), key.end(3), "yaml.field"))
        value_from = key.end()
    else:
        dash = _DASH.match(code)
        if dash is not None:
            out.append((dash.start(2), dash.end(2), "list.marker"))
            value_from = dash.end()
    rest = code[value_from:]
    strings = [(m.start() + value_from, m.end() + value_from) for m in _STRING.finditer(rest)]
    out += [(a, b, "string") for a, b in strings]
    for m in _SCALAR.finditer(rest):
        a, b = m.start() + value_from, m.end() + value_from
        if not any(s <= a < e for s, e in strings):
            name = "number" if m.group(1)[-1].isdigit() else "boolean"
            out.append((a, b, name))
    return out


def _byte(line: str, index: int) -> int:
    return len(line[:index].encode("utf-8"))


class YamlArea(TextArea):
    """An editable BTS source with YAML highlighting and marked lines (0-based)."""

    def __init__(self, text: str = "", *, id: str | None = None) -> None:
        super().__init__(text, id=id, show_line_numbers=True, tab_behavior="indent")
        self.register_theme(_theme())
        self.theme = THEME
        self.error_lines: set[int] = set()
        self.selected_line: int | None = None

    def mark(self, error_lines: set[int], selected_line: int | None) -> None:
        if error_lines == self.error_lines and selected_line == self.selected_line:
            return
        self.error_lines, self.selected_line = set(error_lines), selected_line
        self._build_highlight_map()
        self.refresh()

    def _build_highlight_map(self) -> None:
        self._line_cache.clear()
        highlights = self._highlights
        highlights.clear()
        for row, line in enumerate(self.document.lines):
            if row in getattr(self, "error_lines", ()):
                highlights[row].append((0, None, ERROR))  # type: ignore[arg-type]
            if row == getattr(self, "selected_line", None):
                highlights[row].append((0, None, SELECTED))  # type: ignore[arg-type]
            for start, end, name in tokens(line):
                highlights[row].append((_byte(line, start), _byte(line, end), name))
