"""Differential test: random BTS/events cases, Blurr 0.4.1 (reference) vs. blurr_tui.

Skipped unless ``BLURR_DIFF=1`` (the reference is slow) and the reference is available
(``$BLURR_REF`` or ``<repo>/../shared/reference/blurr-ref``, venv ``/tmp/blurr-ref-venv``).

* ``BLURR_DIFF_N``: number of cases (default 40);
* ``BLURR_DIFF_SEED``: first seed (default 0); case i uses seed ``BLURR_DIFF_SEED + i``;
* ``BLURR_REF_CACHE``: a directory where the reference's answers are kept by the inputs'
  content (optional; a rerun after an engine change then only runs our side);
* ``BLURR_DIFF_FAILURES``: where failing cases are written (default
  ``$TMPDIR/blurr-difftest-failures``). Each failure directory is in corpus format
  (``streaming.yml``, ``window.yml``, ``events.log``, ``expected.out``, ``expected.rc``) plus
  ``ours.out``/``ours.err``/``ours.rc``, so it can be copied into ``tests/corpus/`` as a new case.

Reproduce one seed with ``python tests/difftest/gen.py --seed S --out DIR``.
"""

from __future__ import annotations

import concurrent.futures
import os
import shutil
import tempfile
import traceback
from pathlib import Path

from difftest import rows_of, run_ours, run_reference
from difftest.gen import generate


def _failures_root() -> Path:
    env = os.environ.get("BLURR_DIFF_FAILURES")
    return Path(env) if env else Path(tempfile.gettempdir()) / "blurr-difftest-failures"


def _compare(ref, ours) -> str | None:
    """None when equivalent, else a short description of the first difference."""
    if ref.exit_code != 0:
        if ours.exit_code != 1:
            return f"reference aborted (rc {ref.exit_code}), ours exited {ours.exit_code}"
        got = rows_of(ours.stdout_lines)
        if ref.rows == [] and got:
            return f"reference aborted with no output, ours printed {len(got)} rows"
        if ref.rows and got != ref.rows:  # crash while printing: partial output (B-25)
            return "reference aborted after partial output; ours differs"
        return None
    if ours.exit_code != 0:
        return f"ours exited {ours.exit_code}: {' | '.join(ours.stderr_lines)[:300]}"
    got = rows_of(ours.stdout_lines)
    if got != ref.rows:
        for i in range(max(len(got), len(ref.rows))):
            e = ref.rows[i] if i < len(ref.rows) else "<none>"
            g = got[i] if i < len(got) else "<none>"
            if e != g:
                return f"row {i} differs\n  ref:  {e[:400]}\n  ours: {g[:400]}"
    return None


def test_differential(ref_blurr, tmp_path):
    n = int(os.environ.get("BLURR_DIFF_N", "40"))
    seed0 = int(os.environ.get("BLURR_DIFF_SEED", "0"))
    cases = []
    for i in range(n):
        case = generate(seed0 + i)
        d = tmp_path / f"seed_{case.seed}"
        case.write(d)
        cases.append((case, d))

    with concurrent.futures.ThreadPoolExecutor(max_workers=os.cpu_count() or 2) as pool:
        refs = list(pool.map(lambda cd: run_reference(*cd[0].paths(cd[1])), cases))

    mismatches: list[tuple[int, str, Path]] = []
    aborts = 0
    for (case, d), ref in zip(cases, refs, strict=True):
        aborts += ref.exit_code != 0
        try:
            ours = run_ours(*case.paths(d))
            problem = _compare(ref, ours)
            if problem is None:  # the same through two worker processes
                problem = _compare(ref, run_ours(*case.paths(d), jobs=2))
                problem = problem and f"with --jobs 2: {problem}"
        except Exception:  # our engine raised instead of returning a result
            ours = None
            problem = "ours raised:\n" + traceback.format_exc(limit=5)
        if problem is None:
            continue
        out = _failures_root() / f"seed_{case.seed}"
        if out.exists():
            shutil.rmtree(out)
        shutil.copytree(d, out)
        (out / "expected.out").write_text("".join(r + "\n" for r in ref.rows), encoding="utf-8")
        (out / "expected.rc").write_text(f"{ref.exit_code}\n")
        (out / "ref.err").write_text(ref.stderr, encoding="utf-8")
        if ours is not None:
            (out / "ours.out").write_text(
                "".join(r + "\n" for r in rows_of(ours.stdout_lines)), encoding="utf-8"
            )
            (out / "ours.err").write_text("\n".join(ours.stderr_lines) + "\n", encoding="utf-8")
            (out / "ours.rc").write_text(f"{ours.exit_code}\n")
        (out / "problem.txt").write_text(problem + "\n", encoding="utf-8")
        mismatches.append((case.seed, problem, out))

    print(
        f"\ndifferential: {n} cases (seeds {seed0}..{seed0 + n - 1}), "
        f"{aborts} reference aborts, {len(mismatches)} mismatches"
    )
    for seed, problem, out in mismatches:
        print(f"  seed {seed}: {problem.splitlines()[0]}  -> {out}")
    assert not mismatches, "\n\n".join(f"seed {s} ({o}):\n{p}" for s, p, o in mismatches)
