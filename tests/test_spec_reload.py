"""Reloading the specs of a running replay (the controller, without the UI): the new spec runs
to the shown event, the Diff is of the records at that event, an invalid spec is not run,
breakpoints and watches survive, a long reload reports progress; and the file watcher."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from blurr_tui.engine.loader import load_streaming_file
from blurr_tui.replay import controller as controller_module
from blurr_tui.replay import memory_run
from blurr_tui.replay.controller import ReplayController
from blurr_tui.replay.record_diff import CHANGED
from blurr_tui.replay.spec_watch import SpecWatcher, source_lines

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs/tutorial1-streaming.yml"
LOG = ROOT / "sample_logs/tutorial1.log"
GOOD = "Value: session_stats.games_won + 1"
BAD = "Value: session_stats.games_won + source.bonus"


@pytest.fixture
def buggy(tmp_path: Path) -> Path:
    path = tmp_path / "buggy.yml"
    path.write_text(SPEC.read_text().replace(GOOD, BAD))
    return path


@pytest.fixture
def ctl(buggy: Path, tmp_path: Path):  # type: ignore[no-untyped-def]
    c = ReplayController(load_streaming_file(buggy), LOG, watch_file=tmp_path / "w.json")
    yield c
    c.close()


def fix(path: Path) -> None:
    path.write_text(path.read_text().replace(BAD, GOOD))


def test_reload_runs_the_new_spec_to_the_shown_event(ctl: ReplayController, buggy: Path) -> None:
    ctl.goto_now(2)
    assert ctl.snapshot().errors[0][1] == "swallowed"
    fix(buggy)
    assert ctl.spec_reload is not None
    ctl.reload_now()
    snap = ctl.snapshot()
    assert snap.position == 2 and snap.errors == ()
    games_won = next(f for f in snap.step.trace.aggregates[0].fields if f.name == "games_won")  # type: ignore[union-attr]
    assert (games_won.old, games_won.new) == (0, 1)
    state = ctl.spec_reload.state()
    assert state.serial == 1 and state.position == 2 and state.issues == ()
    assert state.message == "reloaded at event 2: 1 record changed"
    [change] = state.diff.records  # type: ignore[union-attr]
    assert (change.key, change.kind) == ("09C1/session_stats/915D/", CHANGED)
    assert [c.format() for c in change.changes] == ["games_won: 0 → 1"]
    assert ctl.page("session_stats", 0, 10)[0][1]["games_won"] == 1


def test_an_invalid_spec_is_not_run(ctl: ReplayController, buggy: Path) -> None:
    ctl.goto_now(4)
    before = ctl.snapshot()
    buggy.write_text(buggy.read_text().replace("Name: games_won", "Name: [games_won"))
    ctl.reload_now()
    state = ctl.spec_reload.state()  # type: ignore[union-attr]
    assert state.serial == 1 and state.diff is None
    assert state.issues[0].format().startswith(f"{buggy}:34: Invalid yaml:")
    assert state.message == "1 error in the spec: the last good spec keeps running"
    after = ctl.snapshot()
    assert after.position == 4 and after.step is before.step and ctl.streaming.path == str(buggy)
    assert len(after.errors) == len(before.errors) == 2  # still the old spec's errors


def test_breakpoints_and_watches_survive(ctl: ReplayController, buggy: Path) -> None:
    ctl.goto_now(1)
    bp = ctl.debug.add_breakpoint("session_stats.games_won >= 2")
    assert not isinstance(bp, str)
    assert ctl.debug.add_watch("session_stats.games_won") is None
    breakpoints, watches = ctl.breakpoints, ctl.watches
    ctl.nav.continue_()
    assert ctl.snapshot().position == 8 and ctl.snapshot().note != bp.label  # never hits
    fix(buggy)
    ctl.goto_now(1)
    ctl.reload_now()
    assert ctl.breakpoints is breakpoints and ctl.breakpoints.items() == (bp,)
    assert ctl.watches is watches and watches.texts == ["session_stats.games_won"]
    ctl.nav.continue_()  # with the fixed spec the breakpoint now hits, at event 4
    snap = ctl.snapshot()
    assert snap.position == 4 and snap.watches[0].value == 2 and snap.watches[0].before == 1
    # a watchpoint added after the reload is checked against the new spec's fields
    assert isinstance(ctl.debug.add_breakpoint("change session_stats.nope"), str)
    fix_name = buggy.read_text().replace("Name: games_won", "Name: wins")
    buggy.write_text(fix_name.replace("session_stats.games_won + 1", "session_stats.wins + 1"))
    ctl.reload_now()
    assert not isinstance(ctl.debug.add_breakpoint("change session_stats.wins"), str)


def test_a_long_reload_reports_progress(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(memory_run, "PROGRESS_EVERY", 500)
    monkeypatch.setattr(controller_module, "PROGRESS_EVERY", 500)
    spec = tmp_path / "anomalies.yml"
    spec.write_text((ROOT / "specs/anomalies-streaming.yml").read_text())
    c = ReplayController(
        load_streaming_file(spec), ROOT / "sample_logs/anomalies.log", watch_file=tmp_path / "w"
    )
    try:
        c.goto_now(2000)
        assert c.spec_reload is not None
        seen: list[str] = []
        original = c.spec_reload._set

        def record(**changes: object) -> None:
            if changes.get("progress"):
                seen.append(str(changes["progress"]))
            original(**changes)

        monkeypatch.setattr(c.spec_reload, "_set", record)
        c.reload_now()
        assert seen[:4] == [
            "reloading: records of the previous spec 500 / 2,000",
            "reloading: records of the previous spec 1,000 / 2,000",
            "reloading: records of the previous spec 1,500 / 2,000",
            "reloading: records of the previous spec 2,000 / 2,000",
        ]
        assert "reloading: running the new spec 1,500 / 2,000" in seen
        assert c.spec_reload.state().progress is None
        assert c.snapshot().position == 2000
    finally:
        c.close()


def test_watcher_sees_content_changes_only(tmp_path: Path) -> None:
    path = tmp_path / "s.yml"
    path.write_text("a: 1\n")
    w = SpecWatcher([path])
    assert not w.changed()
    st = path.stat()
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 5_000_000_000))  # touched, same bytes
    assert not w.changed()
    path.write_text("a: 2\n")
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns + 9_000_000_000))
    assert w.changed() and not w.changed()
    path.unlink()  # an editor's rename-into-place: missing for a moment
    assert not w.changed()
    path.write_text("a: 3\n")
    assert w.changed()


def test_source_lines() -> None:
    lines = source_lines(SPEC.read_text())
    assert lines["session_stats"] == 19
    assert lines["session_stats.session_id"] == 23
    assert lines["session_stats.games_won"] == 33
    assert lines["Identity"] == 9 and lines["Time"] == 14
    assert source_lines("a: [") == {} and source_lines("- 1") == {}
