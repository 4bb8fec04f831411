"""``blurr-tui transform``: Blurr 0.4.1's batch transform, row for row (§0, §10).

Reads every log, groups events by identity (first-seen order), stably sorts each identity's
events by time, runs each identity with fresh state and in-memory stores, then prints the
first store's records (or one window line per identity).  Nothing is printed when the run
aborts, as in Blurr; diagnostics go to stderr.
"""

from __future__ import annotations

import bz2
import functools
import gzip
import json
import traceback
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import BinaryIO, cast

from orjson import JSONDecodeError
from orjson import loads as orjson_loads

from .engine.errors import EngineAbort, EventRejected
from .engine.fields import encode_extra
from .engine.loader import SpecError, load_streaming_file, load_window_file, locate
from .engine.runtime import StreamingEngine
from .engine.spec import StreamingSpec, WindowSpec
from .engine.store import MemoryStore, RecordStore
from .engine.window import WindowTransform
from .parallel import WorkerFailed, default_jobs, owner
from .replay.jsonline import checked_event, loads_event
from .replay.swallowed import SwallowedErrors, listener


@dataclass
class TransformResult:
    stdout_lines: list[str] = field(default_factory=list)
    stderr_lines: list[str] = field(default_factory=list)
    exit_code: int = 0
    events_read: int = 0
    events_bad: int = 0
    # where each bad-line message of stderr_lines comes from: (file index, line, record)
    bad_at: list[tuple[int, int, int]] = field(default_factory=list)
    swallowed: SwallowedErrors | None = None  # a parallel part's swallowed exceptions


@dataclass(slots=True)
class _Group:
    identity: str
    first: tuple[int, int, int]  # (file index, line, record in line) of its first event
    events: list = field(default_factory=list)  # (time, record, line_no)


def _describe_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").rstrip("\n")
    return text if len(text) <= 200 else text[:200] + "…"


def open_log(path: str) -> BinaryIO:
    """A log as binary lines; ``.gz`` and ``.bz2`` are decompressed, chosen by the file's
    extension as Blurr's smart_open does (R-13: gzip content in a file not named ``.gz`` is
    read as it is; a plain file named ``.gz`` cannot be read)."""
    if path.endswith(".gz"):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    if path.endswith(".bz2"):
        return bz2.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb")


IPFIX_NAMES = {
    4: "protocol",
    12: "dest_ip",
    56: "source_mac",
    182: "source_port",
    183: "dest_port",
    150: "timestamp",
}


def ipfix_records(value: object) -> list[dict]:
    """Blurr's ``ipfix`` data processor (§10.2): one record per data set that has a source
    MAC; element ids map to names where known, other ids stay integer keys."""
    if not isinstance(value, dict):
        return []
    out = []
    for data_set in value.get("DataSets", []):
        record = {IPFIX_NAMES.get(e.get("I", 0), e.get("I", 0)): e["V"] for e in data_set}
        if "source_mac" in record:
            out.append(record)
    return out


def _log_lines(path: str) -> Iterator[bytes]:
    """The lines of one log; a file its extension misdescribes is one clear error."""
    try:
        with open_log(path) as fh:
            yield from fh
    except (OSError, EOFError) as exc:  # a plain file named .gz, a truncated archive
        raise SpecError(f"{path}: cannot be read as its extension says: {exc}") from None


# Blurr's JSON encoder: what json cannot write, a Decimal for one, as Blurr writes it.
dumps_row = functools.partial(json.dumps, default=encode_extra)


