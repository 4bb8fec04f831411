"""Field types: defaults, the "already typed" test, casts, and snapshot encoding (§5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from .containers import List, Map, Set
from .spec import FieldType
from .timeparse import parse as parse_datetime_text

_combine = datetime.combine


def with_utc(value: datetime) -> datetime:
    """A naive datetime with UTC attached, clock unchanged (``replace(tzinfo=UTC)``, faster)."""
    if type(value) is datetime:
        return _combine(value.date(), value.time(), UTC)
    return value.replace(tzinfo=UTC)


def _cast_datetime(value: Any) -> datetime:
    # Blurr calls datetime(value): it fails for every non-datetime input.
    return datetime(value)  # type: ignore[call-arg]


PY_TYPES: dict[FieldType, type] = {
    FieldType.INTEGER: int,
    FieldType.FLOAT: float,
    FieldType.STRING: str,
    FieldType.BOOLEAN: bool,
    FieldType.DATETIME: datetime,
    FieldType.MAP: Map,
    FieldType.LIST: List,
    FieldType.SET: Set,
}

CASTS: dict[FieldType, Callable[[Any], Any]] = {
    FieldType.INTEGER: int,
    FieldType.FLOAT: float,
    FieldType.STRING: str,
    FieldType.BOOLEAN: bool,
    FieldType.DATETIME: _cast_datetime,
    FieldType.MAP: Map,
    FieldType.LIST: List,
    FieldType.SET: Set,
}

_DEFAULTS: dict[FieldType, Callable[[], Any]] = {
    FieldType.INTEGER: lambda: 0,
    FieldType.FLOAT: lambda: 0.0,
    FieldType.STRING: lambda: "",
    FieldType.BOOLEAN: lambda: False,
    FieldType.DATETIME: lambda: None,
    FieldType.MAP: Map,
    FieldType.LIST: List,
    FieldType.SET: Set,
}


def default(ftype: FieldType) -> Any:
    return _DEFAULTS[ftype]()


def cast(ftype: FieldType, value: Any) -> Any:
    """Blurr's cast: unchanged when already of the type, else the constructor (may raise)."""
    if not isinstance(value, PY_TYPES[ftype]):
        value = CASTS[ftype](value)
    if ftype is FieldType.DATETIME and value.tzinfo is None:
        value = with_utc(value)
    return value


def encode(value: Any) -> Any:
    """Field value → snapshot value (what the store keeps and what is printed).

    As Blurr's encoders: a datetime is its ISO text and a set a new list, but a Map or List
    is the live object itself, so a later in-place change shows in records already saved
    (R-1)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set):
        return list(value)
    return value


def decode(ftype: FieldType, value: Any) -> Any:
    """Snapshot value → live field value (Blurr's restore: cast + sanitize). Raises what
    Blurr's decoder raises (the caller aborts the run, as Blurr's SnapshotError does).

    A datetime is parsed by dateutil, so it carries dateutil's tz objects (``tzutc()``,
    ``tzoffset(None, 19800)``: R-3), and an offset with seconds cannot be read (R-4)."""
    if ftype is FieldType.DATETIME:
        if not value:
            return None
        value = parse_datetime_text(value)
        if value.tzinfo is None or value.tzinfo.utcoffset(value) is None:
            value = with_utc(value)
        return value
    if value is None:
        # Blurr would cast None (int(None) raises); our stores keep None only for datetimes.
        return default(ftype)
    # The type's constructor, unconditionally: a bool kept in an integer field comes back
    # as 1 (corpus: restore_decodes_integer_bool).
    return CASTS[ftype](value)


def encode_extra(value: Any) -> Any:
    """What Blurr's ``BlurrJSONEncoder`` writes for values json cannot: a ``Decimal`` as an
    int when whole, else a float (R-11). Anything else cannot be encoded (TypeError)."""
    if isinstance(value, Decimal):
        num, den = value.as_integer_ratio()
        return int(value) if den == 1 else float(value)
    raise TypeError(f"Object of type {type(value).__name__} is not JSON serializable")
