"""``json.loads`` for one log line, without its per-call overhead on the common case.

``json.loads(bytes)`` sniffs the encoding and runs a whitespace regex twice per call; a log
line is almost always UTF-8 text that starts with ``{`` and ends with a newline.  That case
goes straight to the C scanner; everything else (leading blanks, other encodings, errors,
trailing garbage) goes to ``json.loads`` so values and error messages are exactly its own.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

# typeshed does not declare ``scan_once`` (the C scanner the decoder sets up)
_scan_once: Callable[[str, int], tuple[Any, int]] = json.decoder.JSONDecoder().scan_once  # type: ignore[attr-defined]
_loads = json.loads


def loads_line(raw: bytes) -> Any:
    try:
        text = raw.decode("utf-8")
        value, end = _scan_once(text, 0)
    except (UnicodeDecodeError, StopIteration, ValueError):
        return _loads(raw)
    if end != len(text) and text[end:].strip(" \t\n\r"):
        # JSON's whitespace only: \x0c, NBSP, U+2028... after the value are "Extra data",
        # as json.loads says, though str.isspace() accepts them.
        return _loads(raw)
    return value
