"""``blurr-tui derive --follow``: derive events while ``run --follow`` fills the database.

``run --follow`` reads the growing log (the log reader's follow rules: partial lines, a
rotated or truncated log) and commits, at least once a second, every record as it stands
and ``run_meta.last_event_time``, the event time reached.  This follower reads the database
after each commit with ``as_of`` = that event time, so a condition such as "30 minutes of
event time after the last interaction, basket not empty, no order" becomes true as the log
moves on, and appends each derived event to ``--out`` **exactly once**:

* the derived log is its own ledger: every line names its record (``context.caused_by``);
  a record already in it is never derived again, across restarts;
* each batch is appended in one write and fsync'ed before the state file (``OUT.state``:
  the database position processed, the derived count) is replaced atomically, so a kill at
  any moment loses nothing: a torn last line is cut off at the next start and that event is
  derived again, whole;
* every record of the aggregate is looked at on each new position, so nothing is missed
  when the follower was stopped while the database moved on.
"""

from __future__ import annotations

import json
import os
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TextIO

from .derive import (
    DeriveStats,
    check_names,
    compile_condition,
    derived_event,
    matching_records,
)
from .derive_shape import EventShape, learn_shape
from .store.readonly import DeriveError, ReadOnlyStore


class NotReadyError(Exception):
    """The database cannot be read yet; the follower looks again at its next tick."""


@dataclass(frozen=True, slots=True)
class FollowArgs:
    db: str
    aggregate: str
    where: str
    verb: str
    out: str


def read_ledger(out: Path, err: TextIO) -> set[str]:
    """The record keys already derived into ``out``; a torn last line is cut off."""
    if not out.exists():
        return set()
    data = out.read_bytes()
    cut = data.rfind(b"\n") + 1
    if cut < len(data):
        with open(out, "r+b") as fh:
            fh.truncate(cut)
            fh.flush()
            os.fsync(fh.fileno())
        print(f"note: {out}: cut off a torn last line ({len(data) - cut} bytes)", file=err)
    keys: set[str] = set()
    for n, line in enumerate(data[:cut].splitlines(), 1):
        try:
            keys.add(str(json.loads(line)["context"]["caused_by"]))
        except (ValueError, KeyError, TypeError):
            raise DeriveError(
                f"{out}:{n}: not a derived event (no context.caused_by): "
                "--follow appends only to a log it wrote"
            ) from None
    return keys


@dataclass
class DeriveFollower:
    """One follower: :meth:`tick` derives what the database's current position allows."""

    args: FollowArgs
    err: TextIO
    ledger: set[str] = field(default_factory=set)
    derived: int = 0
    position: list[Any] | None = None
    shape: EventShape | None = None

    def __post_init__(self) -> None:
        self.code = compile_condition(self.args.where)
        self.out = Path(self.args.out)
        self.state_path = Path(self.args.out + ".state")
        state = self._load_state()
        self.ledger = read_ledger(self.out, self.err)
        self.derived = len(self.ledger)
        if state:
            self.position = state.get("position")
            print(
                f"resuming: {self.derived} events already in {self.out}, database position "
                f"{self.position}",
                file=self.err,
            )

    def _load_state(self) -> dict:
        if not self.state_path.exists():
            return {}
        try:
            state = json.loads(self.state_path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as exc:
            raise DeriveError(f"{self.state_path}: unreadable state ({exc})") from None
        mine = {"aggregate": self.args.aggregate, "where": self.args.where, "verb": self.args.verb}
        theirs = {k: state.get(k) for k in mine}
        if theirs != mine:
            raise DeriveError(
                f"{self.out} was derived with {theirs}, not {mine}: give another --out "
                f"(or delete {self.out} and {self.state_path})"
            )
        return dict(state)

    def _save_state(self) -> None:
        state = {
            "db": str(Path(self.args.db).resolve()),
            "aggregate": self.args.aggregate,
            "where": self.args.where,
            "verb": self.args.verb,
            "position": self.position,
            "derived": self.derived,
            "saved_at": datetime.now(UTC).isoformat(timespec="seconds"),
        }
        tmp = self.state_path.with_name(self.state_path.name + ".tmp")
        with open(tmp, "w", encoding="utf-8") as fh:
            json.dump(state, fh)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, self.state_path)

    def _append(self, data: bytes) -> None:
        """Append whole lines, on disk before returning; on failure (a full disk) the file
        is cut back to where it was, so it never ends in half a line."""
        with open(self.out, "ab") as fh:
            size = fh.tell()
            try:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
            except BaseException:
                fh.truncate(size)
                raise

    def tick(self) -> int:
        """Derive from the database as it is now; the number of events appended."""
        if not Path(self.args.db).is_file():
            return 0  # `run --follow` has not created it yet
        try:
            store = ReadOnlyStore(self.args.db)
        except DeriveError as exc:  # being created by `run --follow`, or not a store at all
            raise NotReadyError(str(exc)) from None
        try:
            as_of = store.last_event_time()
            meta = store.meta
            position = [meta.get("stopped_at_offset"), meta.get("stopped_at_line"), str(as_of)]
            if as_of is None or position == self.position:
                return 0
            store.table(self.args.aggregate)
            check_names(store, self.args.aggregate, self.args.where)
            if self.shape is None:
                self.shape = learn_shape(meta.get("log_path"))
            stats = DeriveStats()
            now = datetime.now(UTC)
            keys, lines = [], []
            for m in matching_records(store, self.args.aggregate, self.code, as_of, stats):
                if m.key in self.ledger:
                    continue
                event = derived_event(self.shape, self.args.aggregate, self.args.verb, m, now)
                keys.append(m.key)
                lines.append(json.dumps(event, default=str) + "\n")
        finally:
            store.close()
        if lines:
            self._append("".join(lines).encode("utf-8"))
            self.ledger.update(keys)  # only once they are on disk
        self.derived += len(lines)
        self.position = position
        self._save_state()
        if stats.errors:
            print(stats.skipped_summary(), file=self.err)
        return len(lines)

    def follow(
        self,
        stop: threading.Event,
        poll: float = 1.0,
        on_tick: Callable[[int], None] | None = None,
    ) -> None:
        """Tick until ``stop`` is set; a database being written is retried at the next tick."""
        last_problem = ""
        while True:
            try:
                n = self.tick()
                last_problem = ""
                if on_tick is not None:
                    on_tick(n)
            except DeriveError:
                raise
            except Exception as exc:  # not created yet, locked for a moment: next tick
                problem = str(exc) if isinstance(exc, NotReadyError) else repr(exc)
                if problem != last_problem:
                    print(f"note: waiting for {self.args.db}: {problem}", file=self.err)
                last_problem = problem
            if stop.wait(poll):
                return


def cmd_follow(args: Any, err: TextIO) -> int:
    """``derive DB ... --follow --out FILE``: until Ctrl-C."""
    import signal

    follower = DeriveFollower(
        FollowArgs(args.db, args.aggregate, args.where, args.verb, args.out), err
    )
    stop = threading.Event()
    old = signal.signal(signal.SIGINT, lambda *_: stop.set())
    signal.signal(signal.SIGTERM, lambda *_: stop.set())
    print(
        f"following {args.db}: deriving {args.verb} from {args.aggregate} into {args.out} "
        "(Ctrl-C stops)",
        file=err,
    )

    def report(n: int) -> None:
        if n:
            print(f"{n} derived (total {follower.derived})", file=err, flush=True)

    try:
        follower.follow(stop, args.poll, report)
    finally:
        signal.signal(signal.SIGINT, old)
    print(f"stopped: {follower.derived} events in {args.out}", file=err)
    return 0
