"""``derive`` in the log's own shape (issue 11 item 10) and ``derive --follow`` (item 11).

The follower is driven with a growing log: the cart log is appended in pieces, ``run
--resume`` brings the database up to each piece (what ``run --follow`` commits as the log
grows), and the follower ticks.  Each abandoned basket must be appended exactly once, when
30 minutes of event time have passed since the session's last interaction, across restarts,
a torn last line and a kill between the append and the state file.
"""

from __future__ import annotations

import io
import json
import os
import signal
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from blurr_tui.cli import main
from blurr_tui.derive_follow import DeriveFollower, FollowArgs
from blurr_tui.derive_shape import EventShape, learn_shape, shape_of
from blurr_tui.store.readonly import DeriveError

REPO = Path(__file__).resolve().parent.parent
CART = REPO / "specs" / "cart-streaming.yml"
CART_LINES = (REPO / "sample_logs" / "cart.log").read_text().splitlines(keepends=True)
ABANDONED = "not ordered and item_count > 0 and as_of - _end_time > timedelta(minutes=30)"
PIECES = (500, 900, 1300, 1700, 2082)


def _run(log: Path, db: Path, resume: bool) -> None:
    argv = ["run", str(CART), str(log), "--db", str(db), "--quiet"]
    assert main([*argv, "--resume"] if resume else argv) == 0


def _keys(path: Path) -> list[str]:
    return [json.loads(line)["context"]["caused_by"] for line in path.read_text().splitlines()]


def _batch(db: Path, tmp: Path) -> list[str]:
    out = tmp / "batch.log"
    argv = ["derive", str(db), "-a", "browsing", "--verb", "ABANDONED_BASKET"]
    assert main([*argv, "--where", ABANDONED, "--out", str(out)]) == 0
    return _keys(out)


def _follower(db: Path, out: Path) -> DeriveFollower:
    args = FollowArgs(str(db), "browsing", ABANDONED, "ABANDONED_BASKET", str(out))
    return DeriveFollower(args, io.StringIO())


# -- item 10: the log's own shape -------------------------------------------------------------


def test_shape_follows_the_log() -> None:
    cart = shape_of(json.loads(CART_LINES[0]))
    assert cart == EventShape(verb_is_mapping=False, subject_type="user", numeric_ids=False)
    issue = {
        "subject": {"id": 15, "type": "CUSTOMER"},
        "verb": {"type": "ADDED_ITEM_TO_BASKET"},
        "object": {"id": 3},
        "context": {"at": 1700000000000},
    }
    shape = shape_of(issue)
    assert shape is not None
    last = datetime(2023, 11, 14, 22, 13, 20, tzinfo=UTC)
    derived_at = last + timedelta(hours=1)
    event = shape.event("ABANDONED_BASKET", "15", {"type": "browsing"}, last, "15/b//x", derived_at)
    assert event == {
        "subject": {"id": 15, "type": "CUSTOMER"},
        "verb": {"type": "ABANDONED_BASKET"},
        "object": {"type": "browsing"},
        "context": {"at": 1700000000000, "caused_by": "15/b//x"},
        "event": {"inserted_at": 1700003600000},
    }
    assert shape_of({"user": "x"}) is None and learn_shape("/nonexistent.log") == EventShape()


