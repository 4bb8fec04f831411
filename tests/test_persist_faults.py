"""Issue 8's findings, each as it happens to a user: the database never loses, doubles or
replaces anything (each test failed before the fix)."""

from __future__ import annotations

import os
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

from test_resume import ENV, ROOT, _big_log, cmd, integrity, meta_value, run, snapshot

ANOM_SPEC = ROOT / "specs" / "anomalies-streaming.yml"
ANOM_LOG = ROOT / "sample_logs" / "anomalies.log"
BOOSTS = ROOT / "sample_logs" / "boosts.log"
CART_SPEC = ROOT / "specs" / "cart-streaming.yml"
CART_LOG = ROOT / "sample_logs" / "cart.log"


def out_of_order_lines(seed: int = 3) -> list[bytes]:
    """The boosts log with events moved back in time for their identity, and two bad lines."""
    lines = BOOSTS.read_bytes().splitlines(keepends=True)
    rnd = random.Random(seed)
    for _ in range(40):
        i = rnd.randrange(100, len(lines))
        lines.insert(rnd.randrange(0, i), lines.pop(i))
    lines.insert(700, b"{not json\n")
    lines.insert(2500, b"[1, 2]\n")
    return lines


def kill_after_checkpoint(c: list[str], db: Path, key: str = "stopped_at_pos") -> None:
    proc = subprocess.Popen(
        c, cwd=ROOT, env=ENV, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
    )
    try:
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline and proc.poll() is None:
            if meta_value(db, key):
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be killed"
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        if proc.poll() is None:
            proc.kill()
        proc.wait(timeout=30)


# 1 ---------------------------------------------------------------------------------------
def test_resume_that_reads_nothing_never_reapplies_the_log(tmp_path: Path) -> None:
    log, db = tmp_path / "b.log", tmp_path / "b.db"
    shutil.copy(BOOSTS, log)
    assert run(log, db).returncode == 0
    once = snapshot(db)
    for _ in range(2):  # before: the first wrote stopped_at_offset 0, the second re-applied all
        r = run(log, db, "--resume")
        assert r.returncode == 0, r.stderr
        assert meta_value(db, "stopped_at_offset") == log.stat().st_size
    assert meta_value(db, "events_read") == BOOSTS.read_bytes().count(b"\n")
    assert snapshot(db) == once


# 2 ---------------------------------------------------------------------------------------
def test_anomalies_resume_equals_one_run(tmp_path: Path) -> None:
    """A Variable reading a stored aggregate (``stats.n``): resume must restore all state."""
    lines = ANOM_LOG.read_bytes().splitlines(keepends=True)
    log, db, full = tmp_path / "a.log", tmp_path / "a.db", tmp_path / "full.db"
    log.write_bytes(b"".join(lines[:1000]))
    assert run(log, db, spec=ANOM_SPEC, window=None).returncode == 0
    log.write_bytes(b"".join(lines))
    r = run(log, db, "--resume", spec=ANOM_SPEC, window=None)
    assert r.returncode == 0, r.stderr
    assert run(log, full, spec=ANOM_SPEC, window=None).returncode == 0
    assert snapshot(db, ANOM_SPEC, None) == snapshot(full, ANOM_SPEC, None)


MAPSPEC = """Type: Blurr:Transform:Streaming
Version: '2018-03-01'
Name: m
Stores:
  - Type: Blurr:Store:Memory
    Name: s
Identity: source.u
Time: parse(source.t)
Import:
  - { Module: dateutil.parser, Identifiers: [ parse ] }
Aggregates:
  - Type: Blurr:Aggregate:Variable
    Name: seen
    Store: s
    Fields:
      - Name: by_n
        Type: map
        Value: seen.by_n.set(source.n, len(seen.by_n))
      - Name: flag
        Type: integer
        Value: source.n > 1
"""


def test_variable_map_with_int_keys_and_bool_survive_resume(tmp_path: Path) -> None:
    spec = tmp_path / "m.yml"
    spec.write_text(MAPSPEC)
    ev = [f'{{"u": "a", "t": "2020-01-01T00:00:0{i}", "n": {i}}}\n' for i in range(6)]
    log, db, full = tmp_path / "m.log", tmp_path / "m.db", tmp_path / "full.db"
    log.write_text("".join(ev[:3]))
    assert run(log, db, spec=spec, window=None).returncode == 0
    log.write_text("".join(ev))
    assert run(log, db, "--resume", spec=spec, window=None).returncode == 0
    assert run(log, full, spec=spec, window=None).returncode == 0
    assert snapshot(db, spec, None) == snapshot(full, spec, None)


