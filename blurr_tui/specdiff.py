"""``blurr-tui diff SPEC_A SPEC_B LOG [--window-bts W_A [W_B]]``: what a spec change does.

Runs both specs over the whole log in memory and prints, per record key, the fields that
differ (``a → b``), the records only one run has, and the window rows that differ.  Exit
status as diff(1): 0 when nothing differs, 1 when something does, 2 on an error.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import TextIO

from .engine.loader import SpecError, load_streaming_file, load_window_file
from .engine.spec import StreamingSpec, WindowSpec
from .replay.memory_run import MemoryRun, run_in_memory
from .replay.reader import read_lines
from .replay.record_diff import CHANGED, ONLY_NEW, RunDiff, diff_runs, show_value


def add_diff_parser(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser(
        "diff",
        help="run two specs over one log and show the records that differ (exit 1 if any)",
    )
    d.add_argument("spec_a", metavar="SPEC_A", help="streaming BTS (the old one)")
    d.add_argument("spec_b", metavar="SPEC_B", help="streaming BTS (the new one)")
    d.add_argument("log", metavar="LOG", help="JSON-lines event log")
    d.add_argument(
        "--window-bts",
        nargs="+",
        metavar="W",
        help="window BTS for both, or W_A W_B (one per streaming BTS)",
    )
    d.set_defaults(func=cmd_diff)


def load_pair(spec: str, window: str | None) -> tuple[StreamingSpec, WindowSpec | None]:
    streaming = load_streaming_file(spec)
    if streaming.reject_reason is not None:
        raise SpecError(f"{spec}: {streaming.reject_reason}")
    return streaming, load_window_file(window) if window else None


def run_file(streaming: StreamingSpec, window: WindowSpec | None, log: str) -> MemoryRun:
    return run_in_memory(streaming, window, read_lines(log, final=True))


def cmd_diff(args: argparse.Namespace, out: TextIO | None = None, err: TextIO | None = None) -> int:
    out = out or sys.stdout
    err = err or sys.stderr
    windows = args.window_bts or []
    if len(windows) > 2:
        print("error: --window-bts takes one window BTS or two (W_A W_B)", file=err)
        return 2
    w_a = windows[0] if windows else None
    w_b = windows[-1] if windows else None
    try:
        if not Path(args.log).is_file():
            raise SpecError(f"{args.log}: no such event log")
        a = run_file(*load_pair(args.spec_a, w_a), args.log)
        b = run_file(*load_pair(args.spec_b, w_b), args.log)
    except (SpecError, OSError) as exc:
        print(f"error: {exc}", file=err)
        return 2
    for label, path, run in (("A", args.spec_a, a), ("B", args.spec_b, b)):
        for line, what in run.aborts:
            where = f" (line {line})" if line else ""
            print(f"note: {label} {path}: Blurr would abort{where}: {what}", file=err)
    diff = diff_runs(a, b)
    write_diff(diff, args.spec_a, args.spec_b, out)
    return 0 if diff.empty else 1


def write_diff(diff: RunDiff, name_a: str, name_b: str, out: TextIO) -> None:
    if diff.empty:
        return
    print(f"--- A {name_a}", file=out)
    print(f"+++ B {name_b}", file=out)
    changed = only_a = only_b = 0
    for rc in diff.records:
        if rc.kind == CHANGED:
            changed += 1
            print(f"{rc.key}", file=out)
            for fc in rc.changes:
                print(f"  {fc.format()}", file=out)
        else:
            side = "B" if rc.kind == ONLY_NEW else "A"
            only_b += side == "B"
            only_a += side == "A"
            print(f"{rc.key}  only in {side}: {show_value(rc.record)}", file=out)
    for wc in diff.window_rows:
        if wc.kind == CHANGED:
            print(f"window {wc.identity} row {wc.row}", file=out)
            for fc in wc.changes:
                print(f"  {fc.format()}", file=out)
        else:
            side = "B" if wc.kind == ONLY_NEW else "A"
            print(f"window {wc.identity} row {wc.row}  only in {side}", file=out)
    parts = [f"{changed} changed"] if changed else []
    parts += [f"{only_a} only in A"] if only_a else []
    parts += [f"{only_b} only in B"] if only_b else []
    total = changed + only_a + only_b
    summary = []
    if total:
        summary.append(f"{total} record{'s' if total != 1 else ''} differ ({', '.join(parts)})")
    if diff.window_rows:
        n = len(diff.window_rows)
        summary.append(f"{n} window row{'s' if n != 1 else ''} differ")
    print("; ".join(summary), file=out)
