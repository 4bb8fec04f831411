"""Engine rules as data-in/data-out tests (BTS-SEMANTICS §5, §6, §8, §11, §13).

Each test feeds a small inline streaming BTS and a few events (explicit UTC or offset
timestamps) through ``StreamingEngine`` the way ``transform`` does (per identity, events
stably sorted by time, fresh state and stores) and asserts the exact stored records.
Every test runs on both field paths: the generated one (fast=True) and the interpreted one.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from blurr_tui.engine.errors import EngineAbort
from blurr_tui.engine.loader import load_streaming, load_window
from blurr_tui.engine.runtime import StreamingEngine
from blurr_tui.engine.store import MemoryStore
from blurr_tui.engine.window import WindowTransform

T0 = datetime(2018, 1, 1, tzinfo=UTC)

HEAD = """\
Type: Blurr:Transform:Streaming
Version: '2018-03-01'
Name: s
Stores:
  - Type: Blurr:Store:Memory
    Name: mem
Import:
  - { Module: dateutil.parser, Identifiers: [ parse ] }
  - { Module: datetime, Identifiers: [ datetime, timezone, timedelta ] }
Identity: source.user
Time: parse(source.t)
"""


def bts(aggregates: str, header: str = "") -> str:
    return HEAD + header + "Aggregates:\n" + aggregates


def at(seconds: float = 0, user: str = "a", **extra) -> dict:
    """An event for ``user`` at T0 + seconds (ISO text, UTC)."""
    return {"user": user, "t": (T0 + timedelta(seconds=seconds)).isoformat(), **extra}


@pytest.fixture(params=[True, False], ids=["fast", "interpreted"])
def fast(request) -> bool:
    return request.param


def run_streaming(yaml_text: str, events: list[dict], fast: bool = True):
    """(records of the first store as [(key text, record)], spec, {identity: stores})."""
    spec = load_streaming(yaml_text)
    engine = StreamingEngine(spec, fast=fast)
    groups: dict[str, list] = {}
    for ev in events:
        identity, time, record = engine.read(ev)
        groups.setdefault(identity, []).append((time, record))
    out: list[tuple[str, dict]] = []
    all_stores = {}
    for identity, evs in groups.items():
        stores = {s.name: MemoryStore() for s in spec.stores}
        run = engine.start_identity(identity, stores)
        for time, record in sorted(evs, key=lambda e: e[0]):
            run.apply(record, time)
        run.finalize()
        all_stores[identity] = stores
        out += [(str(k), rec) for k, rec in stores[spec.stores[0].name].all_records()]
    return out, spec, all_stores


def records(yaml_text: str, events: list[dict], fast: bool = True) -> list[tuple[str, dict]]:
    return run_streaming(yaml_text, events, fast)[0]


def one_field_agg(fields: str, name: str = "a", extra: str = "") -> str:
    return bts(
        f"""\
  - Type: Blurr:Aggregate:Identity
    Name: {name}
    Store: mem
{extra}    Fields:
{fields}"""
    )


# --------------------------------------------------------------------------- field updates (§5.1)


def test_field_when_falsy_or_none_skips(fast):
    spec = one_field_agg(
        """\
      - Name: n
        Type: integer
        Value: a.n + 1
        When: source.go
"""
    )
    events = [at(0, go=True), at(1, go=False), at(2), at(3, go=0), at(4, go=""), at(5, go=1)]
    assert records(spec, events, fast) == [("a/a//", {"_identity": "a", "n": 2})]


def test_field_value_none_skips_and_keeps_old_value(fast):
    spec = one_field_agg(
        """\
      - Name: v
        Type: string
        Value: source.v
"""
    )
    assert records(spec, [at(0, v="x"), at(1), at(2, v=None)], fast) == [
        ("a/a//", {"_identity": "a", "v": "x"})
    ]


def test_falsy_non_none_values_are_stored(fast):
    spec = one_field_agg(
        """\
      - Name: i
        Type: integer
        Value: source.i
      - Name: s
        Type: string
        Value: source.s
      - Name: b
        Type: boolean
        Value: source.b
      - Name: l
        Type: list
        Value: source.l
