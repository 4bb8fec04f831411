"""``source`` at C speed: FastRecord gives what Record gives for every access a spec can make,
and the engine only uses it for specs that just read ``source``."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from blurr_tui.engine.loader import load_streaming
from blurr_tui.engine.record import FastRecord, Record, record_maker
from blurr_tui.engine.runtime import StreamingEngine
from blurr_tui.engine.source_access import plain_read, source_reads

EVENTS = [
    {"user": "a", "n": 1, "f": 1.5, "ok": True, "none": None},
    {"user": "b"},
    {},
    {"user": "c", "nested": {"x": 1}},
    {"user": "d", "items": [1, 2], "empty": []},
    {"items": 3, "get": "g", "keys": 1},
    {"__class__": "c", "__foo__": 2, "__dict__": 1},
    {"_private": 1, "__x": 2},
]
NAMES = ["user", "n", "f", "ok", "none", "missing", "nested", "items", "empty", "get", "keys"]
NAMES += ["values", "__foo__", "__bar__", "_private", "__x", "copy", "x"]


def outcome(obj: object, name: str) -> tuple[str, object]:
    try:
        value = getattr(obj, name)
    except AttributeError:
        return ("AttributeError", None)
    if callable(value) and hasattr(value, "__self__"):
        return ("method", value.__name__)  # type: ignore[attr-defined]
    return (type(value).__name__, value)


@pytest.mark.parametrize("event", EVENTS, ids=[str(i) for i in range(len(EVENTS))])
def test_same_access_as_record(event: dict) -> None:
    make = record_maker(frozenset(NAMES))
    fast, slow = make(dict(event)), Record(dict(event))
    assert dict(fast) == dict(slow) == event and isinstance(fast, Record)
    for name in NAMES:
        assert outcome(fast, name) == outcome(slow, name), name
        assert fast[name] == slow[name]
    assert outcome(fast, "unread") == outcome(slow, "unread")
    assert isinstance(fast, Record)  # source.__class__ differs: specs reading dunders get Record


def test_plain_events_get_the_fast_class() -> None:
    make = record_maker(frozenset({"user", "boost"}))
    assert isinstance(make({"user": "a", "n": 1}), FastRecord)
    assert type(make({"user": "a", "nested": {}})) is Record  # nested values are wrapped
    assert type(make({"user": "a", "items": 1})) is Record  # a key shadowing a dict method
    assert type(record_maker(None)({"user": "a"})) is Record


SPEC = """
Type: Blurr:Transform:Streaming
Version: '2018-03-01'
Name: s
Stores: [{Type: Blurr:Store:Memory, Name: m}]
Identity: source.user_id
Import: [{Module: dateutil.parser, Identifiers: [parse]}]
Time: parse(source.timestamp)
Aggregates:
  - Type: Blurr:Aggregate:Identity
    Name: a
    Store: m
    Fields:
      - {Name: n, Type: integer, Value: a.n + 1, When: "source.kind == 'x'"}
      - {Name: v, Type: string, Value: "VALUE"}
"""


def spec_with(value: str):  # noqa: ANN201
    return load_streaming(SPEC.replace("VALUE", value))


@pytest.mark.parametrize(
    ("value", "reads"),
    [
        ("source.country", {"user_id", "timestamp", "kind", "country"}),
        ("source['country'] + source.get('x', '')", {"user_id", "timestamp", "kind", "get"}),
        ("source.update(a=1)", None),
        ("str(source)", None),
        ("[k for k in source]", None),
        ("source.__dict__", None),
        ("globals()['source'].x", None),
        ("eval('source.x')", None),
    ],
)
def test_source_reads(value: str, reads: set[str] | None) -> None:
    got = source_reads(spec_with(value))
    assert got == (None if reads is None else frozenset(reads))


def test_plain_read_shape() -> None:
    assert plain_read(spec_with("x")) == ("user_id", "timestamp", "parse")
    spec = load_streaming(SPEC.replace("parse(source.timestamp)", "parse(source.t, dayfirst=1)"))
    assert plain_read(spec) is None


def test_engine_read_plain_and_general_paths_agree() -> None:
    spec = spec_with("source.country")
    fast, slow = StreamingEngine(spec), StreamingEngine(spec, fast=False)
    events = [
        {"user_id": "u", "timestamp": "2018-03-04T09:01:03", "country": "FR"},
        {"user_id": "u", "timestamp": "2018-03-04 09:01:03"},
        {"user_id": "u", "timestamp": "2018-03-04T09:01:03Z"},
        {"user_id": "u", "timestamp": "4 March 2018"},
        {"user_id": "u", "timestamp": "2018-03-04T09:01:03", "nested": {"a": 1}},
    ]
    for event in events:
        i1, t1, r1 = fast.read(dict(event))
        i2, t2, r2 = slow.read(dict(event))
        assert (i1, t1, dict(r1)) == (i2, t2, dict(r2))
        assert repr(t1.tzinfo) == repr(t2.tzinfo)
    _, t, _ = fast.read(events[0])
    assert t == datetime(2018, 3, 4, 9, 1, 3, tzinfo=UTC) and t.tzinfo is UTC


def test_fast_record_copies_like_a_record() -> None:
    """The debugger's watches deep-copy what an expression returns (``source`` included)."""
    import copy

    rec = record_maker(frozenset({"user", "boost"}))({"user": "a", "n": 1})
    assert isinstance(rec, FastRecord)
    for dup in (copy.copy(rec), copy.deepcopy(rec)):
        assert dict(dup) == {"user": "a", "n": 1}
        assert (dup.user, dup.n, dup.boost, dup.missing) == ("a", 1, None, None)