# 3 ---------------------------------------------------------------------------------------
def test_db_path_that_is_not_ours_is_never_replaced(tmp_path: Path) -> None:
    log = tmp_path / "events.log"
    shutil.copy(BOOSTS, log)
    before = log.read_bytes()
    r = run(log, log)
    assert r.returncode == 1 and "not a blurr-tui database" in r.stderr
    assert log.read_bytes() == before
    other = tmp_path / "other.db"
    conn = sqlite3.connect(other)
    conn.execute("CREATE TABLE precious (x)")
    conn.execute("INSERT INTO precious VALUES (42)")
    conn.commit()
    conn.close()
    for extra in ((), ("--overwrite",), ("--resume",)):
        r = run(log, other, *extra)
        assert r.returncode == 1 and "not a blurr-tui database" in r.stderr, r.stderr
    conn = sqlite3.connect(other)
    assert conn.execute("SELECT x FROM precious").fetchall() == [(42,)]
    conn.close()


def test_existing_database_needs_resume_or_overwrite(tmp_path: Path) -> None:
    log, db = tmp_path / "b.log", tmp_path / "b.db"
    shutil.copy(BOOSTS, log)
    assert run(log, db).returncode == 0
    once = snapshot(db)
    r = run(log, db)
    assert r.returncode == 1 and "--resume" in r.stderr and "--overwrite" in r.stderr
    assert snapshot(db) == once
    r = run(log, db, "--overwrite")
    assert r.returncode == 0, r.stderr
    assert snapshot(db) == once


# 4 ---------------------------------------------------------------------------------------
def test_disk_full_stops_with_one_line_and_resume_loses_nothing(tmp_path: Path) -> None:
    log, db, full = tmp_path / "b.log", tmp_path / "b.db", tmp_path / "full.db"
    _big_log(log, copies=3)

    def small_disk() -> None:  # every file the run writes is limited to 400 KB: "disk full"
        resource.setrlimit(resource.RLIMIT_FSIZE, (400_000, 400_000))

    r = subprocess.run(
        cmd(log, db, "--commit-every", "0"),
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=300,
        preexec_fn=small_disk,
    )
    assert r.returncode == 1
    lines = [x for x in r.stderr.splitlines() if x.strip()]
    assert len(lines) == 1 and str(db) in lines[0] and "full" in lines[0], r.stderr
    assert "Traceback" not in r.stderr
    assert integrity(db) == "ok"
    r = run(log, db, "--resume")
    assert r.returncode == 0, r.stderr
    assert run(log, full).returncode == 0
    assert snapshot(db) == snapshot(full)


# 5 ---------------------------------------------------------------------------------------
def test_kill_during_time_order_replay_then_resume(tmp_path: Path) -> None:
    log, db, full = tmp_path / "o.log", tmp_path / "o.db", tmp_path / "full.db"
    log.write_bytes(b"".join(out_of_order_lines() * 4))
    assert run(log, full).returncode == 0
    assert meta_value(full, "replay_order") == "time"
    kill_after_checkpoint(cmd(log, db, "--commit-every", "0"), db)
    assert integrity(db) == "ok"
    r = run(log, db, "--resume")
    assert r.returncode == 0, r.stderr
    got, want = snapshot(db), snapshot(full)
    assert len(got["bad"]) == len(want["bad"]) == 8
    assert got == want


