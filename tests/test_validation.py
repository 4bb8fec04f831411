"""Tests for ``blurr-tui validate`` (blurr_tui.engine.validation) and YAML positions."""

from __future__ import annotations

import datetime
import io
import json
import random
from pathlib import Path

import pytest

from blurr_tui.engine.validation import Issue, main_validate, validate_paths, validate_text
from blurr_tui.engine.yamlpos import (
    PosDict,
    PosList,
    YamlPositionError,
    load_yaml_with_lines,
)

CORPUS = Path(__file__).parent / "invalid_specs"
EXPECTED: dict[str, list[dict]] = json.loads((CORPUS / "expected.json").read_text())
COMPANIONS: dict[str, list[str]] = json.loads((CORPUS / "companions.json").read_text())
CONFORMANCE = Path(__file__).resolve().parents[2] / "shared" / "conformance"

VALID_STREAMING = """\
Type: blurr:transform:STREAMING
Version: '2018-03-01'
Name: app
Description: every aggregate kind and the expression forms the docs use
Import:
  - { Module: dateutil.parser, Identifiers: [ parse ] }
  - { Module: 'datetime as dt' }
  - { Module: os.path }
  - { Module: math, Identifiers: [ 'floor as fl' ] }
Identity: source.user_id
Time: parse(source.timestamp)
When: source.app_version > '3.7' and os.path.sep
Stores:
  - { Type: Blurr:Store:Memory, Name: mem }
  - { Type: Blurr:Store:Memory, Name: other }
Aggregates:
  - Type: Blurr:Aggregate:Identity
    Name: user
    Store: mem
    Fields:
      - { Name: total, Type: integer, Value: user.total + 1 }
      - Name: tags
        Type: set
        Value: "user.tags.add(source['os-version'])"
      - Name: scores
        Type: list
        Value: "[x * 2 for x in source.items if x] + sorted(map(lambda s: s, [1]))"
      - Name: seen
        Type: map
        Value: "user.seen.increment(source.event_id) if identity else {k: v for k, v in []}"
  - Type: Blurr:Aggregate:Block
    Name: session
    Store: other
    When: time >= session._start_time or True
    Dimensions:
      - { Name: session_id, Type: string, Value: source.session_id }
      - { Name: level, Type: integer, Value: source.level }
    Fields:
      - Name: first_score
        Type: float
        When: time == session._start_time
        Value: fl(source.score or 0) + dt.timedelta(days=1).days
      - Name: duration
        Type: integer
        Value: (session._end_time - session._start_time).seconds + session.level
  - Type: Blurr:Aggregate:Activity
    Name: visits
    SeparateByInactiveSeconds: 1800
    Fields:
      - { Name: n, Type: integer, Value: "visits['n'] + 1" }
  - Type: Blurr:Aggregate:Variable
    Name: vars
    Fields:
      - { Name: is_paid, Type: boolean, Value: vars.is_paid or source.paid, When: true }
"""

VALID_WINDOW = """\
Type: Blurr:Transform:Window
Version: '2018-03-01'
Name: win
SourceBTS: app
Anchor:
  Condition: app.session.duration > 0 and app.user.total > 1
  Max: 2
When: anchor.duration > 0
Aggregates:
  - Type: Blurr:Aggregate:Window
    Name: last_two
    WindowType: COUNT
    WindowValue: -2
    Source: app.session
    When: len(source.duration) > 0
    Fields:
      - Name: mean
        Type: float
        Value: sum(source.duration) / len(source._start_time) + anchor.first_score
  - Type: Blurr:Aggregate:Variable
    Name: summary
    Fields:
      - { Name: first, Type: float, Value: last_two.mean + len(identity) }
"""


ACTIVITY = VALID_STREAMING[
    VALID_STREAMING.index("  - Type: Blurr:Aggregate:Activity") : VALID_STREAMING.index(
        "  - Type: Blurr:Aggregate:Variable"
    )
]
STREAM_FOR_WINDOW = VALID_STREAMING.replace(ACTIVITY, "")


def _run(paths: list[str]) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    code = main_validate(paths, out=out, err=err)
    return code, out.getvalue(), err.getvalue()


# -- the invalid corpus --------------------------------------------------------------------------
def test_corpus_is_large_enough() -> None:
    assert len(EXPECTED) >= 30
    assert all((CORPUS / name).is_file() for name in EXPECTED)
    assert sum(len(v) >= 3 for v in EXPECTED.values()) >= 3  # several defects, all reported


@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_invalid_spec_reports_every_expected_error(name: str) -> None:
    target = str(CORPUS / name)
    companions = [str(CORPUS / c) for c in COMPANIONS.get(name, [])]
    code, out, err = _run([*companions, target])
    assert code == 1
    assert f"Running validation on {target}\n" in out
    assert "Traceback" not in out + err and "internal validator error" not in err
    own_lines = [line for line in err.splitlines() if line.startswith(target)]
    for item in EXPECTED[name]:
        where = f"{target}:{item['line']}" if item["line"] is not None else target
        prefix = f"{where}: {item['fqn']}: " if item["fqn"] else f"{where}: "
        assert any(line.startswith(prefix) and item["message"] in line for line in own_lines), (
            f"missing {prefix}{item['message']}\n--- got:\n{err}"
        )
    count = len(EXPECTED[name])
    assert f"{target}: {count} error{'s' if count != 1 else ''}" in err


