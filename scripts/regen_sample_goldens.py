#!/usr/bin/env python3
"""Regenerate tests/golden/samples/*.out by running the reference Blurr 0.4.1 on the samples.

    python scripts/regen_sample_goldens.py [--check] [NAME ...]

Each golden file holds the reference's JSON rows only (stdout lines starting with `[`), exactly
as printed; its diagnostic `ERROR - ...` lines are dropped. The reference is found at
$BLURR_REF, else ../shared/reference/blurr-ref next to the repository. Tests must not need it:
they read the committed .out files. --check compares instead of writing (exit 1 on a diff).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
GOLDEN = ROOT / "tests" / "golden" / "samples"

# name -> (streaming BTS, window BTS or None, event log)
SAMPLES: dict[str, tuple[str, str | None, str]] = {
    "tutorial1": ("specs/tutorial1-streaming.yml", None, "sample_logs/tutorial1.log"),
    "boosts-streaming": ("specs/boosts-streaming.yml", None, "sample_logs/boosts.log"),
    "boosts": ("specs/boosts-streaming.yml", "specs/boosts-window.yml", "sample_logs/boosts.log"),
    "cart": ("specs/cart-streaming.yml", None, "sample_logs/cart.log"),
    "anomalies": ("specs/anomalies-streaming.yml", None, "sample_logs/anomalies.log"),
}


def reference() -> str:
    ref = os.environ.get("BLURR_REF") or str(ROOT.parent / "shared" / "reference" / "blurr-ref")
    if not Path(ref).exists():
        sys.exit(f"reference not found: {ref} (set BLURR_REF)")
    return ref


def run(name: str, ref: str) -> tuple[str, float, int]:
    streaming, window, log = SAMPLES[name]
    cmd = [ref, "transform", "--streaming-bts", streaming]
    if window:
        cmd += ["--window-bts", window]
    cmd.append(log)
    t0 = time.perf_counter()
    proc = subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True)
    elapsed = time.perf_counter() - t0
    if proc.returncode != 0:
        sys.exit(f"{name}: reference failed (exit {proc.returncode}):\n{proc.stderr}")
    lines = proc.stdout.splitlines(keepends=True)
    rows = [line for line in lines if line.startswith("[")]
    return "".join(rows), elapsed, len(lines) - len(rows)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="compare with the committed goldens")
    ap.add_argument("names", nargs="*", default=list(SAMPLES))
    args = ap.parse_args(argv)
    ref = reference()
    GOLDEN.mkdir(parents=True, exist_ok=True)
    status = 0
    for name in args.names:
        text, elapsed, other = run(name, ref)
        path = GOLDEN / f"{name}.out"
        note = f"{text.count(chr(10))} rows, {other} other lines, {elapsed:.2f}s"
        if args.check:
            same = path.exists() and path.read_text() == text
            status |= 0 if same else 1
            print(f"{path.relative_to(ROOT)}: {'ok' if same else 'DIFFERS'} ({note})")
        else:
            path.write_text(text)
            print(f"{path.relative_to(ROOT)}: {note}")
    return status


if __name__ == "__main__":
    sys.exit(main())
