"""An identity's state between Spark runs (Blurr's ``old_state_rdd``), exactly.

After a run, an identity is its stored records (every BTS store, in first-save order) plus
its live engine state (:func:`capture`: every aggregate's values, the key each dimensional
aggregate is on, whether an Activity looked for its latest block, the event count), the time
of its last event and its first-seen position.  A later run restores the records into fresh
stores and the live state into a fresh ``IdentityRun`` (:func:`restore`), so the next event
does exactly what it would have done in one uninterrupted run.  The text form is the store's
exact tagged JSON, so every value comes back with its type.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..engine.keys import Key
from ..engine.runtime import IdentityRun, StreamingEngine
from ..engine.store import MemoryStore, RecordStore
from ..replay.identity_state import capture, restore
from ..store.tagged import tag, untag


class OrderedStore(MemoryStore):
    """A memory store that numbers records by first save across all stores of an identity
    (the order of the SQLite store's ``_seq``)."""

    def __init__(self, counter: list[int]) -> None:
        super().__init__()
        self.counter = counter
        self.numbers: dict[tuple, int] = {}

    def save(self, key: Key, record: dict) -> None:
        lk = key.lookup
        if lk not in self.numbers:
            self.numbers[lk] = self.counter[0]
            self.counter[0] += 1
        super().save(key, record)

    def restore(self, number: int, key: Key, record: dict) -> None:
        self.numbers[key.lookup] = number
        super().save(key, record)

    def numbered(self) -> Iterator[tuple[int, Key, dict]]:
        for key, record in self.all_records():
            yield self.numbers[key.lookup], key, record


def ordered_stores(store_names: list[str], first_number: int = 0) -> dict[str, OrderedStore]:
    counter = [first_number]
    return {name: OrderedStore(counter) for name in store_names}


@dataclass
class IdentityState:
    identity: Any
    position: tuple  # first-seen position (run, file, line, part)
    last_time: datetime | None
    events: int
    saves: int  # records numbered so far
    records: list[tuple[str, int, Key, dict]] = field(default_factory=list)  # store, n, key, rec
    live: dict[str, Any] = field(default_factory=dict)  # :func:`capture`

    def restore_records(self, stores: dict[str, OrderedStore]) -> None:
        for store in stores.values():
            store.counter[0] = self.saves
        for name, number, key, record in self.records:
            if name in stores:
                stores[name].restore(number, key, record)

    # -- text form (one dataset row) ---------------------------------------------------------
    def dumps(self) -> str:
        records = [
            [name, n, key.group, list(key.dimensions), key.timestamp, rec]
            for name, n, key, rec in self.records
        ]
        body = [self.identity, list(self.position), self.last_time, self.events, self.saves]
        return json.dumps(tag([*body, records, self.live]))

    @classmethod
    def loads(cls, text: str) -> IdentityState:
        body: Any = untag(json.loads(text))
        identity, position, last_time, events, saves, records, live = body
        keyed = [
            (name, n, Key(identity, group, tuple(dims), ts), rec)
            for name, n, group, dims, ts, rec in records
        ]
        return cls(identity, tuple(position), last_time, events, saves, keyed, live)


def start_from_state(
    engine: StreamingEngine,
    identity: Any,
    stores: dict[str, OrderedStore],
    saved: IdentityState | None,
) -> IdentityRun:
    """A fresh run of ``identity``, continuing ``saved`` when there is one."""
    if saved is not None:
        saved.restore_records(stores)
    run = engine.start_identity(identity, _as_records(stores))
    if saved is not None:
        restore(run, saved.live)
    return run


def state_of(
    run: IdentityRun,
    stores: dict[str, OrderedStore],
    position: tuple,
    last_time: datetime | None,
) -> IdentityState:
    records = [(name, n, key, rec) for name, s in stores.items() for n, key, rec in s.numbered()]
    records.sort(key=lambda r: r[1])
    saves = next(iter(stores.values())).counter[0] if stores else 0
    return IdentityState(
        run.identity, position, last_time, run.events, saves, records, capture(run)
    )


def _as_records(stores: dict[str, OrderedStore]) -> dict[str, RecordStore]:
    return stores  # type: ignore[return-value]