def test_several_defects_are_all_reported() -> None:
    issues = validate_text((CORPUS / "multi_streaming.yml").read_text(), "m.yml")
    kinds = {issue.kind for issue in issues}
    assert {"enum", "name", "store", "unknown_type", "attribute", "identifier"} <= kinds
    assert {"required", "expression", "duplicate", "label", "empty"} <= kinds
    assert len({issue.line for issue in issues}) >= 10


def test_issue_format_and_fqn() -> None:
    text = (CORPUS / "unknown_field_attribute.yml").read_text()
    (issue,) = validate_text(text, "s.yml")
    assert issue == Issue(
        "s.yml",
        23,
        "sessions.session_stats.games_played",
        issue.message,
        "attribute",
    )
    assert issue.format().startswith("s.yml:23: sessions.session_stats.games_played: ")
    assert "games_plyed" in issue.message


# -- valid specs -----------------------------------------------------------------------------------
def test_inline_valid_specs(tmp_path: Path) -> None:
    stream, window = tmp_path / "app.yml", tmp_path / "win.yml"
    stream.write_text(STREAM_FOR_WINDOW)
    window.write_text(VALID_WINDOW)
    assert _run([str(tmp_path / "full.yml")])[0] == 1
    (tmp_path / "full.yml").write_text(VALID_STREAMING)
    assert _run([str(tmp_path / "full.yml")])[0] == 0
    code, out, err = _run([str(stream), str(window)])
    assert (code, err) == (0, "")
    assert out == (
        f"Running validation on {stream}\nDocument is valid\n"
        f"Running validation on {window}\nDocument is valid\n"
    )
    # alone, the window BTS cannot be checked against its stream, but it is still valid
    assert _run([str(window)])[0] == 0
    # with a Block and an Activity aggregate, the stream cannot feed a window BTS (§11.1)
    code, _, err = _run([str(tmp_path / "full.yml"), str(window)])
    assert code == 1 and f"{window}:3: win: The streaming BTS `app` has 2 Block/Activity" in err


def test_window_is_checked_against_the_stream_given_with_it(tmp_path: Path) -> None:
    stream = tmp_path / "app.yml"
    stream.write_text(STREAM_FOR_WINDOW.replace("session", "sess").replace("sess_id", "session_id"))
    window = tmp_path / "win.yml"
    window.write_text(VALID_WINDOW)
    code, _, err = _run([str(stream), str(window)])
    assert code == 1
    assert f"{window}:14: win.last_two: `Source: app.session`: `session` is not an aggregate" in err
    assert "the streaming BTS `app` has no aggregate `session`" in err


@pytest.mark.skipif(not CONFORMANCE.is_dir(), reason="../shared/conformance is absent")
@pytest.mark.parametrize(
    "files",
    [
        ["tutorial1/tutorial1-streaming-bts.yml"],
        ["tutorial2/tutorial2-streaming-bts.yml"],
        ["tutorial2/tutorial2-window-bts.yml"],
        ["tutorial2/tutorial2-streaming-bts.yml", "tutorial2/tutorial2-window-bts.yml"],
    ],
)
def test_conformance_specs_are_valid(files: list[str]) -> None:
    code, out, err = _run([str(CONFORMANCE / f) for f in files])
    assert (code, err) == (0, "")
    assert out.count("Document is valid") == len(files)


# -- robustness --------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "text",
    [
        "",
        "   \n",
        "[]",
        "- a\n- b\n",
        "42",
        "~",
        "Name: x",
        "{Name: [1], Type: {a: b}, Aggregates: {a: 1}}",
        "Type: Blurr:Transform:Window\nName: w\nAnchor: [1]\nAggregates: [[], 3, {Fields: 1}]",
        "Type: blurr:transform:streaming\nName: s\nImport: [{Module: 'a b c'}, {Module: 3}]",
        "Type: blurr:transform:streaming\nName: s\nAggregates: [{Name: a, Type: x, Fields: [{}]}]",
        "Name: s\nTime: '\\0'\nIdentity: '((((((((((((((((((((((((((((((((((((((((((((((((((('",
        "Name: s\nIdentity: " + "(" * 300 + "1" + ")" * 300,
        "a: &a [*a]",
        "\x00\x01\x02",
        "Name: s\n" + "Aggregates: [" * 2000,
    ],
)
def test_junk_never_crashes(text: str) -> None:
    issues = validate_text(text, "junk.yml")
    assert issues
    assert all(issue.kind != "internal" for issue in issues), issues