"""
    )
    events = [at(0, i=5, s="x", b=True, l=[1]), at(1, i=0, s="", b=False, l=[])]
    assert records(spec, events, fast) == [
        ("a/a//", {"_identity": "a", "i": 0, "s": "", "b": False, "l": []})
    ]


def test_cast_table(fast):
    spec = one_field_agg(
        """\
      - { Name: i_float, Type: integer, Value: '23.9' }
      - { Name: i_negfloat, Type: integer, Value: '-23.9' }
      - { Name: i_str, Type: integer, Value: "'42'" }
      - { Name: i_badstr, Type: integer, Value: "'4.2'" }
      - { Name: i_bool, Type: integer, Value: 'True' }
      - { Name: f_int, Type: float, Value: '23' }
      - { Name: f_str, Type: float, Value: "'1e3'" }
      - { Name: s_int, Type: string, Value: '5' }
      - { Name: s_bool, Type: string, Value: 'True' }
      - { Name: s_list, Type: string, Value: "[1, 'a']" }
      - { Name: b_str, Type: boolean, Value: "'False'" }
      - { Name: b_zero, Type: boolean, Value: '0' }
      - { Name: m_pairs, Type: map, Value: "[('a', 1), ('b', 2)]" }
      - { Name: m_str, Type: map, Value: "'ab'" }
      - { Name: l_str, Type: list, Value: "'abc'" }
      - { Name: l_dict, Type: list, Value: "{'k': 1, 'j': 2}" }
      - { Name: set_list, Type: set, Value: '[3, 1, 2, 1]' }
"""
    )
    [(key, rec)] = records(spec, [at(0)], fast)
    assert key == "a/a//"
    assert rec == {
        "_identity": "a",
        "i_float": 23,
        "i_negfloat": -23,
        "i_str": 42,
        "i_badstr": 0,
        "i_bool": True,
        "f_int": 23.0,
        "f_str": 1000.0,
        "s_int": "5",
        "s_bool": "True",
        "s_list": "[1, 'a']",
        "b_str": True,
        "b_zero": False,
        "m_pairs": {"a": 1, "b": 2},
        "m_str": {},
        "l_str": ["a", "b", "c"],
        "l_dict": ["k", "j"],
        "set_list": [1, 2, 3],
    }
    assert rec["i_bool"] is True  # a bool in an integer field stays a bool (B-1)


def test_int_of_decimal_text_fails_and_keeps_previous_value(fast):
    spec = one_field_agg(
        """\
      - Name: i
        Type: integer
        Value: source.x
"""
    )
    assert records(spec, [at(0, x=7), at(1, x="4.2")], fast) == [
        ("a/a//", {"_identity": "a", "i": 7})
    ]


def test_datetime_fields_naive_gets_utc_offsets_kept_others_fail(fast):
    spec = one_field_agg(
        """\
      - { Name: d_naive, Type: datetime, Value: 'datetime(2018, 1, 2, 3, 4, 5)' }
      - { Name: d_micro, Type: datetime, Value: 'datetime(2018, 1, 2, 3, 4, 5, 123)' }
      - { Name: d_offset, Type: datetime, Value: "parse('2018-01-02T03:04:05+05:30')" }
      - { Name: d_str, Type: datetime, Value: "'2018-01-01'" }
      - { Name: d_date, Type: datetime, Value: 'datetime(2018, 1, 1).date()' }
"""
    )
    assert records(spec, [at(0)], fast) == [
        (
            "a/a//",
            {
                "_identity": "a",
                "d_naive": "2018-01-02T03:04:05+00:00",
                "d_micro": "2018-01-02T03:04:05.000123+00:00",
                "d_offset": "2018-01-02T03:04:05+05:30",
                "d_str": None,
                "d_date": None,
            },
        )
    ]


def test_naive_event_time_becomes_utc_and_offset_time_is_kept(fast):
    spec = bts(
        """\
  - Type: Blurr:Aggregate:Block
    Name: blk
    Store: mem
    Fields:
      - { Name: n, Type: integer, Value: blk.n + 1 }
