"""``run --runner=spark``: the SQLite store's tables as Parquet datasets, and ``--state``.

``OUTPUT/<table>/`` per stored aggregate, ``OUTPUT/window_rows/``, ``OUTPUT/bad_events/``
(with ``file``), ``OUTPUT/aggregates/`` and ``OUTPUT/run_meta/``; columns and types as in
the SQLite store (:mod:`.datasets`).  ``--state DIR`` writes ``DIR/identities/`` (one row per
identity, the exact state of :mod:`.state`) and ``DIR/meta/``; ``--from-state DIR`` continues
such a state with new logs.  Nothing is written when the run aborts.
"""

from __future__ import annotations

import hashlib
import time
from dataclasses import dataclass, field
from typing import Any

from .. import __version__
from ..engine.loader import SpecError
from . import datasets as D
from .identities import ABORT, BAD, RECORD, STATE, WINDOW
from .runner import (
    Counters,
    _abort_line,
    _outputs,
    _sorted_inputs,
    cache,
    exists,
    make_job,
    saved_states,
    schema,
    uncache,
)

# pyspark's own types would make the package's type check depend on the extra
RDD = Any
SparkSession = Any


class RunRefused(Exception):
    """The run cannot start or cannot be written; the message says why."""


@dataclass
class SparkRunResult:
    lines: int = 0
    bad: int = 0
    identities: int = 0
    records: dict[str, int] = field(default_factory=dict)  # table: rows
    window_rows: int = 0
    seconds: float = 0.0
    error: str | None = None


def _sha(text: str | None) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest() if text is not None else ""


def spark_run(
    spark: SparkSession,
    streaming_path: str,
    window_path: str | None,
    logs: list[str],
    output: str,
    state: str | None = None,
    from_state: str | None = None,
    partitions: int | None = None,
    overwrite: bool = False,
) -> SparkRunResult:
    started = time.perf_counter()
    result = SparkRunResult()
    for target in (output, state):
        if target and exists(spark, target) and not overwrite:
            raise RunRefused(f"{target} exists: choose a new path, or --overwrite to replace it")
    job = make_job(streaming_path, window_path)
    saved = None
    if from_state:
        old = dict(spark.read.parquet(from_state + "/meta").rdd.map(tuple).collect())
        if old.get("streaming_spec_sha256") != _sha(job.streaming_text):
            raise RunRefused(f"{from_state} was written from another streaming spec")
        job = make_job(streaming_path, window_path, run=int(old["run"]) + 1)
        saved = saved_states(spark, from_state)
    counters = Counters()
    try:
        items, n = _sorted_inputs(spark, job, logs, partitions, saved, counters)
    except SpecError as exc:
        raise RunRefused(str(exc)) from None
    cached = _outputs(spark, items, job, True, n)
    out = cached[0]
    try:
        first = out.take(1)
        if first and first[0][1][0] == ABORT:
            result.error = _abort_line((first[0][0], first[0][1][1]))
            return result
        mode = "overwrite" if overwrite else "errorifexists"
        _write_records(spark, out, job, output, mode, result)
        _write_windows(spark, out, output, mode, result)
        _write_bad(spark, out, output, mode, result)
        streaming, _window = job.specs()
        write = _writer(spark, mode)
        write(D.aggregates_rows(streaming), D.AGGREGATES_COLUMNS, output + "/aggregates")
        if state:
            states = out.filter(lambda o: o[1][0] == STATE).map(lambda o: _state_row(o[1][1]))
            write(states, STATE_COLUMNS, state + "/identities")
            result.identities = states.count()
            state_meta = [
                ("streaming_spec_sha256", _sha(job.streaming_text)),
                ("window_spec_sha256", _sha(job.window_text)),
                ("run", str(job.run)),
                ("tool_version", __version__),
            ]
            write(state_meta, D.META_COLUMNS, state + "/meta")
        counters.lines = counters.accumulator.value
        result.lines = counters.lines
        result.seconds = time.perf_counter() - started
        meta = [
            ("streaming_spec_path", streaming_path),
            ("streaming_spec_text", job.streaming_text),
            ("streaming_spec_sha256", _sha(job.streaming_text)),
            ("window_spec_path", window_path),
            ("window_spec_text", job.window_text),
            ("logs", "\n".join(logs)),
            ("events_read", str(result.lines)),
            ("events_bad", str(result.bad)),
            ("continued_from", from_state),
            ("tool_version", __version__),
        ]
        write(meta, D.META_COLUMNS, output + "/run_meta")
    finally:
        uncache(cached)
    return result


STATE_COLUMNS: D.Columns = (("identity", "TEXT"), ("last_time", "TEXT"), ("events", "INTEGER"))
STATE_COLUMNS += (("state", "TEXT"),)


def _state_row(st: Any) -> list:
    last = st.last_time.isoformat() if st.last_time is not None else None
    return [D.typed("TEXT", st.identity), last, st.events, st.dumps()]


def _writer(spark: SparkSession, mode: str) -> Any:
    def write(rows: Any, columns: Any, path: str) -> None:
        if isinstance(rows, list):
            rows = spark.sparkContext.parallelize(rows, 1)
        spark.createDataFrame(rows, schema(columns)).write.mode(mode).parquet(path)

    return write


def _write_records(
    spark: SparkSession, out: RDD, job: Any, output: str, mode: str, result: SparkRunResult
) -> None:
    streaming, _window = job.specs()

    def rows(it: Any) -> Any:
        codec = D.RecordRows(streaming)
        for _order, (_kind, (key, record)) in it:
            hit = codec.row(key, record)
            if hit is not None:
                yield hit

    records = out.filter(lambda o: o[1][0] == RECORD).mapPartitions(rows).zipWithIndex()
    records = records.map(lambda r: (r[0][0], _with_seq(r[0][1], r[1] + 1)))
    cache(records)
    write = _writer(spark, mode)
    try:
        for layout in D.table_layouts(streaming).values():
            table = layout.table
            part = records.filter(lambda r, t=table: r[0] == t).map(lambda r: r[1])
            write(part, D.table_columns(layout), f"{output}/{table}")
            result.records[table] = part.count()
    finally:
        records.unpersist()


def _with_seq(row: list, seq: int) -> list:
    row[1] = seq
    return row


def _write_windows(
    spark: SparkSession, out: RDD, output: str, mode: str, result: SparkRunResult
) -> None:
    windows = out.filter(lambda o: o[1][0] == WINDOW)

    def seen(o: Any) -> Any:
        order, (_kind, (_identity, _n, row)) = o
        return [(k, ((order, i), D.value_kind(v))) for i, (k, v) in enumerate(row.items())]

    found = windows.flatMap(seen).reduceByKey(lambda a, b: (min(a[0], b[0]), max(a[1], b[1])))
    columns = D.window_columns([(k, o, kind) for k, (o, kind) in found.collect()])
    rows = windows.map(lambda o: D.window_row(o[1][1][0], o[1][1][1], o[1][1][2], columns))
    _writer(spark, mode)(rows, D.WINDOW_FIXED + tuple(columns), output + "/window_rows")
    result.window_rows = windows.count()


def _write_bad(
    spark: SparkSession, out: RDD, output: str, mode: str, result: SparkRunResult
) -> None:
    bad = out.filter(lambda o: o[1][0] == BAD).zipWithIndex()
    rows = bad.map(lambda b: D.bad_row(b[1] + 1, *b[0][1][1]))
    _writer(spark, mode)(rows, D.BAD_COLUMNS, output + "/bad_events")
    result.bad = bad.count()
