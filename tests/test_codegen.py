"""The generated per-aggregate field functions (engine/codegen.py) decide exactly as the
interpreted path (engine/fieldrun.py): every corpus case, and generated-code edge cases."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from blurr_tui.transform import run_transform

CORPUS = Path(__file__).resolve().parent / "corpus"
CASES = sorted(d.name for d in CORPUS.iterdir() if (d / "streaming.yml").exists())


def _inputs(case_dir: Path) -> tuple[str, str | None, list[str]]:
    window = case_dir / "window.yml"
    logs = [str(case_dir / "events.log")]
    if (case_dir / "events2.log").exists():
        logs.append(str(case_dir / "events2.log"))
    return str(case_dir / "streaming.yml"), str(window) if window.exists() else None, logs


def _both(streaming: str, window: str | None, logs: list[str]):
    fast = run_transform(streaming, window, logs, fast=True)
    slow = run_transform(streaming, window, logs, fast=False)
    return fast, slow


def _same(fast, slow) -> None:
    assert fast.stdout_lines == slow.stdout_lines
    assert fast.stderr_lines == slow.stderr_lines
    assert fast.exit_code == slow.exit_code


@pytest.mark.parametrize("case", CASES)
def test_corpus_case_fast_equals_interpreted(case: str):
    _same(*_both(*_inputs(CORPUS / case)))


# --------------------------------------------------------------------------- edge cases

HEAD = """\
Type: Blurr:Transform:Streaming
Version: '2018-03-01'
Name: s
Stores:
  - Type: Blurr:Store:Memory
    Name: mem
Import:
  - { Module: dateutil.parser, Identifiers: [ parse ] }
  - { Module: datetime, Identifiers: [ datetime ] }
Identity: source.user
Time: parse(source.t)
Aggregates:
  - Type: Blurr:Aggregate:Identity
    Name: a
    Store: mem
    Fields:
"""

EVENTS = [
    {"user": "u", "t": "2018-01-01T00:00:00+00:00", "x": 1},
    {"user": "u", "t": "2018-01-01T00:00:01+00:00", "x": 2},
    {"user": "u", "t": "2018-01-01T00:00:02+00:00"},
]


def run_fields(tmp_path: Path, fields: str, events: list[dict] | None = None):
    """Run a one-aggregate BTS with ``fields`` both ways; assert they agree; return the result."""
    spec = tmp_path / "s.yml"
    spec.write_text(HEAD + fields, encoding="utf-8")
    log = tmp_path / "events.log"
    log.write_text("".join(json.dumps(e) + "\n" for e in events or EVENTS), encoding="utf-8")
    fast, slow = _both(str(spec), None, [str(log)])
    _same(fast, slow)
    return fast


def record_of(result) -> dict:
    assert result.exit_code == 0, result.stderr_lines
    [line] = result.stdout_lines
    key, rec = json.loads(line)
    assert key == "u/a//"
    return rec


def test_value_with_trailing_comment(tmp_path):
    rec = record_of(
        run_fields(
            tmp_path,
            """\
      - Name: v
        Type: integer
        Value: source.x  # a comment (with a paren
      - Name: w
        Type: integer
        When: source.x == 2  # only the 2nd event
        Value: source.x * 10  # comment
""",
        )
    )
    assert rec == {"_identity": "u", "v": 2, "w": 20}


def test_multiline_value_block_scalar(tmp_path):
    rec = record_of(
        run_fields(
            tmp_path,
            """\
      - Name: total
        Type: integer
        Value: |
          (a.total
             + (source.x
                or 100))
      - Name: folded
        Type: string
        Value: >-
          str(a.total)
          + '!'
""",
        )
    )
    assert rec == {"_identity": "u", "total": 103, "folded": "103!"}


def test_lambda_and_comprehensions_reading_aggregates(tmp_path):
    rec = record_of(
        run_fields(
            tmp_path,
            """\
      - Name: n
        Type: integer
        Value: a.n + 1
      - Name: via_lambda
        Type: integer
        Value: '(lambda k: a.n * k)(10)'
      - Name: listcomp
        Type: list
        Value: '[a.n + i for i in range(2) if a.n]'
      - Name: nested
        Type: list
        Value: '[i * j for i in range(a.n) for j in [a.n]]'
      - Name: dictcomp
        Type: map
        Value: "{k: a.n for k in ['p', 'q']}"
      - Name: gen
        Type: integer
        Value: 'sum(a.n for _ in range(2))'
      - Name: cond
        Type: string
        Value: "'odd' if a.n % 2 else 'even'"
