"""A spec that cannot run: one line naming the file, the YAML line and the element."""

from __future__ import annotations

from pathlib import Path

import pytest

from blurr_tui.engine.loader import SpecError, load_streaming_file, load_window_file

BAD_TYPE = """Type: Blurr:Transform:Streaming
Version: '2018-03-01'
Name: s
Stores: [{Type: Blurr:Store:Memory, Name: m}]
Identity: source.u
Time: source.t
Aggregates:
  - Type: Blurr:Aggregate:Identity
    Name: a
    Store: m
    Fields:
      - {Name: f, Type: integr, Value: 1}
"""


def test_unknown_field_type_names_file_line_and_field(tmp_path: Path) -> None:
    spec = tmp_path / "s.yml"
    spec.write_text(BAD_TYPE)
    with pytest.raises(SpecError) as err:
        load_streaming_file(spec)
    assert str(err.value) == f"{spec}:12: s.a.f: unknown field Type 'integr'"


def test_yaml_syntax_error_is_one_line_with_position(tmp_path: Path) -> None:
    spec = tmp_path / "s.yml"
    spec.write_text("Type: [unclosed\n")
    with pytest.raises(SpecError) as err:
        load_streaming_file(spec)
    assert str(err.value).startswith(f"{spec}:2:1: invalid YAML: ")
    assert "\n" not in str(err.value)


def test_label_aggregate_in_a_window_spec(tmp_path: Path) -> None:
    spec = tmp_path / "w.yml"
    spec.write_text(
        "Type: Blurr:Transform:Window\nVersion: '2018-03-01'\nName: w\n"
        "Anchor: {Condition: 'True'}\nAggregates:\n"
        "  - {Type: Blurr:Aggregate:Label, Name: lab, Fields: []}\n"
    )
    with pytest.raises(SpecError) as err:
        load_window_file(spec)
    assert str(err.value).startswith(f"{spec}:6: w.lab: ")
    assert "Label is not implemented" in str(err.value)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="cannot read"):
        load_streaming_file(tmp_path / "nope.yml")


ROOT = Path(__file__).resolve().parent.parent


def _old_type_spec(tmp_path: Path) -> Path:
    """Tutorial 1 with the pre-0.4 Type ``Blurr:Streaming``."""
    spec = tmp_path / "old.yml"
    text = (ROOT / "specs/tutorial1-streaming.yml").read_text()
    spec.write_text(text.replace("Type: Blurr:Transform:Streaming", "Type: Blurr:Streaming"))
    return spec


def test_unrecognised_streaming_type_fails_every_record_like_blurr(tmp_path: Path) -> None:
    """Blurr never checks the streaming Type: every record fails, exit 0, no rows."""
    from blurr_tui.transform import run_transform

    spec = _old_type_spec(tmp_path)
    result = run_transform(str(spec), None, [str(ROOT / "sample_logs/tutorial1.log")])
    assert result.exit_code == 0 and result.stdout_lines == []
    assert len(result.stderr_lines) == 8
    assert "Type is 'Blurr:Streaming'" in result.stderr_lines[0]


def test_run_refuses_a_spec_blurr_cannot_run(tmp_path: Path) -> None:
    from blurr_tui.replay.headless import HeadlessRun, RunRefused

    spec = _old_type_spec(tmp_path)
    with pytest.raises(RunRefused, match="not Blurr:Transform:Streaming"):
        HeadlessRun(str(spec), str(ROOT / "sample_logs/tutorial1.log"), str(tmp_path / "x.db"))


def test_comma_separated_logs_as_in_blurr() -> None:
    from blurr_tui.cli import split_log_args

    assert split_log_args(["a.log,b.log", "c.log"]) == ["a.log", "b.log", "c.log"]
    assert split_log_args(["--"]) == ["--"]


@pytest.mark.parametrize("suffix", [".gz", ".bz2"])
def test_compressed_logs_as_in_blurr(tmp_path: Path, suffix: str) -> None:
    """Blurr's smart_open reads .gz and .bz2 logs; so does transform."""
    import bz2
    import gzip

    from blurr_tui.transform import run_transform

    raw = (ROOT / "sample_logs/tutorial1.log").read_bytes()
    log = tmp_path / f"t1.log{suffix}"
    log.write_bytes(gzip.compress(raw) if suffix == ".gz" else bz2.compress(raw))
    result = run_transform(str(ROOT / "specs/tutorial1-streaming.yml"), None, [str(log)])
    golden = (ROOT / "tests/golden/samples/tutorial1.out").read_text().splitlines()
    assert result.exit_code == 0 and result.stdout_lines == golden


def test_run_with_specs_that_cannot_run_together(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A window BTS over a streaming BTS without a Block/Activity aggregate: one line, exit 1."""
    from blurr_tui.cli import main

    case = ROOT / "tests/corpus/abort_no_time_aggregate"
    code = main(
        ["run", str(case / "streaming.yml"), str(case / "events.log"), "--db", str(tmp_path / "x.db"),
         "--window-bts", str(case / "window.yml"), "--quiet"]
    )  # fmt: skip
    err = capsys.readouterr().err
    assert code == 1
    assert "cannot run together" in err and "no Block or Activity aggregate" in err
    assert "Traceback" not in err
