"""``blurr-tui derive``: turn the records of one aggregate into a new event stream.

For every record of ``--aggregate`` (in first-save order) the Python expression ``--where``
is evaluated with the record's fields by name (datetimes as aware ``datetime`` objects),
``record``, ``as_of``, ``identity``, ``key``, ``datetime``, ``timedelta`` and ``timezone``.
Each match becomes one JSON line in subject/verb/object/context form, which a streaming BTS
can read again (``specs/derived-abandoned-streaming.yml``).

The database is opened read-only.  ``SqliteStore`` itself writes run metadata when it
opens a file, so rows are decoded here with the store's own :class:`RowCodec` (same exact
decoding as ``SqliteStore.page``/``all_records``) from the layout of the spec in
``run_meta``.
"""

from __future__ import annotations

import argparse
import builtins
import json
import sqlite3
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path
from typing import Any, TextIO

from .engine.loader import SpecError, load_streaming
from .engine.spec import FieldType, StreamingSpec
from .store.schema import RowCodec, TableLayout, layout_for, q

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
_TIME_FIELDS = frozenset({"_start_time", "_end_time"})
_BUILTINS = builtins.__dict__


class DeriveError(Exception):
    """A one-line reason why nothing can be derived (exit status 1)."""


# --- values ---------------------------------------------------------------------------------


def parse_time(text: str) -> datetime:
    """ISO-8601 text → aware datetime (naive means UTC); ValueError if not ISO-8601."""
    dt = datetime.fromisoformat(text.strip())
    return dt if dt.tzinfo is not None else dt.replace(tzinfo=UTC)


