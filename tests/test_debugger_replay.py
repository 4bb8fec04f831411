"""The debugger's replay layer, driven synchronously: step back, go to, breakpoints, watches.

The two promises of issue 9: the trace shown after going back is the one built when the event
was applied, and the tables after going to N are those of a fresh run stopped at N.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from blurr_tui.engine.loader import load_streaming_file
from blurr_tui.replay.breakpoints import BreakpointError, parse
from blurr_tui.replay.controller import AT_END, PAUSED, ReplayController
from blurr_tui.replay.log_run import LogRun
from blurr_tui.replay.revisit import Revisit
from blurr_tui.replay.watches import Failure

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs/tutorial1-streaming.yml"
LOG = ROOT / "sample_logs/tutorial1.log"
SAMPLES = [
    ("tutorial1-streaming.yml", "tutorial1.log", None),
    ("cart-streaming.yml", "cart.log", 700),
    ("anomalies-streaming.yml", "anomalies.log", 700),  # Variables reading a stored aggregate
    ("boosts-streaming.yml", "boosts.log", 700),
]

PROBLEM_SPEC = SPEC.read_text().replace(
    "       Value: session_stats.games_won + 1\n",
    "       Value: session_stats.games_won + 1\n"
    "     - Name: ratio\n"
    "       Type: float\n"
    "       When: source.event_id == 'game_end'\n"
    "       Value: 1 / source.won\n",
)
PROBLEM_LOG = [
    '{"user_id": "u1", "session_id": "s1", "event_id": "game_start", "timestamp": "2018-03-04T09:00:00"}',
    '{"user_id": "u1", "session_id": "s1", "event_id": "game_end", "won": 1, "timestamp": "2018-03-04T09:01:00"}',
    "not json",
    '{"user_id": "u1", "session_id": "s1", "event_id": "game_end", "won": 0, "timestamp": "2018-03-04T09:02:00"}',
    '{"user_id": 42, "session_id": "s9", "event_id": "game_start", "timestamp": "2018-03-04T09:03:00"}',
    '{"user_id": "u2", "session_id": "s2", "event_id": "game_start", "timestamp": "2018-03-04T09:04:00"}',
]


@pytest.fixture
def watch_file(tmp_path: Path) -> Path:
    return tmp_path / "state" / "watches.json"


def controller(spec: Path, log: Path, watch_file: Path) -> ReplayController:
    return ReplayController(load_streaming_file(spec), log, watch_file=watch_file)


@pytest.fixture
def problems(tmp_path: Path) -> tuple[Path, Path]:
    spec = tmp_path / "problems.yml"
    spec.write_text(PROBLEM_SPEC)
    log = tmp_path / "problems.log"
    log.write_text("\n".join(PROBLEM_LOG) + "\n")
    return spec, log


def tables(c: ReplayController) -> dict[str, list]:
    return {a: c.page(a, 0, 100_000) for a in c.aggregates()}


@pytest.mark.parametrize(("spec", "log", "limit"), SAMPLES)
def test_every_event_revisited_shows_the_trace_it_had(
    spec: str, log: str, limit: int | None, tmp_path: Path
) -> None:
    """Each computed event, rebuilt from the log, has the trace the replay built applying it."""
    lines = (ROOT / "sample_logs" / log).read_text().splitlines(keepends=True)
    path = tmp_path / log
    path.write_text("".join(lines[:limit]))
    streaming = load_streaming_file(ROOT / "specs" / spec)
    run = LogRun(streaming, None, path, tmp_path / "r.db", True)
    applied = []
    while (step := run.advance(trace=True)) is not None:
        applied.append(step)
    revisit = Revisit(streaming, path, run.timeline, run.problems.get)
    try:
        for original in applied:
            again = revisit.step(original.index)
            assert again.trace == original.trace, original.index
            assert (again.identity, again.time, again.error, again.bad_reason) == (
                original.identity,
                original.time,
                original.error,
                original.bad_reason,
            )
            assert again.line.line_no == original.line.line_no
    finally:
        revisit.close()
        run.close()


def test_step_back_shows_the_trace_shown_when_applied(watch_file: Path) -> None:
    c = controller(ROOT / "specs/cart-streaming.yml", ROOT / "sample_logs/cart.log", watch_file)
    try:
        shown = {}
        for _ in range(30):
            c.step_now(1)
            s = c.snapshot()
            shown[s.position] = (s.step.trace, s.step.line.line_no)  # type: ignore[union-attr]
        for _ in range(29):
            c.nav.back()
            s = c.snapshot()
            assert s.step is not None and s.state == PAUSED
            assert (s.step.trace, s.step.line.line_no) == shown[s.position]
        assert c.snapshot().position == 1
    finally:
        c.close()


def test_go_to_n_equals_a_fresh_run_stopped_at_n(watch_file: Path) -> None:
    spec, log = ROOT / "specs/anomalies-streaming.yml", ROOT / "sample_logs/anomalies.log"
    c = controller(spec, log, watch_file)
    fresh = controller(spec, log, watch_file)
    try:
        c.goto_now(1500)
        c.goto_now(600)  # back
        fresh.step_now(600)
        assert c.snapshot().position == fresh.snapshot().position == 600
        assert tables(c) == tables(fresh)
        assert c.snapshot().step.trace == fresh.snapshot().step.trace  # type: ignore[union-attr]
        c.goto_now(900)  # forward again
        fresh.goto_now(900)
        assert tables(c) == tables(fresh)
    finally:
        c.close()
        fresh.close()


def test_go_to_a_time_and_between_one_identitys_events(watch_file: Path) -> None:
    from datetime import UTC, datetime

    c = controller(SPEC, LOG, watch_file)
    try:
        c.nav.goto_time(datetime(2018, 3, 4, 9, 10, tzinfo=UTC))
        assert c.snapshot().position == 4  # 09:10:22, the first at or after 09:10
        c.nav.identity_next()  # 09C1's next event is line 7 (B6FA's are 5 and 6)
        assert c.snapshot().position == 7 and c.snapshot().step.identity == "09C1"  # type: ignore[union-attr]
        c.nav.identity_previous()
        assert c.snapshot().position == 4
        c.nav.goto(5)
        c.nav.identity_previous()  # B6FA has no earlier event
        assert c.snapshot().position == 5 and "no earlier event of B6FA" in c.snapshot().note  # type: ignore[operator]
        c.nav.goto_time(datetime(2030, 1, 1, tzinfo=UTC))
        assert c.snapshot().state == AT_END and "no event at or after" in c.snapshot().note  # type: ignore[operator]
    finally:
        c.close()


def test_condition_breakpoint_continue_and_reverse_continue(watch_file: Path) -> None:
    c = controller(SPEC, LOG, watch_file)
    try:
        bp = c.debug.add_breakpoint("session_stats.games_won >= 2")
        assert not isinstance(bp, str)
        c.nav.continue_()
        s = c.snapshot()
        assert s.position == 4 and s.state == PAUSED and s.step.trace is not None  # type: ignore[union-attr]
        assert s.note == "breakpoint 1: session_stats.games_won >= 2"
        c.nav.continue_()  # 09C1's T8KA session has 1 win at line 8: no hit; B6FA has 1
        assert c.snapshot().state == AT_END
        c.nav.reverse_continue()
        assert c.snapshot().position == 4
        c.nav.reverse_continue()
        assert c.snapshot().position == 4 and c.snapshot().note == "no earlier breakpoint hit"
    finally:
        c.close()


def test_a_breakpoint_added_late_is_found_by_reverse_continue(watch_file: Path) -> None:
    c = controller(SPEC, LOG, watch_file)
    try:
        c.goto_now(8)
        c.debug.add_breakpoint("identity == 'B6FA'")
        c.nav.reverse_continue()
        assert c.snapshot().position == 6
        c.nav.reverse_continue()
        assert c.snapshot().position == 5
        c.nav.continue_()
        assert c.snapshot().position == 6
    finally:
        c.close()


def test_watchpoint_source_condition_and_playing_stops_at_a_hit(watch_file: Path) -> None:
    c = controller(SPEC, LOG, watch_file)
    try:
        c.debug.add_breakpoint("change session_stats.games_won")
        c.set_rate_now(None)
        c.play_now()
        s = c.snapshot()
        assert s.position == 2 and s.state == PAUSED
        assert s.note == "breakpoint 1: session_stats.games_won 0 → 1"
        c.play_now()
        assert c.snapshot().position == 4
        c.debug.delete_breakpoint(1)
        c.debug.add_breakpoint("source.event_id == 'game_start' and source.country == 'UK'")
        c.nav.continue_()
        assert c.snapshot().position == 7
    finally:
        c.close()


def test_problem_breakpoints(problems: tuple[Path, Path], watch_file: Path) -> None:
    spec, log = problems
    c = controller(spec, log, watch_file)
    try:
        for kind, where in (("bad", 3), ("swallowed", 4), ("abort", 5), ("new", 1)):
            c.restart_now()
            c.debug.add_breakpoint(kind)
            c.nav.continue_()
            assert c.snapshot().position == where, kind
            c.debug.delete_breakpoint(c.breakpoints.items()[0].id)
        c.restart_now()
        c.debug.add_breakpoint("new")
        c.nav.continue_()
        c.nav.continue_()
        assert c.snapshot().position == 6  # u2's first record (u1 continued s1)
    finally:
        c.close()


def test_a_breakpoints_own_mistakes_are_kept_not_raised(watch_file: Path) -> None:
    c = controller(SPEC, LOG, watch_file)
    try:
        assert "not an expression" in c.debug.add_breakpoint("session_stats.games_won >=")  # type: ignore[operator]
        assert "no aggregate 'nope'" in c.debug.add_breakpoint("change nope.x")  # type: ignore[operator]
        assert "has no field 'wins'" in c.debug.add_breakpoint("change session_stats.wins")  # type: ignore[operator]
        c.debug.add_breakpoint("session_stats.gamez > 1")
        c.nav.continue_()  # evaluates on every event, raises each time, never stops
        s = c.snapshot()
        assert s.state == AT_END
        (bp,) = s.breakpoints
        assert bp.errors == 8 and bp.error is not None and "gamez" in bp.error
        c.debug.toggle_breakpoint(bp.id)
        assert not c.breakpoints.active
    finally:
        c.close()


def test_parse_breakpoint_kinds() -> None:
    assert parse("change a.b") == ("change", "a.b")
    assert parse("  abort ") == ("abort", "")
    assert parse("new == 1") == ("condition", "new == 1")
    with pytest.raises(BreakpointError):
        parse("  ")


def test_watches_evaluate_and_survive_a_restart(watch_file: Path) -> None:
    c = controller(SPEC, LOG, watch_file)
    try:
        c.debug.add_watch("session_stats.games_won")
        c.debug.add_watch("source.event_id")
        c.debug.add_watch("1 / 0")
        c.goto_now(4)
        won, event, boom = c.snapshot().watches
        assert (won.value, won.before) == (2, 1)
        assert (event.value, event.before) == ("game_end", "game_start")
        assert isinstance(boom.value, Failure) and "ZeroDivisionError" in boom.value.message
        c.nav.back()
        won = c.snapshot().watches[0]
        assert (won.value, won.before) == (1, 1)
        assert c.debug.evaluate("session_stats.games_played * 10") == 20
        failure = c.debug.evaluate("nope + 1")
        assert isinstance(failure, Failure) and "NameError" in failure.message
    finally:
        c.close()
    again = controller(SPEC, LOG, watch_file)  # a new session of the same spec
    try:
        assert again.watches.texts == ["session_stats.games_won", "source.event_id", "1 / 0"]
        again.debug.remove_watch(2)
    finally:
        again.close()
    assert controller(SPEC, LOG, watch_file).watches.texts[-1] == "source.event_id"


def test_a_values_history(watch_file: Path) -> None:
    c = controller(SPEC, LOG, watch_file)
    try:
        c.goto_now(8)
        changes = c.debug.field_history("session_stats", "09C1/session_stats/915D/", "games_won")
        assert [(h.position, h.line, h.old, h.new) for h in changes] == [(2, 2, 0, 1), (4, 4, 1, 2)]
        played = c.debug.field_history("session_stats", "09C1/session_stats/T8KA/", "games_played")
        assert [(h.position, h.old, h.new) for h in played] == [(7, 0, 1)]
    finally:
        c.close()
