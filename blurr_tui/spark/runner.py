"""The Spark side of ``--runner=spark``: the only module that imports pyspark (lazily).

Plan of a job (Blurr's ``SparkRunner``, made exact):

1. list the input files as Spark does (Hadoop paths, globs, directories), in order;
2. number each file's lines (``textFile`` + ``zipWithIndex``) and read them with
   ``transform``'s reading stage (:func:`.identities.read_file`);
3. hash-partition by identity and sort within partitions by ``(identity, time, position)``
   (``repartitionAndSortWithinPartitions``: a stable time sort, never a ``groupByKey``);
4. run each partition's identities one after another through the engine
   (:func:`.identities.run_partition`);
5. sort the outputs by first-seen order and stream them to stdout (``transform``) or write
   the datasets (``run``, see :mod:`.datasets`).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..engine.errors import EngineAbort
from ..engine.loader import SpecError, load_streaming_file, load_window_file, read_spec_file
from ..engine.runtime import StreamingEngine
from ..transform import abort_message
from .identities import ABORT, BAD, MARKER, STATE_TIME, Job, partition_of, read_file, run_partition
from .state import IdentityState

# pyspark's own types would make the package's type check depend on the extra
RDD = Any
SparkSession = Any

GLOB_CHARS = frozenset("*?[{")


def session(master: str | None = None, app: str = "blurr-tui", **config: str) -> SparkSession:
    """The Spark session: ``master``, else ``spark-submit``'s, else ``local[*]``."""
    from pyspark import SparkConf
    from pyspark.sql import SparkSession

    conf = SparkConf()
    builder = SparkSession.builder.appName(app)
    if master:
        builder = builder.master(master)
    elif not conf.contains("spark.master"):
        builder = builder.master("local[*]")
    builder = builder.config("spark.ui.showConsoleProgress", "false")
    for key, value in config.items():
        builder = builder.config(key, value)
    spark = builder.getOrCreate()
    spark.sparkContext.setLogLevel("ERROR")
    return spark


def list_files(spark: SparkSession, patterns: list[str]) -> list[tuple[str, str]]:
    """``(shown path, Hadoop path)`` of every input file, in order: each pattern's matches
    sorted, a directory's visible files sorted; a plain file keeps the name it was given.
    Compressed files are read as Spark reads them (by their extension)."""
    sc = spark.sparkContext
    jvm = sc._jvm  # type: ignore[attr-defined]
    conf = sc._jsc.hadoopConfiguration()  # type: ignore[union-attr]
    out: list[tuple[str, str]] = []
    for pattern in patterns:
        path = jvm.org.apache.hadoop.fs.Path(pattern)
        fs = path.getFileSystem(conf)
        statuses = fs.globStatus(path) or []
        found: list[str] = []
        for st in sorted(statuses, key=lambda s: str(s.getPath())):
            if st.isDirectory():
                kids = sorted(str(k.getPath()) for k in fs.listStatus(st.getPath()) if k.isFile())
                found += [k for k in kids if not k.rsplit("/", 1)[-1].startswith(("_", "."))]
            else:
                found.append(str(st.getPath()))
        if not found:
            raise SpecError(f"{pattern}: no such event log")
        plain = len(found) == 1 and not GLOB_CHARS & set(pattern) and "://" not in pattern
        out += [(pattern, found[0])] if plain else [(f, f) for f in found]
    return out


@dataclass
class Counters:
    lines: int = 0
    files: int = 0
    accumulator: Any = None  # Spark's count of lines read


def _sorted_inputs(
    spark: SparkSession,
    job: Job,
    logs: list[str],
    partitions: int | None,
    saved: RDD | None,
    counters: Counters,
) -> tuple[RDD, int]:
    """Steps 1-3: the shuffle items, partitioned by identity and sorted."""
    sc = spark.sparkContext
    files = list_files(spark, logs)
    counters.files = len(files)
    lines = sc.accumulator(0)

    def reader(index: int, shown: str, last: int) -> Callable[[Iterator], Iterator]:
        def read(it: Iterator) -> Iterator:
            count = [0]

            def numbered() -> Iterator:
                for x in it:
                    count[0] += 1
                    yield x

            yield from read_file(job, index, shown, numbered(), last)
            lines.add(count[0])

        return read

    parts = []
    for i, (shown, hadoop) in enumerate(files):
        numbered = sc.textFile(hadoop, minPartitions=1).zipWithIndex()
        # ``textFile`` drops line ends; the reading stage sees them as the local runner does
        # (a JSON error names its column), so the last line of a file without a final
        # newline must be known
        last = -1 if _ends_with_newline(spark, hadoop) else numbered.count() - 1
        parts.append(numbered.mapPartitions(reader(i, shown, last)))
    if saved is not None:
        parts.append(saved)
    n = partitions or sc.defaultParallelism
    items = sc.union(parts).repartitionAndSortWithinPartitions(
        n, partitionFunc=lambda key: partition_of(key, n)
    )
    counters.accumulator = lines
    return items, n


def cache(rdd: RDD) -> RDD:
    from pyspark import StorageLevel

    return rdd.persist(StorageLevel.MEMORY_AND_DISK)


def _outputs(spark: SparkSession, items: RDD, job: Job, full: bool, n: int) -> list[RDD]:
    """Steps 4-5: the outputs ``(order, (kind, data))`` sorted by order (cached: the sort
    samples them first, and the engine must run once)."""
    out = cache(items.mapPartitions(lambda it: run_partition(job, it, full)))
    return [cache(out.map(lambda o: (o[0], (o[1], o[2]))).sortByKey(numPartitions=n)), out]


