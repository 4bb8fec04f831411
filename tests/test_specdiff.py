"""``blurr-tui diff``: records and window rows that differ between two specs (exit as diff(1)),
and the in-memory run and record comparison behind it (shared with ``test`` and the app)."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from blurr_tui.cli import main
from blurr_tui.engine.loader import load_streaming
from blurr_tui.replay.memory_run import run_in_memory
from blurr_tui.replay.reader import read_lines
from blurr_tui.replay.record_diff import (
    ABSENT,
    CHANGED,
    ONLY_NEW,
    ONLY_OLD,
    diff_runs,
    same_value,
)
from blurr_tui.spectest import event_lines

ROOT = Path(__file__).resolve().parents[1]
SPEC = ROOT / "specs" / "tutorial1-streaming.yml"
LOG = ROOT / "sample_logs" / "tutorial1.log"
BUGGY_VALUE = "Value: session_stats.games_won + source.bonus"


def buggy(tmp_path: Path) -> Path:
    text = SPEC.read_text().replace("Value: session_stats.games_won + 1", BUGGY_VALUE)
    path = tmp_path / "buggy.yml"
    path.write_text(text)
    return path


def test_diff_names_each_changed_field_and_exits_1(tmp_path, capsys):
    assert main(["diff", str(buggy(tmp_path)), str(SPEC), str(LOG)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("--- A ") and out[1].startswith("+++ B ")
    assert out[2:4] == ["09C1/session_stats/915D/", "  games_won: 0 → 2"]
    assert "B6FA/session_stats/D043/" in out and "  games_won: 0 → 1" in out
    assert out[-1] == "3 records differ (3 changed)"


def test_diff_of_a_spec_with_itself_is_silent_and_exits_0(capsys):
    assert main(["diff", str(SPEC), str(SPEC), str(LOG)]) == 0
    assert capsys.readouterr().out == ""


def test_records_only_in_one_spec(tmp_path, capsys):
    # Keyed by event_id instead of session_id: every record key changes.
    other = tmp_path / "by_event.yml"
    other.write_text(SPEC.read_text().replace("Value: source.session_id", "Value: source.event_id"))
    assert main(["diff", str(SPEC), str(other), str(LOG)]) == 1
    out = capsys.readouterr().out
    assert "09C1/session_stats/915D/  only in A: {" in out
    assert "09C1/session_stats/game_start/  only in B: {" in out
    assert out.splitlines()[-1] == "7 records differ (3 only in A, 4 only in B)"


def test_errors_exit_2(tmp_path, capsys):
    assert main(["diff", str(SPEC), str(tmp_path / "nope.yml"), str(LOG)]) == 2
    assert "nope.yml: cannot read" in capsys.readouterr().err
    assert main(["diff", str(SPEC), str(SPEC), str(tmp_path / "nope.log")]) == 2
    assert "no such event log" in capsys.readouterr().err
    bad = tmp_path / "bad.yml"
    bad.write_text("Type: Blurr:Transform:Streaming\nName: [\n")
    assert main(["diff", str(SPEC), str(bad), str(LOG)]) == 2
    w = str(ROOT / "specs" / "boosts-window.yml")
    assert main(["diff", str(SPEC), str(SPEC), str(LOG), "--window-bts", w, w, w]) == 2


def test_window_rows_that_differ(tmp_path, capsys):
    streaming = str(ROOT / "specs" / "boosts-streaming.yml")
    window = ROOT / "specs" / "boosts-window.yml"
    six = tmp_path / "six-days.yml"
    six.write_text(window.read_text().replace("WindowValue: -7", "WindowValue: -6"))
    log = str(ROOT / "sample_logs" / "boosts.log")
    args = ["diff", streaming, streaming, log, "--window-bts"]
    assert main([*args, str(window)]) == 0
    capsys.readouterr()
    assert main([*args, str(window), str(six)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[-1] == "20 window rows differ"
    assert "window player-29BC row 1" in out
    i = out.index("window player-29BC row 1")
    assert out[i + 1] == "  last_7_days.sessions: 3 → 2"


SMALL = """\
Type: Blurr:Transform:Streaming
Version: '2018-03-01'
Name: s
Stores: [{Type: Blurr:Store:Memory, Name: m}]
Identity: source.u
Time: datetime.fromisoformat(source.t)
Import: [{Module: datetime, Identifiers: [datetime]}]
Aggregates:
  - Type: Blurr:Aggregate:Block
    Name: b
    Store: m
    Dimensions: [{Name: d, Type: string, Value: source.d}]
    Fields:
      - {Name: n, Type: integer, Value: b.n + 1}
      - {Name: total, Type: integer, Value: b.total + source.x}
