"""Field types: defaults, the "already typed" test, casts, and snapshot encoding (§5)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

from .containers import List, Map, Set
from .spec import FieldType
from .timeparse import parse_datetime_text

UTC = UTC


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
    """Field value → snapshot value (what the store keeps and what is printed)."""
    if isinstance(value, datetime):
        return value.isoformat()
    if isinstance(value, set):
        return list(value)
    if isinstance(value, dict):
        return dict(value)
    if isinstance(value, list):
        return list(value)
    return value


def decode(ftype: FieldType, value: Any) -> Any:
    """Snapshot value → live field value (Blurr's restore: cast + sanitize)."""
    if value is None:
        return default(ftype) if ftype is not FieldType.DATETIME else None
    if ftype is FieldType.DATETIME:
        if isinstance(value, str):
            value = parse_datetime_text(value)
        if isinstance(value, datetime) and value.tzinfo is None:
            value = with_utc(value)
        return value
    try:
        # Blurr's decode calls the type's constructor unconditionally: a bool kept in an
        # integer field comes back as 1 (corpus: restore_decodes_integer_bool).
        return CASTS[ftype](value)
    except Exception:
        return default(ftype)
