"""The database file itself: is it ours, one writer at a time, clear errors.

``run`` replaces nothing it was not asked to (:func:`check_target`), refuses a second writer
at once (:class:`WriterLock`, an exclusive ``flock`` held for the run), and turns SQLite's
errors into one line naming the path and the cause (:func:`store_errors`).
"""

from __future__ import annotations

import fcntl
import os
import sqlite3
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

_SQLITE_MAGIC = b"SQLite format 3\x00"


class StoreError(Exception):
    """The database cannot be opened, read or written; the message names path and cause."""


def is_sqlite(path: str | Path) -> bool:
    try:
        with open(path, "rb") as fh:
            return fh.read(16) == _SQLITE_MAGIC
    except OSError:
        return False


def is_blurr_db(path: str | Path) -> bool:
    """True for a SQLite file holding blurr-tui's ``run_meta`` with a streaming spec."""
    if not is_sqlite(path):
        return False
    try:
        uri = Path(path).resolve().as_uri() + "?mode=ro"
        conn = sqlite3.connect(uri, uri=True)
        try:
            row = conn.execute(
                "SELECT value FROM run_meta WHERE key = 'streaming_spec_sha256'"
            ).fetchone()
        finally:
            conn.close()
    except sqlite3.Error:
        return False
    return row is not None


def check_target(path: str | Path, resume: bool, overwrite: bool) -> bool:
    """Whether ``path`` may be written (True: it holds a database to continue).

    Raises :class:`StoreError` for a folder, a file that is not a blurr-tui database, or an
    existing database without ``--resume``/``--overwrite``.
    """
    p = Path(path)
    if p.is_dir():
        raise StoreError(f"{path} is a folder: --db needs the path of a database file")
    if not p.exists() or p.stat().st_size == 0:
        return False
    if not is_blurr_db(p):
        raise StoreError(
            f"{path} exists and is not a blurr-tui database: refusing to replace it "
            "(choose another --db path)"
        )
    if resume:
        return True
    if overwrite:
        return False
    raise StoreError(
        f"{path} already holds a blurr-tui database: add --resume to continue it "
        "or --overwrite to rebuild it"
    )


def clear(path: str | Path) -> None:
    """Empty the database file in place (keeps the writer lock's file) and drop its WAL."""
    for suffix in ("-wal", "-shm"):
        Path(str(path) + suffix).unlink(missing_ok=True)
    if Path(path).exists():
        os.truncate(path, 0)


class WriterLock:
    """An exclusive ``flock`` on the database file: a second writer is refused at once."""

    def __init__(self, path: str | Path) -> None:
        self.path = str(path)
        try:
            self._fd: int | None = os.open(self.path, os.O_RDWR | os.O_CREAT, 0o644)
        except OSError as exc:
            raise StoreError(f"{path}: cannot open the database ({exc.strerror})") from None
        try:
            fcntl.flock(self._fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            os.close(self._fd)
            self._fd = None
            raise StoreError(
                f"{path} is being written by another blurr-tui process: wait for it to end "
                "or use another --db"
            ) from None

    def release(self) -> None:
        if self._fd is not None:
            os.close(self._fd)
            self._fd = None


@contextmanager
def store_errors(path: str | Path) -> Iterator[None]:
    """SQLite's errors as :class:`StoreError` naming ``path`` and the cause."""
    try:
        yield
    except sqlite3.Error as exc:
        raise StoreError(f"{path}: {_cause(exc)}") from None


def _cause(exc: sqlite3.Error) -> str:
    text = str(exc)
    if "readonly" in text:
        return "the database is read-only (attempt to write a readonly database)"
    if "full" in text:
        return f"the disk is full ({text})"
    if "locked" in text or "busy" in text:
        return f"the database is locked by another process ({text})"
    return text
