"""``run --runner=spark``: the SQLite store's tables as Parquet, ``--state`` continuation,
bad lines with file and line (the Spark session is the one shared by all Spark tests)."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest
from difftest import CORPUS, REPO, run_ours

pytest.importorskip("pyspark")

S, L = REPO / "specs", REPO / "sample_logs"
PARQUET_TYPES = {"bigint": "INTEGER", "double": "REAL", "string": "TEXT"}


def _parquet(spark, path: Path) -> tuple[list[tuple[str, str]], list[dict]]:
    df = spark.read.parquet(str(path))
    columns = [(n, PARQUET_TYPES[t]) for n, t in df.dtypes]
    return columns, [r.asDict() for r in df.collect()]


def _sqlite(db: Path, table: str) -> tuple[list[tuple[str, str]], list[dict]]:
    conn = sqlite3.connect(db)
    try:
        columns = [(r[1], r[2]) for r in conn.execute(f'PRAGMA table_info("{table}")')]
        cur = conn.execute(f'SELECT * FROM "{table}"')
        names = [d[0] for d in cur.description]
        return columns, [dict(zip(names, row, strict=True)) for row in cur]
    finally:
        conn.close()


def _by(rows: list[dict], *keys: str, drop: tuple[str, ...] = ()) -> list[dict]:
    out = [{k: v for k, v in r.items() if k not in drop} for r in rows]
    return sorted(out, key=lambda r: tuple(str(r[k]) for k in keys))


def _local_run(tmp_path: Path, spec: Path, log: Path, window: Path | None) -> Path:
    from blurr_tui.replay.headless import HeadlessRun

    db = tmp_path / "local.db"
    job = HeadlessRun(str(spec), str(log), str(db), str(window) if window else None)
    job.run()
    return db


SAMPLES = {
    "boosts": ("boosts-streaming.yml", "boosts-window.yml", "boosts.log"),  # Block + window
    "cart": ("cart-streaming.yml", None, "cart.log"),  # Activity + Identity
    "anomalies": ("anomalies-streaming.yml", None, "anomalies.log"),  # Variable + 2 tables
}
_FULL: dict[str, tuple[Path, Path, Path, Path]] = {}


def _full_run(spark, tmp_path_factory, name: str) -> tuple[Path, Path, Path, Path]:
    """One run over the sample log cut in two files (40% | 60%), with --state; shared by the
    tests of this module: (output, state, first file, second file)."""
    if name not in _FULL:
        from blurr_tui.spark.run_job import spark_run

        spec, window, log = SAMPLES[name]
        tmp = tmp_path_factory.mktemp(name)
        a, b = _split(L / log, tmp, 0.4)
        w = str(S / window) if window else None
        r = spark_run(
            spark, str(S / spec), w, [str(a), str(b)], str(tmp / "out"), state=str(tmp / "st")
        )
        assert r.error is None, r.error
        _FULL[name] = (tmp / "out", tmp / "st", a, b)
    return _FULL[name]


@pytest.mark.parametrize("name", list(SAMPLES))
def test_run_tables_equal_the_sqlite_store(spark, tmp_path_factory, tmp_path, name) -> None:
    """Same tables, same columns in the same order with the same types, same rows (``_seq``
    aside: the local run numbers saves in log order, Spark in identity order)."""
    spec, window, log = SAMPLES[name]
    s, w = S / spec, (S / window if window else None)
    db = _local_run(tmp_path, s, L / log, w)
    out, _st, _a, _b = _full_run(spark, tmp_path_factory, name)
    _cols, aggs = _sqlite(db, "aggregates")
    _pcols, paggs = _parquet(spark, out / "aggregates")
    assert _by(paggs, "aggregate") == _by(aggs, "aggregate")
    seqs = []
    for agg in aggs:
        table = agg["table_name"]
        cols, rows = _sqlite(db, table)
        pcols, prows = _parquet(spark, out / table)
        assert pcols == cols
        assert _by(prows, "_lookup", drop=("_seq",)) == _by(rows, "_lookup", drop=("_seq",))
        assert len(rows) > 0
        seqs += [p["_seq"] for p in prows]
    assert sorted(seqs) == list(range(1, len(seqs) + 1))  # one numbering across the tables
    if w is not None:
        cols, rows = _sqlite(db, "window_rows")
        pcols, prows = _parquet(spark, out / "window_rows")
        assert {c.lower() for c, _t in pcols} == {c.lower() for c, _t in cols}
        assert _by(prows, "_identity", "_row") == _by(rows, "_identity", "_row")
        assert len(rows) > 0


def _split(log: Path, tmp_path: Path, share: float) -> tuple[Path, Path]:
    lines = log.read_bytes().splitlines(keepends=True)
    cut = int(len(lines) * share)
    a, b = tmp_path / "a.log", tmp_path / "b.log"
    a.write_bytes(b"".join(lines[:cut]))
    b.write_bytes(b"".join(lines[cut:]))
    return a, b


def _dataset_names(out: Path) -> list[str]:
    return sorted(p.name for p in out.iterdir() if p.is_dir() and p.name != "run_meta")


@pytest.mark.parametrize("name", ["anomalies", "boosts"])
def test_state_continuation_equals_one_run(spark, tmp_path_factory, tmp_path, name) -> None:
    """Run over the first part with --state, then over the rest from that state: every
    dataset and the new state equal one run over both files.  (``_seq`` numbers first saves:
    a record first saved at the end of the first run numbers earlier than in one run.)"""
    from blurr_tui.spark.run_job import spark_run

    spec, window, _log = SAMPLES[name]
    s, w = str(S / spec), (str(S / window) if window else None)
    full, st_full, a, b = _full_run(spark, tmp_path_factory, name)
    one, two = tmp_path / "one", tmp_path / "two"
    st1, st2 = tmp_path / "st1", tmp_path / "st2"
    assert spark_run(spark, s, w, [str(a)], str(one), state=str(st1)).error is None
    r2 = spark_run(
        spark, s, w, [str(b)], str(two), state=str(st2), from_state=str(st1), partitions=3
    )
    assert r2.error is None
    assert _dataset_names(two) == _dataset_names(full)
    for ds in _dataset_names(full):
        if ds == "bad_events":
            continue
        cols, got = _parquet(spark, two / ds)
        want_cols, want = _parquet(spark, full / ds)
        assert cols == want_cols, ds
        keys = [k for k in ("_lookup", "_identity", "_row", "aggregate") if k in dict(cols)]
        assert _by(got, *keys, drop=("_seq",)) == _by(want, *keys, drop=("_seq",)), ds
    cols, states = _parquet(spark, st2 / "identities")
    want_cols, want = _parquet(spark, st_full / "identities")
    assert cols == want_cols
    assert [_state(s) for s in _by(states, "identity")] == [
        _state(s) for s in _by(want, "identity")
    ]


def _state(row: dict) -> tuple:
    """An identity's state, records compared as a set (their numbering is first-save order;
    the position names the run and file where the identity was first seen)."""
    from blurr_tui.spark.state import IdentityState

    st = IdentityState.loads(row["state"])
    records = sorted((name, str(key), repr(rec)) for name, _n, key, rec in st.records)
    return st.identity, st.last_time, st.events, records, repr(st.live)


def test_continuation_refuses_older_events(spark, tmp_path: Path) -> None:
    """An event older than the state's last event of its identity cannot continue (Blurr's
    time order would put it before): one clear line, nothing written."""
    from blurr_tui.spark.run_job import spark_run

    s = str(S / "tutorial1-streaming.yml")
    a, b = _split(L / "tutorial1.log", tmp_path, 0.5)
    assert spark_run(spark, s, None, [str(b)], str(tmp_path / "one"), state=str(tmp_path / "st"))
    r = spark_run(spark, s, None, [str(a)], str(tmp_path / "two"), from_state=str(tmp_path / "st"))
    assert r.error is not None and "older than the last event" in r.error, r.error
    assert not (tmp_path / "two").exists()


def test_bad_lines_dataset_has_file_and_line(spark, tmp_path: Path) -> None:
    """Each bad line once, with its file, line, text and the local runner's reason."""
    from blurr_tui.spark.run_job import spark_run

    case = CORPUS / "bad_lines"
    log = str(case / "events.log")
    r = spark_run(spark, str(case / "streaming.yml"), None, [log], str(tmp_path / "out"))
    assert r.error is None
    cols, rows = _parquet(spark, tmp_path / "out" / "bad_events")
    assert [c for c, _t in cols] == ["id", "file", "line", "raw", "reason"]
    local = run_ours(str(case / "streaming.yml"), None, [log]).stderr_lines
    got = [
        f"ERROR - {b['file']}:{b['line']}: {b['reason']}: {b['raw']}"
        for b in sorted(rows, key=lambda b: b["id"])
    ]
    assert r.bad == len(local) > 3
    assert got == [line[: len(g)] for line, g in zip(local, got, strict=True)]


def test_run_refuses_to_replace_output(spark, tmp_path: Path) -> None:
    from blurr_tui.spark.run_job import RunRefused, spark_run

    out = tmp_path / "out"
    out.mkdir()
    (out / "keep.txt").write_text("mine")
    with pytest.raises(RunRefused, match="exists"):
        spark_run(
            spark, str(S / "tutorial1-streaming.yml"), None, [str(L / "tutorial1.log")], str(out)
        )
    assert (out / "keep.txt").read_text() == "mine"


def test_cli_runner_spark(spark, tmp_path: Path, capsys) -> None:
    """The commands a user types (in-process: the CLI gets the shared session)."""
    from blurr_tui.cli import main

    spec, log = str(S / "tutorial1-streaming.yml"), str(L / "tutorial1.log")
    assert main(["transform", "--runner=spark", "--streaming-bts", spec, log]) == 0
    printed = capsys.readouterr().out.splitlines()
    assert printed == run_ours(spec, None, [log]).stdout_lines
    out = tmp_path / "out"
    assert main(["run", "--runner=spark", spec, log, "--output", str(out)]) == 0
    err = capsys.readouterr().err
    assert "done:" in err and str(out) in err
    assert (out / "session_stats").is_dir()