# 6 ---------------------------------------------------------------------------------------
def test_hostile_lines_are_bad_lines_not_the_end_of_the_run(tmp_path: Path) -> None:
    lines = BOOSTS.read_bytes().splitlines(keepends=True)[:300]
    hostile = [
        b"[" * 10_000 + b"]" * 10_000 + b"\n",
        b'{"user_id": ' + b"7" * 5000 + b"}\n",
        b'{"event_id": "game_start", "user_id": "\\ud800", "session_id": "s", '
        b'"timestamp": "2018-03-01T00:00:00", "country": "x"}\n',
    ]
    log, db = tmp_path / "h.log", tmp_path / "h.db"
    log.write_bytes(b"".join(lines[:100] + hostile + lines[100:200]))
    r = run(log, db)
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    bad = dict(sqlite3.connect(db).execute("SELECT line, reason FROM bad_events"))
    assert "nested too deeply" in bad[101] and "4300" in bad[102]
    assert meta_value(db, "events_applied") == 201  # the lone-surrogate identity is accepted
    with open(log, "ab") as fh:
        fh.write(b"".join(lines[200:]))
    r = run(log, db, "--resume")
    assert r.returncode == 0, r.stderr
    assert meta_value(db, "events_read") == 303


# 9 ---------------------------------------------------------------------------------------
def test_resume_refuses_a_log_edited_after_its_first_64kb(tmp_path: Path) -> None:
    log, db = tmp_path / "b.log", tmp_path / "b.db"
    data = BOOSTS.read_bytes()
    assert len(data) > 200_000
    log.write_bytes(data)
    assert run(log, db).returncode == 0
    i = data.index(b"player-", 150_000)
    log.write_bytes(data[:i] + b"PLAYER-" + data[i + 7 :] + data.splitlines(keepends=True)[0])
    r = run(log, db, "--resume")
    assert r.returncode == 1 and "changed within" in r.stderr, r.stderr