def read_groups(
    engine: StreamingEngine,
    paths: list[str],
    result: TransformResult,
    processor: str = "simple",
    part: tuple[int, int] = (0, 1),
) -> dict[str, _Group]:
    """Every log's events grouped by identity (first-seen order), bad lines reported.

    ``part=(k, n)``: only the identities worker ``k`` of ``n`` owns (see parallel); a bad line
    is reported by exactly one worker: the owner of its identity when it has one, else 0.
    """
    groups: dict[str, _Group] = {}
    ipfix = processor == "ipfix"
    k, n = part
    peek = engine.plain_identity if n > 1 else None
    # Another worker's line is dropped right after orjson reads it: its identity (a string
    # orjson and json.loads read alike) is all this worker needs from it.
    skip = peek is not None and not ipfix and engine.has_plain_read
    read = engine.read
    for fi, path in enumerate(paths):
        line_no = 0
        for line_no, raw in enumerate(_log_lines(path), 1):  # noqa: B007 (counted after the loop)
            pre = None
            if skip:
                try:
                    pre = orjson_loads(raw)
                except JSONDecodeError:
                    pre = None
                if type(pre) is dict:
                    ident = peek(pre)  # type: ignore[misc]
                    if ident is not None and hash(ident) % n != k:
                        continue
            try:
                value, flat = loads_event(raw) if pre is None else checked_event(pre, raw)
                values = ipfix_records(value) if ipfix else (value,)
            except Exception as exc:  # bad JSON, or an ipfix line of the wrong shape
                if k == 0:
                    _bad(result, path, line_no, raw, _why(exc, raw), (fi, line_no, 0))
                continue
            for sub, one in enumerate(values):
                owned = False
                if peek is not None:
                    ident = peek(one)
                    if ident is not None:
                        if hash(ident) % n != k:  # parallel.owner, inlined
                            continue
                        owned = True
                try:
                    identity, time, record = read(one, flat and not ipfix)
                except EventRejected as exc:
                    if owned or k == 0:
                        _bad(result, path, line_no, raw, exc.args[0], (fi, line_no, sub))
                    continue
                except EngineAbort as exc:
                    exc.line = line_no
                    raise
                if n > 1 and not owned and owner(identity, n) != k:
                    continue
                group = groups.get(identity)
                if group is None:
                    group = groups[identity] = _Group(identity, (fi, line_no, sub))
                group.events.append((time, record, line_no))
        result.events_read += line_no
    return groups


def _why(exc: Exception, raw: bytes) -> str:
    if not raw.strip():
        return "blank line"
    if isinstance(exc, ValueError):
        return f"invalid JSON: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _bad(
    result: TransformResult,
    path: str,
    line_no: int,
    raw: bytes,
    reason: str,
    at: tuple[int, int, int],
) -> None:
    result.events_bad += 1
    result.stderr_lines.append(f"ERROR - {path}:{line_no}: {reason}: {_describe_line(raw)}")
    result.bad_at.append(at)


def _stores(spec: StreamingSpec) -> dict[str, MemoryStore]:
    return {s.name: MemoryStore() for s in spec.stores}


def _as_records(stores: dict[str, MemoryStore]) -> dict[str, RecordStore]:
    """The same dict, typed as the engine takes it (``dict`` is invariant)."""
    return cast("dict[str, RecordStore]", stores)


def transform(
    streaming: StreamingSpec,
    window: WindowSpec | None,
    paths: list[str],
    result: TransformResult,
    fast: bool = True,
    processor: str = "simple",
    jobs: int = 1,
) -> list[str]:
    """The output lines; ``jobs > 1`` splits the identities across that many processes
    (same lines, same order; a run that aborts is run again in one process, so its
    messages are exactly those of one process)."""
    if jobs > 1:
        try:
            from .transform_jobs import transform_parallel

            return transform_parallel(streaming, window, paths, result, fast, processor, jobs)
        except WorkerFailed:
            pass
    engine = StreamingEngine(streaming, fast=fast)
    groups = read_groups(engine, paths, result, processor)
    swallowed = SwallowedErrors(streaming, keep_rows=False)
    current: list = [None, [], None]  # identity, its sorted events, its run
    engine.on_swallowed = listener(swallowed, current)
    per_identity = _identity_rows(engine, window, groups, current)
    rows_out = [row for _first, rows in per_identity for row in rows]
    result.stderr_lines.extend(swallowed.report())  # Blurr is silent about them
    # Blurr prints only after every identity ran; a value json cannot encode stops the
    # printing there, with the earlier lines already out (B-25).
    out: list[str] = []
    dumps = dumps_row
    for row in rows_out:
        try:
            out.append(dumps(row))
        except (TypeError, ValueError) as exc:
            raise _EncodeError(out, str(row[0]), exc) from exc
    return out


