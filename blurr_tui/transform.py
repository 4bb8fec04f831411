"""``blurr-tui transform``: Blurr 0.4.1's batch transform, row for row (§0, §10).

Reads every log, groups events by identity (first-seen order), stably sorts each identity's
events by time, runs each identity with fresh state and in-memory stores, then prints the
first store's records (or one window line per identity).  Nothing is printed when the run
aborts, as in Blurr; diagnostics go to stderr.
"""

from __future__ import annotations

import bz2
import gzip
import json
import traceback
from dataclasses import dataclass, field
from pathlib import Path
from typing import BinaryIO, cast

from .engine.errors import EngineAbort, EventRejected
from .engine.loader import SpecError, load_streaming_file, load_window_file, locate
from .engine.runtime import StreamingEngine
from .engine.spec import StreamingSpec, WindowSpec
from .engine.store import MemoryStore, RecordStore
from .engine.window import WindowTransform
from .replay.jsonline import loads_line
from .replay.reader import is_gzip


@dataclass
class TransformResult:
    stdout_lines: list[str] = field(default_factory=list)
    stderr_lines: list[str] = field(default_factory=list)
    exit_code: int = 0
    events_read: int = 0
    events_bad: int = 0


@dataclass(slots=True)
class _Group:
    identity: str
    events: list = field(default_factory=list)  # (time, seq, record, line_no)


def _describe_line(raw: bytes) -> str:
    text = raw.decode("utf-8", "replace").rstrip("\n")
    return text if len(text) <= 200 else text[:200] + "…"


def open_log(path: str) -> BinaryIO:
    """A log as binary lines; ``.gz`` (by its magic bytes) and ``.bz2`` are decompressed, as
    Blurr's smart_open does."""
    if is_gzip(path):
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


def read_groups(
    engine: StreamingEngine, paths: list[str], result: TransformResult, processor: str = "simple"
) -> dict[str, _Group]:
    groups: dict[str, _Group] = {}
    seq = 0
    ipfix = processor == "ipfix"
    for path in paths:
        with open_log(path) as fh:
            for line_no, raw in enumerate(fh, 1):
                result.events_read += 1
                try:
                    value = loads_line(raw)
                    values = ipfix_records(value) if ipfix else (value,)
                except Exception as exc:  # bad JSON, or an ipfix line of the wrong shape
                    _bad(result, path, line_no, raw, _why(exc, raw))
                    continue
                for one in values:
                    try:
                        identity, time, record = engine.read(one)
                    except EventRejected as exc:
                        _bad(result, path, line_no, raw, exc.args[0])
                        continue
                    except EngineAbort as exc:
                        exc.line = line_no
                        raise
                    group = groups.get(identity)
                    if group is None:
                        group = groups[identity] = _Group(identity)
                    group.events.append((time, seq, record, line_no))
                    seq += 1
    return groups


def _why(exc: Exception, raw: bytes) -> str:
    if not raw.strip():
        return "blank line"
    if isinstance(exc, ValueError):
        return f"invalid JSON: {exc}"
    return f"{type(exc).__name__}: {exc}"


def _bad(result: TransformResult, path: str, line_no: int, raw: bytes, reason: str) -> None:
    result.events_bad += 1
    result.stderr_lines.append(f"ERROR - {path}:{line_no}: {reason}: {_describe_line(raw)}")


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
) -> list[str]:
    engine = StreamingEngine(streaming, fast=fast)
    win: WindowTransform | None = None  # built at the first identity, as Blurr checks it there
    groups = read_groups(engine, paths, result, processor)
    rows_out: list[list] = []
    first_store = streaming.output_store
    for identity, group in groups.items():
        stores = _stores(streaming)
        run = engine.start_identity(identity, _as_records(stores))
        events = group.events
        events.sort(key=lambda e: e[0])  # stable: ties keep file order
        apply = run.apply
        line_no = 0
        try:
            for time, _seq, record, line_no in events:  # noqa: B007 (read by the handler)
                apply(record, time)
            line_no = 0
            run.finalize()
            if window is not None:
                if win is None:
                    win = WindowTransform(streaming, window)
                rows_out.append([identity, win.run(identity, _as_records(stores))])
            elif first_store is not None:
                rows_out.extend([str(key), rec] for key, rec in stores[first_store].all_records())
        except EngineAbort as exc:
            exc.identity = identity
            if line_no:
                exc.line = line_no
            raise
    # Blurr prints only after every identity ran; a value json cannot encode stops the
    # printing there, with the earlier lines already out (B-25).
    out: list[str] = []
    dumps = json.dumps
    for row in rows_out:
        try:
            out.append(dumps(row))
        except (TypeError, ValueError) as exc:
            raise _EncodeError(out, str(row[0]), exc) from exc
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
) -> TransformResult:
    """Blurr's transform; ``fast=False`` uses the interpreted field path (for comparisons);
    ``debug`` adds the Python traceback of an abort to the diagnostics."""
    result = TransformResult()
    try:
        streaming = load_streaming_file(streaming_path)
        window = load_window_file(window_path) if window_path else None
        for p in log_paths:
            if not Path(p).is_file():
                raise SpecError(f"{p}: no such event log")
        result.stdout_lines = transform(streaming, window, log_paths, result, fast, processor)
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
