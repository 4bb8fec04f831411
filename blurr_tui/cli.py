"""Command line: ``blurr-tui [replay|run|transform|validate|derive|demo|diff|test] ...``.

Headless commands import no Textual; the app is imported only when it is opened.
"""

from __future__ import annotations

import argparse
import os
import sys
import traceback

from . import __version__


def _cmd_transform(args: argparse.Namespace) -> int:
    from .transform import run_transform

    if args.runner != "local":
        print(f"error: unknown runner {args.runner!r}: only 'local' is supported", file=sys.stderr)
        return 1
    if args.data_processor not in ("simple", "ipfix"):
        print(
            f"error: unknown data processor {args.data_processor!r}: 'simple' (JSON lines) "
            "or 'ipfix'",
            file=sys.stderr,
        )
        return 1
    logs = split_log_args(args.logs + ([args.source] if args.source else []))
    if not logs:
        print("error: no event log given (LOG... or --source F1,F2)", file=sys.stderr)
        return 1
    result = run_transform(
        args.streaming_bts,
        args.window_bts,
        logs,
        debug=args.debug,
        processor=args.data_processor,
        jobs=args.jobs,
    )
    out = sys.stdout
    for line in result.stdout_lines:
        out.write(line)
        out.write("\n")
    out.flush()
    for line in result.stderr_lines:
        print(line, file=sys.stderr)
    return result.exit_code


def split_log_args(args: list[str]) -> list[str]:
    """Blurr takes one comma-separated argument (``a.log,b.log``); accept that and several."""
    from pathlib import Path

    out: list[str] = []
    for arg in args:
        if "," in arg and not Path(arg).exists():
            out += [p for p in arg.split(",") if p]
        else:
            out.append(arg)
    return out


def _cmd_validate(args: argparse.Namespace) -> int:
    from .engine.validation import main_validate
    from .spectest_format import is_test_file, main_validate_tests

    tests = [f for f in args.files if is_test_file(f)]
    specs = [f for f in args.files if not is_test_file(f)]
    status = main_validate(specs, sys.stdout, sys.stderr) if specs else 0
    return max(status, main_validate_tests(tests) if tests else 0)


def _pick_and_replay() -> int:
    """No arguments: a picker for the spec(s) and the log, then the app."""
    from pathlib import Path

    from .replay_cmd import cmd_replay
    from .tui.picker import PickerApp

    choice = PickerApp(Path.cwd()).run()
    if choice is None:
        return 0
    ns = argparse.Namespace(
        spec=choice.streaming, log=choice.log, window_bts=choice.window, db=None
    )
    return cmd_replay(ns)


def build_parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="blurr-tui", description="Replay and inspect Blurr Transform Specs"
    )
    p.add_argument("--version", action="version", version=f"blurr-tui {__version__}")
    sub = p.add_subparsers(dest="command")

    t = sub.add_parser("transform", help="print Blurr 0.4.1's transform output for event logs")
    t.add_argument("--streaming-bts", required=True, metavar="S", help="streaming BTS (YAML)")
    t.add_argument("--window-bts", metavar="W", help="window BTS (YAML)")
    t.add_argument("--debug", action="store_true", help="show Python tracebacks on errors")
    t.add_argument(
        "logs",
        nargs="*",
        metavar="LOG",
        help="JSON-lines event logs, read in order (Blurr's comma-separated F1,F2 works too)",
    )
    t.add_argument("--source", metavar="F1,F2", help="the logs, comma-separated (as in Blurr)")
    t.add_argument("--runner", default="local", help="accepted for Blurr compatibility: local only")
    t.add_argument(
        "--data-processor",
        default="simple",
        help="simple (JSON lines, the default) or ipfix (Blurr's IPFIX data sets)",
    )
    t.add_argument(
        "--jobs",
        type=int,
        metavar="N",
        help="worker processes (default: one per core; one for a log under 1 MB)",
    )
    t.set_defaults(func=_cmd_transform)

    from .derive import add_derive_parser
    from .run_cmd import add_run_parser

    add_run_parser(sub)

    from .replay_cmd import add_demo_parser, add_replay_parser

    add_replay_parser(sub)
    add_demo_parser(sub)
    add_derive_parser(sub)

    from .specdiff import add_diff_parser
    from .spectest import add_test_parser

    add_diff_parser(sub)
    add_test_parser(sub)

    v = sub.add_parser("validate", help="check BTS files and report every error with its line")
    v.add_argument("files", nargs="+", metavar="FILE")
    v.set_defaults(func=_cmd_validate)
    return p


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    if not getattr(args, "command", None):
        return _pick_and_replay()
    try:
        code = int(args.func(args))
        sys.stdout.flush()  # a closed pipe shows here, not in the interpreter's last flush
        return code
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `... | head`: the reader has all it wanted; end quietly
        _silence_stdout()
        return 0
    except OSError as exc:  # a file the command needed: one plain line, no [Errno n]
        if getattr(args, "debug", False):
            traceback.print_exc()
        name = exc.filename if exc.filename is not None else type(exc).__name__
        print(f"error: {name}: {exc.strerror or exc}", file=sys.stderr)
        return 1
    except Exception as exc:  # last line of defence: one line, traceback only with --debug
        if getattr(args, "debug", False):
            traceback.print_exc()
        else:
            print(
                f"error: {type(exc).__name__}: {exc} (run with --debug for the traceback)",
                file=sys.stderr,
            )
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null so the interpreter's final flush cannot fail again."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):  # stdout is not a real file (tests): nothing to silence
        pass


if __name__ == "__main__":
    raise SystemExit(main())
