"""SQLite implementation of the engine's ``RecordStore`` (see :mod:`.schema` for the layout).

Semantics match :class:`blurr_tui.engine.store.MemoryStore`: one position (``_seq``) per key,
assigned at its first save (or :meth:`reserve`); later saves update the row in place and keep
the first key text; timestamp keys compare by instant.  ``lookup -> _seq`` is kept in memory
per identity, loaded on the identity's first use and dropped by :meth:`forget` when the
identity leaves memory (flat memory: nothing grows with the number of identities), so a save
is one prepared upsert.  Batch saves between :meth:`begin` and :meth:`commit`; the
connection runs in autocommit mode otherwise.  Not safe for several
writers on one file; one writer thread plus readers through the same object is fine (calls
are serialised by a lock).
"""

from __future__ import annotations

import hashlib
import heapq
import json
import sqlite3
import threading
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import cast

import sqlite_utils
from sqlite_utils.db import Table

from ..engine.keys import Key
from ..engine.spec import StreamingSpec, WindowSpec
from .extras import BadEventsMixin, RunMetaMixin, SwallowedMixin, WindowRowsMixin
from .history_log import HistoryLog
from .identities import IdentityStates
from .schema import (
    SCHEMA_VERSION,
    RowCodec,
    TableLayout,
    dumps_tagged,
    instant_prefix,
    instant_text,
    is_stored,
    layout_for,
    lookup_text,
    q,
    safe_text,
    safe_value,
)

CACHE_MB = 64
_BIND_ERRORS = (UnicodeEncodeError, OverflowError, sqlite3.InterfaceError, sqlite3.ProgrammingError)


def tool_version() -> str:
    try:
        from .. import __version__  # type: ignore[attr-defined]
    except ImportError:  # an editable install that sees blurr_tui as a namespace package
        from importlib.metadata import version

        return version("blurr_tui")
    return __version__


class SpecMismatchError(Exception):
    """The database was written from another streaming spec (or an incompatible schema)."""


