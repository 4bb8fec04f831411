"""A write-behind layer over the SQLite store that also shows records still being built.

Blurr saves a record only when it is left (a dimension change, an inactivity split) or at
the end of the run.  During a replay the user wants to see the record the current event went
into, so the engine ``touch``es it after each evaluation and this layer keeps a reference to
the live aggregate; ``flush`` writes every pending record (snapshotting live ones) in
first-touch order, so the SQLite file always holds the records *as if the run ended here*.
Within one aggregate, first-touch order is Blurr's first-save order.

With ``recording`` on, the keys touched since the last :meth:`drain_touched` are kept too
(the replay writes their values to the record history after each event).
"""

from __future__ import annotations

from collections.abc import Iterator

from ..engine.keys import Key
from ..store.sqlite_store import SqliteStore


class LiveStore:
    tracks_live = True

    def __init__(self, base: SqliteStore, recording: bool = False) -> None:
        self.base = base
        self._pending: dict[tuple, tuple[Key, object]] = {}
        self.recording = recording
        self._touched: list[tuple[Key, object]] = []

    # -- RecordStore -----------------------------------------------------------------------
    def get(self, key: Key) -> dict | None:
        hit = self._pending.get(key.lookup)
        if hit is not None:
            value = hit[1]
            return value if isinstance(value, dict) else value.snapshot()  # type: ignore[attr-defined]
        return self.base.get(key)

    def save(self, key: Key, record: dict) -> None:
        lk = key.lookup
        hit = self._pending.get(lk)
        self._pending[lk] = (key if hit is None else hit[0], record)

    def touch(self, key: Key, run: object) -> None:
        lk = key.lookup
        hit = self._pending.get(lk)
        if hit is None:
            self._pending[lk] = (key, run)
        elif hit[1] is not run:
            self._pending[lk] = (hit[0], run)
        if self.recording:
            self._touched.append((key if hit is None else hit[0], run))

    def drain_touched(self) -> list[tuple[Key, object]]:
        out, self._touched = self._touched, []
        return out

    def latest_block(self, identity: str, group: str) -> tuple[Key, dict] | None:
        best = self.base.latest_block(identity, group)
        for key, value in self._pending.values():
            if key.identity == identity and key.group == group and key.timestamp is not None:
                if best is None or key.timestamp > best[0].timestamp:  # type: ignore[operator]
                    best = (key, value if isinstance(value, dict) else value.snapshot())  # type: ignore[attr-defined]
        return best

    def records(self, identity: str, store: str | None = None) -> Iterator[tuple[Key, dict]]:
        self.flush()
        return self.base.records(identity, store=store)

    def for_store(self, name: str) -> LiveStoreView:
        return LiveStoreView(self, name)

    # -- write-behind ------------------------------------------------------------------------
    def flush(self) -> None:
        if not self._pending:
            return
        self.base.save_many(
            (key, value if isinstance(value, dict) else value.snapshot())  # type: ignore[attr-defined]
            for key, value in self._pending.values()
        )
        self._pending.clear()


class LiveStoreView:
    """One BTS store of a :class:`LiveStore`: ``records`` lists that store's records only
    (the window transform reads the first store, as Blurr's does)."""

    tracks_live = True

    def __init__(self, live: LiveStore, name: str) -> None:
        self.live, self.name = live, name
        self.get = live.get
        self.save = live.save
        self.touch = live.touch
        self.latest_block = live.latest_block

    def records(self, identity: str) -> Iterator[tuple[Key, dict]]:
        return self.live.records(identity, store=self.name)
