"""events/s of ``transform --runner=spark`` (local[2]) against the local runner, and scaling.

python bench/bench_spark.py [--events 1000000] [--partitions 2,4,8] [--run]

Builds (once) a generated 1M-event log in tutorial 2's shape (``bench/make_logs.py big``),
runs tutorial 2's streaming BTS over it with the local runner and then, in one Spark session
(``local[2]``), with ``--runner=spark`` at each partition count; checks that every Spark run
printed exactly the local rows (sha256 of the output), and prints a table.  ``--run`` adds
``run --runner=spark --output`` (Parquet) at the first partition count.  Start-up of the
Spark session is reported apart: it is paid once per job, not per event.  The machine's load
average is printed with the figures (other work on the machine slows every column).
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from make_logs import TUTORIAL2, big  # noqa: E402

from blurr_tui.transform import run_transform  # noqa: E402

SPEC = TUTORIAL2 / "tutorial2-streaming-bts.yml"


def _digest(lines: list[str]) -> str:
    h = hashlib.sha256()
    for line in lines:
        h.update(line.encode("utf-8", "surrogatepass") + b"\n")
    return h.hexdigest()[:16]


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--events", type=int, default=1_000_000)
    ap.add_argument("--partitions", default="2,4,8")
    ap.add_argument("--run", action="store_true", help="also run --runner=spark --output")
    ap.add_argument("--log", type=Path, help="an existing log instead of the generated one")
    ap.add_argument("--no-local", action="store_true", help="skip the local runner (no check)")
    args = ap.parse_args()
    log = args.log or ROOT / "bench" / "out" / f"big-{args.events}.log"
    if not log.exists():
        log.parent.mkdir(parents=True, exist_ok=True)
        big(log, args.events)
    events = sum(1 for _ in log.open("rb"))
    print(f"log {log} ({events:,} lines, {log.stat().st_size / 1e6:.0f} MB), spec {SPEC.name}")
    print(f"load average at start: {os.getloadavg()[0]:.1f} on {os.cpu_count()} cores")

    local_s, want, rows = float("nan"), "", -1
    table = []
    if not args.no_local:
        t = time.perf_counter()
        local = run_transform(str(SPEC), None, [str(log)], jobs=1)
        local_s = time.perf_counter() - t
        assert local.exit_code == 0, local.stderr_lines[:3]
        print(f"  local runner: {local_s:.1f} s", flush=True)
        want = _digest(local.stdout_lines)
        rows = len(local.stdout_lines)
        table.append(("local runner (1 process)", "-", local_s, "yes"))
        del local

    from blurr_tui.spark.run_job import spark_run
    from blurr_tui.spark.runner import session, spark_transform

    t = time.perf_counter()
    spark = session("local[2]", **{"spark.ui.enabled": "false", "spark.driver.memory": "4g"})
    spark.sparkContext.parallelize([1, 2], 2).count()  # Python workers up
    startup = time.perf_counter() - t
    for n in [int(p) for p in args.partitions.split(",")]:
        out: list[str] = []
        t = time.perf_counter()
        r = spark_transform(spark, str(SPEC), None, [str(log)], out.append, partitions=n)
        s = time.perf_counter() - t
        same = r.exit_code == 0 and (args.no_local or (len(out) == rows and _digest(out) == want))
        table.append(("--runner=spark local[2], transform", str(n), s, "yes" if same else "NO"))
        print(f"  partitions {n}: {s:.1f} s, same rows: {same}", flush=True)
    if args.run:
        n = int(args.partitions.split(",")[0])
        tmp = Path(tempfile.mkdtemp(prefix="bench-spark-"))
        t = time.perf_counter()
        rr = spark_run(spark, str(SPEC), None, [str(log)], str(tmp / "out"), partitions=n)
        s = time.perf_counter() - t
        table.append(("--runner=spark local[2], run --output (Parquet)", str(n), s, "-"))
        assert rr.error is None, rr.error
        shutil.rmtree(tmp, ignore_errors=True)
    spark.stop()

    print(f"\nSpark session start-up (once per job): {startup:.1f} s")
    print(f"load average at end: {os.getloadavg()[0]:.1f}\n")
    print("| runner | partitions | seconds | events/s | × local | same rows |")
    print("|---|---|---|---|---|---|")
    for name, parts, s, same in table:
        print(f"| {name} | {parts} | {s:.1f} | {events / s:,.0f} | {local_s / s:.2f} | {same} |")


if __name__ == "__main__":
    main()
