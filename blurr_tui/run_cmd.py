"""``blurr-tui run``: the headless replay with a rich progress bar and a summary."""

from __future__ import annotations

import argparse
import gc
import signal
import sys
import threading


def add_run_parser(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("run", help="replay a log into a SQLite database (headless, resumable)")
    r.add_argument("spec", metavar="SPEC", help="streaming BTS (YAML)")
    r.add_argument("log", metavar="LOG", help="JSON-lines event log (plain or gzip)")
    r.add_argument("--window-bts", metavar="W", help="window BTS (YAML)")
    r.add_argument("--db", required=True, metavar="PATH", help="SQLite database to write")
    r.add_argument("--resume", action="store_true", help="continue from where the database stopped")
    r.add_argument(
        "--overwrite",
        action="store_true",
        help="rebuild an existing blurr-tui database at PATH (anything else is never replaced)",
    )
    r.add_argument(
        "--history",
        action="store_true",
        help="also keep every record's history (tables _events, <table>__history; slower)",
    )
    r.add_argument(
        "--follow", action="store_true", help="keep reading as the log grows (Ctrl-C stops)"
    )
    r.add_argument("--quiet", action="store_true", help="no progress bar")
    r.add_argument(
        "--commit-every",
        type=float,
        metavar="SECONDS",
        help="seconds between commits (default: 5, or 1 with --follow)",
    )
    r.add_argument("--debug", action="store_true")
    r.set_defaults(func=cmd_run)


def cmd_run(args: argparse.Namespace) -> int:
    from rich.console import Console
    from rich.markup import escape
    from rich.progress import (
        BarColumn,
        Progress,
        TaskProgressColumn,
        TextColumn,
        TimeElapsedColumn,
        TimeRemainingColumn,
    )

    from .engine.errors import EngineAbort
    from .engine.loader import SpecError, load_streaming_file, locate, unrunnable_reason
    from .replay.headless import HeadlessRun, RunRefused

    # Many identities mean many long-lived objects: collect the old generation less often
    # (each full collection walks all of them), and never walk what exists at start-up.
    gc.set_threshold(20_000, 10, 10)
    gc.freeze()
    err = Console(stderr=True, soft_wrap=True)  # one message, one line, even in a log file
    try:
        reason = unrunnable_reason(load_streaming_file(args.spec))
        if reason is not None:
            raise SpecError(reason)
        job = HeadlessRun(
            args.spec,
            args.log,
            args.db,
            args.window_bts,
            resume=args.resume,
            checkpoint_seconds=args.commit_every,
            overwrite=args.overwrite,
            history=args.history,
        )
    except (SpecError, RunRefused) as exc:
        err.print("[red]error:[/] " + escape(str(exc)), highlight=False)
        return 1
    except EngineAbort as exc:
        loc = locate(exc.where, [args.spec, args.window_bts])
        where = f"{loc}: " if loc else ""
        err.print(
            "[red]error:[/] the specs cannot run together: " + escape(where + exc.describe()),
            highlight=False,
        )
        return 1
    stop = threading.Event()

    def on_signal(signum: int, frame: object) -> None:
        stop.set()

    old = signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    if job.start_offset:
        err.print(
            f"resuming {args.db} from byte {job.start_offset:,} (line {job.start_line:,})",
            highlight=False,
        )
    total = max(job.log_size - job.start_offset, 1)
    show = not args.quiet and err.is_terminal or (not args.quiet and sys.stderr.isatty())
    progress = Progress(
        TextColumn("[bold]{task.description}"),
        BarColumn(),
        TaskProgressColumn(),
        TextColumn(
            "{task.fields[lines]:>10,} events  {task.fields[rate]:>9,.0f} ev/s  bad {task.fields[bad]:,}"
        ),
        TimeElapsedColumn(),
        TimeRemainingColumn(),
        console=err,
        transient=False,
        disable=not show,
    )
    import time as _t

    t0 = _t.perf_counter()
    with progress:
        task = progress.add_task(
            "follow" if args.follow else "replay",
            total=None if args.follow else total,
            lines=0,
            rate=0.0,
            bad=0,
        )

        def on_progress(offset: int, lines: int, bad: int, errors: int) -> None:
            el = _t.perf_counter() - t0
            progress.update(
                task,
                completed=offset - job.start_offset,
                lines=lines,
                bad=bad,
                rate=lines / el if el > 0 else 0.0,
            )

        try:
            summary = job.run(on_progress, follow=args.follow, stop=stop)
        except RunRefused as exc:
            err.print("[red]error:[/] " + escape(str(exc)), highlight=False)
            return 1
        except EngineAbort as exc:
            # the pipeline hands over a described abort: its text starts with the dotted path
            fqn = exc.where or exc.message.split(",")[0].split(":")[0]
            loc = locate(fqn, [args.spec, args.window_bts])
            where = f"{loc}: " if loc else ""
            err.print(
                "[red]error:[/] run aborted, as Blurr 0.4.1 aborts: "
                + escape(where + exc.describe()),
                highlight=False,
            )
            return 1
        finally:
            signal.signal(signal.SIGINT, old)
    rate = summary.lines / summary.seconds if summary.seconds > 0 else 0
    state = "stopped (resume with --resume)" if stop.is_set() and not args.follow else "done"
    err.print(
        f"{state}: {summary.lines:,} lines in {summary.seconds:.2f} s ({rate:,.0f} ev/s): "
        f"{summary.applied:,} applied, {summary.bad:,} bad"
        + (", replayed in time order (the log is not)" if summary.reordered else "")
        + f" → {summary.db}",
        highlight=False,
    )
    if summary.bad:
        err.print(f"  bad lines are in the bad_events table of {summary.db}", highlight=False)
    for line in job.replayer.swallowed.report(f"the swallowed_errors table of {summary.db}"):
        err.print(escape(line), highlight=False)
    if summary.lines and summary.bad == summary.lines:
        err.print(escape(all_bad_hint(job, summary.lines)), highlight=False)
        return 1
    return 130 if stop.is_set() and not args.follow else 0


def all_bad_hint(job: object, lines: int) -> str:
    """What to say when no line of the log could be used: most often, the wrong log."""
    first = ""
    try:
        rows = job.first_bad  # type: ignore[attr-defined]  # read before the store closed
        if rows:
            first = f" (line {rows[0][0]}: {rows[0][3]})"
    except Exception:  # the hint must never hide the summary above
        first = ""
    return (
        f"error: none of the {lines:,} lines could be used{first}: does this log go with "
        "this spec? Check its Identity and Time against one line of the log"
    )
