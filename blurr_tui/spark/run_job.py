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
    streaming, _window = job.specs()
    rows = cache(cached[0].mapPartitions(lambda it: _dataset_rows(streaming, it)))
    cached.append(rows)
    try:
        stats = rows.mapPartitionsWithIndex(_stats).collect()
        aborts = sorted((a for _i, _c, a, _w in stats if a is not None), key=lambda a: a[0])
        if aborts:
            result.error = _abort_line(aborts[0], job)
            return result
        counts = [c for _i, c, _a, _w in sorted(stats)]
        write = _writer(spark, "overwrite" if overwrite else "errorifexists")
        record_offsets = _offsets(counts, lambda name: name.startswith(RECORDS))
        for layout in D.table_layouts(streaming).values():
            table = layout.table
            part = rows.mapPartitionsWithIndex(_numbered(RECORDS + table, record_offsets, 1))
            write(part, D.table_columns(layout), f"{output}/{table}")
            result.records[table] = sum(c.get(RECORDS + table, 0) for c in counts)
        seen: dict[str, tuple] = {}
        for _i, _c, _a, keys in stats:
            for k, (order, kind) in keys.items():
                old_order, old_kind = seen.get(k, (order, kind))
                seen[k] = (min(order, old_order), max(kind, old_kind))
        columns = D.window_columns([(k, o, kind) for k, (o, kind) in seen.items()])
        windows = rows.filter(lambda r: r[0] == WINDOW).map(
            lambda r: D.window_row(r[1][0], r[1][1], r[1][2], r[1][3], columns)
        )
        window_cols = D.WINDOW_FIXED + tuple((c, t) for _k, c, t in columns)
        write(windows, window_cols, output + "/window_rows")
        result.window_rows = sum(c.get(WINDOW, 0) for c in counts)
        bad_offsets = _offsets(counts, lambda name: name == BAD)
        write(
            rows.mapPartitionsWithIndex(_numbered(BAD, bad_offsets, 0)),
            D.BAD_COLUMNS,
            output + "/bad_events",
        )
        result.bad = sum(c.get(BAD, 0) for c in counts)
        write(D.aggregates_rows(streaming), D.AGGREGATES_COLUMNS, output + "/aggregates")
        if state:
            states = rows.filter(lambda r: r[0] == STATE).map(lambda r: r[1])
            write(states, STATE_COLUMNS, state + "/identities")
            result.identities = sum(c.get(STATE, 0) for c in counts)
            state_meta = [
                ("streaming_spec_sha256", _sha(job.streaming_text)),
                ("window_spec_sha256", _sha(job.window_text)),
                ("run", str(job.run)),
                ("tool_version", __version__),
            ]
            write(state_meta, D.META_COLUMNS, state + "/meta")
        result.lines = counters.accumulator.value
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
        result.seconds = time.perf_counter() - started
    finally:
        uncache(cached)
    return result


RECORDS = "record:"  # dataset rows of a table are named RECORDS + table


def _dataset_rows(streaming: Any, outputs: Any) -> Any:
    """Sorted outputs as ``(dataset, row)``; records get their ``_seq`` later."""
    codec = D.RecordRows(streaming)
    for order, (kind, data) in outputs:
        if kind == RECORD:
            hit = codec.row(*data)
            if hit is not None:
                yield RECORDS + hit[0], hit[1]
        elif kind == STATE:
            yield STATE, _state_row(data)
        elif kind == ABORT:
            yield ABORT, (order, data)
        elif kind == BAD:  # (file, line, raw, reason)
            yield BAD, D.bad_row(0, *data)
        else:  # WINDOW (identity, n, row)
            yield kind, data


def _stats(index: int, rows: Any) -> Any:
    """Per partition: rows per dataset, the first abort, and the window rows' keys with
    where each was first seen and the widest kind of its values."""
    counts: dict[str, int] = {}
    abort = None
    keys: dict[str, tuple] = {}
    for i, (name, row) in enumerate(rows):
        counts[name] = counts.get(name, 0) + 1
        if name == ABORT and abort is None:
            abort = row
        elif name == WINDOW:
            for j, (k, v) in enumerate(row[2].items()):
                kind = D.value_kind(v)
                hit = keys.get(k)
                keys[k] = ((index, i, j), kind) if hit is None else (hit[0], max(hit[1], kind))
    yield index, counts, abort, keys


def _offsets(counts: list[dict[str, int]], counted: Any) -> list[int]:
    """Where each partition's numbering starts (rows of the ``counted`` datasets)."""
    out, total = [], 0
    for c in counts:
        out.append(total)
        total += sum(n for name, n in c.items() if counted(name))
    return out


def _numbered(name: str, offsets: list[int], column: int) -> Any:
    """The rows of dataset ``name``, numbered (from 1) in column ``column`` in the global
    order shared by every dataset whose name starts like ``name``'s kind."""
    prefix = RECORDS if name.startswith(RECORDS) else name

    def number(index: int, rows: Any) -> Any:
        n = offsets[index]
        for dataset, row in rows:
            if dataset.startswith(prefix):
                n += 1
                if dataset == name:
                    row = list(row)
                    row[column] = n
                    yield row

    return number


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