"""
EVENTS = (
    {"u": "a", "d": "x", "t": "2024-01-01T10:00:00+00:00", "x": 1},
    {"u": "b", "d": "x", "t": "2024-01-01T09:00:00+00:00"},  # no x: TypeError swallowed
    {"u": "a", "d": "x", "t": "2024-01-01T09:30:00+00:00", "x": 2},  # earlier: sorted first
    {"u": "a", "d": "y", "t": "2024-01-01T11:00:00+00:00", "x": 4},
)


def test_memory_run_sorts_each_identity_and_stops_at_the_limit():
    spec = load_streaming(SMALL)
    run = run_in_memory(spec, None, event_lines(EVENTS))
    records = {k: r for k, (_, r) in run.by_key_text().items()}
    assert records["a/b/x/"]["n"] == 2 and records["a/b/x/"]["total"] == 3
    assert records["a/b/x/"]["_start_time"] == "2024-01-01T09:30:00+00:00"
    assert records["b/b/x/"] == {
        "_identity": "b",
        "_start_time": "2024-01-01T09:00:00+00:00",
        "_end_time": "2024-01-01T09:00:00+00:00",
        "n": 1,
        "total": 0,
        "d": "x",
    }
    assert [(s.line, s.where, s.what, s.error) for s in run.swallowed] == [
        (2, "s.b.total", "Value", "TypeError")
    ]
    first_two = run_in_memory(spec, None, event_lines(EVENTS), limit=2)
    assert first_two.lines == 2
    assert {k: r["n"] for k, (_, r) in first_two.by_key_text().items()} == {
        "a/b/x/": 1,
        "b/b/x/": 1,
    }


def test_diff_runs_kinds():
    spec = load_streaming(SMALL)
    old = run_in_memory(spec, None, event_lines(EVENTS), limit=3)
    new = run_in_memory(spec, None, event_lines(EVENTS))
    diff = diff_runs(old, new)
    assert [(c.key, c.kind) for c in diff.records] == [("a/b/y/", ONLY_NEW)]
    fewer = run_in_memory(spec, None, event_lines(EVENTS), limit=1)
    changed = diff_runs(fewer, old).records
    assert [(c.key, c.kind) for c in changed] == [("a/b/x/", CHANGED), ("b/b/x/", ONLY_NEW)]
    assert [f.format() for f in changed[0].changes] == [
        '_start_time: "2024-01-01T10:00:00+00:00" → "2024-01-01T09:30:00+00:00"',
        "n: 1 → 2",
        "total: 1 → 3",
    ]
    back = diff_runs(new, old)
    assert [(c.key, c.kind) for c in back.records] == [("a/b/y/", ONLY_OLD)]
    assert back.records[0].record is not None and back.records[0].record["total"] == 4


def test_same_value_rules():
    assert same_value(1, 1.0)
    assert not same_value(True, 1) and not same_value(0, False)
    assert same_value(datetime(2024, 1, 1, 9, 0, tzinfo=UTC), "2024-01-01T09:00:00+00:00")
    assert same_value(datetime(2024, 1, 1, 9, 0), "2024-01-01T09:00:00+00:00")
    assert same_value("2024-01-01T10:00:00+01:00", "2024-01-01T09:00:00+00:00")
    assert same_value({1, 2}, [2, 1]) and not same_value({1, 2}, [1])
    assert same_value({"a": [1, 2.0]}, {"a": [1, 2]}) and not same_value({"a": 1}, {"b": 1})
    assert not same_value(ABSENT, None) and same_value(None, None)
    assert not same_value("x", "y")


@pytest.mark.parametrize("limit", [None, 4])
def test_memory_run_equals_the_reference_golden(limit):
    """The whole tutorial log: the records Blurr 0.4.1 printed (tests/golden/samples)."""
    import json

    spec = load_streaming(SPEC.read_text())
    run = run_in_memory(spec, None, read_lines(LOG, final=True), limit=None)
    golden = [json.loads(line) for line in (ROOT / "tests/golden/samples/tutorial1.out").open()]
    assert [[k, r] for k, (_, r) in run.by_key_text().items()] == golden
    if limit is not None:
        partial = run_in_memory(spec, None, read_lines(LOG, final=True), limit=limit)
        assert partial.lines == limit and len(partial.records) <= len(run.records)
