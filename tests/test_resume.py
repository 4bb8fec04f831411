"""``blurr-tui run --resume`` / ``--follow`` / a SIGKILL: the database ends as a full run's."""

from __future__ import annotations

import json
import os
import signal
import sqlite3
import subprocess
import sys
import time
from pathlib import Path

from blurr_tui.engine.loader import load_streaming_file, load_window_file
from blurr_tui.store.extras import meta_from_text
from blurr_tui.store.sqlite_store import SqliteStore

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs" / "boosts-streaming.yml"
WINDOW = ROOT / "specs" / "boosts-window.yml"
BOOSTS = ROOT / "sample_logs" / "boosts.log"
ENV = {**os.environ, "COLUMNS": "1000"}  # rich must not hard-wrap the messages


def cmd(log, db, *extra: str, spec=SPEC, window=WINDOW) -> list[str]:
    c = [sys.executable, "-m", "blurr_tui", "run", str(spec), str(log), "--db", str(db), "--quiet"]
    if window is not None:
        c += ["--window-bts", str(window)]
    return c + list(extra)


def run(log, db, *extra: str, **kw) -> subprocess.CompletedProcess:
    return subprocess.run(
        cmd(log, db, *extra, **kw), cwd=ROOT, env=ENV, capture_output=True, text=True, timeout=300
    )


def snapshot(db, spec=SPEC, window=WINDOW) -> dict[str, list[str]]:
    """Everything a run leaves, as sorted JSON rows (order-free comparison)."""
    s = load_streaming_file(str(spec))
    w = load_window_file(str(window)) if window is not None else None
    store = SqliteStore(str(db), s, w)
    try:
        idents = store.conn.execute("SELECT * FROM _identities").fetchall()
        out = {
            "records": sorted(
                json.dumps([str(k), r], sort_keys=True) for k, r in store.all_records()
            ),
            "output": sorted(json.dumps([str(k), r]) for k, r in store.all_records(True)),
            "bad": sorted(json.dumps(list(b)) for b in store.bad_events()),
            "identities": sorted(json.dumps(list(r)) for r in idents),
        }
        if w is not None:
            out["window"] = sorted(json.dumps([i[0], store.window_rows(i[0])]) for i in idents)
        return out
    finally:
        store.close()


def meta_value(db: Path, key: str):
    """run_meta[key] read with a separate, read-only connection (None if not there yet)."""
    if not db.exists():
        return None
    try:
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=1)
        try:
            row = conn.execute("SELECT value FROM run_meta WHERE key = ?", (key,)).fetchone()
        finally:
            conn.close()
    except sqlite3.OperationalError:
        return None
    return meta_from_text(row[0]) if row else None