def sha256_text(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()


def log_head_sha256(path: str | Path, head_bytes: int = 64 * 1024) -> str:
    """sha256 of the first ``head_bytes`` of the file as stored (detects rewritten logs)."""
    with open(path, "rb") as fh:
        return hashlib.sha256(fh.read(head_bytes)).hexdigest()


@dataclass(slots=True)
class _Group:
    layout: TableLayout
    codec: RowCodec
    insert: str  # an upsert by _seq: the first key text and _lookup stay
    select: str  # "SELECT _seq, _key, _lookup, _extra, _identity, <cols> FROM t"
    output: bool


class SqliteStore(WindowRowsMixin, BadEventsMixin, RunMetaMixin, SwallowedMixin):
    def __init__(
        self,
        path_or_conn: str | Path | sqlite3.Connection,
        streaming: StreamingSpec,
        window: WindowSpec | None = None,
        *,
        history: bool = False,
    ) -> None:
        if isinstance(path_or_conn, sqlite3.Connection):
            self.conn = path_or_conn
        else:
            self.conn = sqlite3.connect(str(path_or_conn), check_same_thread=False)
        self.conn.isolation_level = None  # autocommit; explicit BEGIN/COMMIT
        self._lock = threading.RLock()
        self.streaming = streaming
        self.window = window
        self.db = sqlite_utils.Database(self.conn)
        if self.conn.execute("PRAGMA database_list").fetchone()[2]:  # a file
            self.conn.execute("PRAGMA journal_mode=WAL")
        self.conn.execute("PRAGMA synchronous=NORMAL")
        # Random-key inserts (the _lookup index, _identities) touch pages all over a big file:
        # a page cache of CACHE_MB keeps them in memory (bounded, whatever the identities).
        self.conn.execute(f"PRAGMA cache_size=-{CACHE_MB * 1024}")
        self._create_fixed_tables()
        self._check_spec_meta()
        self._groups: dict[str, _Group] = {}
        self._keys: dict[str, dict[tuple, int]] = {}  # identity -> lookup -> _seq
        self._next_seq = 1
        self._open_tables()
        self._init_keys()
        self._open_window_rows()
        self._open_swallowed()
        self.history = history or bool(self.get_meta().get("history"))
        if self.history:
            self.set_meta(history=1)
        self.identities = IdentityStates(self.conn, self._lock, self.history)
        self.history_log = HistoryLog(self) if self.history else None
        if self.history_log is not None:
            for g in self._groups.values():
                self.history_log.ensure_table(g.layout.aggregate)

    # --- setup ----------------------------------------------------------------------------

    def _create_fixed_tables(self) -> None:
        db = self.db
        cast(Table, db["run_meta"]).create({"key": str, "value": str}, pk="key", if_not_exists=True)
        cols = {"id": int, "line": int, "byte_offset": int, "raw": str, "reason": str}
        cast(Table, db["bad_events"]).create(cols, pk="id", if_not_exists=True)
        cols = {"aggregate": str, "table_name": str, "kind": str, "store": str}
        cols.update(is_output=int, fields=str)
        cast(Table, db["aggregates"]).create(cols, pk="aggregate", if_not_exists=True)

    def _check_spec_meta(self) -> None:
        meta = self.get_meta()
        s_hash = sha256_text(self.streaming.text)
        old = meta.get("streaming_spec_sha256")
        if old is not None and old != s_hash:
            raise SpecMismatchError(
                "this database was written from another streaming spec "
                f"(sha256 {cast(str, old)[:12]}…, this spec {s_hash[:12]}…); use a new database file"
            )
        if meta.get("schema_version", SCHEMA_VERSION) != SCHEMA_VERSION:
            raise SpecMismatchError(f"unsupported store schema version {meta['schema_version']}")
        w_text = self.window.text if self.window is not None else None
        w_hash = sha256_text(w_text) if w_text is not None else None
        if old is not None and meta.get("window_spec_sha256") != w_hash:
            self.conn.execute("DROP TABLE IF EXISTS window_rows")  # rows of another window spec
            self.set_meta(window_columns=None)
        self.set_meta(
            schema_version=SCHEMA_VERSION,
            tool_version=tool_version(),
            streaming_spec_path=self.streaming.path,
            streaming_spec_text=self.streaming.text,
            streaming_spec_sha256=s_hash,
            window_spec_path=self.window.path if self.window is not None else None,
            window_spec_text=w_text,
            window_spec_sha256=w_hash,
        )

    def _open_tables(self) -> None:
        known = {
            r[0]: r[1] for r in self.conn.execute("SELECT aggregate, table_name FROM aggregates")
        }
        for agg in self.streaming.aggregates:
            if is_stored(agg):
                self._open_group(agg.name, known.get(agg.name))
        for group, table in known.items():
            if group not in self._groups:
                self._open_group(group, table)

    def _open_group(self, group: str, table: str | None = None) -> _Group:
        agg = next((a for a in self.streaming.aggregates if a.name == group), None)
        taken = {t.lower() for t in self.db.table_names()}
        layout = layout_for(agg, group, taken, table)
        cols = layout.create_columns()
        t = cast(Table, self.db[layout.table])
        if t.exists():
            have = list(t.columns_dict)
            if have != list(cols):
                raise SpecMismatchError(
                    f"table {layout.table!r} has columns {have}, expected {list(cols)}"
                )
        else:
            t.create(cols, pk="_seq", not_null={"_key", "_lookup"})
            t.create_index(["_lookup"], unique=True)
            t.create_index(["_identity", "_seq"])
        view = q(layout.table + "_view")  # for people: the record without internal columns
        shown = ["_key", "_identity", *(c.field for c in layout.columns)]
        self.conn.execute(
            f"CREATE VIEW IF NOT EXISTS {view} AS SELECT {', '.join(map(q, shown))} FROM {q(layout.table)}"
        )
        output = layout.store is not None and layout.store == self.streaming.output_store
        row = (group, layout.table, layout.kind, layout.store, int(output))
        self.conn.execute(  # raw SQL: sqlite-utils' upsert would commit an open batch
            "INSERT OR REPLACE INTO aggregates VALUES (?, ?, ?, ?, ?, ?)",
            (*row, json.dumps(list(layout.snapshot_keys))),
        )
        ins_cols = list(cols)
        value_cols = [c.field for c in layout.columns] + ["_extra"]
        tq = q(layout.table)
        g = _Group(
            layout,
            RowCodec(layout),
            f"INSERT INTO {tq} ({', '.join(map(q, ins_cols))}) VALUES ({', '.join('?' * len(ins_cols))})"
            f" ON CONFLICT(_seq) DO UPDATE SET {', '.join(q(c) + ' = excluded.' + q(c) for c in value_cols)}",
            "SELECT _seq, _key, _lookup, _extra, _identity"
            + "".join(", " + q(c.field) for c in layout.columns)
            + f" FROM {tq}",
            output,
        )
        self._groups[group] = g
        return g

    def group(self, name: str) -> _Group:
        """The table of aggregate ``name`` (created for a group the spec does not name)."""
        return self._groups.get(name) or self._open_group(name)

    def _init_keys(self) -> None:
        top = 0
        for g in self._groups.values():
            row = self.conn.execute(f"SELECT max(_seq) FROM {q(g.layout.table)}").fetchone()
            top = max(top, row[0] or 0)
        self._next_seq = top + 1
        self._keys = {}
        self._may_have_rows = top > 0  # False: an identity not in _keys has no rows

    def _keys_of(self, identity: str) -> dict[tuple, int]:
        """``lookup -> _seq`` of ``identity``'s records (read from the tables once)."""
        keys = self._keys.get(identity)
        if keys is None:
            keys = self._keys[identity] = {}
            if self._may_have_rows:
                ident = safe_text(identity)
                for group, g in self._groups.items():
                    sql = f"SELECT _seq, _key, _lookup FROM {q(g.layout.table)} WHERE _identity = ?"
                    for seq, key_text, lk in self.conn.execute(sql, (ident,)):
                        k = _key_from(group, key_text, lk)
                        if k.identity == identity:
                            keys[k.lookup] = seq
        return keys

    @property
    def last_seq(self) -> int:
        """The highest ``_seq`` given to a record so far."""
        return self._next_seq - 1

    def forget(self, identities: Iterable[str]) -> list[int]:
        """Drop what is kept in memory about ``identities`` (their rows stay in the tables);
        the ``_seq`` of their records."""
        seqs: list[int] = []
        with self._lock:
            for identity in identities:
                keys = self._keys.pop(identity, None)
                if keys is not None:
                    seqs += keys.values()
                    self._may_have_rows = True
        return seqs

    def reserve(self, key: Key) -> int:
        """The ``_seq`` of ``key``'s record: its row's, or a new one that its first save uses."""
        with self._lock:
            keys = self._keys_of(key.identity)
            seq = keys.get(key.lookup)
            if seq is None:
                seq = keys[key.lookup] = self._next_seq
                self._next_seq = seq + 1
            return seq

    # --- transactions ----------------------------------------------------------------------

    def begin(self) -> None:
        with self._lock:
            if not self.conn.in_transaction:
                self.conn.execute("BEGIN")

    def commit(self) -> None:
        with self._lock:
            if self.conn.in_transaction:
                self.conn.execute("COMMIT")

    def rollback(self) -> None:
        with self._lock:
            if self.conn.in_transaction:
                self.conn.execute("ROLLBACK")
            self._init_keys()
            self._may_have_rows = True

    def close(self, commit: bool = True) -> None:
        with self._lock:
            if commit:
                self.commit()
            self.conn.close()

    def __enter__(self) -> SqliteStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close(commit=exc[0] is None)

    # --- RecordStore protocol --------------------------------------------------------------

    def get(self, key: Key) -> dict | None:
        g = self._groups.get(key.group)
        if g is None:
            return None
        with self._lock:
            seq = self._keys_of(key.identity).get(key.lookup)
            if seq is None:
                return None
            row = self.conn.execute(g.select + " WHERE _seq = ?", (seq,)).fetchone()
        return None if row is None else g.codec.decode(row[4], row[5:], row[3])

    def save(self, key: Key, record: dict) -> int:
        """Insert or update ``key``'s record; its ``_seq``."""
        g = self._groups.get(key.group) or self._open_group(key.group)
        values, extra = g.codec.encode(record, key.identity)
        with self._lock:
            seq = self.reserve(key)
            ts = key.timestamp
            instant = instant_text(ts) if ts is not None else None
            params = [str(key), seq, key.identity, *values, g.layout.store]
            if g.layout.has_instant:
                params.append(instant)
            params += [lookup_text(key.identity, key.dimensions, instant), extra]
            try:
                self.conn.execute(g.insert, params)
            except _BIND_ERRORS:  # lone surrogates, huge ints: keep the whole snapshot exactly
                params = [safe_value(p) for p in params]
                params[-1] = dumps_tagged(list(record.items()), "s")
                self.conn.execute(g.insert, params)
        return seq

    def save_many(self, items: Iterable[tuple[Key, dict]]) -> None:
        """:meth:`save` of many records, one ``executemany`` per table (first-save order kept)."""
        batch: dict[str, tuple[list[list[object]], list[dict]]] = {}
        with self._lock:
            for key, record in items:
                g = self._groups.get(key.group) or self._open_group(key.group)
                values, extra = g.codec.encode(record, key.identity)
                seq = self.reserve(key)
                ts = key.timestamp
                instant = instant_text(ts) if ts is not None else None
                params = [str(key), seq, key.identity, *values, g.layout.store]
                if g.layout.has_instant:
                    params.append(instant)
                params += [lookup_text(key.identity, key.dimensions, instant), extra]
                rows = batch.get(key.group)
                if rows is None:
                    rows = batch[key.group] = ([], [])
                rows[0].append(params)
                rows[1].append(record)
            for group, (params_list, records) in batch.items():
                g = self._groups[group]
                try:
                    self.conn.executemany(g.insert, params_list)
                except _BIND_ERRORS:
                    for params, record in zip(params_list, records, strict=True):
                        self._insert_one(g, params, record)

    def _insert_one(self, g: _Group, params: list[object], record: dict) -> None:
        try:
            self.conn.execute(g.insert, params)
        except _BIND_ERRORS:
            params = [safe_value(p) for p in params]
            params[-1] = dumps_tagged(list(record.items()), "s")
            self.conn.execute(g.insert, params)

    def latest_block(self, identity: str, group: str) -> tuple[Key, dict] | None:
        g = self._groups.get(group)
        if g is None:
            return None
        sql = g.select + " WHERE _lookup > ? AND _lookup < ? ORDER BY _lookup DESC LIMIT 1"
        rows = self._fetch(sql, instant_prefix(identity))
        if not rows:
            return None
        return _key_from(group, rows[0][1], rows[0][2]), self._decode(g, rows[0])

    def records(self, identity: str, store: str | None = None) -> Iterator[tuple[Key, dict]]:
        """Every record of ``identity`` in first-save order (``store``: of that BTS store)."""
        ident = safe_text(identity)
        per_group = []
        for group, g in self._groups_of(store):
            rows = self._fetch(g.select + " WHERE _identity = ? ORDER BY _seq", (ident,))
            per_group.append([(r[0], group, r) for r in rows])
        for _seq, group, row in heapq.merge(*per_group, key=lambda t: t[0]):
            k = _key_from(group, row[1], row[2])
            if k.identity == identity:
                yield k, self._decode(self._groups[group], row)

    def all_records(
        self, output_only: bool = False, store: str | None = None
    ) -> Iterator[tuple[Key, dict]]:
        """Every record in first-save order; ``output_only``: the first store's (printed)."""
        streams = []
        for group, g in self._groups_of(self.streaming.output_store if output_only else store):
            streams.append(_tagged_rows(group, self.conn.execute(g.select + " ORDER BY _seq")))
        for _seq, group, row in heapq.merge(*streams, key=lambda t: t[0]):
            yield _key_from(group, row[1], row[2]), self._decode(self._groups[group], row)

    def for_store(self, name: str) -> StoreView:
        """A ``RecordStore`` for one BTS store (the engine keeps one store per name)."""
        return StoreView(self, name)

    def _groups_of(self, store: str | None) -> list[tuple[str, _Group]]:
        return [(n, g) for n, g in self._groups.items() if store is None or g.layout.store == store]

    # --- UI / replay helpers ---------------------------------------------------------------

    def table_for(self, aggregate: str) -> str:
        return self._groups[aggregate].layout.table

    def count(self, aggregate: str, identity: str | None = None) -> int:
        g = self._groups.get(aggregate)
        if g is None:
            return 0
        sql = f"SELECT count(*) FROM {q(g.layout.table)}"
        args: tuple = ()
        if identity is not None:
            sql, args = sql + " WHERE _identity = ?", (safe_text(identity),)
        return self._fetch(sql, args)[0][0]

    def page(
        self, aggregate: str, offset: int, limit: int, identity: str | None = None
    ) -> list[tuple[str, dict]]:
        """``limit`` rows of ``aggregate`` from ``offset`` in first-save order: (key text, record)."""
        g = self._groups.get(aggregate)
        if g is None:
            return []
        sql, args = g.select, cast(tuple, ())
        if identity is not None:
            sql, args = sql + " WHERE _identity = ?", (safe_text(identity),)
        rows = self._fetch(sql + " ORDER BY _seq LIMIT ? OFFSET ?", (*args, limit, offset))
        return [(str(_key_from(aggregate, r[1], r[2])), self._decode(g, r)) for r in rows]

    def seqs_after(self, aggregate: str, after: int) -> list[int]:
        """The ``_seq`` of ``aggregate``'s rows saved after ``after``, ascending."""
        g = self._groups.get(aggregate)
        if g is None:
            return []
        sql = f"SELECT _seq FROM {q(g.layout.table)} WHERE _seq > ? ORDER BY _seq"
        return [r[0] for r in self._fetch(sql, (after,))]

    def page_seqs(self, aggregate: str, first: int, last: int) -> list[tuple[str, dict]]:
        """Rows with ``first <= _seq <= last`` in first-save order (an index range, unlike
        ``page``'s OFFSET, which reads every row before the page)."""
        g = self._groups.get(aggregate)
        if g is None:
            return []
        rows = self._fetch(g.select + " WHERE _seq BETWEEN ? AND ? ORDER BY _seq", (first, last))
        return [(str(_key_from(aggregate, r[1], r[2])), self._decode(g, r)) for r in rows]

    def backup_to(self, path: str | Path) -> None:
        """Write a consistent copy of everything saved so far (commits an open batch)."""
        with self._lock:
            again = self.conn.in_transaction
            self.commit()
            dest = sqlite3.connect(str(path))
            try:
                self.conn.backup(dest)
            finally:
                dest.close()
            if again:
                self.begin()

    # --- internals -------------------------------------------------------------------------

    def _fetch(self, sql: str, args: tuple) -> list:
        with self._lock:
            return self.conn.execute(sql, args).fetchall()

    @staticmethod
    def _decode(g: _Group, row: tuple) -> dict:
        return g.codec.decode(row[4], row[5:], row[3])


class StoreView:
    """One BTS store of a :class:`SqliteStore`; reads and writes go to the shared database."""

    def __init__(self, base: SqliteStore, name: str) -> None:
        self.base, self.name = base, name

    def get(self, key: Key) -> dict | None:
        return self.base.get(key)

    def save(self, key: Key, record: dict) -> None:
        self.base.save(key, record)

    def latest_block(self, identity: str, group: str) -> tuple[Key, dict] | None:
        return self.base.latest_block(identity, group)

    def records(self, identity: str) -> Iterator[tuple[Key, dict]]:
        return self.base.records(identity, store=self.name)

    def all_records(self) -> Iterator[tuple[Key, dict]]:
        return self.base.all_records(store=self.name)


def _tagged_rows(group: str, rows: Iterator[tuple]) -> Iterator[tuple[int, str, tuple]]:
    for r in rows:
        yield r[0], group, r


def _key_from(group: str, key_text: str, lookup: str) -> Key:
    identity, instant, dims = json.loads(lookup)
    ts = datetime.fromisoformat(key_text.rsplit("/", 1)[1]) if instant is not None else None
    return Key(identity, group, tuple(dims), ts)
