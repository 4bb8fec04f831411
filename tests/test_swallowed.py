"""Issue 11 item 1: swallowed expression errors are visible headless.

README's buggy spec (a bonus field the events don't have) makes every ``games_won`` update
raise a TypeError that Blurr swallows.  ``run`` keeps each one in ``swallowed_errors`` and
both ``run`` and ``transform`` end with a short summary on stderr; ``transform``'s stdout
stays exactly what it was (Blurr's).
"""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from pathlib import Path

from blurr_tui.transform import run_transform

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "sample_logs" / "tutorial1.log"
ENV = {**os.environ, "COLUMNS": "1000"}


def buggy_spec(tmp_path: Path) -> Path:
    text = (ROOT / "specs" / "tutorial1-streaming.yml").read_text()
    bad = text.replace(
        "Value: session_stats.games_won + 1", "Value: session_stats.games_won + source.bonus"
    )
    assert bad != text
    spec = tmp_path / "buggy.yml"
    spec.write_text(bad)
    return spec


def cli(*args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "blurr_tui", *args],
        cwd=ROOT,
        env=ENV,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_run_stores_each_swallowed_error_and_summarises(tmp_path: Path) -> None:
    spec, db = buggy_spec(tmp_path), tmp_path / "b.db"
    r = cli("run", str(spec), str(LOG), "--db", str(db), "--quiet")
    assert r.returncode == 0, r.stderr
    rows = (
        sqlite3.connect(db)
        .execute(
            "SELECT line, identity, aggregate, field, expression, exception FROM swallowed_errors"
        )
        .fetchall()
    )
    assert rows, "no swallowed error stored"
    line, identity, agg, field, expr, exc = rows[0]
    assert (agg, field) == ("session_stats", "games_won")
    assert expr == "session_stats.games_won + source.bonus"
    assert exc.startswith("TypeError: unsupported operand")
    assert line == 2 and identity
    assert f"session_stats.games_won: {len(rows)} time(s), first at line 2: TypeError" in r.stderr
    assert "swallowed_errors" in r.stderr


def test_transform_summarises_on_stderr_and_keeps_stdout(tmp_path: Path) -> None:
    spec = buggy_spec(tmp_path)
    r = cli("transform", "--streaming-bts", str(spec), str(LOG))
    assert r.returncode == 0, r.stderr
    want = run_transform(str(spec), None, [str(LOG)])
    assert r.stdout == "".join(line + "\n" for line in want.stdout_lines)
    assert '"games_won": 0' in r.stdout and "TypeError" not in r.stdout
    assert "session_stats.games_won" in r.stderr and "first at line 2: TypeError" in r.stderr
    clean = cli(
        "transform", "--streaming-bts", str(ROOT / "specs" / "tutorial1-streaming.yml"), str(LOG)
    )
    assert clean.stderr == ""  # nothing swallowed, nothing said
