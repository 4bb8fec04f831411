"""Which stored blocks fall into one window around an anchor (§11, R-14, R-15).

Blurr's ``WindowAggregate._prepare_window`` with its memory store's ``get_range``: the
settings are used with Python arithmetic as written (``WindowValue: 1.5`` days works, a count
of ``-5.0`` works until it has to slice), and an empty or short window drops the anchor.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from .errors import EngineAbort
from .fields import decode
from .keys import Key
from .spec import AggregateKind, AggregateSpec, FieldType
from .store import RecordStore

_UNIT = {"day": "days", "hour": "hours"}
_MIN_TEXT = datetime.min.isoformat()


class Dropped(Exception):
    """The window is insufficient (Blurr's PrepareWindowMissingBlocksError): no row."""


def _abort(agg: AggregateSpec, what: str) -> EngineAbort:
    return EngineAbort(f"{what} (Blurr crashes once an anchor is found)", where=agg.fqn)


def select_blocks(
    agg: AggregateSpec,
    source: AggregateSpec | None,
    block: AggregateSpec,
    identity: str,
    anchor: dict,
    stores: dict[str, RecordStore],
) -> list[tuple[Key, dict]]:
    """The (key, record) pairs of ``agg``'s window around the ``anchor`` record, in order."""
    if source is None:
        raise _abort(agg, f"Source {agg.source!r} names no aggregate of the streaming BTS")
    if source.kind not in (AggregateKind.IDENTITY, AggregateKind.BLOCK, AggregateKind.ACTIVITY):
        raise _abort(agg, f"Source {agg.source!r} is a {source.kind.value} aggregate")
    store = stores.get(source.store or "")
    if store is None:
        raise _abort(agg, f"Source {agg.source!r} has no store")
    start = decode(FieldType.DATETIME, anchor.get("_start_time"))
    if start is None:
        raise _abort(block, "the anchor block has no _start_time (an Activity default record)")
    value: Any = agg.window_value
    unit = _UNIT.get(agg.window_type or "")
    count: Any = 0
    try:
        if unit is not None:
            end = start + timedelta(**{unit: value})
        else:
            count = value
            if not count:
                raise _abort(agg, f"a {agg.window_type} window of {value!r} blocks")
            end = datetime.min if count < 0 else datetime.max
            end = end.replace(tzinfo=UTC)
        if end < start:
            start, end = end, start
        records = [(k, r) for k, r in store.records(identity) if k.group == source.name]
        if source.kind is AggregateKind.ACTIVITY:
            items = sorted(
                [(k, r) for k, r in records if start < k.timestamp < end],  # type: ignore[operator]
                key=lambda kr: kr[0].timestamp,  # type: ignore[arg-type,return-value]
            )
        else:
            lo, hi = start.isoformat(), end.isoformat()
            items = sorted(
                [(k, r) for k, r in records if lo < r.get("_start_time", _MIN_TEXT) < hi],
                key=lambda kr: kr[1].get("_start_time", _MIN_TEXT),
            )
        if count:
            if abs(count) > len(items):
                count = (1, -1)[count < 0] * len(items)
            items = items[count:] if count < 0 else items[:count]
    except EngineAbort:
        raise
    except OverflowError:
        raise EngineAbort(
            f"WindowValue {value} ({agg.window_type}s) from {start.isoformat()} goes past "
            "Python's dates (years 1 to 9999; Blurr crashes)",
            where=agg.fqn,
        ) from None
    except (TypeError, ValueError) as exc:
        raise _abort(
            agg,
            f"WindowType {agg.window_type!r} / WindowValue {value!r}: {type(exc).__name__}: {exc}",
        ) from None
    if agg.window_type == "count" and len(items) != abs(value):
        raise Dropped
    if not items:
        raise Dropped
    return items
