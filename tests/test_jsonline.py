"""The fast line parser (orjson first) gives exactly what ``json.loads`` gives, or raises the
same error, on hostile inputs: everything the reader's tests feed it and the cases where
orjson and the standard parser are known to differ."""

from __future__ import annotations

import json
import random

import pytest

from blurr_tui.replay.jsonline import loads_line

# The reader's bad-line classes (tests/test_reader.py) and its good lines.
READER_LINES = [
    b"\n",
    b"  \t\r\n",
    b"notjson\n",
    b'{"a": 1,}\n',
    b'{"a": "\xff"}\n',
    b"5\n",
    b"null\n",
    b'"s"\n',
    b"true\n",
    b"[1, 2]\n",
    b'[["user", "b"], ["t", 2]]\n',
    b'{"user": "a", "t": 1}\n',
    b'{"user": "b\xc3\xa9"}\n',
    b"oops\n",
]

# Where orjson and json.loads could differ (issue 13), and BTS-SEMANTICS §16 R-13 blanks.
HOSTILE = [
    b'{"a": NaN}',
    b'{"a": Infinity, "b": -Infinity}',
    b"[NaN]",
    b'{"a": 1e400}',
    b'{"a": -1.7976931348623157e309}',
    b'{"a": 18446744073709551615}',
    b'{"a": 18446744073709551616}',
    b'{"a": -9223372036854775808}',
    b'{"a": -9223372036854775809}',
    b'{"a": 123456789012345678901234567890}',
    b'{"a": {"b": [1, 99999999999999999999999]}}',
    b"[99999999999999999999999]",
    b"99999999999999999999999",
    b'{"a": 9.3e18, "b": 1e19}',
    b'{"a": 1, "a": 2, "b": 3}',
    b'{"a": 1, "b": 2, "a": {"c": 1, "c": 2}}',
    b'{"a": "\\ud800"}',
    b'{"a": "x\\udc00y"}',
    b'{"\\ud800": 1}',
    b'{"a": "\\ud83d\\ude00"}',
    b'{"a": "\xed\xa0\x80"}',
    b'\xef\xbb\xbf{"a": 1}',
    '{"a": 1}'.encode("utf-16"),
    '{"a": 1}'.encode("utf-32-le"),
    b'{"a": 1}\x0c\n',
    b'\x0c{"a": 1}',
    b'{"a": 1}\x0b',
    b'{"a": 1}\x1e',
    b'{"a": 1}\xc2\x85',
    b'{"a": 1}\xc2\xa0',
    b'{"a": 1}\xe2\x80\xa8',
    b'{"a": 1}\xe3\x80\x80',
    b' \t{"a": 1} \r\n',
    b'{"a": 1} x',
    b'{"a": 1}{"b": 2}',
    b'{"a": "\x01"}',
    b'{"a": "\t"}',
    b'{"a": "\x7f"}',
    b'{"a": "\\u0000"}',
    b'{"a": -0, "b": -0.0, "c": 0e0, "d": 1E2, "e": 2.5e-324}',
    b'{"a": 01}',
    b'{"a": .5}',
    b'{"a": 1.}',
    b'{"a": +1}',
    b'{"a": true, "b": false, "c": null, "d": [], "e": {}}',
    b'{"a": 1}\x00',
    b"[" * 1100 + b"]" * 1100,
    b"[" * 990 + b"1e30" + b"]" * 990,
    b"",
    b"   ",
]


def outcome(raw: bytes, parse) -> tuple[str, str]:  # noqa: ANN001
    """(kind, text): the value's repr with every type spelled out, or the exception."""
    try:
        value = parse(raw)
    except RecursionError:
        return ("error", "RecursionError")
    except Exception as exc:  # noqa: BLE001 (the exception is the outcome)
        return ("error", f"{type(exc).__name__}: {exc}")
    return ("value", typed(value))


def typed(value: object) -> str:
    if isinstance(value, dict):
        return "{" + ", ".join(f"{k!r}: {typed(v)}" for k, v in value.items()) + "}"
    if isinstance(value, list):
        return "[" + ", ".join(typed(v) for v in value) + "]"
    return f"{type(value).__name__}({value!r})"


@pytest.mark.parametrize("raw", READER_LINES + HOSTILE)
def test_same_as_json_loads(raw: bytes) -> None:
    assert outcome(raw, loads_line) == outcome(raw, json.loads)


def test_random_numbers_same_as_json_loads() -> None:
    rnd = random.Random(13)
    texts = []
    for _ in range(3000):
        digits = "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 25)))
        digits = digits.lstrip("0") or "0"
        sign = rnd.choice(["", "-"])
        frac = "." + "".join(rnd.choice("0123456789") for _ in range(rnd.randint(1, 20)))
        exp = rnd.choice(["", f"e{rnd.randint(-330, 330)}", f"E+{rnd.randint(0, 30)}"])
        texts.append(sign + digits + rnd.choice(["", frac]) + rnd.choice(["", exp]))
    for text in texts:
        raw = f'{{"n": {text}, "l": [{text}]}}'.encode()
        assert outcome(raw, loads_line) == outcome(raw, json.loads), text


def test_typical_line_is_the_same_dict() -> None:
    raw = b'{"event_id": "game_end", "user_id": "u1", "won": false, "score": 1.5}\n'
    assert loads_line(raw) == json.loads(raw)
    assert list(loads_line(raw)) == ["event_id", "user_id", "won", "score"]