"""
    )
    events = [
        {"user": "a", "t": "2018-01-01T12:00:00"},
        {"user": "b", "t": "2018-01-01T12:00:00+05:00"},
    ]
    assert records(spec, events, fast) == [
        (
            "a/blk//",
            {
                "_identity": "a",
                "_start_time": "2018-01-01T12:00:00+00:00",
                "_end_time": "2018-01-01T12:00:00+00:00",
                "n": 1,
            },
        ),
        (
            "b/blk//",
            {
                "_identity": "b",
                "_start_time": "2018-01-01T12:00:00+05:00",
                "_end_time": "2018-01-01T12:00:00+05:00",
                "n": 1,
            },
        ),
    ]


# --------------------------------------------------------------------------- evaluation order (§6.1)


def test_evaluation_order_example(fast):
    spec = bts(
        """\
  - Type: Blurr:Aggregate:Identity
    Name: early
    Store: mem
    Fields:
      - { Name: a, Type: integer, Value: early.a + 1 }
      - { Name: b, Type: integer, Value: early.a * 10 }
      - { Name: c, Type: integer, Value: early.d }
      - { Name: d, Type: integer, Value: early.a * 100 }
  - Type: Blurr:Aggregate:Identity
    Name: late
    Store: mem
    Fields:
      - { Name: sees_a, Type: integer, Value: early.a }
"""
    )
    assert records(spec, [at(0), at(1), at(2)], fast) == [
        ("a/early//", {"_identity": "a", "a": 3, "b": 30, "c": 200, "d": 300}),
        ("a/late//", {"_identity": "a", "sees_a": 3}),
    ]


def test_earlier_aggregate_sees_previous_value_of_later_aggregate(fast):
    spec = bts(
        """\
  - Type: Blurr:Aggregate:Identity
    Name: first
    Store: mem
    Fields:
      - { Name: seen, Type: list, Value: first.seen.append(second.n) }
  - Type: Blurr:Aggregate:Identity
    Name: second
    Store: mem
    Fields:
      - { Name: n, Type: integer, Value: second.n + 1 }
"""
    )
    assert records(spec, [at(0), at(1), at(2)], fast) == [
        ("a/first//", {"_identity": "a", "seen": [0, 1, 2]}),
        ("a/second//", {"_identity": "a", "n": 3}),
    ]


# --------------------------------------------------------------------------- Block dimensions (§6.3)

BLOCK = bts(
    """\
  - Type: Blurr:Aggregate:Block
    Name: blk
    Store: mem
    Dimensions:
      - { Name: sid, Type: string, Value: source.sid }
    Fields:
      - { Name: n, Type: integer, Value: blk.n + 1 }
      - { Name: prev_sid, Type: string, Value: blk.sid }
"""
)


def _blk(start: float, end: float, n: int, prev: str, sid: str, user: str = "a") -> dict:
    return {
        "_identity": user,
        "_start_time": (T0 + timedelta(seconds=start)).isoformat(),
        "_end_time": (T0 + timedelta(seconds=end)).isoformat(),
        "n": n,
        "prev_sid": prev,
        "sid": sid,
    }


def test_block_new_dimension_value_starts_new_record(fast):
    events = [at(0, sid="A"), at(1, sid="A"), at(2, sid="B")]
    assert records(BLOCK, events, fast) == [
        ("a/blk/A/", _blk(0, 1, 2, "A", "A")),
        ("a/blk/B/", _blk(2, 2, 1, "", "B")),
    ]


def test_block_revisit_continues_earlier_record_with_min_max_times(fast):
    events = [at(0, sid="A"), at(10, sid="B"), at(20, sid="A"), at(30, sid="B")]
    assert records(BLOCK, events, fast) == [
        ("a/blk/A/", _blk(0, 20, 2, "A", "A")),
        ("a/blk/B/", _blk(10, 30, 2, "B", "B")),
    ]


def test_block_dimension_failure_skips_whole_aggregate(fast):
    # missing sid (None) and a dimension When that is false: n and _end_time untouched
    events = [at(0, sid="A"), at(5), at(6, sid=None), at(7, sid="A")]
    assert records(BLOCK, events, fast) == [("a/blk/A/", _blk(0, 7, 2, "A", "A"))]


def test_block_dimension_when_false_skips(fast):
    spec = bts(
        """\
  - Type: Blurr:Aggregate:Block
    Name: blk
    Store: mem
    Dimensions:
      - { Name: sid, Type: string, Value: source.sid, When: source.ok }
    Fields:
      - { Name: n, Type: integer, Value: blk.n + 1 }
