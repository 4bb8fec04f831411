"""``blurr_tui.engine.timeparse.parse`` is exactly ``dateutil.parser.parse`` on every shape."""

from __future__ import annotations

import itertools
from datetime import UTC, datetime

import pytest
from dateutil import parser as du_parser

from blurr_tui.engine import timeparse


def _generated() -> list[str]:
    out: list[str] = []
    dates = ["2018-03-04", "2018/03/04", "2020-02-29", "1999/12/31"]
    times = ["09:01", "09:01:03", "23:59:59", "00:00:00"]
    seps = ["T", " "]
    fracs = ["", ".5", ".12", ".123", ".1234", ".12345", ".123456", ".1234567", ".12345678"]
    fracs += [".123456789"]
    zones = ["", "Z", "+00:00", "-00:00", "+05:30", "-0800", "+0000", "-03:45", "+14:00"]
    for d, sep, t in itertools.product(dates[:2], seps, times):
        for z in zones:
            out.append(f"{d}{sep}{t}{z}")
    for d, f in itertools.product(dates, fracs):
        out.append(f"{d}T09:01:03{f}")
        out.append(f"{d} 23:59:59{f}Z")
        out.append(f"{d}T00:00:00{f}+02:00")
    for d in dates:
        out += [d, d + "Z", d + "+05:00", d + "-0700"]
    return out


ODD = [
    # invalid calendar or clock values
    "2018-02-30",
    "2018-02-29T10:00:00",
    "2018-13-01",
    "2018-00-10",
    "2018-04-31 00:00:00",
    "2018-03-04T24:00",
    "2018-03-04T24:00:00",
    "2018-03-04T23:60:00",
    "2018-03-04T23:59:60",
    "2018-03-04T25:00:00Z",
    "2018-03-04T09:01:03+99:99",
    "2018-03-04T09:01:03+24:00",
    "0000-01-01",
    "0001-01-01T00:00:00",
    "9999-12-31T23:59:59.999999",
    # shapes the fast path does not own
    "Mar 4 2018 9:01",
    "4 March 2018",
    "  2018-03-04 ",
    "2018-03-04\n",
    "20180304T090103",
    "20180304",
    "2018-3-4",
    "2018-03/04",
    "2018-03-04T9:01:03",
    "2018-03-04T09:01:03 Z",
    "2018-03-04T09:01:03 +05:00",
    "2018-03-04T09:01:03+05",
    "2018-03-04T09:01:03UTC",
    "2018-03-04T09:01:03 UTC",
    "2018-03-04T09:01:03,123",
    "2018-03-04T09:01:03.",
    "2018-03-04T09:01+05:30",
    "2018-03-04 09:01 -0800",
    "2018-03-04t09:01:03",
    "2018-03-04T09:01:03z",
    "2018.03.04",
    "04/03/2018",
    "03/04/2018 09:01:03",
    "1520154063",
    "2018",
    "",
    " ",
    "not a time",
    "2018-03-04T09:01:03Zjunk",
    # non-ASCII digits: \\d matches them, int() accepts them
    "\uff12\uff10\uff11\uff18-03-04",
    "\u0662\u0660\u0661\u0668-\u0660\u0663-\u0660\u0664",
    "2018-03-04T\u0660\u0669:01:03",
]

CASES = list(dict.fromkeys(_generated() + ODD))

# Dates directly followed by a zone ('2018-03-04Z', '2018-03-04-0700') once took the fast path
# wrongly: dateutil raises for the first and reads '-0700' as a time. They are in CASES.
PARAMS = CASES


def _outcome(fn, s: str):
    try:
        return ("ok", fn(s))
    except Exception as exc:  # noqa: BLE001 - the type is the comparison
        return ("raised", type(exc))


def test_enough_cases() -> None:
    assert len(CASES) >= 60
    assert len(set(CASES)) == len(CASES)


def _view(dt) -> tuple:
    """What a caller can see of a datetime (methods may raise for offsets of 24 h or more)."""

    def call(f):
        try:
            return ("ok", f())
        except Exception as exc:  # noqa: BLE001
            return ("raised", type(exc))

    return (
        type(dt),
        dt.replace(tzinfo=None),
        type(dt.tzinfo),
        repr(dt.tzinfo),
        call(dt.isoformat),
        call(dt.utcoffset),
        call(dt.tzname),
    )


@pytest.mark.parametrize("s", PARAMS, ids=[repr(c) for c in CASES])
def test_same_as_dateutil(s: str) -> None:
    want = _outcome(du_parser.parse, s)
    got = _outcome(timeparse.parse, s)
    if want[0] == "raised":
        assert got == want, (s, got)
        return
    assert got[0] == "ok", (s, got)
    assert _view(got[1]) == _view(want[1])
    if want[1].tzinfo is None or _view(want[1])[5][0] == "ok":
        assert got[1] == want[1]


def test_fast_path_is_taken_for_common_shapes() -> None:
    for s in ("2018-03-04T09:01:03", "2018/03/04 09:01:03.123Z", "2018-03-04T09:01:03+05:30"):
        assert timeparse.fast_parse_text(s) is not None, s


def test_non_string_inputs_fall_back() -> None:
    assert _outcome(timeparse.parse, None) == _outcome(du_parser.parse, None)
    assert _outcome(timeparse.parse, 20180304) == _outcome(du_parser.parse, 20180304)
    assert _outcome(timeparse.parse, b"2018-03-04") == _outcome(du_parser.parse, b"2018-03-04")
    kw = {"dayfirst": True}
    assert timeparse.parse("04/03/2018", **kw) == du_parser.parse("04/03/2018", **kw)


@pytest.mark.parametrize("s", PARAMS, ids=[repr(c) for c in CASES])
def test_utc_from_text_is_dateutil_with_utc(s: str) -> None:
    """The engine's one-call reading of a Time: dateutil's value with UTC attached, or None."""
    got = timeparse.utc_from_text(s)
    if got is None:
        return
    want = du_parser.parse(s)
    assert want.tzinfo is None
    assert got.tzinfo is UTC and got == want.replace(tzinfo=UTC)


def test_utc_from_text_takes_the_common_shape() -> None:
    for s in ("2018-03-04T09:01:03", "2018-03-04 09:01:03"):
        assert timeparse.utc_from_text(s) == datetime(2018, 3, 4, 9, 1, 3, tzinfo=UTC)
    assert timeparse.utc_from_text("2018-03-04T09:01:03Z") is None
