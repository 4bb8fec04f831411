"""Record history (issue 8): records and engine state as of event N, a field's changes.

Every check compares history against an independent run: a fresh replay stopped at N.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from blurr_tui.engine.loader import load_streaming_file
from blurr_tui.engine.runtime import StreamingEngine
from blurr_tui.replay.pipeline import Replayer
from blurr_tui.replay.reader import read_lines
from blurr_tui.replay.rewind import rewind_to
from blurr_tui.store.history import History
from blurr_tui.store.sqlite_store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
CASES = {
    "anomalies": ("anomalies-streaming.yml", "anomalies.log"),
    "cart": ("cart-streaming.yml", "cart.log"),
    "boosts": ("boosts-streaming.yml", "boosts.log"),
}


def _lines(log: str, n: int | None = None) -> list:
    lines = list(read_lines(ROOT / "sample_logs" / log, final=True))
    return lines if n is None else lines[:n]


@pytest.fixture(scope="module", params=sorted(CASES))
def recorded(request, tmp_path_factory):
    """A traced run with history (small ``max_live``: identities leave memory and return)."""
    spec_name, log = CASES[request.param]
    spec = load_streaming_file(str(ROOT / "specs" / spec_name))
    db = tmp_path_factory.mktemp("h") / "h.db"
    store = SqliteStore(db, spec, history=True)
    rp = Replayer(spec, store, max_live=6)
    traces = {}
    store.begin()
    for i, line in enumerate(_lines(log), 1):
        step = rp.step(line, trace=True)
        traces[step.index] = step.trace
        if i % 97 == 0:
            rp.checkpoint()
            store.begin()
    rp.checkpoint()
    return spec, log, store, traces


def _fresh(spec, log: str, n: int, tmp: Path) -> SqliteStore:
    store = SqliteStore(tmp / f"fresh-{n}.db", spec)
    rp = Replayer(spec, store)
    store.begin()
    for line in _lines(log, n):
        rp.step(line)
    rp.checkpoint()
    return store


def test_records_as_of_n_equal_a_fresh_run_stopped_at_n(recorded, tmp_path: Path) -> None:
    spec, log, store, _traces = recorded
    h = History(store)
    total = len(_lines(log))
    assert h.furthest() == total
    for n in (1, 2, 37, 500, total // 2 + 3, total - 1, total):
        fresh = _fresh(spec, log, n, tmp_path)
        for agg in [a.name for a in spec.aggregates if a.store]:
            want = fresh.page(agg, 0, 10**6)
            assert h.page_as_of(agg, n, 0, 10**6) == want, (agg, n)
            assert h.count_as_of(agg, n) == len(want)
            ident = want[-1][1]["_identity"] if want else "nobody"
            mine = [r for r in want if r[1]["_identity"] == ident]
            assert h.page_as_of(agg, n, 0, 100, identity=ident) == mine
            assert h.count_as_of(agg, n, identity=ident) == len(mine)
            if mine:
                assert h.record_as_of(agg, mine[0][0], n) == mine[0][1]
        fresh.close()


def test_rewind_reproduces_the_trace_of_any_event(recorded) -> None:
    spec, log, store, traces = recorded
    h = History(store)
    engine = StreamingEngine(spec)
    path = ROOT / "sample_logs" / log
    positions = sorted(traces)
    for pos in positions[:: max(1, len(positions) // 60)] + positions[-3:]:
        rw = rewind_to(engine, h, path, pos)
        if traces[pos] is None:
            assert rw is None
            continue
        assert rw is not None and rw.pos == pos
        assert rw.run.apply(rw.record, rw.time, trace=True) == traces[pos], pos


def test_field_history_lists_every_change_with_its_line(recorded) -> None:
    spec, _log, store, _traces = recorded
    h = History(store)
    agg = next(a for a in spec.aggregates if a.store)
    key, rec = store.page(agg.name, 3, 1)[0]
    for field in [f.name for f in agg.fields]:
        changes = h.field_history(agg.name, key, field)
        assert changes and changes[0].old is None
        assert changes[-1].new == rec[field]
        for before, after in zip(changes, changes[1:], strict=False):
            assert after.old == before.new and after.pos > before.pos
        for c in changes:
            assert h.record_as_of(agg.name, key, c.pos)[field] == c.new
            assert h.event(c.pos).line == c.line
            if c.pos > changes[0].pos:
                assert h.record_as_of(agg.name, key, c.pos - 1)[field] == c.old


def test_changes_at_and_events_of_an_identity(recorded) -> None:
    _spec, _log, store, traces = recorded
    h = History(store)
    pos = sorted(p for p, t in traces.items() if t is not None)[40]
    ev = h.event(pos)
    assert ev is not None and ev.status == "ok"
    changed = h.changes_at(pos)
    assert changed and all(c.new != c.old for c in changed)
    assert {c.key for c in changed} <= {a.key for a in traces[pos].aggregates if a.key}
    prev = h.events_of(ev.identity, before=pos)
    nxt = h.events_of(ev.identity, after=pos)
    assert all(e.identity == ev.identity for e in prev + nxt)
    assert not prev or prev[0].pos < pos
    assert not nxt or nxt[0].pos > pos
    assert h.position_at_time(ev.time) <= pos
