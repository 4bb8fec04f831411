"""How two runs' records differ, and how one expected value compares with what a run made.

The one place for record comparison: ``blurr-tui diff`` (two specs), ``blurr-tui test``
(expected values vs a run) and the app's Diff tab (the run before a reload vs after) all use
:func:`diff_runs` / :func:`same_value` / :func:`show_value`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from .memory_run import MemoryRun

CHANGED = "changed"
ONLY_OLD = "only_old"  # the record exists only in the first (old) run
ONLY_NEW = "only_new"


class _Absent:
    def __repr__(self) -> str:
        return "(absent)"


ABSENT: Any = _Absent()  # a field one run's record does not have


@dataclass(frozen=True, slots=True)
class FieldChange:
    field: str
    old: Any
    new: Any

    def format(self) -> str:
        return f"{self.field}: {show_value(self.old)} → {show_value(self.new)}"


@dataclass(frozen=True, slots=True)
class RecordChange:
    """One record that differs: its aggregate, key text, identity and what changed."""

    aggregate: str
    key: str
    identity: str
    kind: str  # CHANGED, ONLY_OLD or ONLY_NEW
    changes: tuple[FieldChange, ...] = ()
    record: dict | None = None  # the record of the run it exists in (ONLY_OLD / ONLY_NEW)


@dataclass(frozen=True, slots=True)
class WindowChange:
    identity: str
    row: int  # 1-based row of the identity
    kind: str
    changes: tuple[FieldChange, ...] = ()


@dataclass(frozen=True, slots=True)
class RunDiff:
    records: tuple[RecordChange, ...]
    window_rows: tuple[WindowChange, ...]

    @property
    def empty(self) -> bool:
        return not self.records and not self.window_rows


def _time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return value
    if isinstance(value, str) and len(value) >= 10 and value[4:5] == "-":
        try:
            return datetime.fromisoformat(value)
        except ValueError:
            return None
    return None


def same_value(expected: Any, got: Any) -> bool:
    """Equal as values: ``1 == 1.0``, a datetime equals its ISO text (same instant), a set
    equals a list of its items in any order."""
    if expected is ABSENT or got is ABSENT:
        return expected is got
    if isinstance(expected, bool) or isinstance(got, bool):
        return type(expected) is type(got) and expected == got
    if expected == got:
        return True
    a, b = _time(expected), _time(got)
    if a is not None and b is not None and isinstance(expected, datetime | str):
        if (a.tzinfo is None) != (b.tzinfo is None):  # a naive expectation means UTC
            a, b = a.replace(tzinfo=None), b.replace(tzinfo=None)
        return a == b
    if isinstance(expected, set | frozenset) and isinstance(got, list | tuple):
        return len(expected) == len(got) and all(x in expected for x in got)
    if isinstance(expected, dict) and isinstance(got, dict):
        return expected.keys() == got.keys() and all(same_value(expected[k], got[k]) for k in got)
    if isinstance(expected, list | tuple) and isinstance(got, list | tuple):
        return len(expected) == len(got) and all(
            same_value(x, y) for x, y in zip(expected, got, strict=True)
        )
    return False


def show_value(value: Any) -> str:
    if value is ABSENT:
        return "(absent)"
    if isinstance(value, datetime):
        return value.isoformat()
    try:
        return json.dumps(value, ensure_ascii=False, default=str)
    except (TypeError, ValueError):
        return repr(value)


def field_changes(old: dict, new: dict) -> tuple[FieldChange, ...]:
    """The fields whose values differ, in the new record's order (then the old's)."""
    names = list(new) + [k for k in old if k not in new]
    out = []
    for name in names:
        a, b = old.get(name, ABSENT), new.get(name, ABSENT)
        if not same_value(a, b):
            out.append(FieldChange(name, a, b))
    return tuple(out)


def diff_runs(old: MemoryRun, new: MemoryRun) -> RunDiff:
    """Records (by key) and window rows (by identity and row) that differ between two runs."""
    changes: list[RecordChange] = []
    for lookup, (key, rec) in new.records.items():
        hit = old.records.get(lookup)
        if hit is None:
            changes.append(RecordChange(key.group, str(key), key.identity, ONLY_NEW, (), rec))
            continue
        diff = field_changes(hit[1], rec)
        if diff:
            changes.append(RecordChange(key.group, str(key), key.identity, CHANGED, diff))
    for lookup, (key, rec) in old.records.items():
        if lookup not in new.records:
            changes.append(RecordChange(key.group, str(key), key.identity, ONLY_OLD, (), rec))
    return RunDiff(tuple(changes), tuple(_window_changes(old, new)))


def _window_changes(old: MemoryRun, new: MemoryRun) -> list[WindowChange]:
    out = []
    identities = list(new.window_rows) + [i for i in old.window_rows if i not in new.window_rows]
    for identity in identities:
        a, b = old.window_rows.get(identity, []), new.window_rows.get(identity, [])
        for i in range(max(len(a), len(b))):
            if i >= len(a):
                out.append(WindowChange(identity, i + 1, ONLY_NEW))
            elif i >= len(b):
                out.append(WindowChange(identity, i + 1, ONLY_OLD))
            else:
                diff = field_changes(a[i], b[i])
                if diff:
                    out.append(WindowChange(identity, i + 1, CHANGED, diff))
    return out
