"""``blurr-tui test FILE...``: run spec tests (format: :mod:`blurr_tui.spectest_format`).

Each case runs the spec in memory over its events and compares the records, window rows,
swallowed exceptions and bad lines with what it expects.  Every case is reported PASS or FAIL;
a failure lists, per field, what was expected and what the run made.  Exit 0 when every case
passes, 1 when one fails, 2 when a test file cannot be run (its mistakes are listed).
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterator
from typing import TextIO

from .engine.loader import SpecError, load_streaming_file, load_window_file
from .engine.spec import StreamingSpec, WindowSpec
from .replay.memory_run import MemoryRun, run_in_memory
from .replay.reader import LogLine, parse_line, read_lines
from .replay.record_diff import ABSENT, same_value, show_value
from .spectest_format import Case, ExpectedSwallowed, TestFile, read_test_file


def add_test_parser(sub: argparse._SubParsersAction) -> None:
    t = sub.add_parser("test", help="run spec tests (*.test.yml): expected records per case")
    t.add_argument("files", nargs="+", metavar="FILE", help="spec test files (*.test.yml)")
    t.set_defaults(func=cmd_test)


def event_lines(events: tuple[dict, ...]) -> Iterator[LogLine]:
    """Inline events as log lines numbered from 1 (YAML dates become their text)."""
    offset = 0
    for i, event in enumerate(events, 1):
        raw = json.dumps(event, default=str).encode() + b"\n"
        yield parse_line(i, offset, raw)
        offset += len(raw)


def run_case(case: Case, streaming: StreamingSpec, window: WindowSpec | None) -> list[str]:
    """What differs from the case's expectations (empty when it passes)."""
    if case.log is not None:
        lines: Iterator[LogLine] = read_lines(case.log, final=True)
    else:
        lines = event_lines(case.events or ())
    run = run_in_memory(streaming, window, lines)
    problems = [f"Blurr would abort (line {ln}): {what}" for ln, what in run.aborts]
    problems += _records(case, run)
    problems += _window_rows(case, run)
    if case.swallowed is not None:
        problems += _swallowed(case.swallowed, run)
    if case.bad_lines is not None and case.bad_lines != len(run.bad):
        got = "; ".join(f"line {ln}: {why}" for ln, why in run.bad[:3])
        problems.append(
            f"bad_lines: expected {case.bad_lines}, got {len(run.bad)}"
            + (f" ({got})" if got else "")
        )
    return problems


def _records(case: Case, run: MemoryRun) -> list[str]:
    got = run.by_key_text()
    out = []
    for key, fields in case.records.items():
        hit = got.get(key)
        if hit is None:
            group = key.split("/")[1] if key.count("/") >= 3 else ""
            ident = key.split("/")[0]
            near = [k for k, (rk, _) in got.items() if rk.group == group and rk.identity == ident]
            hint = f" (its records: {', '.join(near[:5])})" if near else ""
            out.append(f"{key}: no such record{hint}")
            continue
        record = hit[1]
        for name, expected in fields.items():
            value = record.get(name, ABSENT)
            if not same_value(expected, value):
                out.append(
                    f"{key}  {name}: expected {show_value(expected)}, got {show_value(value)}"
                )
    return out


def _window_rows(case: Case, run: MemoryRun) -> list[str]:
    out = []
    for identity, rows in (case.window_rows or {}).items():
        got = run.window_rows.get(identity, [])
        if len(got) != len(rows):
            out.append(f"window rows of {identity}: expected {len(rows)}, got {len(got)}")
        for i, (expected, row) in enumerate(zip(rows, got, strict=False), 1):
            for name, value in expected.items():
                have = row.get(name, ABSENT)
                if not same_value(value, have):
                    out.append(
                        f"window {identity} row {i}  {name}: expected {show_value(value)}, "
                        f"got {show_value(have)}"
                    )
    return out


def _matches(exp: ExpectedSwallowed, where: str, error: str) -> bool:
    field_ok = where == exp.field or where.endswith("." + exp.field)
    return field_ok and (exp.error is None or exp.error == error)


def _swallowed(expected: tuple[ExpectedSwallowed, ...], run: MemoryRun) -> list[str]:
    out = []
    for exp in expected:
        n = sum(1 for s in run.swallowed if _matches(exp, s.where, s.error))
        what = f"{exp.error or 'an exception'} in {exp.field}"
        if exp.count is not None and n != exp.count:
            out.append(f"swallowed {what}: expected {exp.count}, got {n}")
        elif exp.count is None and n == 0:
            out.append(f"swallowed {what}: expected at least one, got none")
    for s in sorted(run.swallowed, key=lambda s: s.line):
        if not any(_matches(exp, s.where, s.error) for exp in expected):
            out.append(
                f"swallowed: unexpected {s.error} in {s.where} {s.what} (line {s.line}): {s.message}"
            )
    return out


def run_file(tf: TestFile, out: TextIO) -> tuple[int, int]:
    """Run every case of one file; (passed, failed)."""
    streaming = load_streaming_file(tf.spec)
    window = load_window_file(tf.window) if tf.window is not None else None
    passed = failed = 0
    for case in tf.cases:
        problems = run_case(case, streaming, window)
        if problems:
            failed += 1
            print(f"  FAIL  {case.name}  ({tf.path}:{case.line})", file=out)
            for p in problems:
                print(f"        {p}", file=out)
        else:
            passed += 1
            print(f"  PASS  {case.name}", file=out)
    return passed, failed


def cmd_test(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    passed = failed = broken = 0
    for path in args.files:
        print(path, file=out)
        tf, issues = read_test_file(path)
        if tf is None:
            broken += 1
            for issue in issues:
                print(issue.format(), file=err)
            print(f"  ERROR  {path}: cannot run ({len(issues)} mistake(s) above)", file=out)
            continue
        try:
            p, f = run_file(tf, out)
        except (SpecError, OSError) as exc:
            broken += 1
            print(f"  ERROR  {exc}", file=out)
            continue
        passed += p
        failed += f
    summary = f"{passed} passed, {failed} failed"
    if broken:
        summary += f", {broken} file{'s' if broken != 1 else ''} could not run"
    print(summary, file=out)
    if broken:
        return 2
    return 1 if failed else 0
