"""``blurr-tui test`` (spec tests) and ``validate`` on the spec test format."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from blurr_tui.cli import main
from blurr_tui.spectest_format import read_test_file

ROOT = Path(__file__).resolve().parents[1]
SPECS = ROOT / "specs"
SAMPLE_TESTS = sorted(SPECS.glob("*.test.yml"))
GOLDENS = {
    "tutorial1-streaming": ["tutorial1.out"],
    "boosts-streaming": ["boosts-streaming.out", "boosts.out"],
    "cart-streaming": ["cart.out"],
    "anomalies-streaming": ["anomalies.out"],
}


def test_every_bundled_streaming_spec_has_a_test():
    specs = {p.name for p in SPECS.glob("*-streaming.yml")}
    tested = {read_test_file(str(t))[0].spec.name for t in SAMPLE_TESTS}  # type: ignore[union-attr]
    assert specs == tested


@pytest.mark.parametrize("path", SAMPLE_TESTS, ids=lambda p: p.name)
def test_bundled_spec_tests_pass(path, capsys):
    assert main(["test", str(path)]) == 0
    out = capsys.readouterr().out
    assert "FAIL" not in out and "PASS" in out and out.rstrip().endswith("0 failed")


@pytest.mark.parametrize("name", sorted(GOLDENS))
def test_sample_expectations_are_the_reference_output(name):
    """The log cases of the bundled tests expect what the real Blurr 0.4.1 printed."""
    tf, issues = read_test_file(str(SPECS / f"{name}.test.yml"))
    assert tf is not None, issues
    records: dict[str, dict] = {}
    windows: dict[str, list] = {}
    for golden in GOLDENS[name]:
        for line in (ROOT / "tests" / "golden" / "samples" / golden).open():
            key, value = json.loads(line)
            (windows if isinstance(value, list) else records)[key] = value
    checked = 0
    for case in tf.cases:
        if case.log is None:
            continue
        for key, fields in case.records.items():
            for field, expected in fields.items():
                assert records[key][field] == expected, (key, field)
                checked += 1
        for identity, rows in (case.window_rows or {}).items():
            assert len(windows[identity]) == len(rows)
            for want, got in zip(rows, windows[identity], strict=True):
                assert {k: got[k] for k in want} == want
                checked += 1
    assert checked >= 3


def mutated_copy(tmp_path: Path) -> Path:
    """tutorial 1's test next to a copy of its spec with the README's mistake."""
    spec = (SPECS / "tutorial1-streaming.yml").read_text()
    spec = spec.replace(
        "Value: session_stats.games_won + 1", "Value: session_stats.games_won + source.bonus"
    )
    (tmp_path / "specs").mkdir()
    (tmp_path / "specs" / "tutorial1-streaming.yml").write_text(spec)
    shutil.copy(SPECS / "tutorial1-streaming.test.yml", tmp_path / "specs")
    shutil.copytree(ROOT / "sample_logs", tmp_path / "sample_logs")
    return tmp_path / "specs" / "tutorial1-streaming.test.yml"


def test_a_mutated_spec_fails_its_test_naming_the_field(tmp_path, capsys):
    test = mutated_copy(tmp_path)
    assert main(["test", str(test)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[1].startswith("  FAIL  the tutorial log, one record per session  (")
    assert "        09C1/session_stats/915D/  games_won: expected 2, got 0" in out
    assert (
        "        swallowed: unexpected TypeError in sessions.session_stats.games_won Value "
        "(line 2): unsupported operand type(s) for +: 'int' and 'NoneType'"
    ) in out
    assert "  PASS  an event without a timestamp is a bad line" in out
    assert out[-1] == "1 passed, 2 failed"


def write(tmp_path: Path, text: str, name: str = "t.test.yml") -> Path:
    shutil.copy(SPECS / "tutorial1-streaming.yml", tmp_path / "spec.yml")
    path = tmp_path / name
    path.write_text(text)
    return path


EVENT = '{user_id: u1, session_id: s1, event_id: game_start, timestamp: "2018/03/04 09:01:03"}'


def test_failures_name_missing_records_rows_and_counts(tmp_path, capsys):
    path = write(
        tmp_path,
        f"""spec: spec.yml
