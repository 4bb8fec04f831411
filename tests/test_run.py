"""``blurr-tui run``: the SQLite database holds exactly what ``transform`` prints."""

from __future__ import annotations

import json
import os
import random
import sqlite3
import subprocess
import sys
from pathlib import Path

import pytest
import sqlite_utils

from blurr_tui.engine.loader import load_streaming_file, load_window_file
from blurr_tui.store.sqlite_store import SqliteStore
from blurr_tui.transform import run_transform

ROOT = Path(__file__).resolve().parent.parent
SPECS = ROOT / "specs"
LOGS = ROOT / "sample_logs"
GOLDEN = ROOT / "tests" / "golden" / "samples"

# name: (streaming spec, window spec or None, log, golden)
SAMPLES = {
    "tutorial1": ("tutorial1-streaming.yml", None, "tutorial1.log", "tutorial1.out"),
    "cart": ("cart-streaming.yml", None, "cart.log", "cart.out"),
    "anomalies": ("anomalies-streaming.yml", None, "anomalies.log", "anomalies.out"),
    "boosts-streaming": ("boosts-streaming.yml", None, "boosts.log", "boosts-streaming.out"),
    "boosts-window": ("boosts-streaming.yml", "boosts-window.yml", "boosts.log", "boosts.out"),
}


def run_cli(spec, log, db, window=None, *extra: str, env=None) -> subprocess.CompletedProcess:
    cmd = [sys.executable, "-m", "blurr_tui", "run", str(spec), str(log), "--db", str(db)]
    cmd += ["--quiet", *extra]
    if window is not None:
        cmd += ["--window-bts", str(window)]
    if env is None:  # wide, so messages are not hard-wrapped (see test_spec_error_is_one_line)
        env = {**os.environ, "COLUMNS": "1000"}
    return subprocess.run(cmd, cwd=ROOT, capture_output=True, text=True, timeout=120, env=env)


def open_store(db, spec, window=None) -> SqliteStore:
    s = load_streaming_file(str(spec))
    w = load_window_file(str(window)) if window is not None else None
    return SqliteStore(str(db), s, w)


def db_rows(db, spec) -> list[str]:
    store = open_store(db, spec)
    try:
        return sorted(json.dumps([str(k), rec]) for k, rec in store.all_records(output_only=True))
    finally:
        store.close()


def db_window_lines(db, spec, window, identities) -> list[str]:
    store = open_store(db, spec, window)
    try:
        return sorted(json.dumps([i, store.window_rows(i)]) for i in identities)
    finally:
        store.close()


def transform_lines(spec, log, window=None) -> list[str]:
    r = run_transform(str(spec), str(window) if window else None, [str(log)])
    assert r.exit_code == 0, r.stderr_lines
    return sorted(r.stdout_lines)


def bad_events(db, spec) -> list[tuple]:
    store = open_store(db, spec)
    try:
        return store.bad_events()
    finally:
        store.close()


@pytest.mark.parametrize("name", list(SAMPLES))
def test_run_equals_golden(name: str, tmp_path: Path) -> None:
    spec_n, win_n, log_n, gold_n = SAMPLES[name]
    spec, log = SPECS / spec_n, LOGS / log_n
    window = SPECS / win_n if win_n else None
    db = tmp_path / "out.db"
    r = run_cli(spec, log, db, window)
    assert r.returncode == 0, r.stderr
    golden = (GOLDEN / gold_n).read_text().splitlines()
    assert golden, "empty golden"
    if window is None:
        assert db_rows(db, spec) == sorted(golden)
        assert sorted(golden) == transform_lines(spec, log)
    else:
        ids = [json.loads(line)[0] for line in golden]
        store = open_store(db, spec, window)
        try:
            for line in golden:
                ident, rows = json.loads(line)
                assert store.window_rows(ident) == rows, ident
        finally:
            store.close()
        assert db_window_lines(db, spec, window, ids) == sorted(golden)
    assert bad_events(db, spec) == []
    with sqlite3.connect(db) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone()[0] == "ok"


# --- bad input ----------------------------------------------------------------------------


def _dirty_log(tmp_path: Path) -> tuple[Path, Path, dict[int, str]]:
    """tutorial1 with one bad line of each class; returns (dirty, clean, {line: reason word})."""
    lines = (LOGS / "tutorial1.log").read_bytes().splitlines(keepends=True)
    pair_event = json.loads(lines[1])
    clean = tmp_path / "clean.log"
    clean.write_bytes(b"".join(lines))
    bad: list[tuple[bytes, str | None]] = [
        (b"\n", "blank"),
        (b"{not json\n", "invalid json"),
        (b"42\n", "number"),
        (b'{"user_id": "\xff\xfe09C1", "timestamp": "2018/03/04 09:01:03"}\n', "utf-8"),
        (
            (
                json.dumps(
                    {
                        "user_id": "BIG",
                        "session_id": "X",
                        "event_id": "game_start",
                        "timestamp": "2018/03/04 09:01:03",
                        "pad": "x" * 2_000_000,
                    }
                )
                + "\n"
            ).encode(),
            "too long",
        ),
        (
            b'{"session_id": "915D", "event_id": "game_start", "timestamp": "2018/03/04 09:05"}\n',
            "identity",
        ),
        (
            b'{"user_id": "09C1", "session_id": "915D", "event_id": "game_start", '
            b'"timestamp": "not a time"}\n',
            "time",
        ),
    ]
    out = [lines[0]]
    expected: dict[int, str] = {}
    for raw, word in bad:
        out.append(raw)
        expected[len(out)] = word
    # the second event as a JSON array of [key, value] pairs: Blurr's dict(value) accepts it
    out.append((json.dumps(list(pair_event.items())) + "\n").encode())
    out.extend(lines[2:])
    dirty = tmp_path / "dirty.log"
    dirty.write_bytes(b"".join(out))
    return dirty, clean, expected


