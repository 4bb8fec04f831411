"""Both cores: the multi-worker transform prints exactly what one process prints (rows in
Blurr's order, the same bad-line messages, the same aborts), forced with ``jobs=2`` on small
logs: the conformance corpus, the sample goldens, generated cases, bad lines."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from difftest import CORPUS, REPO, case_inputs, run_ours, unmet_requirement
from difftest.gen import generate

from blurr_tui.parallel import WorkerFailed, default_jobs, fork_map
from blurr_tui.transform import TransformResult, run_transform

CASES = sorted(d.name for d in CORPUS.iterdir() if (d / "streaming.yml").exists())
SAMPLES = REPO / "sample_logs"
SPECS = REPO / "specs"
GOLDEN = REPO / "tests" / "golden" / "samples"


def same(a: TransformResult, b: TransformResult) -> None:
    assert a.exit_code == b.exit_code
    assert a.stdout_lines == b.stdout_lines
    assert a.stderr_lines == b.stderr_lines
    assert (a.events_read, a.events_bad) == (b.events_read, b.events_bad)


@pytest.mark.parametrize("case", CASES)
def test_corpus_two_workers_same_as_one(case: str) -> None:
    inputs = case_inputs(CORPUS / case)
    one = run_ours(*inputs, jobs=1)
    expected = (CORPUS / case / "expected.out").read_text(encoding="utf-8").splitlines()
    if one.exit_code == 0 and not unmet_requirement(CORPUS / case):  # see test_corpus
        assert one.stdout_lines == expected
    same(run_ours(*inputs, jobs=2), one)


@pytest.mark.parametrize(
    ("spec", "window", "log", "golden"),
    [
        ("tutorial1-streaming.yml", None, "tutorial1.log", "tutorial1.out"),
        ("cart-streaming.yml", None, "cart.log", "cart.out"),
        ("anomalies-streaming.yml", None, "anomalies.log", "anomalies.out"),
        ("boosts-streaming.yml", "boosts-window.yml", "boosts.log", "boosts.out"),
    ],
)
def test_goldens_with_two_and_three_workers(spec: str, window: str | None, log: str, golden: str):
    args = (str(SPECS / spec), str(SPECS / window) if window else None, [str(SAMPLES / log)])
    one = run_transform(*args, jobs=1)
    assert sorted(one.stdout_lines) == sorted((GOLDEN / golden).read_text().splitlines())
    same(run_transform(*args, jobs=2), one)
    same(run_transform(*args, jobs=3), one)


def test_generated_cases_same_with_workers(tmp_path: Path) -> None:
    """Random specs and events (the differential test's generator), no reference needed."""
    for seed in range(30):
        case = generate(1000 + seed)
        d = tmp_path / f"s{seed}"
        case.write(d)
        one = run_ours(*case.paths(d), jobs=1)
        same(run_ours(*case.paths(d), jobs=2), one)


def test_bad_lines_reported_once_in_line_order(tmp_path: Path) -> None:
    spec = SPECS / "tutorial1-streaming.yml"
    good = (SAMPLES / "tutorial1.log").read_text().splitlines()
    lines = []
    for i, line in enumerate(good):
        lines.append(line)
        lines.append(["not json", "{}", '{"user_id": "x"}', "[1]", ""][i % 5])
    log = tmp_path / "mixed.log"
    log.write_text("\n".join(lines) + "\n")
    one = run_transform(str(spec), None, [str(log)], jobs=1)
    assert one.events_bad >= len(good) - 1
    for jobs in (2, 3):
        same(run_transform(str(spec), None, [str(log)], jobs=jobs), one)


def test_ipfix_with_two_workers() -> None:
    case = REPO / "tests" / "corpus_ipfix"
    args = (str(case / "streaming.yml"), None, [str(case / "events.log")])
    one = run_transform(*args, processor="ipfix", jobs=1)
    same(run_transform(*args, processor="ipfix", jobs=2), one)


def test_cli_jobs_2_prints_the_corpus_rows() -> None:
    streaming, window, logs = case_inputs(CORPUS / "block_two_dims")
    cmd = [sys.executable, "-m", "blurr_tui", "transform", "--jobs", "2"]
    cmd += ["--streaming-bts", streaming, *logs]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=REPO)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout == (CORPUS / "block_two_dims" / "expected.out").read_text()


def test_fork_map_results_in_order_and_failures() -> None:
    assert fork_map(lambda k: (k, os.getpid()), 3)[0] == (0, os.getpid())
    assert [k for k, _pid in fork_map(lambda k: (k, os.getpid()), 3)] == [0, 1, 2]

    def boom(k: int) -> int:
        if k == 1:
            raise ValueError("bad worker")
        return k

    with pytest.raises(WorkerFailed, match="bad worker"):
        fork_map(boom, 2)


def test_default_jobs(tmp_path: Path) -> None:
    small = tmp_path / "small.log"
    small.write_text("{}\n")
    big = tmp_path / "big.log"
    big.write_bytes(b"{}\n" * (1 << 19))
    assert default_jobs([str(small)], None) == 1
    assert default_jobs([str(big)], None) == min(len(os.sched_getaffinity(0)), 8)
    assert default_jobs([str(small)], 2) == 2
    assert default_jobs([str(big)], 1) == 1