def test_derived_events_from_a_log_shaped_as_the_event_system(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """verb {"type": ...}, numeric subject ids: the derived events have them too."""
    log = tmp_path / "system.log"
    lines = []
    for raw in CART_LINES:
        e = json.loads(raw)
        e["subject"] = {"id": int(e["subject"]["id"][1:]), "type": "CUSTOMER"}
        e["verb"] = {"type": e["verb"]}
        lines.append(json.dumps(e) + "\n")
    log.write_text("".join(lines))
    spec = tmp_path / "system.yml"
    text = CART.read_text().replace(
        "Identity: source.subject.id", "Identity: str(source.subject.id)"
    )
    spec.write_text(text.replace("source.verb", "source.verb.type"))
    db = tmp_path / "system.db"
    assert main(["run", str(spec), str(log), "--db", str(db), "--quiet"]) == 0
    capsys.readouterr()
    argv = ["derive", str(db), "-a", "browsing", "--verb", "ABANDONED_BASKET", "--where", ABANDONED]
    assert main(argv) == 0
    events = [json.loads(line) for line in capsys.readouterr().out.splitlines()]
    assert len(events) == 97
    for e in events:
        assert e["verb"] == {"type": "ABANDONED_BASKET"}
        assert e["subject"] == {"id": int(e["object"]["_identity"]), "type": "CUSTOMER"}
        end = datetime.fromisoformat(e["object"]["_end_time"])
        assert e["context"]["at"] == int(end.timestamp() * 1000)
    # the spec that reads the live log reads the derived one too
    derived = tmp_path / "derived.log"
    derived.write_text("".join(json.dumps(e) + "\n" for e in events))
    code = main(["transform", "--streaming-bts", str(spec), str(derived)])
    assert code == 0 and "customer" in capsys.readouterr().out


# -- item 11: derive --follow -----------------------------------------------------------------


def test_follow_a_growing_log_derives_each_event_once_when_it_becomes_true(tmp_path: Path) -> None:
    log, db, out = tmp_path / "grow.log", tmp_path / "cart.db", tmp_path / "abandoned.log"
    follower = _follower(db, out)
    assert follower.tick() == 0 and not out.exists()  # no database yet: waits
    done = 0
    seen: list[str] = []
    for n, end in enumerate(PIECES):
        log.write_text("".join(CART_LINES[:end]))  # the log grows
        _run(log, db, resume=n > 0)
        follower.tick()
        keys = _keys(out)
        assert keys[: len(seen)] == seen  # appended, never rewritten
        seen = keys
        # everything derived so far was true at this point of event time ...
        last = max(json.loads(line)["context"]["at"] for line in CART_LINES[:end])
        events = [json.loads(line) for line in out.read_text().splitlines()]
        assert all(last - e["context"]["at"] > 30 * 60 * 1000 for e in events)
        # ... and what a batch derive finds at this point is all there
        assert set(_batch(db, tmp_path)) == set(keys)
        assert follower.tick() == 0  # the same position again: nothing new
        done = len(keys)
    assert len(seen) == len(set(seen)) == done == 97
    state = json.loads((tmp_path / "abandoned.log.state").read_text())
    assert state["derived"] == 97 and state["position"][1] == 2082


def test_restart_neither_repeats_nor_misses(tmp_path: Path) -> None:
    log, db, out = tmp_path / "grow.log", tmp_path / "cart.db", tmp_path / "abandoned.log"
    log.write_text("".join(CART_LINES[:900]))
    _run(log, db, resume=False)
    first = _follower(db, out)
    first.tick()
    before = _keys(out)
    assert before
    # stopped; meanwhile the log and the database move on twice
    for end in (1500, 2082):
        log.write_text("".join(CART_LINES[:end]))
        _run(log, db, resume=True)
    again = _follower(db, out)
    assert "resuming: " in again.err.getvalue()  # type: ignore[attr-defined]
    assert again.tick() > 0
    after = _keys(out)
    assert after[: len(before)] == before and len(after) == len(set(after)) == 97
    assert set(after) == set(_batch(db, tmp_path))


def test_a_kill_between_append_and_state_and_a_torn_line(tmp_path: Path) -> None:
    log, db, out = tmp_path / "grow.log", tmp_path / "cart.db", tmp_path / "abandoned.log"
    log.write_text("".join(CART_LINES))
    _run(log, db, resume=False)
    follower = _follower(db, out)
    follower.tick()
    full = out.read_bytes()
    # killed after the append, before the state: the state is older than the log
    (tmp_path / "abandoned.log.state").unlink()
    assert _follower(db, out).tick() == 0 and out.read_bytes() == full
    # killed in the middle of a write: a torn last line is cut and written again, whole
    torn = full[: full.rfind(b"\n", 0, len(full) - 1) + 1] + full.splitlines(keepends=True)[-1][:40]
    out.write_bytes(torn)
    (tmp_path / "abandoned.log.state").unlink()
    restarted = _follower(db, out)
    assert "cut off a torn last line" in restarted.err.getvalue()  # type: ignore[attr-defined]
    assert restarted.tick() == 1
    expected = [json.loads(line)["context"]["caused_by"] for line in full.splitlines()]
    assert sorted(_keys(out)) == sorted(expected)


def test_follow_refuses_another_condition_on_the_same_out(tmp_path: Path) -> None:
    log, db, out = tmp_path / "grow.log", tmp_path / "cart.db", tmp_path / "abandoned.log"
    log.write_text("".join(CART_LINES[:900]))
    _run(log, db, resume=False)
    _follower(db, out).tick()
    args = FollowArgs(str(db), "browsing", "item_count > 0", "ABANDONED_BASKET", str(out))
    with pytest.raises(DeriveError, match="was derived with"):
        DeriveFollower(args, io.StringIO())
    out.write_text('{"not": "derived"}\n')
    (tmp_path / "abandoned.log.state").unlink()
    with pytest.raises(DeriveError, match="not a derived event"):
        _follower(db, out)


def test_derive_follow_beside_run_follow(tmp_path: Path) -> None:
    """The two commands as a user runs them, on a log that grows while they run."""
    log, db, out = tmp_path / "grow.log", tmp_path / "cart.db", tmp_path / "abandoned.log"
    log.write_text("".join(CART_LINES[:600]))
    py = [sys.executable, "-m", "blurr_tui"]
    derive = [*py, "derive", str(db), "-a", "browsing", "--verb", "ABANDONED_BASKET"]
    derive += ["--where", ABANDONED, "--follow", "--out", str(out), "--poll", "0.2"]
    run = [*py, "run", str(CART), str(log), "--db", str(db), "--follow", "--quiet"]
    procs = [
        subprocess.Popen(c, cwd=REPO, stderr=subprocess.PIPE, text=True) for c in (run, derive)
    ]
    try:
        for end in (1200, 2082):
            time.sleep(1.5)
            with open(log, "a") as fh:
                fh.write("".join(CART_LINES[len(log.read_text().splitlines()) : end]))
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:  # until the follower caught up with the end
            if out.exists() and len(out.read_text().splitlines()) >= 97:
                break
            time.sleep(0.2)
    finally:
        for p in reversed(procs):
            p.send_signal(signal.SIGINT)
        errs = [p.communicate(timeout=60)[1] for p in procs]
    assert [p.returncode for p in procs] == [0, 0], errs
    keys = _keys(out)
    assert len(keys) == len(set(keys)) == 97, errs[1]
    assert "stopped: 97 events in" in errs[1]
    assert os.path.exists(str(out) + ".state")