def test_random_mutations_never_crash() -> None:
    base = VALID_STREAMING.splitlines()
    rng = random.Random(20180301)
    for _ in range(300):
        lines = list(base)
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(lines))
            action = rng.choice(["drop", "dup", "cut", "indent"])
            if action == "drop":
                del lines[i]
            elif action == "dup":
                lines.insert(i, lines[i])
            elif action == "cut":
                lines[i] = lines[i][: rng.randrange(len(lines[i]) + 1)]
            else:
                lines[i] = " " + lines[i]
        issues = validate_text("\n".join(lines), "m.yml")
        assert all(issue.kind != "internal" for issue in issues), issues


def test_unreadable_and_binary_files(tmp_path: Path) -> None:
    missing = tmp_path / "missing.yml"
    binary = tmp_path / "bin.yml"
    binary.write_bytes(b"\xff\xfe\x00junk")
    code, out, err = _run([str(missing), str(binary)])
    assert code == 1
    assert f"{missing}: Cannot read file" in err
    assert f"{binary}: File is not UTF-8 text" in err
    assert out.count("Running validation on") == 2


def test_no_arguments_validates_the_current_directory(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "a.yml").write_text(VALID_STREAMING)
    (tmp_path / "b.yaml").write_text("[]")
    monkeypatch.chdir(tmp_path)
    code, out, err = _run([])
    assert code == 1
    assert "Running validation on" in out and "Document is valid" in out
    assert "b.yaml:1: The document must be a YAML mapping" in err
    (tmp_path / "a.yml").unlink()
    (tmp_path / "b.yaml").unlink()
    assert _run([])[0] == 1


def test_validate_paths_reports_per_file(tmp_path: Path) -> None:
    good, bad = tmp_path / "good.yml", tmp_path / "bad.yml"
    good.write_text(VALID_STREAMING)
    bad.write_text(VALID_STREAMING.replace("Value: user.total + 1", "Value: usr.total + 1"))
    reports = validate_paths([str(good), str(bad)])
    assert [r.valid for r in reports] == [True, False]
    (issue,) = reports[1].issues
    assert (issue.line, issue.fqn) == (21, "app.user.total")
    assert "name 'usr' is not defined" in issue.message


# -- expression name analysis ----------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "undefined"),
    [
        ("[y for y in source.items if y > z]", ["z"]),
        ("(lambda a, *b, c=q, **d: a + b + c + d + e)(1)", ["q", "e"]),
        ("{k: w for k in source.items for w in k}", []),
        ("[k for k in k]", ["k"]),
        ("(n := 3) + n", []),
        ("sorted(x for x in [1]) + len(source) + abs(time.year)", []),
        ("datetime.now()", ["datetime"]),
    ],
)
def test_free_names(value: str, undefined: list[str]) -> None:
    text = VALID_STREAMING.replace("Value: user.total + 1", f"Value: '{value}'")
    found = [i.message.split("'")[1] for i in validate_text(text, "s.yml") if i.kind == "name"]
    assert found == undefined


def test_window_names_depend_on_the_place() -> None:
    text = VALID_WINDOW.replace("anchor.duration > 0", "source.x and time")
    messages = [i.message for i in validate_text(text, "w.yml")]
    assert any(
        "name 'source' is not defined" in m and "only available inside Window" in m
        for m in messages
    )
    assert any("name 'time' is not defined" in m for m in messages)


# -- yamlpos ---------------------------------------------------------------------------------------------
def test_yaml_positions() -> None:
    doc = load_yaml_with_lines(VALID_WINDOW)
    assert isinstance(doc, PosDict) and doc.line == 1
    assert doc.key_lines["Anchor"] == 5 and doc["Anchor"].key_lines["Max"] == 7
    aggs = doc["Aggregates"]
    assert isinstance(aggs, PosList) and aggs.line == 10 and aggs[1].line == 20
    assert aggs[1]["Fields"][0].line == 23  # flow mapping: line of its '{'
    assert doc.line_of("missing") == 1


def test_yaml_is_safe_load_compatible() -> None:
    doc = load_yaml_with_lines("Version: 2018-03-01\nb: &x {c: 1}\nd: {<<: *x, e: 2}\nf: yes\n")
    assert doc == {
        "Version": datetime.date(2018, 3, 1),
        "b": {"c": 1},
        "d": {"c": 1, "e": 2},
        "f": True,
    }
    assert load_yaml_with_lines("") is None
    with pytest.raises(YamlPositionError) as info:
        load_yaml_with_lines("a: 1\nb: [1,\n")
    assert info.value.line == 3
    with pytest.raises(YamlPositionError):
        load_yaml_with_lines("!!python/object:os.system {}")


def test_duplicate_yaml_keys_are_recorded() -> None:
    doc = load_yaml_with_lines("a: 1\nb: 2\na: 3\n")
    assert doc == {"a": 3, "b": 2}
    assert doc.duplicate_keys == [("a", 1, 3)]
