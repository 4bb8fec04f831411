"""The log reader: bad-line classes, offsets, gzip, partial last line, follow mode."""

from __future__ import annotations

import gzip
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from blurr_tui.replay.reader import (
    LogLine,
    LogRewrittenError,
    follow_lines,
    parse_line,
    read_lines,
)

GOOD = b'{"user": "a", "t": 1}\n'


def write(tmp_path: Path, data: bytes, name: str = "ev.log") -> Path:
    p = tmp_path / name
    p.write_bytes(data)
    return p


def errors(lines: list[LogLine]) -> list[str | None]:
    return [ln.error for ln in lines]


@pytest.mark.parametrize(
    ("raw", "reason"),
    [
        (b"\n", "blank line"),
        (b"  \t\r\n", "blank line"),
        (b"notjson\n", "invalid JSON: Expecting value at column 1"),
        (
            b'{"a": 1,}\n',
            "invalid JSON: Expecting property name enclosed in double quotes at column 9",
        ),
        (b'{"a": "\xff"}\n', "invalid UTF-8: byte 0xff at column 8 (invalid start byte)"),
        (b"5\n", "not a JSON object: got a number"),
        (b"null\n", "not a JSON object: got null"),
        (b'"s"\n', "not a JSON object: got a string"),
        (b"true\n", "not a JSON object: got a boolean"),
        (
            b"[1, 2]\n",
            "not a JSON object: an array that is not a list of [key, value] pairs "
            "(cannot convert dictionary update sequence element #0 to a sequence)",
        ),
    ],
)
def test_bad_line_classes(raw: bytes, reason: str) -> None:
    ln = parse_line(7, 100, raw)
    assert (ln.line_no, ln.offset, ln.end_offset, ln.raw) == (7, 100, 100 + len(raw), raw)
    assert ln.value is None and ln.error == reason and not ln.ok


def test_array_of_pairs_is_an_event_like_blurr() -> None:
    ln = parse_line(1, 0, b'[["user", "b"], ["t", 2]]\n')
    assert ln.ok and ln.value == {"user": "b", "t": 2}


def test_offsets_and_line_numbers(tmp_path: Path) -> None:
    data = GOOD + b"\n" + b'{"user": "b\xc3\xa9"}\n' + b"oops\n" + GOOD
    lines = list(read_lines(write(tmp_path, data)))
    assert [ln.line_no for ln in lines] == [1, 2, 3, 4, 5]
    ends = [22, 23, 39, 44, 66]
    assert [ln.offset for ln in lines] == [0, *ends[:-1]]
    assert [ln.end_offset for ln in lines] == ends and ends[-1] == len(data)
    assert errors(lines) == [
        None,
        "blank line",
        None,
        "invalid JSON: Expecting value at column 1",
        None,
    ]
    assert lines[2].value == {"user": "b\u00e9"}
    assert all(data[ln.offset : ln.end_offset] == ln.raw for ln in lines)


def test_resume_from_offset_is_exact(tmp_path: Path) -> None:
    data = b"".join(b'{"i": %d}\n' % i for i in range(50)) + b"bad\n" + GOOD
    path = write(tmp_path, data)
    whole = list(read_lines(path))
    first = []
    for ln in read_lines(path):
        first.append(ln)
        if ln.line_no == 20:
            break
    rest = list(read_lines(path, start_offset=first[-1].end_offset, start_line=21))
    assert first + rest == whole


def test_gzip_offsets_are_uncompressed(tmp_path: Path) -> None:
    data = GOOD + b"bad\n" + b'{"user": "c"}\n'
    path = tmp_path / "ev.log.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(data)
    plain = list(read_lines(write(tmp_path, data)))
    zipped = list(read_lines(path))
    assert zipped == plain
    tail = list(read_lines(path, start_offset=plain[1].end_offset, start_line=3))
    assert tail == plain[2:]


def test_partial_last_line_only_with_final(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD + b'{"user": "z"}')
    assert [ln.line_no for ln in read_lines(path)] == [1]
    lines = list(read_lines(path, final=True))
    assert lines[-1].value == {"user": "z"} and lines[-1].end_offset == len(GOOD) + 13
    half = write(tmp_path, GOOD + b'{"user": ', "half.log")
    assert errors(list(read_lines(half, final=True)))[-1].startswith("invalid JSON:")


