"""``blurr-tui derive``: turn the records of one aggregate into a new event stream.

For every record of ``--aggregate`` (in first-save order) the Python expression ``--where``
is evaluated with the record's fields by name (datetimes as aware ``datetime`` objects),
``record``, ``as_of``, ``identity``, ``key``, ``datetime``, ``timedelta`` and ``timezone``.
Each match becomes one JSON line in the shape of the log the database was built from
(:mod:`blurr_tui.derive_shape`), which a streaming BTS can read again
(``specs/derived-abandoned-streaming.yml``).  ``--follow`` keeps deriving as a ``run
--follow`` beside it fills the database (:mod:`blurr_tui.derive_follow`).

The database is opened read-only (:class:`~blurr_tui.store.readonly.ReadOnlyStore`).
"""

from __future__ import annotations

import argparse
import ast
import builtins
import json
import sys
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta, timezone
from typing import TYPE_CHECKING, Any, TextIO

from .derive_shape import EventShape, learn_shape

if TYPE_CHECKING:  # the store is imported when the command runs, so the CLI starts fast
    from .store.readonly import ReadOnlyStore

_BUILTINS = builtins.__dict__
PROVIDED = ("record", "as_of", "identity", "key", "datetime", "timedelta", "timezone")


# --- the condition ----------------------------------------------------------------------------


def compile_condition(where: str) -> Any:
    from .store.readonly import DeriveError

    try:
        return compile(where, "<--where>", "eval")
    except (SyntaxError, ValueError) as exc:  # ValueError: NUL characters
        msg = exc.msg if isinstance(exc, SyntaxError) else str(exc)
        col = f" at column {exc.offset}" if isinstance(exc, SyntaxError) and exc.offset else ""
        raise DeriveError(
            f"--where {where!r} is not a valid Python expression: {msg}{col}"
        ) from None


def unknown_names(where: str, known: set[str]) -> list[str]:
    """The names ``where`` reads that are neither in ``known``, provided, nor builtins
    (names bound inside it, by a comprehension or a lambda, are its own)."""
    bound: set[str] = set()
    used: set[str] = set()
    for node in ast.walk(ast.parse(where, mode="eval")):
        if isinstance(node, ast.Name):
            (used if isinstance(node.ctx, ast.Load) else bound).add(node.id)
        elif isinstance(node, ast.arg):
            bound.add(node.arg)
    return sorted(used - known - bound - set(PROVIDED) - set(_BUILTINS))


def check_names(store: ReadOnlyStore, aggregate: str, where: str) -> None:
    """Refuse a condition that names a column the aggregate does not have."""
    from .store.readonly import DeriveError

    columns = store.column_names(aggregate)
    unknown = unknown_names(where, set(columns))
    if unknown:
        names = ", ".join(repr(n) for n in unknown)
        raise DeriveError(
            f"--where uses {names}, which {'is' if len(unknown) == 1 else 'are'} not "
            f"a column of {aggregate} (columns: {', '.join(columns)}; also: "
            f"{', '.join(PROVIDED)})"
        )


# --- deriving ---------------------------------------------------------------------------------


@dataclass(slots=True)
class DeriveStats:
    records: int = 0
    derived: int = 0
    errors: Counter[str] = field(default_factory=Counter)

    @property
    def all_failed(self) -> bool:
        return self.records > 0 and sum(self.errors.values()) == self.records

    def skipped_summary(self) -> str:
        n = sum(self.errors.values())
        parts = [
            f"{msg} ({c})" if len(self.errors) > 1 else msg for msg, c in self.errors.most_common(3)
        ]
        more = f", {len(self.errors) - 3} other errors" if len(self.errors) > 3 else ""
        return f"{n} record{'s' if n != 1 else ''} skipped: {'; '.join(parts)}{more}"


@dataclass(frozen=True, slots=True)
class Match:
    key: str
    identity: object
    snapshot: dict
    last: datetime  # the record's last interaction (_end_time), else as_of


def matching_records(
    store: ReadOnlyStore, aggregate: str, code: Any, as_of: datetime, stats: DeriveStats
) -> Iterator[Match]:
    """The records of ``aggregate`` for which ``code`` is true, in ``_seq`` order."""
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
        if matched:
            end = rec.get("_end_time")
            yield Match(key, ident, snap, end if isinstance(end, datetime) else as_of)


def derived_event(shape: EventShape, aggregate: str, verb: str, m: Match, now: datetime) -> dict:
    obj: dict[str, Any] = {"type": aggregate, "id": m.key}
    obj.update((k, v) for k, v in m.snapshot.items() if k not in ("type", "id"))
    return shape.event(verb, m.identity, obj, m.last, m.key, now)


def derive_events(
    store: ReadOnlyStore, aggregate: str, code: Any, verb: str, as_of: datetime, stats: DeriveStats,
    shape: EventShape | None = None,
) -> Iterator[dict]:  # fmt: skip
    """The derived events of ``aggregate``'s records matching ``code``, in ``_seq`` order."""
    shape = shape if shape is not None else learn_shape(store.meta.get("log_path"))
    now = datetime.now(UTC)
    for m in matching_records(store, aggregate, code, as_of, stats):
        stats.derived += 1
        yield derived_event(shape, aggregate, verb, m, now)


def resolve_as_of(store: ReadOnlyStore, text: str | None, err: TextIO) -> datetime:
    from .store.readonly import DeriveError, parse_time

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
    from .store.readonly import DeriveError, ReadOnlyStore

    code = compile_condition(where)
    store = ReadOnlyStore(db)
    try:
        store.table(aggregate)  # unknown aggregate: fail before writing anything
        check_names(store, aggregate, where)
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
    if stats.all_failed:
        raise DeriveError(f"--where {where!r} failed on every record of {aggregate}")
    return stats


def _write(events: Iterator[dict], out: TextIO) -> None:
    dumps = json.dumps
    for event in events:
        out.write(dumps(event, default=str))
        out.write("\n")


# --- command line ---------------------------------------------------------------------------


def cmd_derive(args: argparse.Namespace) -> int:
    from .store.readonly import DeriveError

    err = sys.stderr
    if args.follow:
        if not args.out or args.as_of:
            print("error: --follow needs --out FILE (its own ledger) and no --as-of", file=err)
            return 1
        from .derive_follow import cmd_follow

        try:
            return cmd_follow(args, err)
        except DeriveError as exc:
            print(f"error: {exc}", file=err)
            return 1
    try:
        out = args.out or sys.stdout
        run_derive(args.db, args.aggregate, args.where, args.verb, args.as_of, out, err)
    except DeriveError as exc:
        print(f"error: {exc}", file=err)
        return 1
    except BrokenPipeError:
        raise  # `derive ... | head`: the CLI ends quietly
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
    p.add_argument(
        "--follow",
        action="store_true",
        help="keep deriving as `run --follow` fills DB, appending each event to --out once",
    )
    p.add_argument(
        "--poll", type=float, default=1.0, metavar="SECONDS", help="--follow: seconds between looks"
    )
    p.set_defaults(func=cmd_derive)
    return p