"""
    )
    events = [at(0, sid="A", ok=True), at(1, sid="B", ok=False), at(2, sid="A", ok=True)]
    [(key, rec)] = records(spec, events, fast)
    assert key == "a/blk/A/"
    assert rec["n"] == 2 and rec["_end_time"] == "2018-01-01T00:00:02+00:00"


def test_user_field_reads_previous_dimension_value_and_dimensions_print_last(fast):
    out = records(BLOCK, [at(0, sid="A"), at(1, sid="A"), at(2, sid="B")], fast)
    a_rec, b_rec = out[0][1], out[1][1]
    assert list(a_rec) == ["_identity", "_start_time", "_end_time", "n", "prev_sid", "sid"]
    assert a_rec["prev_sid"] == "A"  # 2nd event of A saw the 1st event's dimension value
    assert b_rec["prev_sid"] == ""  # first event of B saw the default (B-4)


# --------------------------------------------------------------------------- Identity aggregate (§6.2)


def test_identity_aggregate_never_evaluated_stores_nothing(fast):
    spec = bts(
        """\
  - Type: Blurr:Aggregate:Identity
    Name: never
    Store: mem
    When: source.nope == 1
    Fields:
      - { Name: n, Type: integer, Value: never.n + 1 }
  - Type: Blurr:Aggregate:Identity
    Name: always
    Store: mem
    Fields:
      - { Name: v, Type: string, Value: source.missing }
"""
    )
    # `always` is evaluated (stored with defaults) although no field updated.
    assert records(spec, [at(0), at(1)], fast) == [("a/always//", {"_identity": "a", "v": ""})]


def test_identity_with_dimensions_keys(fast):
    spec = bts(
        """\
  - Type: Blurr:Aggregate:Identity
    Name: sess
    Store: mem
    Dimensions:
      - { Name: sid, Type: string, Value: source.sid }
      - { Name: lvl, Type: integer, Value: source.lvl }
    Fields:
      - { Name: n, Type: integer, Value: sess.n + 1 }
"""
    )
    events = [
        at(0, sid="A", lvl=1),
        at(1, sid="", lvl=0),
        at(2, sid="A", lvl="1"),  # '1' is cast to 1: same key as the first
        at(3, sid="x", lvl=2.7),  # 2.7 → 2
        at(4, sid="a/b:c", lvl=True),  # separators unescaped; bool stays bool
    ]
    assert records(spec, events, fast) == [
        ("a/sess/A:1/", {"_identity": "a", "n": 2, "sid": "A", "lvl": 1}),
        ("a/sess/:0/", {"_identity": "a", "n": 1, "sid": "", "lvl": 0}),
        ("a/sess/x:2/", {"_identity": "a", "n": 1, "sid": "x", "lvl": 2}),
        ("a/sess/a/b:c:True/", {"_identity": "a", "n": 1, "sid": "a/b:c", "lvl": True}),
    ]


# --------------------------------------------------------------------------- Activity (§6.4, §13.4)

ACTIVITY = bts(
    """\
  - Type: Blurr:Aggregate:Activity
    Name: act
    Store: mem
    SeparateByInactiveSeconds: 10
    When: source.skip != 1
    Fields:
      - { Name: n, Type: integer, Value: act.n + 1 }
      - { Name: ts, Type: list, Value: act.ts.append(source.x) }
