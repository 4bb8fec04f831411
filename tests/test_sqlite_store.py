"""SqliteStore: exact round-trips, MemoryStore semantics, analyst-facing schema."""

from __future__ import annotations

import math
import random
import sqlite3
from datetime import UTC, datetime, timedelta, timezone

import pytest
import sqlite_utils

from blurr_tui.engine.keys import Key
from blurr_tui.engine.spec import (
    AggregateKind,
    AggregateSpec,
    FieldSpec,
    FieldType,
    StoreSpec,
    StreamingSpec,
    WindowSpec,
)
from blurr_tui.engine.store import MemoryStore
from blurr_tui.store.sqlite_store import SpecMismatchError, SqliteStore, log_head_sha256

PLUS5 = timezone(timedelta(hours=5))
T0 = datetime(2018, 1, 1, 0, 0, tzinfo=UTC)


def fld(name: str, ftype: str) -> FieldSpec:
    return FieldSpec(name, FieldType(ftype), ftype, None, None, f"s.{name}")


ALL_TYPES = ("integer", "float", "string", "boolean", "datetime", "map", "list", "set")
BLOCK = AggregateSpec(
    "sess",
    AggregateKind.BLOCK,
    "blurr:aggregate:block",
    fields=tuple(fld(t[:3], t) for t in ALL_TYPES),
    dimensions=(fld("sid", "string"), fld("lvl", "integer")),
    store="mem",
)
ACT = AggregateSpec("act", AggregateKind.ACTIVITY, "a", fields=(fld("n", "integer"),), store="mem")
STATE = AggregateSpec(
    "state", AggregateKind.IDENTITY, "i", fields=(fld("n", "integer"),), store="mem"
)
VARS = AggregateSpec("vars", AggregateKind.VARIABLE, "v", fields=(fld("x", "integer"),))
SVARS = AggregateSpec(
    "svars", AggregateKind.VARIABLE, "v", fields=(fld("x", "integer"),), store="other"
)
SPEC = StreamingSpec(
    "S",
    None,
    None,
    None,
    (),
    (StoreSpec("mem", "memory"), StoreSpec("other", "memory")),
    (BLOCK, ACT, STATE, VARS, SVARS),
    path="s.yml",
    text="Type: Blurr:Transform:Streaming\n",
)


def block_rec(identity: str = "u", **over: object) -> dict:
    rec = {
        "_identity": identity,
        "_start_time": "2018-01-01T00:00:00+00:00",
        "_end_time": "2018-01-01T00:05:00.000123+05:30",
        "int": 3,
        "flo": 1.5,
        "str": "abc",
        "boo": True,
        "dat": "2018-01-02T03:04:05+05:30",
        "map": {"a": 1},
        "lis": [1, "x"],
        "set": [1, 2, 3],
        "sid": "A",
        "lvl": 1,
    }
    rec.update(over)
    return rec


def act_rec(start: datetime, n: int, identity: str = "u") -> dict:
    return {"_identity": identity, "_start_time": start.isoformat(), "_end_time": None, "n": n}


def bkey(identity: str = "u", *dims: str) -> Key:
    return Key(identity, "sess", dims or ("A", "1"))


@pytest.fixture
def store() -> SqliteStore:
    return SqliteStore(":memory:", SPEC)