# 10 --------------------------------------------------------------------------------------
def test_second_writer_is_refused_at_once(tmp_path: Path) -> None:
    log, db = tmp_path / "b.log", tmp_path / "b.db"
    shutil.copy(BOOSTS, log)
    first = subprocess.Popen(
        cmd(log, db, "--follow"),
        cwd=ROOT,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        deadline = time.monotonic() + 30
        while meta_value(db, "stopped_at_line") != len(BOOSTS.read_bytes().splitlines()):
            assert time.monotonic() < deadline and first.poll() is None
            time.sleep(0.1)
        t0 = time.monotonic()
        r = run(log, db, "--resume")
        assert r.returncode == 1 and "another blurr-tui process" in r.stderr, r.stderr
        assert time.monotonic() - t0 < 20
        first.send_signal(signal.SIGINT)
        assert first.wait(timeout=30) == 0, first.stderr.read()
    finally:
        if first.poll() is None:
            first.kill()
            first.wait()
        first.stderr.close()
    assert meta_value(db, "events_read") == len(BOOSTS.read_bytes().splitlines())


# 12 --------------------------------------------------------------------------------------
def test_folder_and_read_only_database_get_one_clear_line(tmp_path: Path) -> None:
    log, db = tmp_path / "b.log", tmp_path / "b.db"
    shutil.copy(BOOSTS, log)
    r = run(log, tmp_path)
    assert r.returncode == 1 and "is a folder" in r.stderr and "Traceback" not in r.stderr
    assert run(log, db).returncode == 0
    os.chmod(db, 0o444)
    try:
        r = run(log, db, "--resume")
    finally:
        os.chmod(db, 0o644)
    if os.geteuid() != 0:  # root may write anyway
        assert r.returncode == 1 and str(db) in r.stderr and "Traceback" not in r.stderr, r.stderr


def test_read_only_database_error_names_path_and_cause(tmp_path: Path) -> None:
    from blurr_tui.store.files import StoreError, store_errors

    db = tmp_path / "ro.db"
    sqlite3.connect(db).execute("CREATE TABLE t (x)").connection.close()
    conn = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    try:
        with store_errors(db):
            conn.execute("INSERT INTO t VALUES (1)")
    except StoreError as exc:
        assert str(db) in str(exc) and "read-only" in str(exc)
    else:
        raise AssertionError("no StoreError")
    finally:
        conn.close()


# 8 ---------------------------------------------------------------------------------------
def test_window_reads_the_first_store_only_as_transform_does(tmp_path: Path) -> None:
    from test_run import db_window_lines

    from blurr_tui.transform import run_transform

    text = (ROOT / "specs" / "boosts-streaming.yml").read_text()
    text = text.replace(
        "  - Type: Blurr:Store:Memory\n    Name: game_store\n",
        "  - Type: Blurr:Store:Memory\n    Name: first_store\n"
        "  - Type: Blurr:Store:Memory\n    Name: game_store\n",
        1,
    )
    assert "first_store" in text
    spec = tmp_path / "two-stores.yml"
    spec.write_text(text)
    window = ROOT / "specs" / "boosts-window.yml"
    log, db = tmp_path / "b.log", tmp_path / "b.db"
    log.write_bytes(b"".join(BOOSTS.read_bytes().splitlines(keepends=True)[:600]))
    want = run_transform(str(spec), str(window), [str(log)])
    assert want.exit_code == 0, want.stderr_lines
    r = run(log, db, spec=spec, window=window)
    assert r.returncode == 0, r.stderr
    idents = [__import__("json").loads(x)[0] for x in want.stdout_lines]
    assert db_window_lines(db, spec, window, idents) == sorted(want.stdout_lines)


# 11 --------------------------------------------------------------------------------------
def test_identities_leave_memory_and_come_back_exactly(tmp_path: Path) -> None:
    """Flat memory: at most ``max_live`` identities stay in memory after a checkpoint; the
    others come back from the store on their next event, and nothing differs."""
    from blurr_tui.engine.loader import load_streaming_file
    from blurr_tui.replay.pipeline import Replayer
    from blurr_tui.replay.reader import read_lines
    from blurr_tui.store.sqlite_store import SqliteStore

    for spec_path, log in ((CART_SPEC, CART_LOG), (ANOM_SPEC, ANOM_LOG)):
        spec = load_streaming_file(str(spec_path))
        results = []
        for max_live in (4, 100_000):
            store = SqliteStore(tmp_path / f"{spec.name}-{max_live}.db", spec)
            rp = Replayer(spec, store, max_live=max_live)
            store.begin()
            most = 0
            for i, line in enumerate(read_lines(log, final=True), 1):
                rp.step(line)
                if i % 50 == 0:
                    rp.checkpoint()
                    most = max(most, len(rp.states))
                    store.begin()
            rp.checkpoint()
            rp.finish(list(store.identities.identities()))
            if max_live == 4:
                assert most <= 4
            results.append([(str(k), r) for k, r in store.all_records()])
            store.close()
        assert results[0] == results[1] and len(results[0]) > 20


# 12 --------------------------------------------------------------------------------------
def test_export_with_a_quote_in_a_table_name(tmp_path: Path) -> None:
    from blurr_tui.engine.loader import load_streaming
    from blurr_tui.store.app_reads import export_copy
    from blurr_tui.store.sqlite_store import SqliteStore

    text = (ROOT / "specs" / "boosts-streaming.yml").read_text()
    spec = load_streaming(text.replace("Name: session_stats", 'Name: "ses\\"sion"'), "q.yml")
    store = SqliteStore(tmp_path / "q.db", spec)
    counts = export_copy(store, tmp_path / "copy.db")
    assert counts['ses"sion'] == 0
    store.close()


def test_replay_leaves_no_temporary_folder_on_sigterm_or_sighup(tmp_path: Path) -> None:
    import pty

    for sig in (signal.SIGTERM, signal.SIGHUP):
        tmp = tmp_path / f"tmp-{sig}"
        tmp.mkdir()
        main, sub = pty.openpty()
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "blurr_tui",
                "replay",
                str(ROOT / "specs" / "tutorial1-streaming.yml"),
                str(ROOT / "sample_logs" / "tutorial1.log"),
            ],
            cwd=ROOT,
            env={**ENV, "TMPDIR": str(tmp), "TERM": "xterm-256color"},
            stdin=sub,
            stdout=sub,
            stderr=sub,
            start_new_session=True,
        )
        os.close(sub)

        def drain(fd: int = main) -> None:  # a terminal reads what the app writes
            try:
                while os.read(fd, 65536):
                    pass
            except OSError:
                pass

        threading.Thread(target=drain, daemon=True).start()
        try:
            deadline = time.monotonic() + 30
            while not list(tmp.glob("blurr-replay-*")) and time.monotonic() < deadline:
                time.sleep(0.05)
            assert list(tmp.glob("blurr-replay-*")), "the app made no temporary database"
            time.sleep(0.5)
            proc.send_signal(sig)
            proc.wait(timeout=20)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
            os.close(main)
        assert list(tmp.glob("blurr-replay-*")) == [], sig
