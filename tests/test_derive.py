"""``blurr-tui derive``: derived event streams from a SQLite store (cart sample)."""

from __future__ import annotations

import argparse
import json
import sqlite3
from collections import Counter, defaultdict
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from blurr_tui.derive import add_derive_parser, cmd_derive
from blurr_tui.engine.loader import load_streaming_file
from blurr_tui.engine.runtime import StreamingEngine
from blurr_tui.store.sqlite_store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
CART_SPEC = ROOT / "specs" / "cart-streaming.yml"
CART_LOG = ROOT / "sample_logs" / "cart.log"
DERIVED_SPEC = ROOT / "specs" / "derived-abandoned-streaming.yml"
ABANDONED = "not ordered and item_count > 0 and as_of - _end_time > timedelta(minutes=30)"
GAP = timedelta(minutes=30)


def build_db(path: Path, last_event_meta: bool = True) -> Path:
    spec = load_streaming_file(CART_SPEC)
    store = SqliteStore(path, spec)
    engine = StreamingEngine(spec)
    groups: dict[str, list] = defaultdict(list)
    with open(CART_LOG, encoding="utf-8") as fh:
        for line in fh:
            identity, time, rec = engine.read(json.loads(line))
            groups[identity].append((time, rec))
    store.begin()
    for identity, events in groups.items():
        events.sort(key=lambda e: e[0])
        run = engine.start_identity(identity, {s.name: store for s in spec.stores})
        for time, rec in events:
            run.apply(rec, time)
        run.finalize()
    store.commit()
    if last_event_meta and hasattr(store, "set_meta"):
        last = max(t for events in groups.values() for t, _ in events)
        store.set_meta(last_event_time=last.isoformat(), log_path=str(CART_LOG))
    store.close()
    return path


@pytest.fixture(scope="module")
def cart_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return build_db(tmp_path_factory.mktemp("derive") / "cart.db")


def expected_abandoned() -> set[tuple[str, datetime]]:
    """(user, session start) of abandoned baskets, read straight from cart.log."""
    per_user: dict[str, list[dict]] = defaultdict(list)
    with open(CART_LOG, encoding="utf-8") as fh:
        for line in fh:
            ev = json.loads(line)
            per_user[ev["subject"]["id"]].append(ev)
    last_event = max(ev["context"]["at"] for evs in per_user.values() for ev in evs)
    last_event_time = datetime.fromtimestamp(last_event / 1000, UTC)
    found = set()
    for user, evs in per_user.items():
        evs.sort(key=lambda e: e["context"]["at"])
        sessions: list[list[dict]] = []
        for ev in evs:
            t = ev["context"]["at"]
            if not sessions or t - sessions[-1][-1]["context"]["at"] > GAP / timedelta(
                milliseconds=1
            ):
                sessions.append([])
            sessions[-1].append(ev)
        for session in sessions:
            basket: dict[str, int] = {}
            for ev in session:
                obj, verb = ev["object"], ev["verb"]
                if verb == "ADDED_ITEM_TO_BASKET":
                    basket[obj["id"]] = basket.get(obj["id"], 0) + (obj.get("count") or 1)
                elif verb == "CHANGED_ITEM_COUNT_IN_BASKET":
                    basket[obj["id"]] = obj["count"]
                elif verb == "REMOVED_ITEM_FROM_BASKET":
                    basket.pop(obj["id"], None)
            ordered = any(ev["verb"] == "ORDERED" for ev in session)
            end = datetime.fromtimestamp(session[-1]["context"]["at"] / 1000, UTC)
            if sum(basket.values()) > 0 and not ordered and last_event_time - end > GAP:
                start = datetime.fromtimestamp(session[0]["context"]["at"] / 1000, UTC)
                found.add((user, start))
    return found


def parse(argv: list[str]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="blurr-tui")
    add_derive_parser(parser.add_subparsers(dest="command"))
    return parser.parse_args(["derive", *argv])


def derive(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, list[str], str]:
    args = parse(argv)
    code = args.func(args)
    out, err = capsys.readouterr()
    return code, out.splitlines(), err