def _identity_rows(
    engine: StreamingEngine,
    window: WindowSpec | None,
    groups: dict[str, _Group],
    current: list | None = None,
) -> list[tuple[tuple[int, int, int], list[list]]]:
    """Each identity run alone over its events in time order: (first seen, its rows)."""
    streaming = engine.spec
    win: WindowTransform | None = None  # built at the first identity, as Blurr checks it there
    out: list[tuple[tuple[int, int, int], list[list]]] = []
    first_store = streaming.output_store
    for identity, group in groups.items():
        stores = _stores(streaming)
        run = engine.start_identity(identity, _as_records(stores))
        events = group.events
        if current is not None:  # who and where, for the swallowed-error summary
            current[:] = [identity, events, run]
        events.sort(key=itemgetter(0))  # stable: ties keep file order
        apply = run.apply
        line_no = 0
        try:
            for time, record, line_no in events:  # noqa: B007 (read by the handler)
                apply(record, time)
            line_no = 0
            run.finalize()
            if window is not None:
                if win is None:
                    win = WindowTransform(streaming, window)
                out.append((group.first, [[identity, win.run(identity, _as_records(stores))]]))
            elif first_store is not None:
                recs = stores[first_store].all_records()
                out.append((group.first, [[str(key), rec] for key, rec in recs]))
        except EngineAbort as exc:
            exc.identity = identity
            if line_no:
                exc.line = line_no
            raise
    return out


class _EncodeError(Exception):
    def __init__(self, lines: list[str], key: str, exc: Exception) -> None:
        super().__init__(str(exc))
        self.lines = lines
        self.identity = key


def run_transform(
    streaming_path: str,
    window_path: str | None,
    log_paths: list[str],
    fast: bool = True,
    debug: bool = False,
    processor: str = "simple",
    jobs: int | None = None,
) -> TransformResult:
    """Blurr's transform; ``fast=False`` uses the interpreted field path (for comparisons);
    ``debug`` adds the Python traceback of an abort to the diagnostics; ``jobs``: worker
    processes (None: one per core, or one for a small log)."""
    result = TransformResult()
    try:
        streaming = load_streaming_file(streaming_path)
        window = load_window_file(window_path) if window_path else None
        for p in log_paths:
            if not Path(p).is_file():
                raise SpecError(f"{p}: no such event log")
        n = default_jobs(log_paths, jobs)
        result.stdout_lines = transform(streaming, window, log_paths, result, fast, processor, n)
    except SpecError as exc:
        result.exit_code = 1
        result.stdout_lines = []
        result.stderr_lines.append(f"error: {exc}")
    except EngineAbort as exc:
        result.exit_code = 1
        result.stdout_lines = []
        who = f" (identity {exc.identity!r})" if exc.identity else ""
        if debug:
            result.stderr_lines.extend(
                "".join(traceback.format_exception(exc.__cause__ or exc)).rstrip().splitlines()
            )
        loc = locate(exc.where, [streaming_path, window_path])
        result.stderr_lines.append(
            f"error: run aborted, as Blurr 0.4.1 aborts{who}: "
            + (f"{loc}: " if loc else "")
            + exc.describe()
        )
    except _EncodeError as exc:
        # Blurr prints the rows before the one that cannot be encoded, then crashes.
        result.exit_code = 1
        result.stdout_lines = exc.lines
        result.stderr_lines.append(
            f"error: the row {exc.identity!r} cannot be written as JSON: {exc}"
        )
    return result