def _aware(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return parse_time(value)
        except ValueError:
            return value
    if isinstance(value, datetime) and value.tzinfo is None:
        return value.replace(tzinfo=UTC)
    return value


def epoch_ms(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(milliseconds=1)


# --- read-only store ------------------------------------------------------------------------


@dataclass(slots=True)
class _Table:
    layout: TableLayout
    codec: RowCodec
    datetime_fields: frozenset[str]


class ReadOnlyStore:
    """The records of a blurr-tui SQLite store, opened with ``mode=ro``."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        if not self.path.is_file():
            raise DeriveError(f"{path}: no such database file")
        self.conn = self._connect()
        try:
            self.meta, self._known, self.spec = self._read_meta()
        except BaseException:
            self.conn.close()
            raise
        self._tables: dict[str, _Table] = {}

    def _connect(self) -> sqlite3.Connection:
        uri = self.path.resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True)
        try:
            conn.execute("SELECT count(*) FROM sqlite_master").fetchall()
        except sqlite3.OperationalError:  # a WAL database without -shm in a read-only folder
            conn.close()
            conn = sqlite3.connect(uri + "&immutable=1", uri=True)
        except sqlite3.DatabaseError as exc:
            conn.close()
            raise DeriveError(f"{self.path}: not a blurr-tui store ({exc})") from None
        return conn

    def _read_meta(self) -> tuple[dict[str, Any], dict[str, str], StreamingSpec]:
        try:
            meta = dict(self.conn.execute("SELECT key, value FROM run_meta"))
            known = dict(self.conn.execute("SELECT aggregate, table_name FROM aggregates"))
        except sqlite3.DatabaseError as exc:
            raise DeriveError(f"{self.path}: not a blurr-tui store ({exc})") from None
        text = meta.get("streaming_spec_text")
        if not isinstance(text, str):
            raise DeriveError(f"{self.path}: run_meta holds no streaming spec text")
        try:
            spec = load_streaming(text, str(meta.get("streaming_spec_path") or "<run_meta>"))
        except SpecError as exc:
            raise DeriveError(
                f"{self.path}: the spec in run_meta cannot be loaded: {exc}"
            ) from None
        return meta, known, spec

    def close(self) -> None:
        self.conn.close()

    def aggregates(self) -> list[str]:
        """The aggregates that have a table in the database, spec order first."""
        order = [a.name for a in self.spec.aggregates if a.name in self._known]
        return order + sorted(set(self._known) - set(order))

    def table(self, aggregate: str) -> _Table:
        t = self._tables.get(aggregate)
        if t is not None:
            return t
        if aggregate not in self._known:
            names = ", ".join(self.aggregates()) or "(none)"
            raise DeriveError(
                f"no aggregate {aggregate!r} in {self.path.name}; aggregates: {names}"
            )
        agg = next((a for a in self.spec.aggregates if a.name == aggregate), None)
        layout = layout_for(agg, aggregate, set(), self._known[aggregate])
        have = [r[1] for r in self.conn.execute(f"PRAGMA table_info({q(layout.table)})")]
        if have != list(layout.create_columns()):
            raise DeriveError(
                f"table {layout.table!r} does not match the spec in run_meta "
                f"(columns {have}, expected {list(layout.create_columns())})"
            )
        dts = {c.field for c in layout.columns if c.ftype is FieldType.DATETIME}
        t = _Table(layout, RowCodec(layout), frozenset(dts | _TIME_FIELDS))
        self._tables[aggregate] = t
        return t

    def records(self, aggregate: str) -> Iterator[tuple[str, dict]]:
        """(key text, snapshot) of every record of ``aggregate`` in ``_seq`` order."""
        t = self.table(aggregate)
        cols = "".join(", " + q(c.field) for c in t.layout.columns)
        sql = f"SELECT _key, _extra, _identity{cols} FROM {q(t.layout.table)} ORDER BY _seq"
        for row in self.conn.execute(sql):
            yield row[0], t.codec.decode(row[2], row[3:], row[1])

    def decoded(self, aggregate: str, snapshot: dict) -> dict:
        """The snapshot with its datetime fields as aware datetimes."""
        dts = self.table(aggregate).datetime_fields
        return {k: (_aware(v) if k in dts else v) for k, v in snapshot.items()}

    def last_event_time(self) -> datetime | None:
        """run_meta's ``last_event_time`` (written by the replay pipeline), if readable."""
        value = _aware(self.meta.get("last_event_time"))
        return value if isinstance(value, datetime) else None

    def max_end_time(self) -> datetime | None:
        """The latest ``_end_time`` over every Block/Activity table."""
        best: datetime | None = None
        for name in self.aggregates():
            try:
                if not self.table(name).layout.has_instant:
                    continue
            except DeriveError:  # a table this spec does not describe: not ours to read
                continue
            for _key, snap in self.records(name):
                end = _aware(snap.get("_end_time"))
                if isinstance(end, datetime) and (best is None or end > best):
                    best = end
        return best


# --- deriving -------------------------------------------------------------------------------


def compile_condition(where: str) -> Any:
    try:
        return compile(where, "<--where>", "eval")
    except (SyntaxError, ValueError) as exc:  # ValueError: NUL characters
        msg = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        col = f" at column {exc.offset}" if isinstance(exc, SyntaxError) and exc.offset else ""
        raise DeriveError(
            f"--where {where!r} is not a valid Python expression: {msg}{col}"
        ) from None


@dataclass(slots=True)
class DeriveStats:
    records: int = 0
    derived: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    def skipped_summary(self) -> str:
        n = sum(self.errors.values())
        parts = [
            f"{msg} ({c})" if len(self.errors) > 1 else msg for msg, c in self.errors.most_common(3)
        ]
        more = f", {len(self.errors) - 3} other errors" if len(self.errors) > 3 else ""
        return f"{n} record{'s' if n != 1 else ''} skipped: {'; '.join(parts)}{more}"


def derive_events(
    store: ReadOnlyStore, aggregate: str, code: Any, verb: str, as_of: datetime, stats: DeriveStats
) -> Iterator[dict]:
    """The derived events of ``aggregate``'s records matching ``code``, in ``_seq`` order."""
    source = store.path.name
    for key, snap in store.records(aggregate):
        stats.records += 1
        rec = store.decoded(aggregate, snap)
        ident = rec.get("_identity")
        ns: dict[str, Any] = {"__builtins__": _BUILTINS, **rec}
        ns.update(
            record=rec, as_of=as_of, identity=ident, key=key,
            datetime=datetime, timedelta=timedelta, timezone=timezone,
        )  # fmt: skip
        try:
            matched = bool(eval(code, ns))
        except Exception as exc:
            stats.errors[f"{type(exc).__name__}: {exc}".splitlines()[0][:200]] += 1
            continue
        if not matched:
            continue
        end = rec.get("_end_time")
        at = end if isinstance(end, datetime) else as_of
        obj: dict[str, Any] = {"type": aggregate, "id": key}
        obj.update((k, v) for k, v in snap.items() if k not in ("type", "id"))
        stats.derived += 1
        yield {
            "subject": {"type": "identity", "id": ident},
            "verb": verb,
            "object": obj,
            "context": {
                "at": epoch_ms(at),
                "at_iso": at.isoformat(),
                "caused_by": key,
                "derived_from": source,
            },
        }


def resolve_as_of(store: ReadOnlyStore, text: str | None, err: TextIO) -> datetime:
    if text:
        try:
            return parse_time(text)
        except ValueError:
            raise DeriveError(f"--as-of {text!r} is not an ISO-8601 time") from None
    last = store.last_event_time()
    if last is not None:
        return last
    end = store.max_end_time()
    if end is not None:
        print(
            f"note: {store.path.name} records no last_event_time; as of = latest _end_time "
            f"in the store ({end.isoformat()})",
            file=err,
        )
        return end
    now = datetime.now(UTC)
    print(f"note: {store.path.name} holds no event time; as of = now ({now.isoformat()})", file=err)
    return now


def run_derive(
    db: str, aggregate: str, where: str, verb: str, as_of: str | None,
    out: TextIO | str, err: TextIO,
) -> DeriveStats:  # fmt: skip
    """Validate, then write the derived events to ``out`` (a stream or a file path, opened
    only once everything is valid); raises :class:`DeriveError`."""
    code = compile_condition(where)
    store = ReadOnlyStore(db)
    try:
        store.table(aggregate)  # unknown aggregate: fail before writing anything
        when = resolve_as_of(store, as_of, err)
        stats = DeriveStats()
        if isinstance(out, str):
            with open(out, "w", encoding="utf-8", newline="\n") as fh:
                _write(derive_events(store, aggregate, code, verb, when, stats), fh)
        else:
            _write(derive_events(store, aggregate, code, verb, when, stats), out)
            out.flush()
    finally:
        store.close()
    if stats.errors:
        print(stats.skipped_summary(), file=err)
    print(
        f"{stats.derived} derived events from {stats.records} records of {aggregate} "
        f"(as of {when.isoformat()})",
        file=err,
    )
    return stats


def _write(events: Iterator[dict], out: TextIO) -> None:
    dumps = json.dumps
    for event in events:
        out.write(dumps(event, default=str))
        out.write("\n")


# --- command line ---------------------------------------------------------------------------


def cmd_derive(args: argparse.Namespace) -> int:
    err = sys.stderr
    try:
        out = args.out or sys.stdout
        run_derive(args.db, args.aggregate, args.where, args.verb, args.as_of, out, err)
    except DeriveError as exc:
        print(f"error: {exc}", file=err)
        return 1
    except OSError as exc:
        print(f"error: {exc.filename or args.out}: {exc.strerror}", file=err)
        return 1
    return 0


def add_derive_parser(subparsers: Any) -> argparse.ArgumentParser:
    """Register ``derive`` on the CLI's subparsers (``func=cmd_derive``)."""
    p = subparsers.add_parser(
        "derive",
        help="derive an event stream (JSON lines) from the records of one aggregate",
        description=(
            "Evaluate CONDITION (a Python expression over the record's fields, record, "
            "as_of, identity, key, datetime, timedelta, timezone) for every record of an "
            "aggregate and print one subject/verb/object/context event per match."
        ),
    )
    p.add_argument("db", metavar="DB", help="SQLite store written by blurr-tui")
    p.add_argument("--aggregate", "-a", required=True, metavar="A", help="aggregate to read")
    p.add_argument("--where", "-w", required=True, metavar="CONDITION", help="Python expression")
    p.add_argument("--verb", required=True, metavar="VERB", help="verb of the derived events")
    p.add_argument(
        "--as-of",
        dest="as_of",
        metavar="TIME",
        help="ISO-8601 time for as_of (naive = UTC); default: the last event of the log",
    )
    p.add_argument("--out", "-o", metavar="FILE", help="write the events here, not stdout")
    p.set_defaults(func=cmd_derive)
    return p