def test_bad_lines_are_recorded_and_skipped(tmp_path: Path) -> None:
    spec = SPECS / "tutorial1-streaming.yml"
    dirty, clean, expected = _dirty_log(tmp_path)
    r = run_cli(spec, dirty, tmp_path / "dirty.db")
    assert r.returncode == 0, r.stderr
    assert "Traceback" not in r.stderr
    r = run_cli(spec, clean, tmp_path / "clean.db")
    assert r.returncode == 0, r.stderr
    bad = bad_events(tmp_path / "dirty.db", spec)
    assert [b[0] for b in bad] == sorted(expected), bad
    data = dirty.read_bytes()
    for line, byte_offset, raw, reason in bad:
        assert expected[line] in reason.lower(), (line, reason)
        # the byte offset points at the start of that line
        assert byte_offset == sum(len(x) for x in data.splitlines(keepends=True)[: line - 1])
        assert len(raw) <= 5000
    rows = db_rows(tmp_path / "dirty.db", spec)
    assert rows == db_rows(tmp_path / "clean.db", spec)
    assert rows == transform_lines(spec, clean)
    # the pairs line was applied: the clean and dirty runs counted the same events
    meta = open_store(tmp_path / "dirty.db", spec).get_meta()
    assert meta["events_applied"] == len(clean.read_bytes().splitlines())
    assert meta["events_bad"] == len(expected)


def test_out_of_order_log(tmp_path: Path) -> None:
    spec = SPECS / "tutorial1-streaming.yml"
    lines = (LOGS / "tutorial1.log").read_bytes().splitlines(keepends=True)
    shuffled = list(lines)
    random.Random(1234).shuffle(shuffled)
    assert shuffled != lines
    log = tmp_path / "shuffled.log"
    log.write_bytes(b"".join(shuffled))
    r = run_cli(spec, log, tmp_path / "s.db")
    assert r.returncode == 0, r.stderr
    expected = transform_lines(spec, log)
    assert db_rows(tmp_path / "s.db", spec) == expected
    assert expected == sorted((GOLDEN / "tutorial1.out").read_text().splitlines())


def test_out_of_order_boosts_with_window(tmp_path: Path) -> None:
    spec, window = SPECS / "boosts-streaming.yml", SPECS / "boosts-window.yml"
    lines = (LOGS / "boosts.log").read_bytes().splitlines(keepends=True)
    random.Random(7).shuffle(lines)
    log = tmp_path / "shuffled.log"
    log.write_bytes(b"".join(lines))
    r = run_cli(spec, log, tmp_path / "s.db", window)
    assert r.returncode == 0, r.stderr
    expected = transform_lines(spec, log, window)
    ids = [json.loads(line)[0] for line in expected]
    assert db_window_lines(tmp_path / "s.db", spec, window, ids) == expected


def test_column_types_and_integrity(tmp_path: Path) -> None:
    spec = SPECS / "tutorial1-streaming.yml"
    db = tmp_path / "t.db"
    assert run_cli(spec, LOGS / "tutorial1.log", db).returncode == 0
    sdb = sqlite_utils.Database(str(db))
    cols = sdb["session_stats"].columns_dict
    assert cols["games_played"] is int
    assert cols["games_won"] is int
    assert cols["_start_time"] is str
    assert cols["_end_time"] is str
    assert cols["session_id"] is str
    assert sdb.execute("PRAGMA integrity_check").fetchone()[0] == "ok"
    row = next(iter(sdb["session_stats"].rows_where("session_id = ?", ["915D"])))
    assert row["games_played"] == 2 and isinstance(row["games_played"], int)
    assert row["_start_time"] == "2018-03-04T09:01:03+00:00"


def _bad_type_spec(tmp_path: Path) -> Path:
    spec = tmp_path / "bad.yml"
    text = (SPECS / "tutorial1-streaming.yml").read_text()
    spec.write_text(text.replace("Type: Blurr:Transform:Streaming", "Type: Blurr:Transform:Nope"))
    return spec


def test_spec_error_is_one_line_wide_terminal(tmp_path: Path) -> None:
    spec = _bad_type_spec(tmp_path)
    env = {**os.environ, "COLUMNS": "1000"}
    r = run_cli(spec, LOGS / "tutorial1.log", tmp_path / "x.db", env=env)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    msg = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(msg) == 1, r.stderr
    assert msg[0].startswith("error:")
    assert "Blurr:Transform:Nope" in msg[0]


def test_spec_error_is_one_line(tmp_path: Path) -> None:
    spec = _bad_type_spec(tmp_path)
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    r = run_cli(spec, LOGS / "tutorial1.log", tmp_path / "x.db", env=env)
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    msg = [line for line in r.stderr.splitlines() if line.strip()]
    assert len(msg) == 1, r.stderr
    assert msg[0].startswith("error:")


def test_yaml_syntax_error_is_one_line(tmp_path: Path) -> None:
    spec = tmp_path / "bad.yml"
    spec.write_text("Type: [unclosed\n  Name: x\n")
    r = run_cli(spec, LOGS / "tutorial1.log", tmp_path / "x.db")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "error" in r.stderr.lower()


def test_missing_log_is_refused(tmp_path: Path) -> None:
    r = run_cli(SPECS / "tutorial1-streaming.yml", tmp_path / "nope.log", tmp_path / "x.db")
    assert r.returncode == 1
    assert "Traceback" not in r.stderr
    assert "no such event log" in r.stderr
