"""How the engine reads and writes records: a small Protocol and an in-memory store.

Records are *snapshots*: ``{field name: encoded value}`` in output key order, where a
datetime is its ISO text and a set is a list (see :func:`blurr_tui.engine.fields.encode`).
A store keeps one position per key, assigned at its first save (Blurr's memory store).
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Protocol

from .keys import Key


class RecordStore(Protocol):
    def get(self, key: Key) -> dict | None:
        """The record saved under ``key`` (by instant for timestamp keys), or None."""

    def save(self, key: Key, record: dict) -> None:
        """Insert or update; an update keeps the key's first position and first key text."""

    def latest_block(self, identity: str, group: str) -> tuple[Key, dict] | None:
        """The stored block of ``group`` with the latest start (Activity resume), or None."""

    def records(self, identity: str) -> Iterator[tuple[Key, dict]]:
        """Every record of ``identity``, all groups, in first-save order."""


class LiveRecordStore(RecordStore, Protocol):
    """A store that also shows records still being built (``tracks_live = True``).

    After an aggregate evaluated an event, the engine calls ``touch(key, run)`` with the
    record's key and the live aggregate (``run.snapshot()`` gives its record). Blurr saves
    a record only when it is left (dimension change, split) or at the end; a live store can
    show it earlier. Within one aggregate, first-touch order equals Blurr's first-save order.
    """

    tracks_live: bool

    def touch(self, key: Key, run: object) -> None: ...


class MemoryStore:
    """Insertion-ordered in-memory store, all identities in one dict."""

    def __init__(self) -> None:
        self._data: dict[tuple, tuple[Key, dict]] = {}

    def get(self, key: Key) -> dict | None:
        hit = self._data.get(key.lookup)
        return None if hit is None else hit[1]

    def save(self, key: Key, record: dict) -> None:
        lk = key.lookup
        hit = self._data.get(lk)
        self._data[lk] = (key if hit is None else hit[0], record)

    def latest_block(self, identity: str, group: str) -> tuple[Key, dict] | None:
        best: tuple[Key, dict] | None = None
        for k, rec in self._data.values():
            if k.identity == identity and k.group == group and k.timestamp is not None:
                if best is None or k.timestamp > best[0].timestamp:  # type: ignore[operator]
                    best = (k, rec)
        return best

    def records(self, identity: str) -> Iterator[tuple[Key, dict]]:
        for k, rec in self._data.values():
            if k.identity == identity:
                yield k, rec

    def all_records(self) -> Iterator[tuple[Key, dict]]:
        yield from self._data.values()

    def __len__(self) -> int:
        return len(self._data)
