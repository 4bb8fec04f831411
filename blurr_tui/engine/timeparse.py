"""Fast, exact parsing of common timestamp shapes.

``dateutil.parser.parse`` costs ~74 µs a call; the shapes that fill real logs
(``2018-03-04T09:01:03``, ``2018/03/04 09:01:03``, with fractions, ``Z`` or ``±hh:mm``)
are parsed here with a regular expression into exactly the datetime dateutil returns,
including its tzinfo (taken from dateutil itself, once per offset text). Anything else falls back to dateutil. ``tests/test_timeparse.py`` proves the
equality over many formats.
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from dateutil import parser as _du_parser

_dateutil_parse = _du_parser.parse
_fromisoformat = datetime.fromisoformat

_SHAPE = re.compile(
    r"(\d{4})([-/])(\d{2})\2(\d{2})"
    r"(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,6}))?)?(Z|[+-]\d{2}:?\d{2})?)?"
)
_OFFSETS: dict[str, Any] = {}


def _tz(text: str) -> Any:
    # Ask dateutil once per suffix, so the tzinfo is exactly its choice (tzutc, tzlocal on a
    # UTC machine, tzoffset(None, s)...).
    tz = _OFFSETS.get(text)
    if tz is None:
        tz = _dateutil_parse("2000-01-01T00:00:00" + text).tzinfo
        _OFFSETS[text] = tz
    return tz


def fast_parse_text(text: str) -> datetime | None:
    """The datetime dateutil would return for ``text``, or None if the shape is not known."""
    if (
        len(text) == 19
        and text[10] in "T "
        and text[4] == "-" == text[7]
        and text[13] == ":" == text[16]
    ):
        # The commonest shape, "YYYY-MM-DDTHH:MM:SS": with the separators in place,
        # fromisoformat accepts exactly ASCII digits in the other places.
        try:
            return _fromisoformat(text)
        except ValueError:
            return None
    m = _SHAPE.fullmatch(text)
    if m is None:
        return None
    tz = m.group(9)
    if tz is not None and m.group(7) is None:
        return None  # "HH:MM+hh:mm" is rare; let dateutil decide
    core = text if tz is None else text[: m.start(9)]
    if m.group(2) == "/":
        core = core.replace("/", "-")
    try:
        # The shape is already checked, so fromisoformat reads exactly the same fields.
        dt = _fromisoformat(core)
    except ValueError:
        return None
    if tz is not None:
        dt = dt.replace(tzinfo=_tz(tz))
    return dt


def parse(timestr: Any = None, *args: Any, **kwargs: Any) -> Any:
    """Drop-in for ``dateutil.parser.parse`` with the fast path for plain calls."""
    if not args and not kwargs and type(timestr) is str:
        dt = fast_parse_text(timestr)
        if dt is not None:
            return dt
    return _dateutil_parse(timestr, *args, **kwargs)


def utc_from_text(text: str) -> datetime | None:
    """``dateutil.parser.parse(text)`` with UTC attached (as the engine does to a naive Time)
    for the commonest shape "YYYY-MM-DDTHH:MM:SS" (or a space for the T), in one call;
    None for anything else."""
    if (
        len(text) == 19
        and text[10] in "T "
        and text[4] == "-" == text[7]
        and text[13] == ":" == text[16]
    ):
        try:
            return _fromisoformat(text + "+00:00")  # tzinfo is datetime.UTC itself
        except ValueError:
            return None
    return None


def parse_datetime_text(text: str) -> datetime:
    """ISO text written by the engine → datetime (used to restore stored records)."""
    try:
        return datetime.fromisoformat(text)
    except ValueError:
        return _dateutil_parse(text)


def is_dateutil_parse(obj: Any) -> bool:
    return obj is _dateutil_parse