cases:
  - name: c
    events: [{EVENT}, {{user_id: u1}}]
    records:
      u1/session_stats/s2/: {{games_played: 1}}
      u1/session_stats/s1/: {{games_played: 1, session_id: s1, _end_time: 2018-03-04 09:01:03}}
    swallowed: [{{field: games_won, error: TypeError}}]
    bad_lines: 0
""",
    )
    assert main(["test", str(path)]) == 1
    out = capsys.readouterr().out.splitlines()
    assert out[2:] == [
        "        u1/session_stats/s2/: no such record (its records: u1/session_stats/s1/)",
        "        swallowed TypeError in games_won: expected at least one, got none",
        "        bad_lines: expected 0, got 1 (line 2: could not determine time using "
        "parse(source.timestamp) (got None))",
        "0 passed, 1 failed",
    ]


def test_swallowed_counts_pass(tmp_path, capsys):
    spec = tmp_path / "spec.yml"
    path = write(
        tmp_path,
        f"""spec: spec.yml
cases:
  - name: c
    events: [{EVENT.replace("game_start", "game_end").replace("}", ", won: 1}")}]
    records: {{u1/session_stats/s1/: {{games_won: 0}}}}
    swallowed: [{{field: session_stats.games_won, error: TypeError, count: 1}}]
""",
    )
    spec.write_text(
        spec.read_text().replace(
            "Value: session_stats.games_won + 1", "Value: session_stats.games_won + source.bonus"
        )
    )
    assert main(["test", str(path)]) == 0, capsys.readouterr().out


def test_validate_knows_the_test_format(tmp_path, capsys):
    path = write(
        tmp_path,
        f"""spec: spec.yml
windw: x.yml
cases:
  - name: one
    events: [{EVENT}]
    log: foo.log
  - name: two
    events: []
    records:
      u1/session_stat/s1/: {{games_played: 1}}
      u1/session_stats/s1/: {{games_playd: 1}}
    swallowed:
      - {{error: TypeError}}
""",
    )
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err.splitlines()
    p = str(path)
    assert err == [
        f"{p}:2: unknown key `windw` (expected one of: spec, window, cases)",
        f"{p}:4: cases[1]: a case needs `events` (a list of event objects) or `log` (a path), "
        "not both",
        f"{p}:10: cases[2].records.u1/session_stat/s1/: `session_stat` is not an aggregate of "
        "the spec (aggregates: session_stats)",
        f"{p}:11: cases[2].records.u1/session_stats/s1/.games_playd: `games_playd` is not a "
        "field of `session_stats`",
        f"{p}:13: cases[2].swallowed[1]: each swallowed entry needs `field` "
        "(e.g. session_stats.games_won)",
        f"{p}: 5 errors",
    ]
    assert main(["test", str(path)]) == 2
    assert "could not run" in capsys.readouterr().out


def test_validate_reports_the_tested_specs_mistakes(tmp_path, capsys):
    path = write(tmp_path, "spec: spec.yml\ncases: [{name: a, events: []}]\n")
    (tmp_path / "spec.yml").write_text(
        (tmp_path / "spec.yml").read_text().replace("Value: source.session_id", "Value: (")
    )
    assert main(["validate", str(path)]) == 1
    err = capsys.readouterr().err
    assert "spec.yml:25: sessions.session_stats.session_id: `Value: (`" in err
    assert main(["validate", str(path), str(SPECS / "tutorial1-streaming.yml")]) == 1
    out = capsys.readouterr().out
    assert "Document is valid" in out  # the plain spec, validated as before


def test_validate_all_bundled_tests(capsys):
    assert main(["validate", *map(str, SAMPLE_TESTS)]) == 0
    assert capsys.readouterr().out.count("Document is valid (a spec test)") == len(SAMPLE_TESTS)
