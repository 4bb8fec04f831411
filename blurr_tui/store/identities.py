"""Each identity's live engine state: ``_identities`` (the latest) and, with history,
``_identity_states`` (one row per saved state, for rewinding).

The state is plain data from :mod:`blurr_tui.replay.identity_state`, written with the exact
tagged codec (:func:`.tagged.dumps_exact`): bools stay bools, map keys keep their type, sets,
datetimes and the engine's containers come back as they were.
"""

from __future__ import annotations

import json
import sqlite3
import threading
from collections.abc import Iterator
from datetime import datetime
from typing import Any, cast

from .schema import safe_text
from .tagged import dumps_exact, loads_exact, tag

CURRENT = "_identities"
_TAGGED = "\x00"  # an identity that is not a string is kept as this prefix + exact JSON


def identity_text(identity: object) -> str:
    """The ``identity`` column's text: the string itself, or an exact encoding of another value."""
    if type(identity) is str:
        return safe_text(identity)
    return _TAGGED + dumps_exact(identity)


def identity_from_text(text: str) -> Any:
    return loads_exact(text[1:]) if text.startswith(_TAGGED) else text


VERSIONS = "_identity_states"


class IdentityStates:
    """The SQL of the identity-state tables of one connection."""

    def __init__(self, conn: sqlite3.Connection, lock: threading.RLock, history: bool) -> None:
        self.conn, self._lock, self.history = conn, lock, history
        conn.execute(
            f"CREATE TABLE IF NOT EXISTS {CURRENT} (identity TEXT PRIMARY KEY, pos INTEGER, "
            "last_time TEXT, state TEXT)"
        )
        if history:
            conn.execute(
                f"CREATE TABLE IF NOT EXISTS {VERSIONS} (identity TEXT, pos INTEGER, "
                "state TEXT, PRIMARY KEY (identity, pos)) WITHOUT ROWID"
            )

    def load(self, identity: str) -> tuple[int, datetime | None, dict[str, Any] | None] | None:
        """(position of its last event, its latest event time, its engine state) or None."""
        with self._lock:
            row = self.conn.execute(
                f"SELECT pos, last_time, state FROM {CURRENT} WHERE identity = ?",
                (identity_text(identity),),
            ).fetchone()
        if row is None:
            return None
        pos, last, state = row
        when = datetime.fromisoformat(last) if last else None
        return pos or 0, when, cast("dict[str, Any]", loads_exact(state)) if state else None

    def save(self, rows: list[tuple[str, int, datetime | None, dict[str, Any]]]) -> None:
        """Upsert (identity, pos, last time, state) rows; with history, keep each version."""
        enc = [
            (identity_text(i), p, t.isoformat() if t else None, encode_state(s))
            for i, p, t, s in rows
        ]
        with self._lock:
            self.conn.executemany(
                f"INSERT INTO {CURRENT} VALUES (?, ?, ?, ?) ON CONFLICT(identity) DO UPDATE SET "
                "pos = excluded.pos, last_time = excluded.last_time, state = excluded.state",
                enc,
            )
            if self.history:
                self.add_versions([(i, p, s) for i, p, _t, s in enc])

    def add_versions(self, rows: list[tuple[str, int, str]]) -> None:
        """(identity, pos, encoded state) rows of ``_identity_states``."""
        with self._lock:
            self.conn.executemany(f"INSERT OR REPLACE INTO {VERSIONS} VALUES (?, ?, ?)", rows)

    def version_before(self, identity: str, before: int) -> tuple[int, dict[str, Any]] | None:
        """The latest saved state of ``identity`` after an event earlier than ``before``."""
        with self._lock:
            row = self.conn.execute(
                f"SELECT pos, state FROM {VERSIONS} WHERE identity = ? AND pos < ? "
                "ORDER BY pos DESC LIMIT 1",
                (identity_text(identity), before),
            ).fetchone()
        return None if row is None else (row[0], cast("dict[str, Any]", loads_exact(row[1])))

    def identities(self, after_pos: int = 0) -> Iterator[Any]:
        """Identities whose last event is after ``after_pos``, in first-seen order."""
        with self._lock:
            rows = self.conn.execute(
                f"SELECT identity FROM {CURRENT} WHERE pos > ? ORDER BY rowid", (after_pos,)
            ).fetchall()
        for (identity,) in rows:
            yield identity_from_text(identity)

    def count(self) -> int:
        with self._lock:
            return self.conn.execute(f"SELECT count(*) FROM {CURRENT}").fetchone()[0]


_PLAIN = frozenset({str, int, bool, type(None)})


def _tag_value(v: Any) -> Any:
    t = type(v)
    if t in _PLAIN:
        return v
    if t is datetime:
        return {"dt": v.isoformat()}
    return tag(v)


def encode_state(state: dict[str, Any]) -> str:
    """:func:`dumps_exact` of an engine state, with a fast path for its usual shape."""
    try:
        aggs = [
            [name, {"t": [{"t": [k, _tag_value(v)]} for k, v in items]}, _tag_prev(prev), first]
            for name, items, prev, first in state["aggs"]
        ]
    except (KeyError, TypeError, ValueError):
        return dumps_exact(state)
    return json.dumps({"d": [["events", state["events"]], ["aggs", aggs]]})


def _tag_prev(prev: Any) -> Any:
    if prev is None:
        return None
    return [list(prev[0]), _tag_value(prev[1])]
