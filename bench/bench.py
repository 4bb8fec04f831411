"""Throughput and memory against the reference, each measured as whole processes on the same log
in one run of this script.

    python bench/bench.py [--copies 40] [--repeat 1] [--skip-ref] [--big 1000000] [--skip-big]

For tutorial 2's log scaled ×N (distinct users and sessions per copy; ×40 = 94,720 events):

* ``transform`` (streaming) and ``transform`` (streaming + window): the reference
  ``blurr transform``, ours in one process (``--jobs 1``) and ours as a user runs it (one
  worker per core); the output is checked identical to the reference's;
* ``run`` into SQLite (streaming + window), ours (``--jobs 1`` and default), against the
  reference's ``transform`` with the window (Blurr has no database output);

each as events/s of wall time for the whole process (start-up included, as a user sees it),
CPU seconds (user + system, the process and its workers), the peak RSS of the largest
process, and the 1-minute load average when it ran (the machine may be shared: compare
figures from one run only).  Ratios = our events/s ÷ the reference's (targets: transform
≥ 30×, run ≥ 25×); ``--repeat R`` keeps the best wall time of R runs of every command alike.
Then the peak RSS of ``run`` on a generated 1M-event log.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REF = Path(os.environ.get("BLURR_REF", SHARED / "reference" / "blurr-ref"))
T2 = SHARED / "conformance" / "tutorial2"
SPEC = T2 / "tutorial2-streaming-bts.yml"
WIN = T2 / "tutorial2-window-bts.yml"
sys.path.insert(0, str(ROOT / "bench"))
from make_logs import big, scaled  # noqa: E402

TARGETS = {"transform": 30.0, "transform+window": 30.0, "run+window": 25.0}


@dataclass
class Timing:
    wall: float
    cpu: float
    rss_mb: float
    load: float
    out: bytes


def load1() -> float:
    return os.getloadavg()[0]


def timed(cmd: list[str], repeat: int = 1) -> Timing:
    """The best of ``repeat`` runs of one child process (wall time)."""
    best: Timing | None = None
    for _ in range(repeat):
        load = load1()
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
        out = p.stdout.read() if p.stdout else b""
        _pid, status, usage = os.wait4(p.pid, 0)
        wall = time.perf_counter() - t0
        if os.waitstatus_to_exitcode(status) != 0:
            raise SystemExit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(cmd)}")
        # wait4 reports the child with the workers it waited for (maxrss: the largest one)
        t = Timing(wall, usage.ru_utime + usage.ru_stime, usage.ru_maxrss / 1024, load, out)
        if best is None or t.wall < best.wall:
            best = t
    assert best is not None
    return best


def row(case: str, who: str, n: int, t: Timing, ref: Timing | None) -> str:
    line = (
        f"{case:17s} {who:16s} {n / t.wall:>10,.0f} ev/s  wall {t.wall:6.2f} s  "
        f"cpu {t.cpu:6.2f} s  peak RSS {t.rss_mb:5.0f} MB  load {t.load:4.1f}"
    )
    if ref is not None:
        line += f"  | ratio {ref.wall / t.wall:5.1f}x (cpu {ref.cpu / t.cpu:5.1f}x)"
    return line


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=40)
    ap.add_argument("--repeat", type=int, default=1)
    ap.add_argument("--skip-ref", action="store_true")
    ap.add_argument("--big", type=int, default=1_000_000)
    ap.add_argument("--skip-big", action="store_true")
    a = ap.parse_args()
    if not SPEC.exists():
        raise SystemExit(f"{SPEC} not found: the benchmark needs ../shared beside the repo")
    out = ROOT / "bench" / "out"
    out.mkdir(parents=True, exist_ok=True)
    log = out / f"tutorial2-x{a.copies}.log"
    n = scaled(log, a.copies, T2 / "tutorial2-data.log")
    py = [sys.executable, "-m", "blurr_tui"]
    cores = len(os.sched_getaffinity(0))
    print(f"log: {log.name}, {n:,} events; {cores} cores; load average {load1():.1f} at start")
    ratios: dict[str, float] = {}
    refs: dict[str, Timing] = {}
    cases = [
        ("transform", ["--streaming-bts", str(SPEC)]),
        ("transform+window", ["--streaming-bts", str(SPEC), "--window-bts", str(WIN)]),
    ]
    for name, args in cases:
        ref = None
        if not a.skip_ref and REF.exists():
            ref = refs[name] = timed([str(REF), "transform", *args, str(log)], a.repeat)
            print(row(name, "reference", n, ref, None), flush=True)
        one = timed(py + ["transform", "--jobs", "1", *args, str(log)], a.repeat)
        print(row(name, "ours --jobs 1", n, one, ref), flush=True)
        ours = timed(py + ["transform", *args, str(log)], a.repeat)
        print(row(name, "ours (default)", n, ours, ref), flush=True)
        if ref is not None:
            ref_rows = [x for x in ref.out.splitlines() if x.startswith(b"[")]
            same = ref_rows == ours.out.splitlines() == one.out.splitlines()
            print(f"{'':17s} identical output to the reference: {same}")
            ratios[name] = ref.wall / ours.wall
    with tempfile.TemporaryDirectory() as tmp:
        base = py + ["run", str(SPEC), str(log), "--window-bts", str(WIN), "--quiet"]
        ref = refs.get("transform+window")
        for who, extra in (("ours --jobs 1", ["--jobs", "1"]), ("ours (default)", [])):
            if extra and not _run_has_jobs(py):
                continue
            db = Path(tmp) / f"b{len(extra)}.db"
            t = timed(base + ["--db", str(db), *extra], 1)
            db.unlink(missing_ok=True)
            print(row("run → SQLite", who, n, t, ref), flush=True)
            if ref is not None:
                ratios["run+window"] = ref.wall / t.wall
        if not a.skip_big:
            big_log = out / f"big-{a.big}.log"
            if not big_log.exists():
                big(big_log, a.big)
            db2 = Path(tmp) / "big.db"
            t = timed(py + ["run", str(SPEC), str(big_log), "--db", str(db2), "--quiet"])
            print(row(f"run {a.big:,} ev", "ours (default)", a.big, t, None) + " (limit 300 MB)")
    if ratios:
        print("ratios (ours as a user runs it ÷ reference, wall time):")
        for name, r in ratios.items():
            ok = "ok" if r >= TARGETS[name] else "BELOW TARGET"
            print(f"  {name:17s} {r:5.1f}x  (target ≥ {TARGETS[name]:.0f}x: {ok})")
    print(f"load average {load1():.1f} at end")


def _run_has_jobs(py: list[str]) -> bool:
    h = subprocess.run(py + ["run", "--help"], cwd=ROOT, capture_output=True, text=True)
    return "--jobs" in h.stdout


if __name__ == "__main__":
    main()
