"""The per-event trace (engine/trace.py): what each event did to each aggregate and field.

Also: tracing never changes results (every corpus case, traced vs untraced).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from blurr_tui.engine import trace as T
from blurr_tui.engine.errors import EngineAbort, EventRejected
from blurr_tui.engine.loader import (
    SpecError,
    load_streaming,
    load_streaming_file,
    load_window_file,
)
from blurr_tui.engine.runtime import StreamingEngine
from blurr_tui.engine.store import MemoryStore
from blurr_tui.engine.window import WindowTransform

CORPUS = Path(__file__).resolve().parent / "corpus"
T0 = datetime(2018, 3, 4, 9, 0, tzinfo=UTC)

TUTORIAL = """\
Type: Blurr:Transform:Streaming
Version: '2018-03-01'
Name: sessions
Stores:
  - Type: Blurr:Store:Memory
    Name: hello_world_store
Identity: source.user_id
Time: parse(source.timestamp)
Import:
  - { Module: dateutil.parser, Identifiers: [ parse ] }
{when}Aggregates:
  - Type: Blurr:Aggregate:Block
    Name: session_stats
    Store: hello_world_store
    When: source.event_id != 'ignore'
    Dimensions:
      - Name: session_id
        Type: string
        Value: source.session_id
    Fields:
      - Name: games_played
        Type: integer
        When: source.event_id == 'game_start'
        Value: session_stats.games_played + 1
      - Name: games_won
        Type: integer
        When: source.event_id == 'game_end' and source.won == '1'
        Value: session_stats.games_won + 1
      - Name: score
        Type: integer
        Value: source.score + 1
      - Name: label
        Type: string
        Value: source.label
      - Name: level
        Type: integer
        Value: source.level
      - Name: big
        Type: boolean
        When: source.score > 10
        Value: 'True'
  - Type: Blurr:Aggregate:Activity
    Name: act
    Store: hello_world_store
    SeparateByInactiveSeconds: 60
    When: source.event_id != 'ignore'
    Fields:
      - Name: n
        Type: integer
        Value: act.n + 1
