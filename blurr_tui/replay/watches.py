"""Watch expressions: evaluated at the shown event, with their value one event before.

"One event before" is the value the expression had in the shown event's identity just before
that event was applied (a debugger's old → new).  The list is kept in a small JSON file per
spec path, so it survives a restart of the app and a reload of the spec.  Also the ``:``
prompt's evaluation (:func:`evaluate`).
"""

from __future__ import annotations

import copy
import json
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from ..engine.errors import describe_exception
from ..engine.loader import compile_expression

STATE_DIR_ENV = "BLURR_TUI_STATE_DIR"
MISSING = object()  # not evaluated (no event, or a bad line)


@dataclass(frozen=True, slots=True)
class WatchValue:
    text: str
    value: Any = MISSING
    before: Any = MISSING

    @staticmethod
    def show(value: Any) -> str:
        if value is MISSING:
            return "—"
        if isinstance(value, Failure):
            return f"! {value.message}"
        return repr(value)


@dataclass(frozen=True, slots=True)
class Failure:
    """An expression raised (or did not compile): the message, shown in place of a value."""

    message: str


def evaluate(text: str, ns: dict[str, Any] | None) -> Any:
    """``text`` evaluated with the names ``ns`` gives (a copy: nothing is bound into it);
    a :class:`Failure` when it does not compile or raises."""
    expr = compile_expression(text)
    if expr is None or expr.code is None:
        return Failure(f"SyntaxError: {expr.syntax_error if expr else 'empty expression'}")
    if ns is None:
        return Failure("no identity at this event (a bad line): nothing to evaluate against")
    try:
        return _kept(eval(expr.code, dict(ns)))
    except Exception as exc:  # noqa: BLE001 - shown to the user, like a debugger prompt
        return Failure(describe_exception(exc))


def _kept(value: Any) -> Any:
    """A copy of a container value (the live one changes with the next event)."""
    if isinstance(value, (list, dict, set)):
        try:
            return copy.deepcopy(value)
        except Exception:  # noqa: BLE001
            return value
    return value


def default_state_file() -> Path:
    base = os.environ.get(STATE_DIR_ENV) or os.environ.get("XDG_STATE_HOME")
    root = Path(base) if base else Path.home() / ".local" / "state"
    if not os.environ.get(STATE_DIR_ENV):
        root = root / "blurr-tui"
    return root / "watches.json"


class Watches:
    """The watch list of one spec (by its path), kept in ``state_file``."""

    def __init__(self, spec_path: str | Path | None, state_file: Path | None = None) -> None:
        self.key = str(Path(spec_path).resolve()) if spec_path else "(no spec file)"
        self.state_file = state_file or default_state_file()
        self.texts: list[str] = self._load()
        self.save_error: str | None = None

    def _load(self) -> list[str]:
        try:
            data = json.loads(self.state_file.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return []
        texts = data.get(self.key, []) if isinstance(data, dict) else []
        return [t for t in texts if isinstance(t, str)]

    def _save(self) -> None:
        try:
            try:
                data = json.loads(self.state_file.read_text(encoding="utf-8"))
            except (OSError, ValueError):
                data = {}
            if not isinstance(data, dict):
                data = {}
            data[self.key] = self.texts
            self.state_file.parent.mkdir(parents=True, exist_ok=True)
            tmp = self.state_file.with_suffix(".tmp")
            tmp.write_text(json.dumps(data, indent=1), encoding="utf-8")
            os.replace(tmp, self.state_file)
            self.save_error = None
        except OSError as exc:  # the watch still works this session; say why it is not kept
            self.save_error = f"could not save watches to {self.state_file}: {exc}"

    def add(self, text: str) -> None:
        text = text.strip()
        if text and text not in self.texts:
            self.texts.append(text)
            self._save()

    def remove(self, index: int) -> None:
        if 0 <= index < len(self.texts):
            del self.texts[index]
            self._save()

    def values(
        self, after: dict[str, Any] | None, before: dict[str, Any] | None
    ) -> tuple[WatchValue, ...]:
        return tuple(WatchValue(t, evaluate(t, after), evaluate(t, before)) for t in self.texts)