def test_over_long_line_is_skipped_in_chunks(tmp_path: Path) -> None:
    big = b'{"pad": "' + b"x" * 300_000 + b'"}\n'
    path = write(tmp_path, GOOD + big + GOOD)
    lines = list(read_lines(path, max_line_bytes=1000))
    assert errors(lines) == [None, f"line too long: {len(big)} bytes (limit 1000)", None]
    assert len(lines[1].raw) == 4096 and lines[1].raw == big[:4096]
    assert lines[1].end_offset == lines[2].offset == len(GOOD) + len(big)
    # exactly at the limit (newline included) is fine; one byte more is not
    exact = b'{"a": "' + b"y" * 12 + b'"}\n'
    assert len(exact) == 22
    assert errors(list(read_lines(write(tmp_path, exact, "e.log"), max_line_bytes=22))) == [None]
    assert errors(list(read_lines(write(tmp_path, exact, "e.log"), max_line_bytes=21)))[
        0
    ].startswith("line too long")
    # an over-long unterminated last line: only reported when final
    tail = write(tmp_path, GOOD + b"z" * 5000, "t.log")
    assert len(list(read_lines(tail, max_line_bytes=100))) == 1
    assert (
        errors(list(read_lines(tail, max_line_bytes=100, final=True)))[1]
        == "line too long: 5000 bytes (limit 100)"
    )


def test_stop_event_ends_reading(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD * 2000)
    stop = threading.Event()
    stop.set()
    assert len(list(read_lines(path, stop=stop))) < 2000


def test_follow_mode_with_writer_thread(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD)
    stop = threading.Event()
    got: list[LogLine] = []
    written = [threading.Event() for _ in range(4)]

    def reader() -> None:
        for ln in follow_lines(path, 0, stop, poll_interval=0.005):
            got.append(ln)
            if len(got) == 1:
                written[0].set()
            if len(got) == 3:
                written[2].set()
            if len(got) == 4:
                written[3].set()

    t = threading.Thread(target=reader)
    t.start()
    try:
        assert written[0].wait(5)
        with open(path, "ab") as fh:
            fh.write(b'{"user": "b"')  # partial: must not be consumed yet
            fh.flush()
            assert not written[2].wait(0.05)
            assert len(got) == 1
            fh.write(b', "t": 2}\n{"user": "c"}\n')
            fh.flush()
            assert written[2].wait(5)
            fh.write(b"broken\n")
            fh.flush()
            assert written[3].wait(5)
    finally:
        stop.set()
        t.join(5)
    assert not t.is_alive()
    assert [ln.value for ln in got[:3]] == [
        {"user": "a", "t": 1},
        {"user": "b", "t": 2},
        {"user": "c"},
    ]
    assert got[3].error == "invalid JSON: Expecting value at column 1"
    assert [ln.line_no for ln in got] == [1, 2, 3, 4]
    assert got[1].offset == len(GOOD) and got[3].end_offset == path.stat().st_size


def test_follow_resumes_from_offset_and_detects_truncation(tmp_path: Path) -> None:
    path = write(tmp_path, GOOD * 3)
    stop = threading.Event()
    it = follow_lines(path, len(GOOD), stop, poll_interval=0.001, start_line=2)
    assert [next(it).line_no, next(it).line_no] == [2, 3]
    path.write_bytes(GOOD)  # rewritten, shorter than our position
    with pytest.raises(LogRewrittenError):
        next(it)


def test_follow_gzip_reads_to_end(tmp_path: Path) -> None:
    path = tmp_path / "ev.gz"
    with gzip.open(path, "wb") as fh:
        fh.write(GOOD + b'{"user": "q"}')
    assert [ln.value["user"] for ln in follow_lines(path, 0, threading.Event())] == ["a", "q"]


def test_store_and_replay_do_not_import_textual() -> None:
    code = (
        "import sys, blurr_tui.store.sqlite_store, blurr_tui.replay.reader; "
        "sys.exit(1 if any(m.split('.')[0] == 'textual' for m in sys.modules) else 0)"
    )
    assert subprocess.run([sys.executable, "-c", code], check=False).returncode == 0


@pytest.mark.parametrize("how", ["os.replace", "mv and new file", "truncate and refill"])
def test_follow_notices_rotation_and_refill_never_skips(tmp_path: Path, how: str) -> None:
    """Issue 8 finding 7: before, these lost the new file's lines without a word."""
    path = write(tmp_path, GOOD * 3)
    stop = threading.Event()
    got: list = []

    def follow() -> None:
        try:
            for ln in follow_lines(path, 0, stop, poll_interval=0.01):
                got.append(ln)
        except LogRewrittenError as e:
            got.append(e)

    t = threading.Thread(target=follow)
    t.start()
    deadline = time.monotonic() + 5
    while len(got) < 3 and time.monotonic() < deadline:
        time.sleep(0.01)
    time.sleep(0.1)  # the follower waits at the end of the file
    other = b'{"user": "new", "t": 9}\n' * 8  # longer than what was read
    if how == "os.replace":
        fresh = tmp_path / "fresh.log"
        fresh.write_bytes(other)
        os.replace(fresh, path)
    elif how == "mv and new file":
        os.rename(path, tmp_path / "old.log")
        path.write_bytes(other)
    else:
        with open(path, "r+b") as fh:
            fh.truncate(0)
            fh.write(other)
    t.join(5)
    stop.set()
    assert [ln.line_no for ln in got[:3]] == [1, 2, 3]
    assert len(got) == 4 and isinstance(got[3], LogRewrittenError), got
    assert str(path) in str(got[3])
