"""``blurr-tui replay SPEC LOG``: open the interactive replay app."""

from __future__ import annotations

import argparse
import signal
import sys
from typing import Any


def add_replay_parser(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser("replay", help="step through a log in the interactive app")
    r.add_argument("spec", metavar="SPEC", help="streaming BTS (YAML)")
    r.add_argument("log", metavar="LOG", help="JSON-lines event log (plain or gzip)")
    r.add_argument("--window-bts", metavar="W", help="window BTS (YAML)")
    r.add_argument("--db", metavar="PATH", help="SQLite database to write (default: temporary)")
    r.add_argument("--debug", action="store_true")
    r.set_defaults(func=cmd_replay)


def cmd_replay(args: argparse.Namespace) -> int:
    from pathlib import Path

    from .engine.errors import EngineAbort
    from .engine.loader import SpecError
    from .tui.app import make_app

    if not Path(args.log).is_file():  # the same plain line as run and transform
        print(f"error: {args.log}: no such event log", file=sys.stderr)
        return 1
    try:
        app = make_app(args.spec, args.log, args.window_bts, args.db)
    except EngineAbort as exc:
        print(f"error: the specs cannot run together: {exc.describe()}", file=sys.stderr)
        return 1
    except (SpecError, FileExistsError, OSError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _run_until_signal(app)
    return 0


def _run_until_signal(app: Any) -> None:
    """Run the app; SIGTERM/SIGHUP end it like ``q`` (its temporary database is removed)."""

    def on_signal(signum: int, frame: object) -> None:
        app.exit()

    old = {s: signal.signal(s, on_signal) for s in (signal.SIGTERM, signal.SIGHUP)}
    try:
        app.run()
    finally:
        for s, h in old.items():
            signal.signal(s, h)
        app.controller.close()  # idempotent: the app closes it on unmount


def add_demo_parser(sub: argparse._SubParsersAction) -> None:
    d = sub.add_parser("demo", help="the app on Blurr's tutorial 1 with a guided tour")
    d.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    from .tui.app import make_demo_app

    try:
        app = make_demo_app()
    except (OSError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    _run_until_signal(app)
    return 0