def integrity(db: Path) -> str:
    conn = sqlite3.connect(str(db))
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def boosts_lines_with_bad() -> list[bytes]:
    """The boosts log with a few bad lines spread through it (so bad_events is compared too)."""
    lines = BOOSTS.read_bytes().splitlines(keepends=True)
    for at in (len(lines) * 3 // 4, len(lines) // 2, len(lines) // 5):
        lines.insert(at, b"{broken json at %d\n" % at)
    return lines


def test_resume_in_steps_equals_full_run(tmp_path: Path) -> None:
    lines = boosts_lines_with_bad()
    full = tmp_path / "full.log"
    full.write_bytes(b"".join(lines))
    assert run(full, tmp_path / "full.db").returncode == 0
    expected = snapshot(tmp_path / "full.db")
    assert len(expected["bad"]) == 3 and expected["window"] and expected["output"]

    cut1, cut2 = len(lines) * 2 // 5, len(lines) * 7 // 10
    log, db = tmp_path / "growing.log", tmp_path / "resumed.db"
    log.write_bytes(b"".join(lines[:cut1]))
    r = run(log, db)
    assert r.returncode == 0, r.stderr
    with open(log, "ab") as fh:
        fh.write(b"".join(lines[cut1:cut2]))
    r = run(log, db, "--resume")
    assert r.returncode == 0, r.stderr
    assert "resuming" in r.stderr
    with open(log, "ab") as fh:
        fh.write(b"".join(lines[cut2:]))
    r = run(log, db, "--resume")
    assert r.returncode == 0, r.stderr
    got = snapshot(db)
    assert got == expected
    assert meta_value(db, "stopped_at_line") == len(lines)
    assert meta_value(db, "events_read") == len(lines)
    assert meta_value(db, "events_bad") == 3
    assert integrity(db) == "ok"


def test_resume_with_nothing_new_changes_nothing(tmp_path: Path) -> None:
    log = tmp_path / "b.log"
    log.write_bytes(b"".join(boosts_lines_with_bad()))
    db = tmp_path / "b.db"
    assert run(log, db).returncode == 0
    before = snapshot(db)
    r = run(log, db, "--resume")
    assert r.returncode == 0, r.stderr
    assert snapshot(db) == before


def _started(tmp_path: Path) -> tuple[Path, Path]:
    lines = BOOSTS.read_bytes().splitlines(keepends=True)
    log, db = tmp_path / "b.log", tmp_path / "b.db"
    log.write_bytes(b"".join(lines[: len(lines) // 2]))
    r = run(log, db)
    assert r.returncode == 0, r.stderr
    return log, db


def test_resume_refused_when_spec_changed(tmp_path: Path) -> None:
    log, db = _started(tmp_path)
    spec2 = tmp_path / "edited.yml"
    text = SPEC.read_text()
    assert "Value: session_stats.games_played + 1" in text
    spec2.write_text(
        text.replace("session_stats.games_played + 1", "session_stats.games_played + 2")
    )
    r = run(log, db, "--resume", spec=spec2)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "spec" in r.stderr.lower()


def test_resume_refused_when_log_truncated(tmp_path: Path) -> None:
    log, db = _started(tmp_path)
    data = log.read_bytes()
    log.write_bytes(data[: len(data) // 3])
    r = run(log, db, "--resume")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "rewritten" in r.stderr


def test_resume_refused_when_first_line_changed(tmp_path: Path) -> None:
    log, db = _started(tmp_path)
    data = log.read_bytes()
    changed = data.replace(b"player-77EF", b"player-77EE", 1)
    assert changed != data and len(changed) == len(data)
    log.write_bytes(changed + b"\n")  # same start length, longer: only the head differs
    r = run(log, db, "--resume")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "rewritten" in r.stderr


def _big_log(path: Path, copies: int = 39) -> int:
    """~150k events: the boosts log repeated with distinct user ids per copy."""
    data = BOOSTS.read_bytes()
    n = data.count(b"\n")
    with open(path, "wb") as fh:
        for i in range(copies):
            fh.write(data.replace(b'"user_id": "player-', b'"user_id": "c%d-player-' % i))
    return n * copies


def test_sigkill_then_resume_equals_full_run(tmp_path: Path) -> None:
    log = tmp_path / "big.log"
    total = _big_log(log)
    assert total > 140_000
    db = tmp_path / "killed.db"
    proc = subprocess.Popen(
        cmd(log, db, "--commit-every", "0.2"),
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 20
        offset = None
        while time.monotonic() < deadline and proc.poll() is None:
            offset = meta_value(db, "stopped_at_offset")
            if offset:
                break
            time.sleep(0.05)
        assert offset, "no checkpoint within 20 s"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)
        proc.stderr.close()
    assert proc.returncode == -signal.SIGKILL, "the run ended before it could be killed"
    assert integrity(db) == "ok"
    stopped = meta_value(db, "stopped_at_line")
    assert 0 < stopped < total
    # the database opens as a store, with what was committed
    snapshot(db)

    r = run(log, db, "--resume")
    assert r.returncode == 0, r.stderr
    assert meta_value(db, "stopped_at_line") == total
    assert meta_value(db, "events_read") == total
    assert run(log, tmp_path / "full.db").returncode == 0
    assert snapshot(db) == snapshot(tmp_path / "full.db")
    assert integrity(db) == "ok"


def test_follow_picks_up_appended_lines(tmp_path: Path) -> None:
    lines = BOOSTS.read_bytes().splitlines(keepends=True)
    c1, c2 = 800, 1600
    log, db = tmp_path / "f.log", tmp_path / "f.db"
    log.write_bytes(b"".join(lines[:c1]))
    proc = subprocess.Popen(
        cmd(log, db, "--follow"),
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )

    def wait_line(n: int) -> None:
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            assert proc.poll() is None, proc.stderr.read()
            if meta_value(db, "stopped_at_line") == n:
                return
            time.sleep(0.1)
        raise AssertionError(f"the follower did not reach line {n}")

    try:
        wait_line(c1)
        with open(log, "ab") as fh:
            fh.write(b"".join(lines[c1:c2]))
        wait_line(c2)
        with open(log, "ab") as fh:
            fh.write(b"".join(lines[c2:]))
        wait_line(len(lines))
        # the appended identities are in the database while following
        last_ident = json.loads(lines[-1])["user_id"]
        conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
        try:
            got = conn.execute(
                "SELECT count(*) FROM _identities WHERE identity = ?", (last_ident,)
            ).fetchone()[0]
        finally:
            conn.close()
        assert got == 1
        proc.send_signal(signal.SIGINT)
        proc.wait(timeout=30)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait(timeout=30)
    err = proc.stderr.read()
    proc.stderr.close()
    assert proc.returncode == 0, err
    assert "Traceback" not in err
    assert run(log, tmp_path / "full.db").returncode == 0
    assert snapshot(db) == snapshot(tmp_path / "full.db")
