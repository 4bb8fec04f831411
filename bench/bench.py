"""Throughput and memory, measured against the reference on the same log, one process pair each.

    python bench/bench.py [--copies 20] [--skip-ref] [--big 1000000] [--skip-big]

Prints, for tutorial 2's log scaled ×N (distinct users and sessions per copy):
  reference `blurr transform` (streaming, and streaming + window), our `transform` (same two),
  our `run` into SQLite (streaming + window), each as events/s of wall time for the whole
  process (start-up included, as a user sees it), and the ratio to the reference;
then the peak RSS of `run` on a generated 1M-event log.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
REF = Path(os.environ.get("BLURR_REF", SHARED / "reference" / "blurr-ref"))
T2 = SHARED / "conformance" / "tutorial2"
SPEC = T2 / "tutorial2-streaming-bts.yml"
WIN = T2 / "tutorial2-window-bts.yml"
sys.path.insert(0, str(ROOT / "bench"))
from make_logs import big, scaled  # noqa: E402


def timed(cmd: list[str]) -> tuple[float, int, bytes]:
    """Wall seconds, peak RSS (KiB) and stdout of one child process."""
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL)
    out = p.stdout.read() if p.stdout else b""
    _pid, status, usage = os.wait4(p.pid, 0)
    secs = time.perf_counter() - t0
    if os.waitstatus_to_exitcode(status) != 0:
        raise SystemExit(f"failed ({os.waitstatus_to_exitcode(status)}): {' '.join(cmd)}")
    return secs, usage.ru_maxrss, out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--copies", type=int, default=20)
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
    print(f"log: {log.name}, {n:,} events")
    rows = []
    ref_rate: dict[str, float] = {}
    cases = [
        ("streaming", ["--streaming-bts", str(SPEC)]),
        ("streaming+window", ["--streaming-bts", str(SPEC), "--window-bts", str(WIN)]),
    ]
    for name, args in cases:
        ours_s, _rss, ours_out = timed(py + ["transform", *args, str(log)])
        line = f"{name:17s} ours   transform {n / ours_s:>10,.0f} ev/s ({ours_s:6.2f} s)"
        if not a.skip_ref and REF.exists():
            ref_s, _r, ref_out = timed([str(REF), "transform", *args, str(log)])
            ref_rate[name] = n / ref_s
            same = [x for x in ref_out.splitlines() if x.startswith(b"[")] == ours_out.splitlines()
            line += f" | reference {n / ref_s:>8,.0f} ev/s ({ref_s:6.2f} s) | ratio {ref_s / ours_s:5.1f}x | identical output: {same}"
        rows.append(line)
        print(line, flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "b.db"
        run_s, run_rss, _ = timed(
            py + ["run", str(SPEC), str(log), "--window-bts", str(WIN), "--db", str(db), "--quiet"]
        )
        line = f"{'run → SQLite':17s} ours   run+window {n / run_s:>9,.0f} ev/s ({run_s:6.2f} s), peak RSS {run_rss / 1024:.0f} MB"
        if "streaming+window" in ref_rate:
            line += f" | ratio vs reference transform {(n / run_s) / ref_rate['streaming+window']:5.1f}x"
        print(line, flush=True)
        if not a.skip_big:
            big_log = out / f"big-{a.big}.log"
            if not big_log.exists():
                big(big_log, a.big)
            db2 = Path(tmp) / "big.db"
            s, rss, _ = timed(py + ["run", str(SPEC), str(big_log), "--db", str(db2), "--quiet"])
            print(
                f"{'1M events':17s} ours   run {a.big / s:>10,.0f} ev/s ({s:6.2f} s), peak RSS {rss / 1024:.0f} MB (limit 300 MB)"
            )


if __name__ == "__main__":
    main()
