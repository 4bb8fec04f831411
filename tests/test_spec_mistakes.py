"""Mistakes met early in a spec: each gets a clear message naming file:line: dotted.path.

Covers issue 11 item 8: a window spec validated alone is checked against its SourceBTS file,
a missing Identity stops ``run``, a quoted inactivity interval is valid (the reference runs
it: ``tests/corpus/activity_interval_parsing`` holds its output for ``'30'``), a "billion
laughs" YAML document is refused by the one YAML reader every command uses, and the odd specs
that used to end in a bare Python exception.
"""

from __future__ import annotations

import io
from pathlib import Path

import pytest

from blurr_tui.cli import main
from blurr_tui.engine.loader import SpecError, load_streaming, load_streaming_file
from blurr_tui.engine.validation import main_validate
from blurr_tui.engine.yamlpos import MAX_NODES, YamlPositionError, load_yaml_with_lines

REPO = Path(__file__).resolve().parent.parent
CART_SPEC = (REPO / "specs" / "cart-streaming.yml").read_text()
CART_LOG = REPO / "sample_logs" / "cart.log"
BOOSTS_STREAM = (REPO / "specs" / "boosts-streaming.yml").read_text()
BOOSTS_WINDOW = (REPO / "specs" / "boosts-window.yml").read_text()
BOOSTS_LOG_HEAD = "".join((REPO / "sample_logs" / "boosts.log").open().readlines()[:40])

# 9 levels of 9 aliases each: 9**9 (387 million) leaves once expanded, a few hundred bytes.
LAUGHS = (
    "Type: Blurr:Transform:Streaming\nName: lol\nl0: &l0 [lol, lol, lol, lol, lol]\n"
    + "".join(f"l{i}: &l{i} [" + ", ".join([f"*l{i - 1}"] * 9) + "]\n" for i in range(1, 10))
)


def _validate(*paths: Path) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main_validate([str(p) for p in paths], out=out, err=err)
    return code, out.getvalue(), err.getvalue()


