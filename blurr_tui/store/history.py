"""Reading record history: the records and each identity's engine state as they were after
event N, and every change of one field of one record (see /work/coord/HISTORY_API.md).

Positions are the replay's ordinals in application order (``Step.index``): the file line for
a log in time order, the ordinal in Blurr's time order for a log that is not.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from ..engine.keys import Key
from .history_log import EVENTS, history_table
from .schema import instant_prefix, instant_text, lookup_text, q, safe_text

if TYPE_CHECKING:
    from .sqlite_store import SqliteStore, _Group


@dataclass(frozen=True, slots=True)
class EventRow:
    pos: int
    line: int
    offset: int
    identity: str | None
    time: datetime | None
    status: str  # "ok" | "bad" | "error"


@dataclass(frozen=True, slots=True)
class FieldChange:
    pos: int
    line: int
    time: datetime | None
    old: Any
    new: Any


@dataclass(frozen=True, slots=True)
class RecordChange:
    aggregate: str
    key: str
    old: dict | None
    new: dict


_EV_COLS = "pos, line, byte_offset, identity, time, status"


def _event(row: tuple) -> EventRow:
    t = datetime.fromtimestamp(row[4], UTC) if row[4] is not None else None
    return EventRow(row[0], row[1], row[2], row[3], t, row[5])


class History:
    """History reads over a store's connection (the app's reader connection works too)."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    def _fetch(self, sql: str, args: tuple = ()) -> list:
        return self.store._fetch(sql, args)

    @property
    def enabled(self) -> bool:
        return bool(self._fetch("SELECT 1 FROM sqlite_master WHERE name = ?", (EVENTS,)))

    # -- events ------------------------------------------------------------------------
    def furthest(self) -> int:
        if not self.enabled:
            return 0
        return self._fetch(f"SELECT max(pos) FROM {EVENTS}")[0][0] or 0

    def event(self, pos: int) -> EventRow | None:
        rows = self._fetch(f"SELECT {_EV_COLS} FROM {EVENTS} WHERE pos = ?", (pos,))
        return _event(rows[0]) if rows else None

    def events(self, first: int, last: int) -> list[EventRow]:
        sql = f"SELECT {_EV_COLS} FROM {EVENTS} WHERE pos BETWEEN ? AND ? ORDER BY pos"
        return [_event(r) for r in self._fetch(sql, (first, last))]

    def events_of(
        self,
        identity: str,
        *,
        before: int | None = None,
        after: int | None = None,
        limit: int = 1,
    ) -> list[EventRow]:
        ident = safe_text(identity) if isinstance(identity, str) else identity
        if before is not None:
            sql = f"SELECT {_EV_COLS} FROM {EVENTS} WHERE identity = ? AND pos < ? ORDER BY pos DESC LIMIT ?"
            args: tuple = (ident, before, limit)
        else:
            sql = f"SELECT {_EV_COLS} FROM {EVENTS} WHERE identity = ? AND pos > ? ORDER BY pos LIMIT ?"
            args = (ident, after or 0, limit)
        return [_event(r) for r in self._fetch(sql, args)]

    def position_at_time(self, t: datetime) -> int | None:
        """The first position (application order) of an event at or after ``t``."""
        sql = f"SELECT min(pos) FROM {EVENTS} WHERE time >= ?"
        return self._fetch(sql, (t.timestamp(),))[0][0]

    def position_of_line(self, line: int) -> int | None:
        rows = self._fetch(f"SELECT pos FROM {EVENTS} WHERE line = ? LIMIT 1", (line,))
        return rows[0][0] if rows else None

    def _seq_hi(self, pos: int) -> int:
        rows = self._fetch(
            f"SELECT seq_hi FROM {EVENTS} WHERE pos <= ? ORDER BY pos DESC LIMIT 1", (pos,)
        )
        return (rows[0][0] or 0) if rows else 0

    # -- records -----------------------------------------------------------------------
    def _version(self, g: _Group, seq: int, pos: int) -> tuple | None:
        cols = "".join(", " + q(c.field) for c in g.layout.columns)
        sql = (
            f"SELECT _pos, _extra{cols} FROM {q(history_table(g.layout.table))} "
            "WHERE _seq = ? AND _pos <= ? ORDER BY _pos DESC LIMIT 1"
        )
        rows = self._fetch(sql, (seq, pos))
        return rows[0] if rows else None

    def _decode(self, g: _Group, identity: str, version: tuple) -> dict:
        return g.codec.decode(identity, version[2:], version[1])

    def count_as_of(self, aggregate: str, pos: int, identity: str | None = None) -> int:
        g = self.store._groups.get(aggregate)
        if g is None:
            return 0
        sql = f"SELECT count(*) FROM {q(g.layout.table)} WHERE _seq <= ?"
        args: tuple = (self._seq_hi(pos),)
        if identity is not None:
            sql, args = sql + " AND _identity = ?", (*args, safe_text(identity))
        return self._fetch(sql, args)[0][0]

    def page_as_of(
        self, aggregate: str, pos: int, offset: int, limit: int, identity: str | None = None
    ) -> list[tuple[str, dict]]:
        """Like ``SqliteStore.page``, as the records were right after event ``pos``."""
        g = self.store._groups.get(aggregate)
        if g is None:
            return []
        sql = f"SELECT _seq, _key, _lookup, _identity FROM {q(g.layout.table)} WHERE _seq <= ?"
        args: tuple = (self._seq_hi(pos),)
        if identity is not None:
            sql, args = sql + " AND _identity = ?", (*args, safe_text(identity))
        rows = self._fetch(sql + " ORDER BY _seq LIMIT ? OFFSET ?", (*args, limit, offset))
        out = []
        for seq, key_text, lk, ident in rows:
            v = self._version(g, seq, pos)
            if v is not None:
                out.append((str(_key(aggregate, key_text, lk)), self._decode(g, ident, v)))
        return out

    def _seq_of(self, aggregate: str, key_text: str) -> tuple[_Group, int, str] | None:
        g = self.store._groups.get(aggregate)
        if g is None:
            return None
        sql = f"SELECT _seq, _identity FROM {q(g.layout.table)} WHERE _key = ?"
        rows = self._fetch(sql, (key_text,))
        return (g, rows[0][0], rows[0][1]) if rows else None

    def record_as_of(self, aggregate: str, key_text: str, pos: int) -> dict | None:
        hit = self._seq_of(aggregate, key_text)
        if hit is None:
            return None
        v = self._version(hit[0], hit[1], pos)
        return None if v is None else self._decode(hit[0], hit[2], v)

    def versions(self, aggregate: str, key_text: str) -> list[tuple[int, dict]]:
        """(pos, record) of every version of one record, ascending."""
        hit = self._seq_of(aggregate, key_text)
        if hit is None:
            return []
        g, seq, ident = hit
        cols = "".join(", " + q(c.field) for c in g.layout.columns)
        sql = f"SELECT _pos, _extra{cols} FROM {q(history_table(g.layout.table))} WHERE _seq = ? ORDER BY _pos"
        return [(r[0], self._decode(g, ident, r)) for r in self._fetch(sql, (seq,))]

    def field_history(self, aggregate: str, key_text: str, field: str) -> list[FieldChange]:
        """Every event that changed ``field`` of one record: (pos, line, time, old, new)."""
        out: list[FieldChange] = []
        old: Any = None
        for i, (pos, rec) in enumerate(self.versions(aggregate, key_text)):
            new = rec.get(field)
            if i == 0 or _differs(new, old):
                ev = self.event(pos)
                out.append(
                    FieldChange(pos, ev.line if ev else 0, ev.time if ev else None, old, new)
                )
            old = new
        return out

    def changes_at(self, pos: int) -> list[RecordChange]:
        """What event ``pos`` did to the records of its identity (old None: a new record)."""
        ev = self.event(pos)
        if ev is None or ev.identity is None:
            return []
        out = []
        for name, g in self.store._groups.items():
            sql = f"SELECT _seq, _key, _lookup, _identity FROM {q(g.layout.table)} WHERE _identity = ? ORDER BY _seq"
            for seq, key_text, lk, ident in self._fetch(sql, (ev.identity,)):
                new = self._version(g, seq, pos)
                if new is None or new[0] != pos:
                    continue
                old = self._version(g, seq, pos - 1)
                out.append(
                    RecordChange(
                        name,
                        str(_key(name, key_text, lk)),
                        None if old is None else self._decode(g, ident, old),
                        self._decode(g, ident, new),
                    )
                )
        return out

    def store_as_of(self, pos: int) -> AsOfStore:
        return AsOfStore(self, pos)

    def identity_state(self, identity: str, before: int) -> tuple[int, dict[str, Any]] | None:
        return self.store.identities.version_before(identity, before)


