"""``blurr-tui run SPEC LOG --db PATH --until COND``: stop after the first event where COND holds.

COND is anything ``b`` accepts in the app (a condition with the names a Value sees,
``change AGG.FIELD``, ``swallowed``, ``abort``, ``new``, ``bad``).  Prints the event's line
number, identity and trace as text and leaves the database as of that event (exit 0); exit 3
when it never holds (the database then holds the whole log, as after ``run``).
"""

from __future__ import annotations

import sys
from datetime import datetime
from pathlib import Path
from typing import Any, TextIO

from ..engine.loader import load_streaming_file, load_window_file
from ..engine.trace import EventTrace
from .breakpoints import BreakpointError, Breakpoints, EventFacts
from .log_run import LogRun, OutOfOrder
from .pipeline import Step
from .revisit import Revisit

NEVER = 3


def _v(value: Any) -> str:
    return value.isoformat(sep=" ") if isinstance(value, datetime) else repr(value)


def trace_text(step: Step) -> str:
    """The event and what it did, as plain text (When, Value, old → new, errors)."""
    out = [f"line {step.line.line_no}  event {step.index}  identity {step.identity}  {step.time}"]
    if step.bad_reason:
        out.append(f"bad line: {step.bad_reason}")
    if step.error:
        out.append(f"error (Blurr would stop here): {step.error}")
    tr: EventTrace | None = step.trace
    if tr is None:
        return "\n".join(out)
    if tr.when_text:
        out.append(f"When: {tr.when_text} → {tr.when_result!r}")
    for agg in tr.aggregates:
        out.append(f"{agg.name}  {agg.kind}  {agg.action}  key {agg.key}")
        if agg.when_text:
            out.append(f"  When: {agg.when_text} → {agg.when_result!r}")
        for f in agg.fields:
            change = f"{_v(f.old)} → {_v(f.new)}" if f.changed else f"= {_v(f.new)} ({f.outcome})"
            out.append(f"  {f.name}  {change}")
            if f.when_text:
                out.append(f"      When: {f.when_text} → {f.when_result!r}")
            if f.value_text and f.outcome != "when-false":
                out.append(f"      Value: {f.value_text} → {_v(f.value_result)}")
            err = f.when_error or f.value_error or f.cast_error
            if err:
                out.append(f"      error (swallowed): {err}")
    return "\n".join(out)


def run_until(
    spec: str | Path,
    log: str | Path,
    db: str | Path,
    cond: str,
    window: str | Path | None = None,
    out: TextIO = sys.stdout,
) -> int:
    db_path = Path(db)
    if db_path.exists():
        raise FileExistsError(f"{db_path}: --until writes a new database; this path exists")
    streaming = load_streaming_file(spec)
    window_spec = load_window_file(window) if window else None
    breakpoints = Breakpoints(streaming)
    try:
        breakpoints.add(cond)
    except BreakpointError as exc:
        raise ValueError(f"--until {cond!r}: {exc}") from None
    time_ordered = True
    while True:
        run = LogRun(streaming, window_spec, Path(log), db_path, time_ordered)
        try:
            return _until(run, breakpoints, out, streaming, Path(log))
        except OutOfOrder:  # Blurr sorts each identity's events: replay in time order
            run.close()
            time_ordered = False
        finally:
            run.close()


def _until(run: LogRun, breakpoints: Breakpoints, out: TextIO, streaming: Any, log: Path) -> int:
    seen: dict[tuple[int, str], Any] = {}
    trace = breakpoints.needs_trace
    while (step := run.advance(trace)) is not None:
        live = run.identity_run(step.identity) if step.identity else None
        facts = EventFacts(
            step.index,
            step.identity,
            live.ns if live is not None else None,
            bad=step.bad_reason is not None,
            abort=step.error is not None,
            swallowed=run.swallowed_at == step.index,
            trace=step.trace,
        )
        why = breakpoints.check(facts, seen)
        if why is not None:
            run.checkpoint()  # the database as of this event (not finished: no end-of-run saves)
            revisit = Revisit(streaming, log, run.timeline, run.problems.get)
            try:
                out.write(f"stopped: {why.split(': ', 1)[-1]}\n")
                out.write(trace_text(revisit.step(step.index)) + "\n")
            finally:
                revisit.close()
            return 0
    for bp in breakpoints.items():
        if bp.error:
            out.write(f"the condition raised {bp.errors} times, last: {bp.error}\n")
    out.write(f"never held in {run.position:,} events\n")
    return NEVER