"""


def ev(seconds: float, **extra) -> dict:
    return {"user_id": "09C1", "timestamp": (T0 + timedelta(seconds=seconds)).isoformat(), **extra}


def traced(events: list[dict], when: str = "") -> tuple[list[T.EventTrace], dict]:
    spec = load_streaming(TUTORIAL.replace("{when}", when))
    engine = StreamingEngine(spec)
    stores = {s.name: MemoryStore() for s in spec.stores}
    read = [engine.read(e) for e in events]
    run = engine.start_identity(read[0][0], stores)
    out = [run.apply(record, time, trace=True) for _i, time, record in read]
    return out, stores


def agg(tr: T.EventTrace, name: str) -> T.AggregateTrace:
    [a] = [a for a in tr.aggregates if a.name == name]
    return a


def field(a: T.AggregateTrace, name: str) -> T.FieldTrace:
    [f] = [f for f in a.fields if f.name == name]
    return f


# events: A start, A end (won), B start, A again (revisit), no session (dimension fails),
# an ignored event after a long gap (activity split + skipped-when), then a new activity block.
EVENTS = [
    ev(0, session_id="A", event_id="game_start", score=1, level=3),
    ev(10, session_id="A", event_id="game_end", won="1", level="high"),
    ev(20, session_id="B", event_id="game_start", score=20, label="x"),
    ev(30, session_id="A", event_id="game_start", score=2),
    ev(40, event_id="game_start", score=5),
    ev(200, session_id="A", event_id="ignore"),
    ev(210, session_id="A", event_id="game_start", score=3),
    ev(400, session_id="A", event_id="game_start", score=4),
]


@pytest.fixture(scope="module")
def tutorial_traces() -> list[T.EventTrace]:
    return traced(EVENTS)[0]


def test_first_event_new_record_and_field_outcomes(tutorial_traces):
    tr = tutorial_traces[0]
    assert tr.identity == "09C1" and tr.time == T0
    s = agg(tr, "session_stats")
    assert (s.kind, s.action, s.key, s.persisted_key) == (
        "block",
        T.NEW,
        "09C1/session_stats/A/",
        None,
    )
    assert s.dimensions == {"session_id": "A"}
    assert [f.name for f in s.fields] == [
        "_identity",
        "_start_time",
        "_end_time",
        "games_played",
        "games_won",
        "score",
        "label",
        "level",
        "big",
        "session_id",
    ]
    gp = field(s, "games_played")
    assert (gp.outcome, gp.old, gp.new, gp.when_result) == (T.UPDATED, 0, 1, True)
    assert gp.changed and gp.value_text == "session_stats.games_played + 1"
    gw = field(s, "games_won")
    assert (gw.outcome, gw.when_result, gw.old, gw.new) == (T.WHEN_FALSE, False, 0, 0)
    assert (field(s, "score").outcome, field(s, "score").new) == (T.UPDATED, 2)
    lab = field(s, "label")
    assert (lab.outcome, lab.value_result, lab.new) == (T.VALUE_NONE, None, "")
    assert (field(s, "level").old, field(s, "level").new) == (0, 3)
    big = field(s, "big")
    assert (big.outcome, big.when_result) == (T.WHEN_FALSE, False)
    sid = field(s, "session_id")
    assert sid.is_dimension and (sid.old, sid.new) == ("", "A")
    assert field(s, "_start_time").new == T0
    a = agg(tr, "act")
    assert (a.kind, a.action, a.key) == ("activity", T.NEW, "09C1/act//2018-03-04T09:00:00+00:00")
    assert tr.errors == []


def test_second_event_continued_with_errors(tutorial_traces):
    tr = tutorial_traces[1]
    s = agg(tr, "session_stats")
    assert (s.action, s.key, s.persisted_key) == (T.CONTINUED, "09C1/session_stats/A/", None)
    assert field(s, "games_played").outcome == T.WHEN_FALSE
    gw = field(s, "games_won")
    assert (gw.outcome, gw.old, gw.new) == (T.UPDATED, 0, 1)
    score = field(s, "score")
    assert score.outcome == T.VALUE_ERROR and "TypeError" in score.value_error
    assert (score.old, score.new) == (2, 2)
    level = field(s, "level")
    assert level.outcome == T.CAST_FAILED
    assert level.value_result == "high" and "ValueError" in level.cast_error
    assert (level.old, level.new) == (3, 3)
    big = field(s, "big")
    assert big.outcome == T.WHEN_ERROR and "TypeError" in big.when_error
    assert agg(tr, "act").action == T.CONTINUED
    errors = tr.errors
    assert len(errors) == 3
    assert errors[0].startswith("session_stats.score: TypeError")
    assert errors[1].startswith("session_stats.level: cannot cast 'high'")
    assert errors[2].startswith("session_stats.big: TypeError")


def test_dimension_change_persists_previous_key(tutorial_traces):
    tr = tutorial_traces[2]
    s = agg(tr, "session_stats")
    assert (s.action, s.key, s.persisted_key) == (
        T.NEW,
        "09C1/session_stats/B/",
        "09C1/session_stats/A/",
    )
    assert "09C1/session_stats/A/" in tr.saved_keys
    gp = field(s, "games_played")
    assert (gp.old, gp.new) == (0, 1)  # fresh record for B
    big = field(s, "big")
    assert (big.outcome, big.when_result, big.old, big.new) == (T.UPDATED, True, False, True)


def test_revisit_restores_earlier_record(tutorial_traces):
    s = agg(tutorial_traces[3], "session_stats")
    assert (s.action, s.key, s.persisted_key) == (
        T.RESTORED,
        "09C1/session_stats/A/",
        "09C1/session_stats/B/",
    )
    gp = field(s, "games_played")
    assert (gp.outcome, gp.old, gp.new) == (T.UPDATED, 1, 2)
    assert field(s, "_start_time").new == T0  # restored start kept as the minimum


def test_dimension_failure_skips_aggregate(tutorial_traces):
    tr = tutorial_traces[4]
    s = agg(tr, "session_stats")
    assert s.action == T.SKIPPED_DIMENSION
    assert s.dimension_error is not None and s.dimension_error.startswith("session_id:")
    assert "None" in s.dimension_error
    assert s.fields == [] and s.key is None
    assert "session_stats dimensions: session_id: Value is None" in tr.errors


def test_aggregate_when_false_and_activity_split(tutorial_traces):
    tr = tutorial_traces[5]
    s = agg(tr, "session_stats")
    assert (s.action, s.when_result, s.fields) == (T.SKIPPED_WHEN, False, [])
    a = agg(tr, "act")
    # the split happens before the aggregate When (B-5): the block is closed, then skipped
    assert a.action == T.SKIPPED_WHEN
    assert a.persisted_key == "09C1/act//2018-03-04T09:00:00+00:00"
    assert a.fields == []
    nxt = agg(tutorial_traces[6], "act")
    # the block has no start after that reset, so Blurr reloads the latest stored block
    # (the one just closed), finds the gap again and closes it a second time.
    assert (nxt.action, nxt.key) == (T.SPLIT, "09C1/act//2018-03-04T09:03:30+00:00")
    assert nxt.persisted_key == "09C1/act//2018-03-04T09:00:00+00:00"
    assert (field(nxt, "n").old, field(nxt, "n").new) == (0, 1)


def test_activity_split_action(tutorial_traces):
    a = agg(tutorial_traces[7], "act")
    assert a.action == T.SPLIT
    assert a.persisted_key == "09C1/act//2018-03-04T09:03:30+00:00"
    assert a.key == "09C1/act//2018-03-04T09:06:40+00:00"
    assert (field(a, "n").old, field(a, "n").new) == (0, 1)


def test_transformer_when_false_skips_every_aggregate():
    traces, stores = traced(
        [ev(0, session_id="A", event_id="game_start", keep=1), ev(5, session_id="A")],
        when="When: source.keep == 1\n",
    )
    first, second = traces
    assert first.when_result is True
    assert [a.action for a in first.aggregates] == [T.NEW, T.NEW]
    assert second.when_text == "source.keep == 1" and second.when_result is False
    assert [(a.name, a.action) for a in second.aggregates] == [
        ("session_stats", T.SKIPPED_TRANSFORMER),
        ("act", T.SKIPPED_TRANSFORMER),
    ]
    assert all(a.fields == [] for a in second.aggregates)


def test_transformer_when_error_is_listed():
    traces, _ = traced([ev(0, session_id="A", keep="x")], when="When: source.keep > 1\n")
    [tr] = traces
    assert tr.when_result is None and "TypeError" in tr.when_error
    assert tr.errors == [f"When: {tr.when_error}"]
    assert all(a.action == T.SKIPPED_TRANSFORMER for a in tr.aggregates)


def test_untraced_apply_returns_none():
    spec = load_streaming(TUTORIAL.replace("{when}", ""))
    engine = StreamingEngine(spec)
    identity, time, record = engine.read(ev(0, session_id="A"))
    run = engine.start_identity(identity, {s.name: MemoryStore() for s in spec.stores})
    assert run.apply(record, time) is None


# --------------------------------------------------------------------------- tracing changes nothing


def _cases() -> list[str]:
    """Every corpus case (the §16 rule cases r01..r17 included), aborting ones too."""
    return [d.name for d in sorted(CORPUS.iterdir()) if (d / "streaming.yml").exists()]


def _line(key: str, record: dict) -> str:
    """A record as text (NaN compares unequal to itself; json text does not)."""
    try:
        return json.dumps([key, record])
    except (TypeError, ValueError):
        return repr([key, record])


def _run_case(case_dir: Path, trace: bool, fast: bool) -> list[str] | str:
    try:
        spec = load_streaming_file(case_dir / "streaming.yml")
    except SpecError as exc:
        return f"spec error: {exc}"
    window = None
    if (case_dir / "window.yml").exists():
        window = load_window_file(case_dir / "window.yml")
    engine = StreamingEngine(spec, fast=fast)
    groups: dict[str, list] = {}
    seq = 0
    for log in sorted(case_dir.glob("events*.log")):
        for raw in log.read_bytes().splitlines():
            try:
                identity, time, record = engine.read(json.loads(raw))
            except (ValueError, EventRejected):
                continue
            groups.setdefault(identity, []).append((time, seq, record))
            seq += 1
    out: list[str] = []
    try:
        for identity, events in groups.items():
            stores = {s.name: MemoryStore() for s in spec.stores}
            run = engine.start_identity(identity, stores)
            for time, _seq, record in sorted(events, key=lambda e: e[0]):
                run.apply(record, time, trace=trace)
            run.finalize()
            for store in spec.stores:
                out += [_line(f"{store.name}:{k}", r) for k, r in stores[store.name].all_records()]
            if window is not None:
                rows = WindowTransform(spec, window).run(identity, stores)  # type: ignore[arg-type]
                out.append(_line(identity, {"rows": rows}))
    except EngineAbort as exc:
        return f"abort: {exc.describe()}"
    return out


@pytest.mark.parametrize("case", _cases())
def test_tracing_does_not_change_results(case: str):
    """Batch (generated, expressions pasted in), traced, and traced with every expression
    eval'd in Blurr's (context, locals): the same records, rows and aborts."""
    case_dir = CORPUS / case
    plain = _run_case(case_dir, trace=False, fast=True)
    assert _run_case(case_dir, trace=True, fast=True) == plain
    assert _run_case(case_dir, trace=True, fast=False) == plain
