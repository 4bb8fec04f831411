"""``json.loads`` for one log line, exactly, at orjson's speed where the two cannot differ.

orjson parses a typical event line several times faster than ``json.loads``.  Where the two
could disagree, the standard parser decides:

* everything orjson refuses goes to ``json.loads``, which returns its own value or raises its
  own error: ``NaN``/``Infinity`` literals and floats that overflow to ``inf``, lone
  surrogates (``\\ud800`` escapes or their UTF-8 bytes), a UTF-8 BOM, UTF-16/32 text,
  nesting deeper than orjson's limit, bad JSON and trailing garbage (including the
  ``str.isspace()``-but-not-JSON blanks of BTS-SEMANTICS §16 R-13: ``\\x0c``, NBSP, ...);
* orjson *accepts* integers beyond 64 bits but returns them as floats: a line whose value
  holds a float of magnitude 2**63 or more is parsed again by ``json.loads`` (a flat object
  with no float, dict or list value is known clean without a walk);
* duplicate keys: both keep the last value at the first key's position (tested).

``tests/test_jsonline.py`` checks equality (values, types, key order, errors) on hostile inputs.
"""

from __future__ import annotations

import json
from typing import Any

import orjson

_loads = json.loads
_orjson_loads = orjson.loads
_OrjsonError = orjson.JSONDecodeError
_SUSPECT = frozenset((float, dict, list))
_BIG = float(2**63)


def _has_big_float(value: Any) -> bool:
    """Whether ``value`` holds a float orjson may have made from a >64-bit integer."""
    kind = type(value)
    if kind is float:
        return abs(value) >= _BIG
    if kind is dict:
        return any(_has_big_float(v) for v in value.values())
    if kind is list:
        return any(_has_big_float(v) for v in value)
    return False


def loads_event(raw: bytes) -> tuple[Any, bool]:
    """``(json.loads(raw), flat)``; ``flat``: the value is known to be a dict whose values are
    all strings, integers, booleans or None (what the engine's record maker asks)."""
    try:
        value = _orjson_loads(raw)
    except _OrjsonError:
        return _loads(raw), False
    return checked_event(value, raw)


def checked_event(value: Any, raw: bytes) -> tuple[Any, bool]:
    """:func:`loads_event` for a line orjson already parsed into ``value``."""
    if type(value) is dict and _SUSPECT.isdisjoint(map(type, value.values())):
        return value, True
    try:
        big = _has_big_float(value)
    except RecursionError:
        big = True
    return (_loads(raw) if big else value), False


def loads_line(raw: bytes) -> Any:
    """``json.loads(raw)``: the same value, or the same exception."""
    try:
        value = _orjson_loads(raw)
    except _OrjsonError:
        return _loads(raw)
    if type(value) is dict and _SUSPECT.isdisjoint(map(type, value.values())):
        return value
    try:
        big = _has_big_float(value)
    except RecursionError:  # deeper than Python's stack allows a walk: let json decide
        big = True
    return _loads(raw) if big else value