""",
        )
    )
    assert rec == {
        "_identity": "u",
        "n": 3,
        "via_lambda": 30,
        "listcomp": [3, 4],
        "nested": [0, 3, 6],
        "dictcomp": {"p": 3, "q": 3},
        "gen": 6,
        "cond": "odd",
    }


def test_keyword_and_method_named_fields(tmp_path):
    rec = record_of(
        run_fields(
            tmp_path,
            """\
      - Name: class
        Type: integer
        Value: "a['class'] + 1"
      - Name: items
        Type: integer
        Value: "a['items'] + a['class']"
      - Name: values
        Type: integer
        Value: a.items + a.values + 1
""",
        )
    )
    assert rec == {"_identity": "u", "class": 3, "items": 6, "values": 13}


def test_datetime_field_with_naive_value(tmp_path):
    rec = record_of(
        run_fields(
            tmp_path,
            """\
      - Name: naive
        Type: datetime
        Value: datetime(2018, 5, 6, 7, 8, 9)
      - Name: parsed
        Type: datetime
        Value: parse('2018-05-06T07:08:09.5+02:00')
      - Name: text
        Type: datetime
        Value: "'2018-05-06'"
""",
        )
    )
    assert rec == {
        "_identity": "u",
        "naive": "2018-05-06T07:08:09+00:00",
        "parsed": "2018-05-06T07:08:09.500000+02:00",
        "text": None,
    }


def test_name_error_in_third_field_reports_that_field(tmp_path):
    result = run_fields(
        tmp_path,
        """\
      - Name: one
        Type: integer
        Value: a.one + 1
      - Name: two
        Type: integer
        Value: source.x
      - Name: three
        Type: integer
        Value: a.two + no_such_name
""",
    )
    assert result.exit_code == 1 and result.stdout_lines == []
    text = "\n".join(result.stderr_lines)
    assert "s.a.three" in text
    assert "a.two + no_such_name" in text
    assert "NameError" in text


def test_name_error_in_when_reports_the_when(tmp_path):
    result = run_fields(
        tmp_path,
        """\
      - Name: one
        Type: integer
        Value: '1'
      - Name: two
        Type: integer
        When: source.x and missing_name
        Value: '2'
""",
    )
    assert result.exit_code == 1
    text = "\n".join(result.stderr_lines)
    assert "s.a.two" in text and "source.x and missing_name" in text


def test_swallowed_errors_and_casts_agree(tmp_path):
    rec = record_of(
        run_fields(
            tmp_path,
            """\
      - Name: te
        Type: integer
        Value: source.x + 1
      - Name: bad_cast
        Type: integer
        Value: "'4.2' if source.x == 2 else source.x"
      - Name: bool_int
        Type: integer
        Value: source.x == 1
      - Name: when_err
        Type: integer
        When: source.x > 1
        Value: '7'
""",
        )
    )
    assert rec == {"_identity": "u", "te": 3, "bad_cast": 1, "bool_int": False, "when_err": 7}


def test_dimension_functions_agree(tmp_path):
    spec = tmp_path / "s.yml"
    spec.write_text(
        HEAD.split("Aggregates:\n")[0]
        + """\
Aggregates:
  - Type: Blurr:Aggregate:Block
    Name: b
    Store: mem
    Dimensions:
      - Name: d
        Type: integer
        Value: source.d  # comment
        When: source.d != 9
    Fields:
      - Name: n
        Type: integer
        Value: b.n + 1
""",
        encoding="utf-8",
    )
    events = [
        {"user": "u", "t": f"2018-01-01T00:00:0{i}+00:00", "d": d}
        for i, d in enumerate(["1", 2.7, 9, None, "x", 1])
    ]
    log = tmp_path / "events.log"
    log.write_text("".join(json.dumps(e) + "\n" for e in events), encoding="utf-8")
    fast, slow = _both(str(spec), None, [str(log)])
    _same(fast, slow)
    assert [json.loads(line)[0] for line in fast.stdout_lines] == ["u/b/1/", "u/b/2/"]
    assert json.loads(fast.stdout_lines[0])[1]["n"] == 2


# Blurr 0.4.1 evaluates with one shared local context, empty unless a walrus assigned into it
# (checked with the reference: `'source' in dir()` is False and `len(locals()) == 0` is True
# there; corpus r10_one_shared_locals_dict).


def test_dir_sees_the_same_names(tmp_path):
    rec = record_of(
        run_fields(
            tmp_path,
            """\
      - Name: has_source
        Type: boolean
        Value: "'source' in dir()"
""",
        )
    )
    assert rec == {"_identity": "u", "has_source": False}


def test_locals_is_empty_as_in_blurr(tmp_path):
    rec = record_of(
        run_fields(
            tmp_path,
            """\
      - Name: empty
        Type: boolean
        Value: len(locals()) == 0
""",
        )
    )
    assert rec == {"_identity": "u", "empty": True}
