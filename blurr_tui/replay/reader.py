"""Reading a JSON-lines event log: line numbers, byte offsets and clear per-line errors.

Blurr reads the file in binary line mode and hands each line to ``json.loads`` followed by
``dict(value)`` (BTS-SEMANTICS §10.2).  This reader does the same and reports, instead of
Python exception reprs, a short reason per bad line.  Offsets are byte offsets in the
(uncompressed) stream: ``end_offset`` of the last consumed line plus ``line_no + 1`` is where
a later run resumes (:func:`read_lines` ``start_offset``/``start_line``).  Gzip files are
detected by their magic bytes; their offsets are in the uncompressed stream (seeking there
decompresses from the start).

A last line without its newline may still be being written: it is yielded only with
``final=True``.  :func:`follow_lines` waits for lines appended to a growing file.
"""

from __future__ import annotations

import gzip
import hashlib
import json
import os
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .jsonline import loads_line

RAW_HEAD = 4096  # bytes kept of an over-long line
_CHUNK = 1 << 16
_GZIP_MAGIC = b"\x1f\x8b"
_JSON_NAMES = {
    int: "a number",
    float: "a number",
    str: "a string",
    bool: "a boolean",
    type(None): "null",
}


class LogRewrittenError(Exception):
    """The followed file was truncated, rewritten or replaced (rotated) under the reader."""


HEAD_CHECK = 4096  # bytes at the start of a followed file compared at each poll


class PrefixHash:
    """sha256 of the first N bytes of a log, extended as N grows (resume checks it)."""

    def __init__(self, path: str | Path) -> None:
        self.path = path
        self._fh: BinaryIO | None = None
        self._h = hashlib.sha256()
        self.size = 0

    def update_to(self, offset: int) -> str:
        if offset > self.size:
            if self._fh is None:
                self._fh = _open(self.path)
                self._fh.seek(self.size)
            want = offset - self.size
            while want > 0:
                chunk = self._fh.read(min(want, 1 << 20))
                if not chunk:
                    break
                self._h.update(chunk)
                want -= len(chunk)
            self.size = offset - want
        return self._h.hexdigest()

    def close(self) -> None:
        if self._fh is not None:
            self._fh.close()
            self._fh = None


@dataclass(slots=True)
class LogLine:
    line_no: int
    offset: int  # first byte of the line
    end_offset: int  # first byte after the line (after its newline)
    raw: bytes  # the line as read (bounded to RAW_HEAD bytes for an over-long line)
    value: object | None  # the event (a dict) when error is None
    error: str | None

    @property
    def ok(self) -> bool:
        return self.error is None


def is_gzip(path: str | Path) -> bool:
    """A log is gzip when its name ends in ``.gz``, as Blurr's smart_open decides (§16 R-13):
    gzip content under another name is read as it is, like ``transform`` reads it."""
    return str(path).endswith(".gz")


def _open(path: str | Path) -> BinaryIO:
    if is_gzip(path):
        return gzip.open(path, "rb")  # type: ignore[return-value]
    return open(path, "rb", buffering=1 << 20)


def parse_line(line_no: int, offset: int, line: bytes) -> LogLine:
    """Parse one raw line (with or without its newline) the way Blurr does."""
    end = offset + len(line)
    try:
        value = loads_line(line)
    except UnicodeDecodeError as e:
        if e.encoding.replace("-", "").lower().startswith("utf8"):
            bad = e.object[e.start : e.start + 1].hex()
            why = f"invalid UTF-8: byte 0x{bad} at column {e.start + 1} ({e.reason})"
        else:
            why = f"undecodable text ({e.encoding}: {e.reason})"
        return LogLine(line_no, offset, end, line, None, why)
    except json.JSONDecodeError as e:
        if not line.strip():
            return LogLine(line_no, offset, end, line, None, "blank line")
        why = f"invalid JSON: {e.msg} at column {e.colno}"
        return LogLine(line_no, offset, end, line, None, why)
    except RecursionError:
        return LogLine(line_no, offset, end, line, None, "invalid JSON: nested too deeply")
    except ValueError as e:  # e.g. an integer of more than 4300 digits
        return LogLine(line_no, offset, end, line, None, f"invalid JSON: {e}")
    if type(value) is dict:
        return LogLine(line_no, offset, end, line, value, None)
    if isinstance(value, list):
        try:
            return LogLine(line_no, offset, end, line, dict(value), None)
        except (TypeError, ValueError) as e:
            why = f"not a JSON object: an array that is not a list of [key, value] pairs ({e})"
            return LogLine(line_no, offset, end, line, None, why)
    why = f"not a JSON object: got {_JSON_NAMES.get(type(value), type(value).__name__)}"
    return LogLine(line_no, offset, end, line, None, why)


