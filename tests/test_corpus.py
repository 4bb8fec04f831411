"""Conformance corpus: our transform must print exactly the rows Blurr 0.4.1 printed.

Each ``tests/corpus/<case>/`` holds ``streaming.yml``, optional ``window.yml``, ``events.log``
(optional ``events2.log`` = second input file), and the reference's goldens ``expected.out``
(JSON rows only) and ``expected.rc``. Regenerate them with ``scripts/regen_goldens.py``.

A case whose results depend on a package version (R-17) names it in ``requires.txt``
(``package==version``, what the reference ran with); it is skipped, saying why, where another
version is installed: ``pyproject.toml`` pins that version.
"""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from difftest import CORPUS, REPO, SHARED, case_inputs, rows_of, run_ours, unmet_requirement

CASES = sorted(d.name for d in CORPUS.iterdir() if (d / "streaming.yml").exists())


_unmet_requirement = unmet_requirement


def _expected(case_dir: Path) -> tuple[list[str], int]:
    rows = (case_dir / "expected.out").read_text(encoding="utf-8").splitlines()
    rc = int((case_dir / "expected.rc").read_text().strip())
    return rows, rc


def _diff_message(expected: list[str], got: list[str]) -> str:
    lines = [f"expected {len(expected)} rows, got {len(got)}"]
    for i in range(max(len(expected), len(got))):
        e = expected[i] if i < len(expected) else "<none>"
        g = got[i] if i < len(got) else "<none>"
        if e != g:
            lines += [f"first difference at row {i}:", f"  expected: {e}", f"  got:      {g}"]
            break
    return "\n".join(lines)


def test_corpus_is_big_enough():
    assert len(CASES) >= 40
    aborts = [c for c in CASES if _expected(CORPUS / c)[1] != 0]
    assert len(aborts) >= 10


@pytest.mark.parametrize("case", CASES)
def test_corpus_case(case: str):
    case_dir = CORPUS / case
    unmet = _unmet_requirement(case_dir)
    if unmet:
        pytest.skip(unmet)
    expected_rows, expected_rc = _expected(case_dir)
    result = run_ours(*case_inputs(case_dir))
    got = rows_of(result.stdout_lines)
    if expected_rc != 0:
        # The reference aborts: exit 1, nothing on stdout, a plain message (no traceback) on stderr.
        assert result.exit_code == 1, f"expected an abort (exit 1), got {result.exit_code}"
        assert got == [], "an aborted run must print no rows"
        assert result.stderr_lines, "an abort must explain itself on stderr"
        assert not any("Traceback" in line for line in result.stderr_lines)
        return
    assert result.exit_code == 0, "stderr:\n" + "\n".join(result.stderr_lines)
    assert got == expected_rows, _diff_message(expected_rows, got)


# --------------------------------------------------------------------------- CLI subprocess

CLI_CASES = ["block_two_dims", "window_vector", "abort_nameerror_value"]


@pytest.mark.parametrize("case", CLI_CASES)
def test_cli_subprocess(case: str):
    case_dir = CORPUS / case
    streaming, window, logs = case_inputs(case_dir)
    cmd = [sys.executable, "-m", "blurr_tui", "transform", "--streaming-bts", streaming]
    if window:
        cmd += ["--window-bts", window]
    cmd += logs
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=120, cwd=REPO)
    expected_out = (case_dir / "expected.out").read_text(encoding="utf-8")
    expected_rc = int((case_dir / "expected.rc").read_text().strip())
    if expected_rc != 0:
        assert proc.returncode == 1
        assert proc.stdout == ""
        assert proc.stderr.strip() and "Traceback" not in proc.stderr
    else:
        assert proc.returncode == 0, proc.stderr
        assert proc.stdout == expected_out


# --------------------------------------------------------------------------- published tutorials

TUTORIALS = SHARED / "conformance"


@pytest.mark.skipif(not TUTORIALS.is_dir(), reason="../shared/conformance is absent")
@pytest.mark.parametrize("name, has_window", [("tutorial1", False), ("tutorial2", True)])
def test_tutorial_conformance(name: str, has_window: bool):
    d = TUTORIALS / name
    window = str(d / f"{name}-window-bts.yml") if has_window else None
    result = run_ours(str(d / f"{name}-streaming-bts.yml"), window, [str(d / f"{name}-data.log")])
    expected = (d / f"{name}-output.log").read_text(encoding="utf-8").splitlines()
    assert result.exit_code == 0, "\n".join(result.stderr_lines)
    got = rows_of(result.stdout_lines)
    assert got == expected, _diff_message(expected, got)


# --------------------------------------------------------------------------- §16 rules in `run`

RULE_CASES = [c for c in CASES if c[:1] == "r" and c[1:3].isdigit()]
# `run` and the app choose gzip by the file name, as Blurr and `transform` do.
RUN_EXEMPT: dict[str, str] = {}


def test_every_rule_has_a_case():
    rules = {int(c[1:3]) for c in RULE_CASES}
    assert rules >= set(range(1, 18)), sorted(set(range(1, 18)) - rules)


@pytest.mark.parametrize("case", RULE_CASES)
def test_rule_case_in_run(case: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]):
    """`run` (the replay pipeline the app uses, into SQLite) gives the reference's rows too."""
    import json

    from blurr_tui.cli import main
    from blurr_tui.engine.fields import encode_extra
    from blurr_tui.engine.loader import load_streaming_file, load_window_file
    from blurr_tui.store.sqlite_store import SqliteStore

    case_dir = CORPUS / case
    if case in RUN_EXEMPT:
        pytest.skip(RUN_EXEMPT[case])
    unmet = _unmet_requirement(case_dir)
    if unmet:
        pytest.skip(unmet)
    expected_rows, expected_rc = _expected(case_dir)
    streaming, window, logs = case_inputs(case_dir)
    db = tmp_path / "x.db"
    argv = ["run", streaming, *logs, "--db", str(db), "--quiet"]
    argv += ["--window-bts", window] if window else []
    code = main(argv)
    err = capsys.readouterr().err
    if expected_rc != 0:
        assert code == 1 and err.strip() and "Traceback" not in err
        return
    # a log whose every line is bad (R-13's gzip bytes read as text) exits 1 with a hint
    assert code == 0 or (code == 1 and "none of the" in err), err
    spec = load_streaming_file(streaming)
    store = SqliteStore(str(db), spec, load_window_file(window) if window else None)
    try:
        if window is None:
            got = sorted(
                json.dumps([str(k), r], default=encode_extra)
                for k, r in store.all_records(output_only=True)
            )
            assert got == sorted(expected_rows)
        else:
            for line in expected_rows:
                ident, rows = json.loads(line)
                assert store.window_rows(ident) == rows, ident
    finally:
        store.close()
