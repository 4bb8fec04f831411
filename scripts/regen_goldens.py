#!/usr/bin/env python3
"""Regenerate the conformance corpus goldens by running the reference (Blurr 0.4.1).

Each case lives in ``tests/corpus/<case>/`` with ``streaming.yml``, optional ``window.yml``,
``events.log`` (and optional ``events2.log``, passed as a second input file). This script runs

    blurr-ref transform --streaming-bts streaming.yml [--window-bts window.yml] events.log[,events2.log]

and writes

* ``expected.out``: only the stdout lines that start with ``[`` (the JSON rows), exactly as printed;
* ``expected.rc``: the exit code.

The reference is found through ``$BLURR_REF`` or ``<repo>/../shared/reference/blurr-ref``.

Usage: ``scripts/regen_goldens.py [-j N] [--check] [CASE ...]``. ``--check`` reports differences
without writing anything (exit 1 if any). It prints which goldens changed.
"""

from __future__ import annotations

import argparse
import concurrent.futures
import difflib
import os
import subprocess
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
CORPUS = REPO / "tests" / "corpus"


def reference_path() -> Path:
    env = os.environ.get("BLURR_REF")
    if env:
        return Path(env)
    return REPO.parent / "shared" / "reference" / "blurr-ref"


def case_command(ref: Path, case_dir: Path) -> list[str]:
    cmd = [str(ref), "transform", "--streaming-bts", str(case_dir / "streaming.yml")]
    if (case_dir / "window.yml").exists():
        cmd += ["--window-bts", str(case_dir / "window.yml")]
    logs = [str(case_dir / "events.log")]
    if (case_dir / "events2.log").exists():
        logs.append(str(case_dir / "events2.log"))
    cmd.append(",".join(logs))
    return cmd


def run_reference(ref: Path, case_dir: Path, timeout: float = 300) -> tuple[str, int]:
    """Return (expected.out text, exit code) for one case."""
    proc = subprocess.run(
        case_command(ref, case_dir),
        capture_output=True,
        timeout=timeout,
        cwd=case_dir,
    )
    out = proc.stdout.decode("utf-8", errors="surrogateescape")
    rows = [line for line in out.splitlines(keepends=True) if line.startswith("[")]
    text = "".join(rows)
    if text and not text.endswith("\n"):
        text += "\n"
    return text, proc.returncode


def list_cases(names: list[str]) -> list[Path]:
    if names:
        dirs = [CORPUS / n for n in names]
        missing = [d.name for d in dirs if not (d / "streaming.yml").exists()]
        if missing:
            sys.exit(f"unknown case(s): {', '.join(missing)}")
        return dirs
    return sorted(d for d in CORPUS.iterdir() if (d / "streaming.yml").exists())


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("cases", nargs="*", help="case names (default: all)")
    ap.add_argument("-j", "--jobs", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--check", action="store_true", help="compare only, write nothing")
    args = ap.parse_args(argv)

    ref = reference_path()
    if not ref.exists():
        print(f"reference not found: {ref} (set BLURR_REF)", file=sys.stderr)
        return 2

    dirs = list_cases(args.cases)
    t0 = time.monotonic()
    changed: list[str] = []
    with concurrent.futures.ThreadPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        results = dict(zip(dirs, pool.map(lambda d: run_reference(ref, d), dirs), strict=True))
    for d in dirs:
        out, rc = results[d]
        out_file, rc_file = d / "expected.out", d / "expected.rc"
        old_out = out_file.read_text(encoding="utf-8") if out_file.exists() else None
        old_rc = rc_file.read_text().strip() if rc_file.exists() else None
        notes = []
        if old_out != out:
            if old_out is None:
                notes.append("new expected.out")
            else:
                diff = difflib.unified_diff(
                    old_out.splitlines(), out.splitlines(), "old", "new", lineterm="", n=0
                )
                notes.append("expected.out changed:\n    " + "\n    ".join(diff))
        if old_rc != str(rc):
            notes.append(f"expected.rc {old_rc} -> {rc}")
        if notes:
            changed.append(d.name)
            print(f"{d.name}: " + "; ".join(notes))
        if not args.check:
            out_file.write_text(out, encoding="utf-8")
            rc_file.write_text(f"{rc}\n")
    elapsed = time.monotonic() - t0
    n_abort = sum(1 for d in dirs if results[d][1] != 0)
    print(
        f"{len(dirs)} cases ({n_abort} with non-zero exit), {len(changed)} changed, {elapsed:.1f}s"
    )
    return 1 if (args.check and changed) else 0


if __name__ == "__main__":
    sys.exit(main())
