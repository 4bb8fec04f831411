"""The transport's measured rate (issue 11 item 7): right at 1-2 events/s and at full speed."""

from __future__ import annotations

import pytest

from blurr_tui.replay.rate_meter import RateMeter


def test_one_event_per_second_reads_one() -> None:
    m = RateMeter()
    m.reset(100.0, 0)
    assert m.rate(100.5) is None  # nothing played yet: no figure rather than 0
    for i in range(1, 6):
        m.mark(100.0 + i, i)
        m.mark(100.0 + i + 0.05, i)  # frame ends without a new event: no new sample
    assert m.rate(105.2) == pytest.approx(1.0)


def test_the_first_event_is_not_counted_over_no_time() -> None:
    m = RateMeter()
    m.reset(0.0, 0)
    for i in range(1, 5):  # playing applies the first event at once, then one every 0.5 s
        m.mark((i - 1) * 0.5, i)
    assert m.rate(1.6) == pytest.approx(2.0)


def test_two_events_per_second_with_frame_jitter() -> None:
    m = RateMeter()
    m.reset(0.0, 10)
    for i in range(1, 9):
        m.mark(i * 0.5, 10 + i)
    assert m.rate(4.1) == pytest.approx(2.0)


def test_full_speed_keeps_few_samples() -> None:
    m = RateMeter()
    m.reset(0.0, 0)
    for i in range(1, 200_001):
        m.mark(i / 50_000, i)  # 50k ev/s for 4 s
    assert m.rate(4.0) == pytest.approx(50_000, rel=0.01)
    assert len(m._samples) < 400


def test_a_stall_lowers_the_rate() -> None:
    m = RateMeter()
    m.reset(0.0, 0)
    for i in range(1, 4):
        m.mark(float(i), i)
    assert m.rate(3.1) == pytest.approx(1.0)
    assert m.rate(9.0) == pytest.approx(2 / 8)  # from the first event's time to now