def _too_long(line_no: int, offset: int, total: int, head: bytes, limit: int) -> LogLine:
    why = f"line too long: {total} bytes (limit {limit})"
    return LogLine(line_no, offset, offset + total, head, None, why)


def _scan(
    fh: BinaryIO,
    pos: int,
    line_no: int,
    max_line_bytes: int,
    stop: threading.Event | None,
    final: bool,
    wait: Callable[[int], bool] | None,
) -> Iterator[LogLine]:
    """The reading loop.  ``wait(pos)`` (follow mode) sleeps at EOF; False ends the scan."""
    readline = fh.readline
    limit = max_line_bytes + 1
    since_check = 0
    while True:
        if stop is not None:
            since_check += 1
            if since_check >= 256:
                since_check = 0
                if stop.is_set():
                    return
        line = readline(limit)
        if len(line) <= max_line_bytes and line.endswith(b"\n"):
            yield parse_line(line_no, pos, line)
            pos += len(line)
            line_no += 1
            continue
        if len(line) > max_line_bytes:  # over-long: discard the rest in chunks
            total, head = len(line), line[:RAW_HEAD]
            while not line.endswith(b"\n"):
                line = readline(_CHUNK)
                if not line:
                    if wait is None:
                        if final:
                            yield _too_long(line_no, pos, total, head, max_line_bytes)
                        return
                    if not wait(pos):
                        return
                    continue
                total += len(line)
                if len(head) < RAW_HEAD:
                    head += line[: RAW_HEAD - len(head)]
            yield _too_long(line_no, pos, total, head, max_line_bytes)
            pos += total
            line_no += 1
            continue
        # EOF: nothing more, or a last line without its newline
        if wait is None:
            if line and final:
                yield parse_line(line_no, pos, line)
            return
        fh.seek(pos)  # leave a partial line unconsumed
        if stop is not None and stop.is_set():
            return
        if not wait(pos):
            return


def read_lines(
    path: str | Path,
    start_offset: int = 0,
    start_line: int = 1,
    max_line_bytes: int = 1_000_000,
    stop: threading.Event | None = None,
    final: bool = False,
) -> Iterator[LogLine]:
    """Every line from ``start_offset`` (numbered from ``start_line``) to the end of the file.

    A last line without a trailing newline is yielded only when ``final`` is true (use it
    when the file is complete).  ``stop`` ends the iteration early (checked every 256 lines).
    """
    with _open(path) as fh:
        if start_offset:
            fh.seek(start_offset)
        yield from _scan(fh, start_offset, start_line, max_line_bytes, stop, final, None)


def follow_lines(
    path: str | Path,
    start_offset: int = 0,
    stop_event: threading.Event | None = None,
    poll_interval: float = 0.2,
    start_line: int = 1,
    max_line_bytes: int = 1_000_000,
) -> Iterator[LogLine]:
    """Complete lines as the file grows, until ``stop_event`` is set.

    A partial last line is left for a later poll.  Raises :class:`LogRewrittenError` if the
    file shrinks below the read position.  A gzip file is read to its end, then the
    iteration ends (compressed logs do not grow line by line).
    """
    if is_gzip(path):
        yield from read_lines(path, start_offset, start_line, max_line_bytes, stop_event, True)
        return
    stop = stop_event or threading.Event()
    with open(path, "rb", buffering=1 << 20) as fh:
        inode = os.fstat(fh.fileno()).st_ino
        head = os.pread(fh.fileno(), HEAD_CHECK, 0)  # as it is now: a writer only appends

        def wait(pos: int) -> bool:
            nonlocal head
            if stop.wait(poll_interval):
                return False
            fd = fh.fileno()
            if os.fstat(fd).st_size < pos:
                raise LogRewrittenError(f"{path} was truncated (it is shorter than offset {pos})")
            try:
                now = os.stat(path).st_ino
            except FileNotFoundError:
                now = inode  # moved away; wait for the new file to appear
            if now != inode:
                raise LogRewrittenError(f"{path} was replaced by a new file (rotated)")
            if os.pread(fd, len(head), 0) != head:
                raise LogRewrittenError(f"{path} was rewritten (its first bytes changed)")
            if len(head) < HEAD_CHECK:
                head = os.pread(fd, HEAD_CHECK, 0)
            return True

        if start_offset:
            fh.seek(start_offset)
        yield from _scan(fh, start_offset, start_line, max_line_bytes, stop, False, wait)
