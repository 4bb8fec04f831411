"""``--runner=spark`` prints what the local runner prints, on every input we trust.

Every case of ``tests/corpus``, the bundled samples and the conformance tutorials run through
``transform`` on Spark (``local[2]``, the session shared by all Spark tests; cases run a few
at a time from threads, as Spark schedules concurrent jobs) and through the local runner:
same rows in the same order, same exit code, same diagnostics.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest
from difftest import CORPUS, REPO, SHARED, case_inputs, run_ours

pytest.importorskip("pyspark")

CASES = sorted(d.name for d in CORPUS.iterdir() if (d / "streaming.yml").exists())
S, L, C = REPO / "specs", REPO / "sample_logs", SHARED / "conformance"
SAMPLES: dict[str, tuple[str, str | None, list[str]]] = {
    "sample_tutorial1": (str(S / "tutorial1-streaming.yml"), None, [str(L / "tutorial1.log")]),
    "sample_boosts": (
        str(S / "boosts-streaming.yml"),
        str(S / "boosts-window.yml"),
        [str(L / "boosts.log")],
    ),
    "sample_cart": (str(S / "cart-streaming.yml"), None, [str(L / "cart.log")]),
    "sample_anomalies": (str(S / "anomalies-streaming.yml"), None, [str(L / "anomalies.log")]),
    "conformance_tutorial1": (
        str(C / "tutorial1" / "tutorial1-streaming-bts.yml"),
        None,
        [str(C / "tutorial1" / "tutorial1-data.log")],
    ),
    "conformance_tutorial2": (
        str(C / "tutorial2" / "tutorial2-streaming-bts.yml"),
        str(C / "tutorial2" / "tutorial2-window-bts.yml"),
        [str(C / "tutorial2" / "tutorial2-data.log")],
    ),
}
INPUTS = {c: case_inputs(CORPUS / c) for c in CASES} | SAMPLES


@pytest.fixture(scope="module")
def spark_outputs(spark) -> dict[str, tuple[list[str], list[str], int]]:
    """Every input through ``transform --runner=spark``: (rows, stderr lines, exit code)."""
    from blurr_tui.spark.runner import spark_transform

    def one(name: str) -> tuple[list[str], list[str], int]:
        streaming, window, logs = INPUTS[name]
        rows: list[str] = []
        r = spark_transform(spark, streaming, window, logs, rows.append, partitions=2)
        return rows, r.stderr_lines, r.exit_code

    with ThreadPoolExecutor(4) as pool:
        return dict(zip(INPUTS, pool.map(one, INPUTS), strict=True))


@pytest.mark.parametrize("name", list(INPUTS))
def test_spark_transform_equals_local(spark_outputs, name: str) -> None:
    if name == "r13_gzip_content_without_gz_name":
        pytest.xfail("Spark decompresses by file extension, the local runner by magic bytes")
    rows, stderr, rc = spark_outputs[name]
    local = run_ours(*INPUTS[name])
    assert rc == local.exit_code, stderr
    assert rows == local.stdout_lines
    assert stderr == _without_swallowed_summary(local.stderr_lines)


def _without_swallowed_summary(lines: list[str]) -> list[str]:
    """The local runner's summary of swallowed expression errors (not reported on Spark yet)."""
    out: list[str] = []
    skipping = False
    for line in lines:
        if "swallowed as Blurr does" in line:
            skipping = True
            continue
        if skipping and line.startswith((" ", "\t")):
            continue
        skipping = False
        out.append(line)
    return out


def test_conformance_outputs_on_spark(spark_outputs) -> None:
    """The tutorials' published outputs, on Spark too (not only 'equal to local')."""
    for name, tut in (
        ("conformance_tutorial1", "tutorial1"),
        ("conformance_tutorial2", "tutorial2"),
    ):
        expected = (C / tut / f"{tut}-output.log").read_text().splitlines()
        rows = spark_outputs[name][0]
        assert sorted(rows) == sorted(line for line in expected if line.startswith("["))


def test_more_partitions_same_rows(spark) -> None:
    """Identities spread over 5 partitions and 2 input files: the same rows, same order."""
    from blurr_tui.spark.runner import spark_transform

    streaming, window, logs = INPUTS["out_of_order_two_files"]
    rows: list[str] = []
    r = spark_transform(spark, streaming, window, logs, rows.append, partitions=5)
    assert r.exit_code == 0
    assert rows == run_ours(streaming, window, logs).stdout_lines


def test_globs_and_directories(spark, tmp_path: Path) -> None:
    """Spark paths: a glob and a directory read their files in sorted order."""
    from blurr_tui.spark.runner import spark_transform

    streaming, window, logs = INPUTS["out_of_order_two_files"]
    d = tmp_path / "logs"
    d.mkdir()
    for i, log in enumerate(logs):
        (d / f"part-{i}.log").write_bytes(Path(log).read_bytes())
    (d / "_SUCCESS").write_text("")
    expected = run_ours(streaming, window, logs).stdout_lines
    for pattern in (str(d / "part-*.log"), str(d)):
        rows: list[str] = []
        r = spark_transform(spark, streaming, window, [pattern], rows.append)
        assert r.exit_code == 0, r.stderr_lines
        assert rows == expected


def test_missing_log_is_one_line(spark, tmp_path: Path) -> None:
    from blurr_tui.spark.runner import spark_transform

    streaming, _w, _logs = INPUTS["identity_basic"]
    r = spark_transform(spark, streaming, None, [str(tmp_path / "nope*.log")], print)
    assert r.exit_code == 1
    assert r.stderr_lines == [f"error: {tmp_path / 'nope*.log'}: no such event log"]
