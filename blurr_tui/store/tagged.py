"""Exact tagged JSON: plain JSON in which every non-list container or non-JSON scalar is a
one-key object (``{"d": [[k, v], ...]}`` dict, ``{"t": [...]}`` tuple, ``{"s": [...]}`` set,
``{"f": "nan"}`` non-finite or negative-zero float, ``{"dt": iso}`` datetime, ...), so that
:func:`untag` gives back exactly what :func:`tag` was given; plus :func:`json_text`, the human
JSON of container columns.  Used by :mod:`.schema` (the ``_extra`` column) and the store.
"""

from __future__ import annotations

import base64
import json
import math
from datetime import date, datetime, time, timedelta
from decimal import Decimal

from ..engine.containers import List, Map, Set
from ..engine.fields import encode_extra

_SCALARS = frozenset({str, int, float, bool, type(None)})  # float: json keeps NaN, -0.0


def is_plain_json(v: object) -> bool:
    """True when ``json.loads(json.dumps(v)) == v`` holds exactly (types included)."""
    if type(v) in _SCALARS:
        return True
    if isinstance(v, list):
        for x in v:
            if type(x) not in _SCALARS and not is_plain_json(x):
                return False
        return True
    if isinstance(v, dict):
        for k, x in v.items():
            if type(k) is not str or (type(x) not in _SCALARS and not is_plain_json(x)):
                return False
        return True
    return False


def tag(v: object) -> object:
    t = type(v)
    if t is str or t is int or t is bool or v is None:
        return v
    if t is float:
        if math.isfinite(v) and (v or math.copysign(1.0, v) > 0):  # type: ignore[arg-type]
            return v
        return {"f": repr(v)}
    if t is Map:  # the engine's field containers keep their type (live state)
        return {"M": [[tag(k), tag(x)] for k, x in v.items()]}  # type: ignore[attr-defined]
    if t is List:
        return {"L": [tag(x) for x in v]}  # type: ignore[attr-defined]
    if t is Set:
        return {"S": [tag(x) for x in v]}  # type: ignore[attr-defined]
    if isinstance(v, list):
        return [tag(x) for x in v]
    if isinstance(v, dict):
        return {"d": [[tag(k), tag(x)] for k, x in v.items()]}
    if isinstance(v, tuple):
        return {"t": [tag(x) for x in v]}
    if isinstance(v, frozenset):
        return {"fs": [tag(x) for x in v]}
    if isinstance(v, set):
        return {"s": [tag(x) for x in v]}
    if isinstance(v, datetime):
        return {"dt": v.isoformat()}
    if isinstance(v, date):
        return {"date": v.isoformat()}
    if isinstance(v, time):
        return {"time": v.isoformat()}
    if isinstance(v, timedelta):
        return {"td": [v.days, v.seconds, v.microseconds]}
    if isinstance(v, bytes | bytearray):
        return {"b": base64.b64encode(bytes(v)).decode("ascii")}
    if isinstance(v, Decimal):
        return {"dec": str(v)}
    if isinstance(v, bool | int):  # int/bool subclasses
        return {"i": int(v)} if not isinstance(v, bool) else bool(v)
    if isinstance(v, float):
        return tag(float(v))
    if isinstance(v, str):
        return str(v)
    return {"repr": repr(v)}  # lossy: decodes to this text


def untag(v: object) -> object:
    if isinstance(v, list):
        return [untag(x) for x in v]
    if not isinstance(v, dict):
        return v
    ((k, x),) = v.items()
    if k == "d":
        return {_hashable(untag(a)): untag(b) for a, b in x}
    if k == "M":
        return Map({_hashable(untag(a)): untag(b) for a, b in x})
    if k == "L":
        return List(untag(a) for a in x)
    if k == "S":
        return Set(_hashable(untag(a)) for a in x)
    if k == "t":
        return tuple(untag(a) for a in x)
    if k == "s":
        return {_hashable(untag(a)) for a in x}
    if k == "fs":
        return frozenset(_hashable(untag(a)) for a in x)
    if k == "f":
        return float(x)
    if k == "dt":
        return datetime.fromisoformat(x)
    if k == "date":
        return date.fromisoformat(x)
    if k == "time":
        return time.fromisoformat(x)
    if k == "td":
        return timedelta(days=x[0], seconds=x[1], microseconds=x[2])
    if k == "b":
        return base64.b64decode(x)
    if k == "i":
        return int(x)
    if k == "dec":
        return Decimal(x)
    return x  # "repr"


def dumps_exact(v: object) -> str:
    """Exact JSON text of any value (:func:`loads_exact` gives it back)."""
    return json.dumps(tag(v))  # ASCII: lone surrogates survive SQLite


def loads_exact(text: str) -> object:
    return untag(json.loads(text))


def _hashable(v: object) -> object:
    return tuple(v) if isinstance(v, list) else v


def dumps_tagged(pairs: list[tuple[str, object]], mode: str) -> str:
    return json.dumps({mode: [[k, tag(v)] for k, v in pairs]})


def loads_tagged(text: str) -> tuple[str, list[tuple[str, object]]]:
    obj = json.loads(text)
    ((mode, pairs),) = obj.items()
    return mode, [(k, untag(v)) for k, v in pairs]


def _default(v: object) -> object:
    try:
        return encode_extra(v)  # as Blurr's JSON encoder writes it (Decimal: R-11)
    except TypeError:
        return repr(v)


_json_text = json.JSONEncoder(ensure_ascii=False, default=_default).encode


def json_text(v: object) -> str:
    """Human JSON for a container column (best effort for non-JSON values)."""
    return _json_text(v)