"""
)


def test_activity_vector(fast):
    events = [
        at(0, x=1),
        at(10, x=2),  # exactly 10 s gap: same block
        at(20.5, x=3),  # 10.5 s: new block
        at(31, x=4),
        at(60, x=5, skip=1),  # filtered, but it still splits
        at(65, x=6),
        at(0, user="b", x=7),
        at(60, user="b", x=8, skip=1),
    ]
    out = records(ACTIVITY, events, fast)
    assert [(k, r["n"], r["ts"]) for k, r in out] == [
        ("a/act//2018-01-01T00:00:00+00:00", 2, [1, 2]),
        ("a/act//2018-01-01T00:00:20.500000+00:00", 1, [3]),
        ("a/act//2018-01-01T00:00:31+00:00", 1, [4]),
        ("a/act//2018-01-01T00:01:05+00:00", 1, [6]),
        ("b/act//2018-01-01T00:00:00+00:00", 1, [7]),
        ("b/act//", 0, []),
    ]
    assert out[1][1]["_start_time"] == "2018-01-01T00:00:20.500000+00:00"
    assert out[0][1]["_end_time"] == "2018-01-01T00:00:10+00:00"


def test_activity_when_false_split_leaves_default_record(fast):
    out = records(ACTIVITY, [at(0, user="b", x=7), at(60, user="b", skip=1)], fast)
    assert out[-1] == (
        "b/act//",
        {"_identity": "", "_start_time": None, "_end_time": None, "n": 0, "ts": []},
    )


def test_activity_non_utc_offset_key():
    spec = ACTIVITY
    out = records(spec, [{"user": "a", "t": "2018-01-01T10:00:00+05:00", "x": 1}])
    assert [k for k, _ in out] == ["a/act//2018-01-01T10:00:00+05:00"]
    assert out[0][1]["_start_time"] == "2018-01-01T10:00:00+05:00"


# --------------------------------------------------------------------------- Variable (§6.5)

VARIABLE = """\
  - Type: Blurr:Aggregate:Variable
    Name: vars
{store}    Fields:
      - {{ Name: v, Type: integer, Value: source.v }}
      - {{ Name: paid, Type: boolean, Value: 'True', When: source.buy }}
  - Type: Blurr:Aggregate:Identity
    Name: out
    Store: mem
    Fields:
      - {{ Name: seen, Type: list, Value: 'out.seen.append(vars.v)' }}
      - {{ Name: paid_seen, Type: list, Value: 'out.paid_seen.append(vars.paid)' }}
"""


def test_variable_is_sticky_across_events_and_not_stored(fast):
    spec = bts(VARIABLE.format(store=""))
    events = [at(0, v=1), at(1, buy=True), at(2, v=3), at(0, user="b")]
    assert records(spec, events, fast) == [
        ("a/out//", {"_identity": "a", "seen": [1, 1, 3], "paid_seen": [False, True, True]}),
        ("b/out//", {"_identity": "b", "seen": [0], "paid_seen": [False]}),
    ]


def test_variable_with_store_is_stored(fast):
    spec = bts(VARIABLE.format(store="    Store: mem\n"))
    out = records(spec, [at(0, v=1), at(1, buy=True), at(2)], fast)
    # finalize persists in aggregate order: vars (declared first) comes first
    assert out == [
        ("a/vars//", {"_identity": "a", "v": 1, "paid": True}),
        ("a/out//", {"_identity": "a", "seen": [1, 1, 1], "paid_seen": [False, True, True]}),
    ]


# --------------------------------------------------------------------------- transformer When (§2.5)


def test_transformer_when_filters_events(fast):
    spec = bts(
        """\
  - Type: Blurr:Aggregate:Identity
    Name: a
    Store: mem
    Fields:
      - { Name: xs, Type: list, Value: a.xs.append(source.x) }
