"""Searching the log's events and the record tables' identity patterns and column sort
(issue 11 item 4), at the replay and store layers."""

from __future__ import annotations

from pathlib import Path

import pytest

from blurr_tui.engine.loader import load_streaming_file
from blurr_tui.replay.controller import ReplayController
from blurr_tui.replay.search import EventQuery, SearchError, search_log
from blurr_tui.store.record_pages import (
    RecordView,
    SortError,
    count_records,
    page_records,
    record_row,
)

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs/tutorial1-streaming.yml"
LOG = ROOT / "sample_logs/tutorial1.log"


def test_substring_search_is_case_insensitive_and_counts_positions() -> None:
    result = search_log(LOG, EventQuery.parse("b6fa"))
    lines = LOG.read_text().splitlines()
    expected = tuple(i for i, line in enumerate(lines, 1) if "B6FA" in line)
    assert result.positions == expected and result.count == len(expected) > 0


def test_regex_search_and_wrapping_next_previous() -> None:
    result = search_log(LOG, EventQuery.parse('/"won":\\s*1/'))
    lines = LOG.read_text().splitlines()
    import re

    expected = tuple(i for i, ln in enumerate(lines, 1) if re.search(r'"won":\s*1', ln))
    assert result.positions == expected and len(expected) >= 2
    first, last = expected[0], expected[-1]
    assert result.positions[result.after(0) or 0] == first
    assert result.positions[result.after(last) or 0] == first  # wraps
    assert result.positions[result.before(first) or 0] == last  # wraps back
    assert EventQuery.parse("/GAME_END/i").matches('"event_id": "game_end"')
    assert not EventQuery.parse("/GAME_END/").matches('"event_id": "game_end"')


def test_bad_queries_say_why() -> None:
    with pytest.raises(SearchError, match="nothing to search"):
        EventQuery.parse("  ")
    with pytest.raises(SearchError, match="not a valid regex '\\(unclosed'"):
        EventQuery.parse("/(unclosed/")


@pytest.fixture(scope="module")
def replayed():  # type: ignore[no-untyped-def]
    c = ReplayController(load_streaming_file(SPEC), LOG)
    c.goto_now(8)
    yield c
    c.close()


def test_identity_substring_and_glob(replayed: ReplayController) -> None:
    store = replayed.records.reader
    assert store is not None
    everyone = count_records(store, "session_stats", RecordView())
    assert count_records(store, "session_stats", RecordView(pattern="B6")) == 1
    assert count_records(store, "session_stats", RecordView(pattern="b6")) == 1  # any case
    assert count_records(store, "session_stats", RecordView(pattern="*C1")) == everyone - 1
    assert count_records(store, "session_stats", RecordView(pattern="B6?A")) == 1
    assert count_records(store, "session_stats", RecordView(pattern="zz")) == 0
    keys = [k for k, _ in page_records(store, "session_stats", 0, 10, RecordView(pattern="09"))]
    assert keys and all(k.startswith("09C1/") for k in keys)


def test_sort_by_a_column_with_row_lookup(replayed: ReplayController) -> None:
    store = replayed.records.reader
    assert store is not None
    view = RecordView(order_by="games_played", descending=True)
    rows = page_records(store, "session_stats", 0, 10, view)
    played = [r["games_played"] for _, r in rows]
    assert played == sorted(played, reverse=True)
    for i, (key, _) in enumerate(rows):
        assert record_row(store, "session_stats", key, view) == i
    up = [
        r["games_played"]
        for _, r in page_records(store, "session_stats", 0, 10, RecordView(order_by="games_played"))
    ]
    assert up == sorted(up)
    with pytest.raises(SortError, match="session_stats.nope is not a column"):
        page_records(store, "session_stats", 0, 10, RecordView(order_by="nope"))