def _cli(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


# -- the YAML limit ---------------------------------------------------------------------------


def test_billion_laughs_is_refused_by_the_yaml_reader() -> None:
    with pytest.raises(YamlPositionError, match="billion laughs"):
        load_yaml_with_lines(LAUGHS)
    with pytest.raises(YamlPositionError, match=f"more than {MAX_NODES:,} nodes"):
        load_yaml_with_lines("&a [*a, *a]")  # a node that contains itself
    # aliases within the limit still work, merge keys included
    doc = load_yaml_with_lines("base: &b {x: 1}\ncopy: *b\nmerged: {<<: *b, y: 2}\n")
    assert doc == {"base": {"x": 1}, "copy": {"x": 1}, "merged": {"x": 1, "y": 2}}


def test_billion_laughs_everywhere_a_spec_is_read(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "lol.yml"
    spec.write_text(LAUGHS)
    code, _, err = _validate(spec)
    assert code == 1 and f"{spec}:1: Invalid yaml: the document expands to more than" in err
    with pytest.raises(SpecError, match=r"lol.yml:1:1: invalid YAML: .*billion laughs"):
        load_streaming_file(spec)  # run, replay, transform and derive (run_meta's text)
    with pytest.raises(SpecError, match="billion laughs"):
        load_streaming(LAUGHS, "run_meta")
    code, _, err = _cli(["run", str(spec), str(CART_LOG), "--db", str(tmp_path / "x.db")], capsys)
    assert code == 1 and "billion laughs" in err and not (tmp_path / "x.db").exists()
    code, out, err = _cli(["transform", "--streaming-bts", str(spec), str(CART_LOG)], capsys)
    assert code == 1 and out == "" and "billion laughs" in err

    from blurr_tui.tui.picker import candidates, spec_kind

    assert spec_kind(spec) is None  # the picker skips it instead of expanding it
    (tmp_path / "s.yml").write_text(CART_SPEC)
    streaming, _, _ = candidates(tmp_path)
    assert [p.name for p in streaming] == ["s.yml"]


# -- validate ---------------------------------------------------------------------------------


def test_window_alone_is_checked_against_its_source_bts_file(tmp_path: Path) -> None:
    (tmp_path / "boosts-streaming.yml").write_text(BOOSTS_STREAM)
    (tmp_path / "other-streaming.yml").write_text(BOOSTS_STREAM)  # same Name: not chosen
    window = tmp_path / "boosts-window.yml"
    window.write_text(BOOSTS_WINDOW.replace("Source: sessions.session_stats", "Source: sessions.x"))
    code, out, err = _validate(window)
    assert code == 1
    assert (
        f"{window}: note: Source checked against the streaming BTS {tmp_path}/boosts-streaming.yml"
        in out
    )
    assert (
        f"{window}:21: boost_data.last_7_days: `Source: sessions.x`: `x` is not an aggregate" in err
    )


def test_window_alone_without_its_stream_says_source_is_unchecked(tmp_path: Path) -> None:
    window = tmp_path / "w.yml"
    window.write_text(BOOSTS_WINDOW.replace("Source: sessions.session_stats", "Source: sessions.x"))
    code, out, _ = _validate(window)
    assert code == 0  # nothing to check Source against
    assert (
        "note: no streaming BTS named `sessions` beside it: cannot check Source without the streaming spec"
        in out
    )


def test_missing_identity_is_an_error(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "s.yml"
    spec.write_text(CART_SPEC.replace("Identity: source.subject.id\n", ""))
    code, _, err = _validate(spec)
    assert (
        code == 1 and f"{spec}:8: shop: Attribute `Identity` must be present under `shop`." in err
    )
    db = tmp_path / "x.db"
    code, _, err = _cli(["run", str(spec), str(CART_LOG), "--db", str(db)], capsys)
    assert code == 1 and not db.exists()
    assert f"error: {spec}:8: shop: the spec has no valid Identity expression" in err


def test_quoted_inactivity_interval_is_valid(tmp_path: Path) -> None:
    spec = tmp_path / "s.yml"
    spec.write_text(
        CART_SPEC.replace("SeparateByInactiveSeconds: 1800", "SeparateByInactiveSeconds: '10'")
    )
    code, out, err = _validate(spec)
    assert (code, err) == (0, "") and "Document is valid" in out
    assert load_streaming_file(spec).aggregates[0].inactive_seconds == 10


# -- what used to be a bare Python exception --------------------------------------------------


def test_anchor_condition_that_does_not_compile(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    stream, window, log = tmp_path / "s.yml", tmp_path / "w.yml", tmp_path / "b.log"
    stream.write_text(BOOSTS_STREAM)
    window.write_text(
        BOOSTS_WINDOW.replace("Condition: sessions.session_stats.boost == True", "Condition: ((")
    )
    log.write_text(BOOSTS_LOG_HEAD)
    argv = ["--window-bts", str(window)]
    code, out, err = _cli(["transform", "--streaming-bts", str(stream), *argv, str(log)], capsys)
    assert code == 1 and out == "" and "AssertionError" not in err
    assert f"{window}:11: boost_data.anchor: the Anchor has no valid Condition (`((`: " in err
    code, _, err = _cli(
        ["run", str(stream), str(log), *argv, "--db", str(tmp_path / "x.db")], capsys
    )
    assert code == 1 and f"{window}:11: boost_data.anchor: the Anchor has no valid Condition" in err


def test_expression_too_deep_to_compile(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    spec = tmp_path / "s.yml"
    deep = "+".join(["1"] * 10_000)
    spec.write_text(CART_SPEC.replace("Value: browsing.interactions + 1", f"Value: {deep}"))
    code, _, err = _validate(spec)
    assert code == 1 and "nested too deeply for Python to compile" in err
    assert len(err) < 1000  # the expression is quoted clipped, not 200,000 characters
    code, out, err = _cli(["transform", "--streaming-bts", str(spec), str(CART_LOG)], capsys)
    assert code == 1 and out == "" and "RecursionError" not in err
    assert f"{spec}:31: shop.browsing.interactions, event line 1: the field has no Value" in err


def test_aggregate_named_like_an_internal_table(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    spec = tmp_path / "s.yml"
    spec.write_text(
        CART_SPEC.replace("Name: customer", "Name: _identities").replace(
            "customer.", "_identities."
        )
    )
    code, _, err = _cli(
        ["run", str(spec), str(CART_LOG), "--db", str(tmp_path / "x.db"), "--quiet"], capsys
    )
    assert code == 0 and "2,082 applied" in err and "no such column" not in err


def test_field_named_start_time_does_nothing_as_in_blurr(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Blurr's own `_start_time` replaces the user's (was a TypeError); the reference's
    output for such fields is tests/corpus/predefined_field_names/expected.out."""
    spec = tmp_path / "s.yml"
    extra = "      - Name: _start_time\n        Type: integer\n        Value: 1\n\n"
    spec.write_text(
        CART_SPEC.replace("      - Name: interactions", extra + "      - Name: interactions")
    )
    plain = tmp_path / "plain.yml"
    plain.write_text(CART_SPEC)
    outputs = []
    for path in (spec, plain):
        code, out, err = _cli(["transform", "--streaming-bts", str(path), str(CART_LOG)], capsys)
        assert code == 0 and "TypeError" not in err
        outputs.append(out)
    assert outputs[0] == outputs[1]
    db = tmp_path / "x.db"
    code, _, err = _cli(["run", str(spec), str(CART_LOG), "--db", str(db), "--quiet"], capsys)
    assert code == 0 and "2,082 applied" in err


@pytest.mark.parametrize("seconds", ["1000000000000000000000000", "10000000000000"])
def test_inactivity_interval_past_python_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], seconds: str
) -> None:
    spec = tmp_path / "s.yml"
    spec.write_text(
        CART_SPEC.replace(
            "SeparateByInactiveSeconds: 1800", f"SeparateByInactiveSeconds: {seconds}"
        )
    )
    code, _, err = _validate(spec)
    assert code == 1 and f"{spec}:28: shop.browsing: Attribute `SeparateByInactiveSeconds`" in err
    assert "longer than Python's dates can reach" in err
    code, _, err = _cli(["transform", "--streaming-bts", str(spec), str(CART_LOG)], capsys)
    assert code == 1 and "OverflowError" not in err
    assert f"{spec}:28: shop.browsing: SeparateByInactiveSeconds {seconds} is longer" in err


@pytest.mark.parametrize("value", ["-1000000000000000000000000", "-1000000"])
def test_window_value_past_python_dates(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], value: str
) -> None:
    stream, window = tmp_path / "s.yml", tmp_path / "w.yml"
    stream.write_text(BOOSTS_STREAM)
    window.write_text(BOOSTS_WINDOW.replace("WindowValue: -7", f"WindowValue: {value}"))
    log = REPO / "sample_logs" / "boosts.log"
    argv = ["transform", "--streaming-bts", str(stream), "--window-bts", str(window), str(log)]
    code, out, err = _cli(argv, capsys)
    assert code == 1 and out == "" and "OverflowError" not in err
    assert f"{window}:18: boost_data.last_7_days: WindowValue {value} (days)" in err
    if len(value) > 10:  # beyond any date: validate says so too
        code, _, err = _validate(stream, window)
        assert code == 1 and f"{window}:20: boost_data.last_7_days: Attribute `WindowValue`" in err


def test_an_import_that_cannot_be_found(tmp_path: Path) -> None:
    spec = tmp_path / "s.yml"
    imports = "  - { Module: datetime, Identifiers: [ datetime, timezone ] }\n"
    spec.write_text(CART_SPEC.replace(imports, imports + "  - { Module: nosuchmodule }\n"))
    code, _, err = _validate(spec)
    assert code == 1
    assert f"{spec}:20: shop.Import[1]: Module `nosuchmodule` cannot be found" in err
    spec.write_text(CART_SPEC.replace(imports, imports + "  - { Module: 'os.path as p' }\n"))
    assert _validate(spec)[0] == 0