def _differs(a: Any, b: Any) -> bool:
    return type(a) is not type(b) or a != b or (a != a and b == b)


def _key(group: str, key_text: str, lookup: str) -> Key:
    from .sqlite_store import _key_from

    return _key_from(group, key_text, lookup)


class AsOfStore:
    """An engine ``RecordStore`` showing the records as of one position; saves stay in memory."""

    tracks_live = False

    def __init__(self, history: History, pos: int) -> None:
        self.history, self.pos = history, pos
        self._overlay: dict[tuple, tuple[Key, dict]] = {}

    def _row(self, g: _Group, key: Key) -> dict | None:
        ts = key.timestamp
        lk = lookup_text(key.identity, key.dimensions, instant_text(ts) if ts else None)
        rows = self.history._fetch(
            f"SELECT _seq, _identity FROM {q(g.layout.table)} WHERE _lookup = ?", (lk,)
        )
        if not rows:
            return None
        v = self.history._version(g, rows[0][0], self.pos)
        return None if v is None else self.history._decode(g, rows[0][1], v)

    def get(self, key: Key) -> dict | None:
        hit = self._overlay.get(key.lookup)
        if hit is not None:
            return hit[1]
        g = self.history.store._groups.get(key.group)
        return None if g is None else self._row(g, key)

    def save(self, key: Key, record: dict) -> None:
        self._overlay[key.lookup] = (key, record)

    def latest_block(self, identity: str, group: str) -> tuple[Key, dict] | None:
        best: tuple[Key, dict] | None = None
        g = self.history.store._groups.get(group)
        if g is not None:
            sql = f"SELECT _seq, _key, _lookup, _identity FROM {q(g.layout.table)} WHERE _lookup > ? AND _lookup < ? ORDER BY _lookup DESC"
            for seq, key_text, lk, ident in self.history._fetch(sql, instant_prefix(identity)):
                v = self.history._version(g, seq, self.pos)
                if v is not None:
                    best = (_key(group, key_text, lk), self.history._decode(g, ident, v))
                    break
        for key, rec in self._overlay.values():
            if key.identity == identity and key.group == group and key.timestamp is not None:
                if best is None or key.timestamp > best[0].timestamp:  # type: ignore[operator]
                    best = (key, rec)
        return best

    def records(self, identity: str) -> Iterator[tuple[Key, dict]]:
        seen: set[tuple] = set()
        store = self.history.store
        rows = []
        for name, g in store._groups.items():
            sql = f"SELECT _seq, _key, _lookup, _identity FROM {q(g.layout.table)} WHERE _identity = ?"
            for seq, key_text, lk, ident in self.history._fetch(sql, (safe_text(identity),)):
                rows.append((seq, name, g, key_text, lk, ident))
        for seq, name, g, key_text, lk, ident in sorted(rows, key=lambda r: r[0]):
            k = _key(name, key_text, lk)
            if k.identity != identity:
                continue
            over = self._overlay.get(k.lookup)
            if over is not None:
                seen.add(k.lookup)
                yield k, over[1]
                continue
            v = self.history._version(g, seq, self.pos)
            if v is not None:
                yield k, self.history._decode(g, ident, v)
        for lk2, (k, rec) in self._overlay.items():
            if lk2 not in seen and k.identity == identity:
                yield k, rec


__all__ = ["AsOfStore", "EventRow", "FieldChange", "History", "RecordChange", "json"]
