"""The exact live engine state of one identity, as plain data, and putting it back.

An :class:`~blurr_tui.engine.runtime.IdentityRun` is, besides the store, its aggregates'
field values, the key each dimensional aggregate is on (``prev_key``), whether an Activity
has looked for its latest block yet (``first``) and the event count.  :func:`capture` takes
all of it (raw values: the store's exact codec keeps bools, map key types, sets, datetimes);
:func:`restore` puts it into a fresh run so that the next event does exactly what it would
have done in one uninterrupted run.  Resume, identities leaving memory (flat memory) and the
debugger's rewind all go through these two functions.
"""

from __future__ import annotations

from typing import Any

from ..engine.keys import Key
from ..engine.runtime import IdentityRun


def capture(run: IdentityRun) -> dict[str, Any]:
    aggs: list[list[Any]] = []
    for agg in run.aggregates:
        prev = getattr(agg, "prev_key", None)
        aggs.append(
            [
                agg.name,
                list(agg.values.items()),
                None if prev is None else [list(prev.dimensions), prev.timestamp],
                getattr(agg, "first", None),
            ]
        )
    return {"events": run.events, "aggs": aggs}


def restore(run: IdentityRun, state: dict[str, Any]) -> None:
    run.events = int(state.get("events") or 0)
    by_name = {a.name: a for a in run.aggregates}
    for name, items, prev, first in state.get("aggs", ()):
        agg = by_name.get(name)
        if agg is None:
            continue
        values = agg.values  # shared with the aggregate's view: update in place
        for k, v in items:
            if k in values:
                values[k] = v
        if prev is not None and hasattr(agg, "prev_key"):
            agg.prev_key = Key(run.identity, name, tuple(prev[0]), prev[1])  # type: ignore[attr-defined]
        if first is not None and hasattr(agg, "first"):
            agg.first = first  # type: ignore[attr-defined]