""",
        header="When: source.keep == 1\n",
    )
    events = [at(0, x=1, keep=1), at(1, x=2), at(2, x=3, keep=1), at(0, user="b", x=4)]
    # b never passes the When: its aggregate is never evaluated, so nothing is stored.
    assert records(spec, events, fast) == [("a/a//", {"_identity": "a", "xs": [1, 3]})]


def test_aggregate_when_false_does_not_touch_times(fast):
    spec = bts(
        """\
  - Type: Blurr:Aggregate:Block
    Name: blk
    Store: mem
    When: source.ok
    Fields:
      - { Name: n, Type: integer, Value: blk.n + 1 }
"""
    )
    out = records(spec, [at(0, ok=1), at(5, ok=0), at(9, ok=1), at(20, ok=0)], fast)
    assert out == [
        (
            "a/blk//",
            {
                "_identity": "a",
                "_start_time": "2018-01-01T00:00:00+00:00",
                "_end_time": "2018-01-01T00:00:09+00:00",
                "n": 2,
            },
        )
    ]


# --------------------------------------------------------------------------- containers (§5.3)


def test_container_helpers_chain(fast):
    spec = one_field_agg(
        """\
      - { Name: l, Type: list, Value: 'a.l.append(1).insert(0, 0).extend([2, 3]).remove(3)' }
      - { Name: m, Type: map, Value: "a.m.set('a', 1).increment('a').increment('b', 5).set(None, 9)" }
      - { Name: st, Type: set, Value: 'a.st.add(2).add(None).add(1)' }
      - { Name: l2, Type: list, Value: 'a.l2.append(None).append(7)' }
"""
    )
    assert records(spec, [at(0)], fast) == [
        (
            "a/a//",
            {"_identity": "a", "l": [0, 1, 2], "m": {"a": 2, "b": 5}, "st": [1, 2], "l2": [7]},
        )
    ]


def test_map_get_missing_returns_the_map_itself(fast):
    spec = one_field_agg(
        """\
      - { Name: m, Type: map, Value: "a.m.set('x', 1).set('y', 2)" }
      - { Name: got, Type: integer, Value: "len(a.m.get('missing'))" }
      - { Name: same, Type: boolean, Value: "a.m.get('nope') is a.m" }
      - { Name: hit, Type: integer, Value: "a.m.get('y')" }
"""
    )
    assert records(spec, [at(0)], fast) == [
        ("a/a//", {"_identity": "a", "m": {"x": 1, "y": 2}, "got": 2, "same": True, "hit": 2})
    ]


def test_mutation_is_kept_when_the_value_then_fails(fast):
    spec = one_field_agg(
        """\
      - { Name: l, Type: list, Value: 'a.l.append(1).remove(99)' }
"""
    )
    assert records(spec, [at(0), at(1)], fast) == [("a/a//", {"_identity": "a", "l": [1, 1]})]


# --------------------------------------------------------------------------- source access (§4)


def test_source_access_rules(fast):
    spec = one_field_agg(
        """\
      - { Name: missing_is_none, Type: boolean, Value: 'source.missing is None' }
      - { Name: bracket_missing_is_none, Type: boolean, Value: "source['missing'] is None" }
      - { Name: nested, Type: string, Value: source.a.b }
      - { Name: indexed, Type: integer, Value: 'source.cart[1].price' }
      - { Name: iter_attr, Type: list, Value: '[x.price for x in source.cart]' }
      - { Name: iter_item, Type: list, Value: "[x['price'] for x in source.cart]" }
      - { Name: items_is_method, Type: boolean, Value: 'callable(source.items)' }
      - { Name: items_bracket, Type: integer, Value: "source['items']" }
      - { Name: out_of_range, Type: integer, Value: 'source.cart[5].price' }
      - { Name: empty_list_type, Type: string, Value: 'type(source.empty).__name__' }
