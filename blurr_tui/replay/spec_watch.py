"""The spec files behind a replay: noticing when they change, reading them back, and where
each aggregate and field is written in them.  Knows nothing of Textual.

``SpecWatcher.changed()`` is cheap enough to call a few times a second: it looks at each
file's size and modification time and, only when those moved, at its content (an editor that
rewrites the same bytes is not a change).  ``load_specs`` validates both files together and
loads them, or returns every problem as ``file:line: path: message`` (never raises).
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from pathlib import Path

from ..engine.loader import SpecError, load_streaming_file, load_window_file
from ..engine.spec import StreamingSpec, WindowSpec
from ..engine.validation import Issue, validate_paths
from ..engine.yamlpos import PosDict, YamlPositionError, load_yaml_with_lines


@dataclass(frozen=True, slots=True)
class SpecLoad:
    """The specs read from disk, or (``ok`` false) why they cannot run."""

    streaming: StreamingSpec | None
    window: WindowSpec | None
    issues: tuple[Issue, ...]

    @property
    def ok(self) -> bool:
        return self.streaming is not None and not self.issues


def load_specs(streaming_path: str | Path, window_path: str | Path | None) -> SpecLoad:
    """Validate, then load; a spec ``validate`` rejects is not loaded."""
    paths = [str(streaming_path)] + ([str(window_path)] if window_path is not None else [])
    issues = tuple(i for report in validate_paths(paths) for i in report.issues)
    if issues:
        return SpecLoad(None, None, issues)
    try:
        streaming = load_streaming_file(streaming_path)
        if streaming.reject_reason is not None:
            raise SpecError(f"{streaming_path}: {streaming.reject_reason}")
        window = load_window_file(window_path) if window_path is not None else None
    except SpecError as exc:
        return SpecLoad(None, None, (Issue(str(streaming_path), None, "", str(exc), "load"),))
    return SpecLoad(streaming, window, ())


def _stamp(path: Path) -> tuple[int, int] | None:
    try:
        st = os.stat(path)
    except OSError:
        return None
    return st.st_mtime_ns, st.st_size


def _digest(path: Path) -> str | None:
    try:
        return hashlib.sha256(path.read_bytes()).hexdigest()
    except OSError:
        return None


class SpecWatcher:
    """Says when any of the files changed on disk since the last look."""

    def __init__(self, paths: list[Path]) -> None:
        self.paths = paths
        self._stamps = {p: _stamp(p) for p in paths}
        self._digests = {p: _digest(p) for p in paths}

    def changed(self) -> bool:
        moved = False
        for p in self.paths:
            stamp = _stamp(p)
            if stamp == self._stamps[p]:
                continue
            self._stamps[p] = stamp
            digest = _digest(p)
            if digest is None:  # being replaced (an editor's rename): look again later
                self._stamps[p] = None
                continue
            if digest != self._digests[p]:
                self._digests[p] = digest
                moved = True
        return moved

    def mark_seen(self) -> None:
        """The files as they are now count as seen (after the app itself saved them)."""
        self._stamps = {p: _stamp(p) for p in self.paths}
        self._digests = {p: _digest(p) for p in self.paths}


def source_lines(text: str) -> dict[str, int]:
    """Where things are written in a BTS: ``{"agg": line, "agg.field": line}`` (1-based), plus
    ``Identity``, ``Time`` and ``When`` of the document; empty when the text is not YAML."""
    try:
        doc = load_yaml_with_lines(text)
    except YamlPositionError:
        return {}
    if not isinstance(doc, PosDict):
        return {}
    out: dict[str, int] = {}
    for key in ("Identity", "Time", "When", "Anchor"):
        if key in doc:
            out[key] = doc.key_lines.get(key, 0)
    aggs = doc.get("Aggregates")
    if not isinstance(aggs, list):
        return out
    for agg in aggs:
        if not isinstance(agg, PosDict) or not isinstance(agg.get("Name"), str):
            continue
        name = agg["Name"]
        out[name] = agg.key_lines.get("Name", agg.line or 0)
        for section in ("Fields", "Dimensions"):
            fields = agg.get(section)
            if not isinstance(fields, list):
                continue
            for f in fields:
                if isinstance(f, PosDict) and isinstance(f.get("Name"), str):
                    out[f"{name}.{f['Name']}"] = f.key_lines.get("Name", f.line or 0)
    return out