def abandoned_argv(db: Path, *extra: str) -> list[str]:
    return [
        str(db),
        "--aggregate",
        "browsing",
        "--where",
        ABANDONED,
        "--verb",
        "ABANDONED_BASKET",
        *extra,
    ]


def test_parser_registers_cmd_derive() -> None:
    args = parse(
        ["x.db", "-a", "browsing", "--where", "True", "--verb", "V", "--as-of", "2023-11-17"]
    )
    assert args.func is cmd_derive
    assert (args.db, args.aggregate, args.verb, args.as_of, args.out) == (
        "x.db",
        "browsing",
        "V",
        "2023-11-17",
        None,
    )


def test_abandoned_baskets_match_the_log(cart_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = derive(abandoned_argv(cart_db), capsys)
    assert code == 0
    events = [json.loads(line) for line in lines]
    got = {(e["subject"]["id"], datetime.fromisoformat(e["object"]["_start_time"])) for e in events}
    expected = expected_abandoned()
    assert len(expected) > 10
    assert got == expected
    assert len(events) == len(got)
    assert (
        f"{len(events)} derived events from 220 records of browsing (as of 2023-11-17T22:59:14.660000+00:00)"
        in err
    )


def test_output_is_subject_verb_object_context(
    cart_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, lines, _ = derive(abandoned_argv(cart_db), capsys)
    assert code == 0 and lines
    keys = []
    for line in lines:
        e = json.loads(line)
        # the shape of cart.log's own events: {"subject": {"type": "user", "id": "u26"},
        # "verb": "ADDED_ITEM_TO_BASKET", ...}; when it was derived under event.inserted_at
        assert list(e) == ["subject", "verb", "object", "context", "event"]
        assert e["subject"] == {"id": e["object"]["_identity"], "type": "user"}
        assert e["verb"] == "ABANDONED_BASKET"
        obj, ctx = e["object"], e["context"]
        assert obj["type"] == "browsing" and obj["id"] == ctx["caused_by"]
        assert obj["ordered"] is False and obj["item_count"] > 0
        assert isinstance(obj["basket_value"], float) and isinstance(obj["items"], dict)
        end = datetime.fromisoformat(obj["_end_time"])  # the last interaction
        assert isinstance(ctx["at"], int) and ctx["at"] == int(end.timestamp() * 1000)
        assert set(ctx) == {"at", "caused_by"}
        inserted = datetime.fromtimestamp(e["event"]["inserted_at"] / 1000, UTC)
        assert abs(inserted - datetime.now(UTC)) < timedelta(minutes=5)
        keys.append(obj["id"])
    # record (_seq) order, as the store lists them
    conn = sqlite3.connect(cart_db)
    order = [r[0] for r in conn.execute("SELECT _key FROM browsing ORDER BY _seq")]
    conn.close()
    assert keys == [k for k in order if k in set(keys)]


def test_out_file_and_identity_aggregate(
    cart_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "loyal.log"
    argv = [
        str(cart_db),
        "-a",
        "customer",
        "--where",
        "orders >= 2 and key.startswith(identity)",
        "--verb",
        "LOYAL",
    ]
    code, lines, err = derive([*argv, "--as-of", "2023-11-20T00:00:00", "--out", str(out)], capsys)
    assert code == 0 and lines == []
    events = [json.loads(line) for line in out.read_text().splitlines()]
    assert events and all(e["object"]["orders"] >= 2 for e in events)
    as_of = datetime(2023, 11, 20, tzinfo=UTC)
    assert {e["context"]["at"] for e in events} == {int(as_of.timestamp() * 1000)}
    assert "(as of 2023-11-20T00:00:00+00:00)" in err


def test_datetime_fields_are_aware_datetimes(
    cart_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    where = "ordered and ordered_at.tzinfo is not None and record['ordered_at'] <= _end_time"
    code, lines, _ = derive(
        [str(cart_db), "-a", "browsing", "--where", where, "--verb", "ORDER"], capsys
    )
    assert code == 0 and len(lines) == 65  # one per ORDERED event in cart.log


def test_syntax_error_exits_1(cart_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = derive(
        [str(cart_db), "-a", "browsing", "--where", "ordered and", "--verb", "X"], capsys
    )
    assert code == 1 and lines == []
    assert err.count("\n") == 1 and "'ordered and'" in err and "Traceback" not in err


def test_unknown_aggregate_exits_1(cart_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, lines, err = derive(
        [str(cart_db), "-a", "nope", "--where", "True", "--verb", "X"], capsys
    )
    assert code == 1 and lines == []
    assert "'nope'" in err and "browsing, customer" in err


def test_missing_db(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "o.log"
    argv = [
        str(tmp_path / "none.db"),
        "-a",
        "browsing",
        "--where",
        "True",
        "--verb",
        "X",
        "--out",
        str(out),
    ]
    code, _, err = derive(argv, capsys)
    assert code == 1 and "no such database file" in err and not out.exists()
    assert not (tmp_path / "none.db").exists()


def test_bad_as_of(cart_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = derive(
        [str(cart_db), "-a", "browsing", "--where", "True", "--verb", "X", "--as-of", "soon"],
        capsys,
    )
    assert code == 1 and "--as-of 'soon'" in err


def test_failing_records_are_skipped_and_counted(
    cart_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    # ordered_at is None unless the session ordered: 155 records raise TypeError
    where = "ordered_at > _start_time"
    code, lines, err = derive(
        [str(cart_db), "-a", "browsing", "--where", where, "--verb", "X"], capsys
    )
    assert code == 0 and len(lines) == 65
    assert "155 records skipped: TypeError: '>' not supported" in err
    assert "Traceback" not in err


def test_as_of_defaults_to_max_end_time_without_meta(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = build_db(tmp_path / "cart.db", last_event_meta=False)
    code, lines, err = derive(abandoned_argv(db), capsys)
    assert code == 0 and lines
    assert "note:" in err and "latest _end_time" in err
    assert "(as of 2023-11-17T22:59:14.660000+00:00)" in err


def test_derive_leaves_the_db_unchanged(cart_db: Path, capsys: pytest.CaptureFixture[str]) -> None:
    def dump() -> list:
        conn = sqlite3.connect(cart_db)
        try:
            return list(conn.iterdump())
        finally:
            conn.close()

    before = dump()
    derive(abandoned_argv(cart_db), capsys)
    assert dump() == before


def test_derived_log_replays(
    cart_db: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "abandoned.log"
    code, _, _ = derive(abandoned_argv(cart_db, "--out", str(out)), capsys)
    assert code == 0
    events = [json.loads(line) for line in out.read_text(encoding="utf-8").splitlines()]
    per_user = Counter(e["subject"]["id"] for e in events)
    value = defaultdict(float)
    for e in events:
        value[e["subject"]["id"]] += e["object"]["basket_value"]

    spec = load_streaming_file(DERIVED_SPEC)
    engine = StreamingEngine(spec)
    store = SqliteStore(tmp_path / "abandoned.db", spec)
    groups: dict[str, list] = defaultdict(list)
    for e in events:
        identity, time, rec = engine.read(e)  # raises if a line cannot be read
        assert time == datetime.fromtimestamp(e["context"]["at"] / 1000, UTC)
        groups[identity].append((time, rec))
    assert sum(map(len, groups.values())) == len(events)
    for identity, evs in groups.items():
        evs.sort(key=lambda ev: ev[0])
        run = engine.start_identity(identity, {s.name: store for s in spec.stores})
        for time, rec in evs:
            run.apply(rec, time)
        run.finalize()
    store.commit()
    records = {
        rec["_identity"]: rec for key, rec in store.all_records() if key.group == "abandoner"
    }
    store.close()
    assert {u: r["abandoned_baskets"] for u, r in records.items()} == dict(per_user)
    for user, rec in records.items():
        assert rec["abandoned_value"] == pytest.approx(value[user])


def test_not_a_store(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.db"
    junk.write_text("not sqlite at all\n" * 100)
    code, _, err = derive([str(junk), "-a", "browsing", "--where", "True", "--verb", "X"], capsys)
    assert code == 1 and "not a blurr-tui store" in err
    empty = tmp_path / "empty.db"
    sqlite3.connect(empty).close()
    code, _, err = derive([str(empty), "-a", "browsing", "--where", "True", "--verb", "X"], capsys)
    assert code == 1 and "not a blurr-tui store" in err and err.count("\n") == 1