"""
    )
    event = at(0, a={"b": "deep"}, cart=[{"price": 1}, {"price": 2}], items=4, empty=[])
    assert records(spec, [event], fast) == [
        (
            "a/a//",
            {
                "_identity": "a",
                "missing_is_none": True,
                "bracket_missing_is_none": True,
                "nested": "deep",
                "indexed": 2,
                "iter_attr": [],  # AttributeError on a plain dict: swallowed, not updated
                "iter_item": [1, 2],
                "items_is_method": True,
                "items_bracket": 4,
                "out_of_range": 0,
                "empty_list_type": "list",
            },
        )
    ]


# --------------------------------------------------------------------------- exceptions (§3.3, §3.4)


def test_swallowed_exceptions_mean_not_updated(fast):
    spec = one_field_agg(
        """\
      - { Name: n, Type: integer, Value: source.x + 1 }
      - { Name: k, Type: integer, Value: "{}['nokey']" }
      - { Name: z, Type: float, Value: 1 / source.zero }
      - { Name: w, Type: integer, Value: '5', When: source.x > 3 }
"""
    )
    out = records(spec, [at(0, x=1, zero=0), at(1, zero=0)], fast)
    assert out == [("a/a//", {"_identity": "a", "n": 2, "k": 0, "z": 0.0, "w": 0})]


def test_name_error_aborts_naming_field_and_expression(fast):
    spec = one_field_agg(
        """\
      - { Name: ok, Type: integer, Value: '1' }
      - { Name: bad, Type: integer, Value: 'undefined_name + 1' }
"""
    )
    with pytest.raises(EngineAbort) as info:
        records(spec, [at(0)], fast)
    assert info.value.where == "s.a.bad"
    assert info.value.expression == "undefined_name + 1"
    assert "NameError" in str(info.value)


def test_name_error_in_when_aborts(fast):
    spec = one_field_agg(
        """\
      - { Name: bad, Type: integer, Value: '1', When: nope }
"""
    )
    with pytest.raises(EngineAbort) as info:
        records(spec, [at(0)], fast)
    assert (info.value.where, info.value.expression) == ("s.a.bad", "nope")


def test_unknown_aggregate_field_aborts(fast):
    spec = one_field_agg(
        """\
      - { Name: n, Type: integer, Value: a.unknown + 1 }
"""
    )
    with pytest.raises(EngineAbort) as info:
        records(spec, [at(0)], fast)
    assert info.value.where == "s.a.n"
    assert info.value.expression == "a.unknown + 1"
    assert "MissingAttributeError" in str(info.value)


def test_start_time_on_identity_aggregate_aborts(fast):
    spec = one_field_agg(
        """\
      - { Name: d, Type: datetime, Value: a._start_time }
"""
    )
    with pytest.raises(EngineAbort) as info:
        records(spec, [at(0)], fast)
    assert info.value.where == "s.a.d"


def test_keyword_named_field_read_with_brackets(fast):
    spec = one_field_agg(
        """\
      - { Name: class, Type: integer, Value: "a['class'] + 1" }
      - { Name: copy, Type: integer, Value: "a['class'] * 10" }
"""
    )
    assert records(spec, [at(0), at(1)], fast) == [
        ("a/a//", {"_identity": "a", "class": 2, "copy": 20})
    ]


# --------------------------------------------------------------------------- window (§11, §13.5)

WIN_STREAM = bts(
    """\
  - Type: Blurr:Aggregate:Block
    Name: blk
    Store: mem
    Dimensions:
      - { Name: d, Type: string, Value: source.d }
    Fields:
      - { Name: flag, Type: boolean, Value: source.flag }
      - { Name: n, Type: integer, Value: blk.n + 1 }
"""
)

WIN_HEAD = """\
Type: Blurr:Transform:Window
Version: '2018-03-01'
Name: w
SourceBTS: s
"""

VECTOR_BLOCKS = [
    ("d1", "2018-01-01T00:00:00", False),
    ("d2", "2018-01-01T00:30:00", False),
    ("d3", "2018-01-01T01:00:00", True),
    ("d4", "2018-01-02T00:59:59", False),
    ("d5", "2018-01-02T01:00:00", True),
    ("d6", "2018-01-02T01:00:01", False),
]


def window_rows(window_yaml: str, events: list[dict], fast: bool = True) -> dict[str, list]:
    _out, spec, all_stores = run_streaming(WIN_STREAM, events, fast)
    wt = WindowTransform(spec, load_window(window_yaml))
    return {identity: wt.run(identity, stores) for identity, stores in all_stores.items()}


def _vector_events(user: str = "a") -> list[dict]:
    return [{"user": user, "t": t, "d": d, "flag": f} for d, t, f in VECTOR_BLOCKS]


def test_window_vector_boundaries_exclusive(fast):
    window = (
        WIN_HEAD
        + """\