def uncache(rdds: list[RDD]) -> None:
    for rdd in rdds:
        rdd.unpersist()


SPARK_TYPES = {"INTEGER": "LongType", "REAL": "DoubleType", "TEXT": "StringType"}


def schema(columns: Any) -> Any:
    """A Spark schema from ``(name, SQLite type)`` pairs."""
    from pyspark.sql import types

    return types.StructType(
        [types.StructField(n, getattr(types, SPARK_TYPES[t])(), True) for n, t in columns]
    )


def exists(spark: SparkSession, path: str) -> bool:
    sc = spark.sparkContext
    p = sc._jvm.org.apache.hadoop.fs.Path(path)  # type: ignore[attr-defined]
    return bool(p.getFileSystem(sc._jsc.hadoopConfiguration()).exists(p))  # type: ignore[union-attr]


COMPRESSED = (".gz", ".bz2", ".deflate", ".zst", ".lz4", ".snappy", ".xz")


def _ends_with_newline(spark: SparkSession, hadoop_path: str) -> bool:
    """Whether an uncompressed file ends with a newline (compressed ones are taken to)."""
    if hadoop_path.endswith(COMPRESSED):
        return True
    sc = spark.sparkContext
    path = sc._jvm.org.apache.hadoop.fs.Path(hadoop_path)  # type: ignore[attr-defined]
    fs = path.getFileSystem(sc._jsc.hadoopConfiguration())  # type: ignore[union-attr]
    size = fs.getFileStatus(path).getLen()
    if size == 0:
        return True
    stream = fs.open(path)
    try:
        stream.seek(size - 1)
        return bool(stream.read() == 10)
    finally:
        stream.close()


def make_job(
    streaming_path: str, window_path: str | None, processor: str = "simple", run: int = 0
) -> Job:
    """The specs, checked on the driver (errors before any task starts)."""
    StreamingEngine(load_streaming_file(streaming_path))  # an EngineAbort here stops the run
    if window_path:
        load_window_file(window_path)
    return Job(
        read_spec_file(streaming_path),
        streaming_path,
        read_spec_file(window_path) if window_path else None,
        window_path,
        processor == "ipfix",
        run,
    )


def bad_text(path: str, line: int, raw: str, reason: str) -> str:
    from .identities import describe_line

    return f"ERROR - {path}:{line}: {reason}: {describe_line(raw)}"


@dataclass
class SparkTransformResult:
    stderr_lines: list[str] = field(default_factory=list)
    exit_code: int = 0
    rows: int = 0
    counters: Counters = field(default_factory=Counters)


def spark_transform(
    spark: SparkSession,
    streaming_path: str,
    window_path: str | None,
    logs: list[str],
    write: Callable[[str], None],
    processor: str = "simple",
    partitions: int | None = None,
) -> SparkTransformResult:
    """``transform --runner=spark``: ``write`` gets the local runner's rows, in its order."""
    result = SparkTransformResult()
    try:
        job = make_job(streaming_path, window_path, processor)
        items, n = _sorted_inputs(spark, job, logs, partitions, None, result.counters)
    except SpecError as exc:
        result.exit_code = 1
        result.stderr_lines.append(f"error: {exc}")
        return result
    except EngineAbort as exc:
        result.exit_code = 1
        paths = [streaming_path, window_path]
        result.stderr_lines.append(abort_message(None, exc.where, exc.describe(), paths))
        return result
    # The printed rows are gathered on the driver, as the local runner holds them: each
    # partition sorts its own outputs and the driver merges the sorted runs (one job; ``run
    # --output`` is the way for outputs bigger than one machine).
    outputs = items.mapPartitions(lambda it: sorted(run_partition(job, it, False), key=_order))
    try:
        abort: tuple | None = None
        for order, kind, data in sorted(outputs.collect(), key=_order):
            if kind == ABORT:
                abort = abort or (order, data)
            elif kind == BAD:
                if abort is None or abort[0][1] != 0 or order[1] < abort[0][2]:
                    result.stderr_lines.append(bad_text(*data))
            elif abort is not None:
                break
            elif data[0] is None:  # a value JSON cannot encode: Blurr stops printing there
                result.exit_code = 1
                result.stderr_lines.append(f"error: {data[1]}")
                break
            else:
                write(data[0])
                result.rows += 1
        if abort is not None:
            result.exit_code = 1
            result.stderr_lines.append(_abort_line(abort, job))
    finally:
        result.counters.lines = result.counters.accumulator.value
    return result


def _order(output: tuple) -> tuple:
    return output[0]


def _abort_line(abort: tuple, job: Job) -> str:
    order, (identity, where, text) = abort
    if order[1] == 2:  # an event older than a continued state
        return (
            f"error: {text}: a run that continues a --state must only add later events "
            "per identity (Blurr's time order); run over all the logs instead"
        )
    return abort_message(identity, where, text, [job.streaming_path, job.window_path])


def saved_states(spark: SparkSession, state_dir: str) -> RDD:
    """The shuffle items of a ``--state`` written by an earlier run."""
    rows = spark.read.parquet(state_dir + "/identities").select("state").rdd

    def item(row: Any) -> tuple:
        st = IdentityState.loads(row[0])
        return ((1, type(st.identity).__name__, st.identity), STATE_TIME, (-1,)), st

    return rows.map(item)


__all__ = ["MARKER", "list_files", "session", "spark_transform"]