def same(a: object, b: object) -> bool:
    """Equality that also checks types (True vs 1) and NaN, recursively."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return (math.isnan(a) and math.isnan(b)) or (a == b and str(a) == str(b))
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)
    if isinstance(a, list | tuple):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))
    return a == b


ROUND_TRIPS = {
    "plain": {},
    "nan": {"flo": float("nan")},
    "inf": {"flo": float("inf"), "int": -(2**63)},
    "minus_inf": {"flo": float("-inf")},
    "negative_zero": {"flo": -0.0},
    "bool_in_integer": {"int": True},
    "false_in_integer": {"int": False},
    "huge_int": {"int": 2**70},
    "unicode": {"str": "h\u00e9llo \u2603 \U0001f600", "map": {"cl\u00e9": "\u2603"}},
    "lone_surrogate": {"str": "bad \ud800 text"},
    "surrogate_in_map": {"map": {"k": "\udcff"}},
    "nested_map": {"map": {"a": {"b": {"c": [1, 2.5, None, {"d": True}]}}, "e": []}},
    "map_int_keys": {"map": {1: "one", "1": "string one"}},
    "nan_in_list": {"lis": [float("nan"), float("inf"), 1]},
    "tuple_in_list": {"lis": [(1, 2), "x"]},
    "datetime_in_list": {"lis": [datetime(2018, 1, 1, tzinfo=PLUS5)]},
    "nones": {k: None for k in ("int", "flo", "str", "boo", "dat", "map", "lis", "set")},
    "empty": {"map": {}, "lis": [], "set": [], "str": ""},
    "wrong_types": {"boo": 1, "str": 5, "dat": T0, "set": {3, 1}},
    "identity_differs": {"_identity": ""},
    "nul_char": {"str": "a\x00b"},
}


@pytest.mark.parametrize("case", list(ROUND_TRIPS))
def test_round_trip(store: SqliteStore, case: str) -> None:
    rec = block_rec(**ROUND_TRIPS[case])
    store.begin()
    store.save(bkey(), rec)
    store.commit()
    assert same(store.get(bkey()), rec)
    # A fresh store over the same connection decodes from the table, not from any cache.
    again = SqliteStore(store.conn, SPEC)
    assert same(again.get(bkey()), rec)
    assert same(next(again.records("u"))[1], rec)


def test_unusual_key_order_and_extra_keys_round_trip(store: SqliteStore) -> None:
    rec = {"sid": "A", "_identity": "u", "int": 1, "surprise": [1]}
    store.save(bkey(), rec)
    assert same(store.get(bkey()), rec)


def test_bool_in_integer_column_shows_one_for_humans(store: SqliteStore) -> None:
    store.save(bkey(), block_rec(int=True, flo=float("nan")))
    row = store.conn.execute("SELECT int, flo, boo, map FROM sess").fetchone()
    assert row == (1, None, 1, '{"a": 1}')


def test_column_types(store: SqliteStore) -> None:
    db = sqlite_utils.Database(store.conn)
    cols = db["sess"].columns_dict
    assert list(cols)[:3] == ["_key", "_seq", "_identity"]
    assert cols["int"] is int and cols["boo"] is int and cols["lvl"] is int
    assert cols["flo"] is float
    for name in ("str", "dat", "map", "lis", "set", "sid", "_start_time", "_end_time"):
        assert cols[name] is str, name
    types = {c.name: c.type for c in db["sess"].columns}
    assert types["flo"] == "REAL" and types["int"] == "INTEGER" and types["map"] == "TEXT"
    assert "_start_time" not in db["state"].columns_dict
    assert set(db.table_names()) >= {"sess", "act", "state", "svars", "window_rows"}
    assert "vars" not in db.table_names()  # a Variable without Store is not stored
    indexes = {tuple(i.columns) for i in db["sess"].indexes}
    assert ("_identity", "_seq") in indexes and ("_lookup",) in indexes
    assert [r["aggregate"] for r in db["aggregates"].rows_where("is_output = 1")] == [
        "sess",
        "act",
        "state",
    ]


def test_first_save_order_and_update_in_place(store: SqliteStore) -> None:
    mem = MemoryStore()
    saves = [
        (bkey("u", "A", "1"), block_rec(int=1)),
        (Key("u", "state"), {"_identity": "u", "n": 1}),
        (bkey("v", "B", "2"), block_rec("v", int=2)),
        (bkey("u", "A", "1"), block_rec(int=3)),  # update: keeps position 1
        (bkey("u", "C", "1"), block_rec(int=4)),
        (Key("u", "svars"), {"_identity": "u", "x": 5}),
    ]
    for k, r in saves:
        store.save(k, r)
        mem.save(k, r)
    got = [
        (str(k), r["int"] if "int" in r else r.get("n", r.get("x"))) for k, r in store.all_records()
    ]
    assert got == [
        ("u/sess/A:1/", 3),
        ("u/state//", 1),
        ("v/sess/B:2/", 2),
        ("u/sess/C:1/", 4),
        ("u/svars//", 5),
    ]
    assert [(k, r) for k, r in store.records("u")] == [(k, r) for k, r in mem.records("u")]
    assert [str(k) for k, _ in store.all_records(output_only=True)] == [
        "u/sess/A:1/",
        "u/state//",
        "v/sess/B:2/",
        "u/sess/C:1/",
    ]
    assert store.conn.execute("SELECT _seq FROM sess ORDER BY _seq").fetchall() == [
        (1,),
        (3,),
        (4,),
    ]


def test_ambiguous_key_texts_stay_distinct(store: SqliteStore) -> None:
    a, b = Key("u", "sess", ("a:b", "1")), Key("u", "sess", ("a", "b:1"))
    assert str(a) == str(b)
    store.save(a, block_rec(int=1))
    store.save(b, block_rec(int=2))
    assert store.get(a)["int"] == 1 and store.get(b)["int"] == 2
    assert [k for k, _ in store.records("u")] == [a, b]


def test_activity_keys_compare_by_instant(store: SqliteStore) -> None:
    first = datetime(2018, 1, 1, 10, 0, tzinfo=PLUS5)
    same_instant = datetime(2018, 1, 1, 5, 0, tzinfo=UTC)
    store.save(Key("u", "act", (), first), act_rec(first, 1))
    assert store.get(Key("u", "act", (), same_instant)) == act_rec(first, 1)
    store.save(Key("u", "act", (), same_instant), act_rec(first, 2))
    assert store.count("act") == 1
    [(k, r)] = store.records("u")
    assert str(k) == "u/act//2018-01-01T10:00:00+05:00" and r["n"] == 2
    assert k.timestamp == first and k.timestamp.utcoffset() == timedelta(hours=5)
    assert store.get(Key("u", "act", (), same_instant + timedelta(microseconds=1))) is None


def test_latest_block_by_instant_not_text(store: SqliteStore) -> None:
    assert store.latest_block("u", "act") is None
    t1 = datetime(2018, 1, 1, 9, 0, tzinfo=PLUS5)  # 04:00Z, sorts last as text
    t2 = datetime(2018, 1, 1, 6, 0, tzinfo=UTC)  # 06:00Z: the latest instant
    t3 = datetime(2018, 1, 1, 5, 0, tzinfo=UTC)
    for i, t in enumerate((t1, t2, t3)):
        store.save(Key("u", "act", (), t), act_rec(t, i))
    store.save(Key("v", "act", (), T0 + timedelta(days=9)), act_rec(T0, 9, "v"))
    store.save(Key("u", "act"), act_rec(T0, 7, ""))  # never-evaluated default block
    k, rec = store.latest_block("u", "act")
    assert k == Key("u", "act", (), t2) and rec["n"] == 1
    assert store.latest_block("u", "sess") is None
    # the default record (key identity u, _identity "") belongs to u
    assert [r["_identity"] for _, r in store.records("u")][-1] == ""


def test_count_and_page(store: SqliteStore) -> None:
    for i in range(25):
        store.save(bkey("u" if i % 2 else "v", str(i), "1"), block_rec(int=i))
    assert store.count("sess") == 25 and store.count("sess", identity="u") == 12
    assert store.count("nope") == 0 and store.page("nope", 0, 5) == []
    page = store.page("sess", 10, 5)
    assert [r["int"] for _, r in page] == [10, 11, 12, 13, 14]
    assert page[0][0] == "v/sess/10:1/"
    assert [r["int"] for _, r in store.page("sess", 2, 3, identity="u")] == [5, 7, 9]
    assert store.page("sess", 30, 5) == []


def test_backup_is_consistent(store: SqliteStore, tmp_path) -> None:
    store.begin()
    for i in range(100):
        store.save(bkey("u", str(i)), block_rec(int=i))
    store.backup_to(tmp_path / "copy.db")  # includes the open batch
    assert store.conn.in_transaction
    store.commit()
    conn = sqlite3.connect(tmp_path / "copy.db")
    assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
    copy = SqliteStore(conn, SPEC)
    assert list(copy.all_records()) == list(store.all_records())


def test_reopen_continues_and_rejects_other_spec(tmp_path) -> None:
    path = tmp_path / "run.db"
    s = SqliteStore(path, SPEC)
    s.save(bkey("u", "A"), block_rec(int=1))
    s.save(Key("u", "act", (), T0), act_rec(T0, 1))
    s.set_meta(stopped_at_offset=123)
    s.close()
    s = SqliteStore(path, SPEC)
    assert s.get_meta()["stopped_at_offset"] == 123
    assert s.get(Key("u", "act", (), T0.astimezone(PLUS5)))["n"] == 1
    s.save(bkey("u", "A"), block_rec(int=2))  # update, keeps _seq 1
    s.save(bkey("u", "B"), block_rec(int=3))  # new: _seq 3
    assert [(str(k), r.get("int")) for k, r in s.all_records()] == [
        ("u/sess/A/", 2),
        ("u/act//2018-01-01T00:00:00+00:00", None),
        ("u/sess/B/", 3),
    ]
    assert s.conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)
    s.close()
    other = StreamingSpec("S", None, None, None, (), SPEC.stores, SPEC.aggregates, text="changed")
    with pytest.raises(SpecMismatchError, match="another streaming spec"):
        SqliteStore(path, other)


def test_rollback_forgets_unsaved_keys(store: SqliteStore) -> None:
    store.save(bkey("u", "A"), block_rec(int=1))
    store.begin()
    store.save(bkey("u", "B"), block_rec(int=2))
    store.save(bkey("u", "A"), block_rec(int=9))
    store.rollback()
    assert store.get(bkey("u", "B")) is None and store.get(bkey("u", "A"))["int"] == 1
    store.save(bkey("u", "C"), block_rec(int=3))
    assert [k.dimensions[0] for k, _ in store.records("u")] == ["A", "C"]


def test_unknown_group_gets_a_table(store: SqliteStore) -> None:
    store.begin()
    store.save(Key("u", "vars"), {"_identity": "u", "x": True})  # Variable without Store
    store.save(Key("u", "run_meta"), {"weird": 1})  # clashes with a fixed table name
    assert store.get(Key("u", "vars")) == {"_identity": "u", "x": True}
    assert store.table_for("run_meta") == "agg_run_meta"
    assert store.conn.in_transaction  # creating a table did not end the batch
    store.commit()
    assert [str(k) for k, _ in store.records("u")] == ["u/vars//", "u/run_meta//"]
    again = SqliteStore(store.conn, SPEC)
    assert again.get(Key("u", "run_meta")) == {"weird": 1}


def test_matches_memory_store_on_random_saves(store: SqliteStore) -> None:
    rnd = random.Random(7)
    mem = MemoryStore()
    offsets = [UTC, PLUS5, timezone(timedelta(hours=-3, minutes=-30))]
    for i in range(400):
        ident = rnd.choice("abc")
        if rnd.random() < 0.5:
            k = bkey(ident, rnd.choice("XYZ"), str(rnd.randint(0, 2)))
            r = block_rec(ident, int=i, boo=rnd.random() < 0.5)
        else:
            t = (T0 + timedelta(seconds=rnd.randint(0, 5))).astimezone(rnd.choice(offsets))
            k, r = Key(ident, "act", (), t), act_rec(t, i, ident)
        store.save(k, r)
        mem.save(k, r)
    for ident in "abc":
        assert list(store.records(ident)) == list(mem.records(ident))
        assert store.latest_block(ident, "act") == mem.latest_block(ident, "act")
    assert list(store.all_records()) == list(mem.all_records())


def test_window_rows_columns_and_exact_rows(store: SqliteStore) -> None:
    rows = [
        {"last.n": 1, "last._identity": "u", "m.k": None},
        {"last.n": 2, "last._identity": "u", "m.k": 2.5, "flag.b": True, "bad.f": float("nan")},
    ]
    store.set_window_rows("u", rows)
    store.set_window_rows("v", [{"last.n": 7, "LAST.N": 8, "l.x": [1, (2, 3)]}])
    store.set_window_rows("u", rows[1:])  # replaces u's rows
    assert all(same(a, b) for a, b in zip(store.window_rows("u"), rows[1:], strict=True))
    assert same(store.window_rows("v"), [{"last.n": 7, "LAST.N": 8, "l.x": [1, (2, 3)]}])
    db = sqlite_utils.Database(store.conn)
    cols = db["window_rows"].columns_dict
    # issue 11 item 12: no dots (no quoting needed), the anchor, _identity as everywhere
    assert cols["last_n"] is int and cols["m_k"] is float and cols["flag_b"] is int
    assert cols["LAST_N_2"] is int  # a case-insensitive clash gets its own column
    assert not any("." in c for c in cols)
    assert {"_identity", "_row", "_anchor_key", "_anchor_time"} <= set(cols)
    got = store.conn.execute(
        "SELECT _identity, _row, last_n, flag_b, LAST_N_2 FROM window_rows ORDER BY _identity"
    ).fetchall()
    assert got == [("u", 0, 2, 1, None), ("v", 0, 7, None, 8)]


def test_window_rows_anchor_columns(store: SqliteStore) -> None:
    store.set_window_rows(
        "u", [{"a.n": 1}, {"a.n": 2}], ["u/sess/s1/2018-03-01T09:00:00+00:00", "u/sess/s2/"]
    )
    got = store.conn.execute(
        "SELECT _row, _anchor_key, _anchor_time, a_n FROM window_rows ORDER BY _row"
    ).fetchall()
    assert got == [
        (0, "u/sess/s1/2018-03-01T09:00:00+00:00", "2018-03-01T09:00:00+00:00", 1),
        (1, "u/sess/s2/", None, 2),
    ]


def test_meta_is_text_and_views_hide_internal_columns(store: SqliteStore) -> None:
    store.set_meta(events_read=12)
    assert store.conn.execute(
        "SELECT typeof(value), value FROM run_meta WHERE key = 'events_read'"
    ).fetchone() == ("text", "12")
    assert store.get_meta()["events_read"] == 12
    store.save(Key("u", "sess", ("s1",), datetime(2018, 3, 1, tzinfo=UTC)), {"_identity": "u"})
    views = [r[0] for r in store.conn.execute("SELECT name FROM sqlite_master WHERE type = 'view'")]
    assert "sess_view" in views
    cols = [r[1] for r in store.conn.execute("PRAGMA table_info(sess_view)")]
    assert cols[:2] == ["_key", "_identity"]
    assert not {"_lookup", "_instant", "_extra", "_store", "_seq"} & set(cols)


def test_bad_events_and_meta(store: SqliteStore, tmp_path) -> None:
    store.add_bad_event(3, 120, b"x" * 5000 + b"\xff", "line too long")
    store.add_bad_event(4, 5121, b"{\xff}\n", "invalid UTF-8")
    [(line, off, raw, why), second] = store.bad_events()
    assert (line, off, len(raw), why) == (3, 120, 2048, "line too long")
    assert second[2] == "{\\xff}\n"
    log = tmp_path / "ev.log"
    log.write_bytes(b'{"a": 1}\n' * 10)
    store.set_meta(
        log_path=str(log),
        events_read=10,
        ratio=0.5,
        done=True,
        log_head_sha256=log_head_sha256(log, 16),
        stopped_at_event=None,
    )
    meta = store.get_meta()
    assert meta["events_read"] == 10 and meta["ratio"] == 0.5 and meta["done"] == 1
    assert meta["stopped_at_event"] is None and len(meta["log_head_sha256"]) == 64
    assert meta["streaming_spec_text"] == SPEC.text and len(meta["streaming_spec_sha256"]) == 64
    assert meta["window_spec_sha256"] is None and meta["tool_version"]


def test_new_window_spec_clears_window_rows(tmp_path) -> None:
    w1 = WindowSpec("W", None, None, (), (), text="one")
    w2 = WindowSpec("W", None, None, (), (), text="two")
    s = SqliteStore(tmp_path / "w.db", SPEC, w1)
    s.set_window_rows("u", [{"a.b": 1}])
    s.close()
    assert SqliteStore(tmp_path / "w.db", SPEC, w1).window_rows("u") == [{"a.b": 1}]
    s = SqliteStore(tmp_path / "w.db", SPEC, w2)
    assert s.window_rows("u") == [] and s.get_meta()["window_spec_text"] == "two"


def test_store_views_split_records_by_bts_store(store: SqliteStore) -> None:
    mem, other = store.for_store("mem"), store.for_store("other")
    mem.save(bkey("u", "A"), block_rec(int=1))
    other.save(Key("u", "svars"), {"_identity": "u", "x": 2})
    mem.save(Key("u", "state"), {"_identity": "u", "n": 3})
    assert [str(k) for k, _ in mem.records("u")] == ["u/sess/A/", "u/state//"]
    assert [str(k) for k, _ in other.all_records()] == ["u/svars//"]
    assert other.get(bkey("u", "A"))["int"] == 1  # one database underneath
    assert [str(k) for k, _ in store.records("u")] == ["u/sess/A/", "u/svars//", "u/state//"]
