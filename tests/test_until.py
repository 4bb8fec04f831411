"""``run --until COND``: stops after the first event where COND holds, database as of it."""

from __future__ import annotations

import io
import sqlite3
from pathlib import Path

import pytest

from blurr_tui.replay.until import NEVER, run_until

ROOT = Path(__file__).resolve().parent.parent
SPEC = ROOT / "specs/tutorial1-streaming.yml"
LOG = ROOT / "sample_logs/tutorial1.log"


def test_until_prints_the_event_and_leaves_the_database_as_of_it(tmp_path: Path) -> None:
    out = io.StringIO()
    db = tmp_path / "u.db"
    assert run_until(SPEC, LOG, db, "session_stats.games_won >= 2", out=out) == 0
    text = out.getvalue()
    assert text.startswith("stopped: session_stats.games_won >= 2\nline 4  event 4  identity 09C1")
    assert "games_won  1 → 2" in text and "When: source.event_id == 'game_end'" in text
    conn = sqlite3.connect(db)
    rows = conn.execute("SELECT _key, games_played, games_won FROM session_stats").fetchall()
    assert rows == [("09C1/session_stats/915D/", 2, 2)]  # B6FA (line 5) not applied yet


def test_until_never_exits_3_and_other_kinds(tmp_path: Path) -> None:
    out = io.StringIO()
    assert run_until(SPEC, LOG, tmp_path / "a.db", "identity == 'nobody'", out=out) == NEVER
    assert "never held in 8 events" in out.getvalue()
    out = io.StringIO()
    assert (
        run_until(SPEC, LOG, tmp_path / "b.db", "change session_stats.games_played", out=out) == 0
    )
    assert "line 1  event 1" in out.getvalue()
    with pytest.raises(FileExistsError):
        run_until(SPEC, LOG, tmp_path / "b.db", "bad")
    with pytest.raises(ValueError, match="not an expression"):
        run_until(SPEC, LOG, tmp_path / "c.db", "games >")
