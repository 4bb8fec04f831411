"""`transform --data-processor=ipfix`: Blurr's IPFIX reading, golden from the reference.

tests/corpus_ipfix/expected.out was printed by Blurr 0.4.1 for these files
(`blurr transform --data-processor=ipfix --streaming-bts streaming.yml events.log`).
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from blurr_tui.transform import ipfix_records, run_transform

CASE = Path(__file__).resolve().parent / "corpus_ipfix"


def test_ipfix_rows_equal_the_reference() -> None:
    result = run_transform(
        str(CASE / "streaming.yml"), None, [str(CASE / "events.log")], processor="ipfix"
    )
    assert result.exit_code == 0
    assert result.stdout_lines == (CASE / "expected.out").read_text().splitlines()
    # the data set whose element has no "V" spoils its whole line, as in Blurr
    assert len(result.stderr_lines) == 1 and "KeyError" in result.stderr_lines[0]


def test_ipfix_records_shape() -> None:
    line = {"DataSets": [[{"I": 56, "V": "m"}, {"I": 7, "V": 1}], [{"I": 12, "V": "ip"}]]}
    assert ipfix_records(line) == [{"source_mac": "m", 7: 1}]  # no source_mac: dropped
    assert ipfix_records([1, 2]) == []


def test_ipfix_cli() -> None:
    r = subprocess.run(
        [sys.executable, "-m", "blurr_tui", "transform", "--data-processor=ipfix",
         "--streaming-bts", str(CASE / "streaming.yml"), str(CASE / "events.log")],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    assert r.returncode == 0
    assert r.stdout.splitlines() == (CASE / "expected.out").read_text().splitlines()