Anchor:
  Condition: s.blk.flag == True
Aggregates:
  - Type: Blurr:Aggregate:Window
    Name: prev2
    WindowType: count
    WindowValue: -2
    Source: s.blk
    Fields:
      - { Name: ds, Type: list, Value: source.d }
  - Type: Blurr:Aggregate:Window
    Name: next1d
    WindowType: day
    WindowValue: 1
    Source: s.blk
    Fields:
      - { Name: ds, Type: list, Value: source.d }
  - Type: Blurr:Aggregate:Window
    Name: last1h
    WindowType: hour
    WindowValue: -1
    Source: s.blk
    Fields:
      - { Name: ds, Type: list, Value: source.d }
      - { Name: anchor_d, Type: string, Value: anchor.d }
"""
    )
    events = _vector_events() + [{"user": "b", "t": "2018-01-01T00:00:00", "d": "x", "flag": True}]
    rows = window_rows(window, events, fast)

    def row(p2, n1, l1, ad):
        return {
            "prev2._identity": "a",
            "prev2.ds": p2,
            "next1d._identity": "a",
            "next1d.ds": n1,
            "last1h._identity": "a",
            "last1h.ds": l1,
            "last1h.anchor_d": ad,
        }

    assert rows == {
        "a": [row(["d1", "d2"], ["d4"], ["d2"], "d3"), row(["d3", "d4"], ["d6"], ["d4"], "d5")],
        "b": [],
    }


def test_window_max_per_day(fast):
    window = (
        WIN_HEAD
        + """\
Anchor:
  Condition: 'True'
  Max: 2
Aggregates:
  - Type: Blurr:Aggregate:Window
    Name: prev
    WindowType: count
    WindowValue: -1
    Source: s.blk
    Fields:
      - { Name: ds, Type: list, Value: source.d }
      - { Name: at, Type: string, Value: anchor.d }
"""
    )
    rows = window_rows(window, _vector_events(), fast)["a"]
    # d1 has no previous block: dropped and not counted. d6 is the 3rd of Jan 2: Max.
    assert [(r["prev.at"], r["prev.ds"]) for r in rows] == [
        ("d2", ["d1"]),
        ("d3", ["d2"]),
        ("d4", ["d3"]),
        ("d5", ["d4"]),
    ]


def test_window_insufficient_count_drops_anchor(fast):
    window = (
        WIN_HEAD
        + """\
Anchor:
  Condition: s.blk.flag == True
Aggregates:
  - Type: Blurr:Aggregate:Window
    Name: prev3
    WindowType: count
    WindowValue: -3
    Source: s.blk
    Fields:
      - { Name: ds, Type: list, Value: source.d }
"""
    )
    rows = window_rows(window, _vector_events(), fast)["a"]
    assert rows == [{"prev3._identity": "a", "prev3.ds": ["d2", "d3", "d4"]}]  # d3 dropped


def test_window_when_false_gives_defaults_row(fast):
    window = (
        WIN_HEAD
        + """\
When: anchor.d == 'nope'
Anchor:
  Condition: s.blk.flag == True
  Max: 1
Aggregates:
  - Type: Blurr:Aggregate:Window
    Name: prev
    WindowType: count
    WindowValue: -1
    Source: s.blk
    Fields:
      - { Name: ds, Type: list, Value: source.d }
      - { Name: total, Type: integer, Value: sum(source.n) }
"""
    )
    rows = window_rows(window, _vector_events(), fast)["a"]
    assert rows == [
        {"prev._identity": "", "prev.ds": [], "prev.total": 0},
        {"prev._identity": "", "prev.ds": [], "prev.total": 0},
    ]
