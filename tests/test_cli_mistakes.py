"""Mistakes met early on the command line (issue 11 item 9): a log that does not fit the spec,
a missing log, a ``derive --where`` naming an unknown column, output piped into ``head``."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from blurr_tui.cli import main

REPO = Path(__file__).resolve().parent.parent
SPECS, LOGS = REPO / "specs", REPO / "sample_logs"
TUTORIAL = SPECS / "tutorial1-streaming.yml"
CART = SPECS / "cart-streaming.yml"


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_run_where_every_line_is_bad_exits_1_with_a_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    db = tmp_path / "t.db"
    code, _, err = _cli(["run", str(TUTORIAL), str(LOGS / "cart.log"), "--db", str(db)], capsys)
    assert code == 1
    assert "0 applied, 2,082 bad" in err  # the summary still says what happened
    assert (
        "error: none of the 2,082 lines could be used (line 1: could not determine identity" in err
    )
    assert "does this log go with this spec?" in err
    # one good line is enough for a normal exit
    log = tmp_path / "mixed.log"
    cart_lines = (LOGS / "cart.log").read_text().splitlines(keepends=True)[:12]
    log.write_text("".join(cart_lines) + (LOGS / "tutorial1.log").read_text())
    code, _, err = _cli(["run", str(TUTORIAL), str(log), "--db", str(tmp_path / "m.db")], capsys)
    assert code == 0 and "8 applied" in err


@pytest.mark.parametrize(
    "argv",
    [
        ["run", str(TUTORIAL), "{log}", "--db", "{tmp}/x.db"],
        ["transform", "--streaming-bts", str(TUTORIAL), "{log}"],
        ["replay", str(TUTORIAL), "{log}"],
        ["diff", str(TUTORIAL), str(TUTORIAL), "{log}"],
    ],
    ids=["run", "transform", "replay", "diff"],
)
def test_missing_log_is_a_plain_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], argv: list[str]
) -> None:
    log = tmp_path / "nope.log"
    code, out, err = _cli([a.format(log=log, tmp=tmp_path) for a in argv], capsys)
    assert code != 0 and out == ""
    assert f"{log}: no such event log" in err
    assert "Errno" not in err and "Traceback" not in err


def test_unreadable_file_is_a_plain_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    if os.geteuid() == 0:
        pytest.skip("root reads every file")
    log = tmp_path / "secret.log"
    log.write_text((LOGS / "tutorial1.log").read_text())
    log.chmod(0)
    code, _, err = _cli(["transform", "--streaming-bts", str(TUTORIAL), str(log)], capsys)
    assert code == 1 and "Errno" not in err and "Permission denied" in err


@pytest.fixture(scope="module")
def cart_db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    db = tmp_path_factory.mktemp("cli") / "cart.db"
    assert main(["run", str(CART), str(LOGS / "cart.log"), "--db", str(db), "--quiet"]) == 0
    return db


def test_derive_where_naming_an_unknown_column_exits_1(
    cart_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["derive", str(cart_db), "-a", "browsing", "--verb", "X"]
    code, out, err = _cli([*argv, "--where", "not orderd and item_count > 0"], capsys)
    assert code == 1 and out == ""
    assert "error: --where uses 'orderd', which is not a column of browsing (columns: " in err
    assert "ordered" in err and "NameError" not in err
    # names the condition binds itself, builtins and the provided names are fine
    ok = "any(n > 1 for n in items.values()) and len(key) > 0 and as_of > _end_time"
    code, out, err = _cli([*argv, "--where", ok], capsys)
    assert code == 0 and out


def test_derive_where_failing_on_every_record_exits_1(
    cart_db: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    argv = ["derive", str(cart_db), "-a", "browsing", "--verb", "X", "--where", "items['none']"]
    code, out, err = _cli(argv, capsys)
    assert code == 1 and out == ""
    assert "220 records skipped: KeyError: 'none'" in err
    assert "error: --where \"items['none']\" failed on every record of browsing" in err


def _piped(argv: list[str]) -> subprocess.CompletedProcess[bytes]:
    """``blurr-tui ARGV | head -1``, the reader closing the pipe after one line."""
    cmd = [sys.executable, "-m", "blurr_tui", *argv]
    with subprocess.Popen(cmd, cwd=REPO, stdout=subprocess.PIPE, stderr=subprocess.PIPE) as p:
        assert p.stdout is not None and p.stderr is not None
        p.stdout.readline()
        p.stdout.close()  # what `head -1` does after its line
        err = p.stderr.read()
        code = p.wait(timeout=120)
    return subprocess.CompletedProcess(cmd, code, b"", err)


def test_output_piped_into_head_ends_quietly(tmp_path: Path, cart_db: Path) -> None:
    big = tmp_path / "big.log"
    big.write_text((LOGS / "cart.log").read_text())  # 100 KB of output: more than a pipe holds
    cases = [
        ["transform", "--streaming-bts", str(CART), str(big)],
        ["derive", str(cart_db), "-a", "browsing", "--verb", "X", "--where", "True"],
    ]
    for argv in cases:
        r = _piped(argv)
        assert b"Broken pipe" not in r.stderr and b"Traceback" not in r.stderr, r.stderr
        assert b"Exception ignored" not in r.stderr
        assert r.returncode == 0, (argv[0], r.stderr)


def test_missing_spec_test_file_is_a_plain_message(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    missing = tmp_path / "none.test.yml"
    code, out, err = _cli(["test", str(missing)], capsys)
    assert code != 0
    assert f"{missing}: Cannot read file: No such file or directory" in out + err
    assert "Errno" not in out + err
