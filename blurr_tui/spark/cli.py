"""The ``--runner=spark`` branches of ``transform`` and ``run`` (pyspark is imported here
only through :mod:`.runner`, when such a command runs)."""

from __future__ import annotations

import argparse
import sys
import time


def _no_pyspark() -> int | None:
    try:
        import pyspark  # noqa: F401
    except ImportError:
        print(
            "error: --runner=spark needs pyspark: pip install 'blurr_tui[spark]' (and Java 17)",
            file=sys.stderr,
        )
        return 1
    return None


def transform_on_spark(args: argparse.Namespace, logs: list[str]) -> int:
    missing = _no_pyspark()
    if missing is not None:
        return missing
    from .runner import session, spark_transform

    out = sys.stdout
    spark = session(args.spark_master)

    def write(line: str) -> None:
        out.write(line)
        out.write("\n")

    result = spark_transform(
        spark,
        args.streaming_bts,
        args.window_bts,
        logs,
        write,
        processor=args.data_processor,
        partitions=args.partitions,
    )
    out.flush()
    for line in result.stderr_lines:
        print(line, file=sys.stderr)
    return result.exit_code


def run_on_spark(args: argparse.Namespace) -> int:
    if not args.output:
        print("error: --runner=spark writes datasets: give --output DIR", file=sys.stderr)
        return 1
    missing = _no_pyspark()
    if missing is not None:
        return missing
    from ..engine.loader import SpecError
    from .run_job import RunRefused, spark_run
    from .runner import session

    started = time.perf_counter()
    spark = session(args.spark_master)
    try:
        r = spark_run(
            spark,
            args.spec,
            args.window_bts,
            args.log,
            args.output,
            state=args.state,
            from_state=args.from_state,
            partitions=args.partitions,
            overwrite=args.overwrite,
        )
    except (SpecError, RunRefused) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if r.error is not None:
        print(r.error, file=sys.stderr)
        return 1
    seconds = time.perf_counter() - started
    tables = ", ".join(f"{t} {n:,}" for t, n in r.records.items())
    print(
        f"done: {r.lines:,} lines in {seconds:.1f} s ({r.lines / max(seconds, 1e-9):,.0f} ev/s), "
        f"{r.bad:,} bad → {args.output} ({tables}; window_rows {r.window_rows:,})",
        file=sys.stderr,
    )
    if args.state:
        print(f"  state of {r.identities:,} identities → {args.state}", file=sys.stderr)
    if r.bad:
        print(f"  bad lines are in {args.output}/bad_events (with file and line)", file=sys.stderr)
    return 0
