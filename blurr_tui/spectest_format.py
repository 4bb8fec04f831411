"""The spec test file format (``*.test.yml``): reading it and reporting its mistakes.

A test file names the spec(s) it tests (relative to the test file) and lists cases; each case
has events (inline, or a log path) and what the run must produce::

    spec: tutorial1-streaming.yml        # streaming BTS; `window: W.yml` adds a window BTS
    cases:
      - name: games are counted per session
        log: ../sample_logs/tutorial1.log     # or `events:` a list of event objects
        records:                              # by record key: the fields to check
          09C1/session_stats/915D/: {games_played: 3, games_won: 2}
        window_rows:                          # by identity: every row, the fields to check
          player-1: [{last_7_days.sessions: 2}]
        swallowed:                            # exactly these swallowed exceptions ([] = none)
          - {field: session_stats.games_won, error: TypeError, count: 1}
        bad_lines: 0                          # how many lines are skipped as bad

``validate`` and ``test`` report every mistake as ``file:line: path: message``.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TextIO

from .engine.loader import SpecError, load_streaming_file
from .engine.spec import StreamingSpec
from .engine.validation import Issue, validate_paths
from .engine.yamlpos import PosDict, YamlPositionError, line_of, load_yaml_with_lines

TOP_KEYS = ("spec", "window", "cases")
CASE_KEYS = ("name", "events", "log", "records", "window_rows", "swallowed", "bad_lines")
SWALLOWED_KEYS = ("field", "error", "count")
INTERNAL_FIELDS = ("_identity", "_start_time", "_end_time")


@dataclass(frozen=True, slots=True)
class ExpectedSwallowed:
    field: str
    error: str | None
    count: int | None


@dataclass(frozen=True, slots=True)
class Case:
    name: str
    line: int | None
    events: tuple[dict, ...] | None
    log: Path | None
    records: dict[str, dict]
    window_rows: dict[str, list[dict]] | None
    swallowed: tuple[ExpectedSwallowed, ...] | None
    bad_lines: int | None


@dataclass(frozen=True, slots=True)
class TestFile:
    path: str
    spec: Path
    window: Path | None
    cases: tuple[Case, ...]


def is_test_file(path: str) -> bool:
    """A spec test by its name (``*.test.yml`` / ``*.test.yaml``)."""
    return path.endswith((".test.yml", ".test.yaml"))


class _Reader:
    """Reads one test file, collecting every mistake (with its line) instead of stopping."""

    def __init__(self, path: str) -> None:
        self.path = path
        self.base = Path(path).parent
        self.issues: list[Issue] = []
        self.spec: StreamingSpec | None = None

    def add(self, node: object, key: object, where: str, message: str) -> None:
        line = line_of(node, key) if key is not None else line_of(node)
        self.issues.append(Issue(self.path, line, where, message, "test"))

    def unknown_keys(self, node: dict, allowed: tuple[str, ...], where: str) -> None:
        for key in node:
            if key not in allowed:
                self.add(
                    node, key, where, f"unknown key `{key}` (expected one of: {', '.join(allowed)})"
                )

    def file(self, node: dict, key: str, where: str) -> Path | None:
        value = node.get(key)
        if not isinstance(value, str) or not value.strip():
            self.add(node, key, where, f"`{key}` must be a path relative to the test file")
            return None
        target = self.base / value
        if not target.is_file():
            self.add(node, key, where, f"`{key}: {value}`: no such file ({target})")
            return None
        return target

    def read(self, text: str) -> TestFile | None:
        try:
            doc = load_yaml_with_lines(text)
        except YamlPositionError as exc:
            self.issues.append(
                Issue(self.path, exc.line, "", f"Invalid yaml: {exc.problem}", "yaml")
            )
            return None
        if not isinstance(doc, PosDict):
            self.issues.append(
                Issue(
                    self.path,
                    1,
                    "",
                    "a spec test must be a mapping with `spec` and `cases`",
                    "test",
                )
            )
            return None
        self.unknown_keys(doc, TOP_KEYS, "")
        spec = self.file(doc, "spec", "spec")
        window = self.file(doc, "window", "window") if "window" in doc else None
        if spec is not None:
            self.check_specs(spec, window)
        cases_node = doc.get("cases")
        if not isinstance(cases_node, list) or not cases_node:
            self.add(doc, "cases", "cases", "`cases` must be a non-empty list of cases")
            return None
        cases = []
        for i, node in enumerate(cases_node, 1):
            case = self.case(node, f"cases[{i}]", window is not None or "window" in doc)
            if case is not None:
                cases.append(case)
        if self.issues or spec is None:
            return None
        return TestFile(self.path, spec, window, tuple(cases))

    def check_specs(self, spec: Path, window: Path | None) -> None:
        paths = [str(spec)] + ([str(window)] if window is not None else [])
        spec_issues = [i for report in validate_paths(paths) for i in report.issues]
        self.issues.extend(spec_issues)
        if not spec_issues:
            try:
                self.spec = load_streaming_file(spec)
            except SpecError as exc:
                self.issues.append(Issue(self.path, None, "spec", str(exc), "test"))

    def case(self, node: object, where: str, has_window: bool) -> Case | None:
        if not isinstance(node, PosDict):
            self.add(
                node, None, where, "each case must be a mapping (name, events or log, records, ...)"
            )
            return None
        before = len(self.issues)
        self.unknown_keys(node, CASE_KEYS, where)
        name = node.get("name")
        if not isinstance(name, str) or not name.strip():
            self.add(node, "name", where, "each case needs a `name` (text)")
        events, log = None, None
        if ("events" in node) == ("log" in node):
            self.add(
                node,
                None,
                where,
                "a case needs `events` (a list of event objects) or `log` (a path), not both",
            )
        elif "log" in node:
            log = self.file(node, "log", f"{where}.log")
        else:
            events = node["events"]
            if not isinstance(events, list) or not all(isinstance(e, dict) for e in events):
                self.add(
                    node, "events", f"{where}.events", "`events` must be a list of event objects"
                )
        records = self.records(node.get("records", {}), f"{where}.records")
        rows = node.get("window_rows")
        if rows is not None:
            if not has_window:
                self.add(
                    node,
                    "window_rows",
                    f"{where}.window_rows",
                    "`window_rows` needs `window:` (a window BTS) at the top",
                )
            if not isinstance(rows, dict) or not all(
                isinstance(v, list) and all(isinstance(r, dict) for r in v) for v in rows.values()
            ):
                self.add(
                    node,
                    "window_rows",
                    f"{where}.window_rows",
                    "`window_rows` maps each identity to a list of rows (mappings)",
                )
        swallowed = self.swallowed(node, f"{where}.swallowed")
        bad = node.get("bad_lines")
        if bad is not None and (not isinstance(bad, int) or isinstance(bad, bool) or bad < 0):
            self.add(
                node, "bad_lines", f"{where}.bad_lines", "`bad_lines` must be a count (0 or more)"
            )
        if len(self.issues) > before:
            return None
        return Case(
            str(name),
            line_of(node),
            tuple(events) if events is not None else None,
            log,
            records,
            rows,
            swallowed,
            bad,
        )

    def records(self, node: object, where: str) -> dict[str, dict]:
        if not isinstance(node, dict) or not all(isinstance(v, dict) for v in node.values()):
            self.add(node, None, where, "`records` maps each record key to a mapping of fields")
            return {}
        for key, fields in node.items():
            self.record_fields(node, str(key), fields, f"{where}.{key}")
        return {str(k): v for k, v in node.items()}

    def record_fields(self, node: dict, key: str, fields: dict, where: str) -> None:
        """The key's aggregate must be one of the spec's and its fields must be declared."""
        if self.spec is None:
            return
        parts = key.split("/")
        if len(parts) < 4:
            self.add(
                node,
                key,
                where,
                "a record key is `identity/aggregate/dimensions/start time` (as in the Diff and the tables)",
            )
            return
        try:
            agg = self.spec.aggregate(parts[1])
        except KeyError:
            names = ", ".join(a.name for a in self.spec.aggregates)
            self.add(
                node,
                key,
                where,
                f"`{parts[1]}` is not an aggregate of the spec (aggregates: {names})",
            )
            return
        known = (
            {f.name for f in agg.fields} | {d.name for d in agg.dimensions} | set(INTERNAL_FIELDS)
        )
        for name in fields:
            if name not in known:
                self.add(
                    fields, name, f"{where}.{name}", f"`{name}` is not a field of `{agg.name}`"
                )

    def swallowed(self, node: dict, where: str) -> tuple[ExpectedSwallowed, ...] | None:
        if "swallowed" not in node:
            return None
        items = node["swallowed"] or []
        if not isinstance(items, list):
            self.add(node, "swallowed", where, "`swallowed` must be a list ([] means none)")
            return None
        out = []
        for i, item in enumerate(items, 1):
            at = f"{where}[{i}]"
            if not isinstance(item, dict) or not isinstance(item.get("field"), str):
                self.add(
                    item,
                    None,
                    at,
                    "each swallowed entry needs `field` (e.g. session_stats.games_won)",
                )
                continue
            self.unknown_keys(item, SWALLOWED_KEYS, at)
            count = item.get("count")
            if count is not None and (not isinstance(count, int) or count < 1):
                self.add(item, "count", at, "`count` must be a positive number")
            error = item.get("error")
            out.append(ExpectedSwallowed(item["field"], str(error) if error else None, count))
        return tuple(out)


def read_test_file(path: str) -> tuple[TestFile | None, list[Issue]]:
    """The test file, or None with every mistake found."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        why = exc.strerror if isinstance(exc, OSError) and exc.strerror else str(exc)
        return None, [Issue(path, None, "", f"Cannot read file: {why}", "file")]
    reader = _Reader(path)
    result = reader.read(text)
    return result, reader.issues


def main_validate_tests(
    paths: list[str], out: TextIO | None = None, err: TextIO | None = None
) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    """``validate`` for spec test files: the same output as for specs; 0 when all are valid."""
    status = 0
    for path in paths:
        print(f"Running validation on {path}", file=out)
        issues = read_test_file(path)[1]
        if not issues:
            print("Document is valid (a spec test)", file=out)
            continue
        status = 1
        for issue in issues:
            print(issue.format(), file=err)
        count = len(issues)
        print(f"{path}: {count} error{'s' if count != 1 else ''}", file=err)
    return status
