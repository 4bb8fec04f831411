"""Exceptions Blurr swallows (a field's ``When``/``Value`` raised: the field is not updated).

Blurr says nothing about them; ``run`` keeps each one (line, identity, aggregate, field,
expression, exception) and ``run`` and ``transform`` end with a short summary on stderr:
the count per field, the first line and the exception.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from ..engine.spec import StreamingSpec


@dataclass(slots=True)
class FieldErrors:
    aggregate: str
    field: str
    count: int
    first_line: int
    first_identity: str | None
    expression: str
    exception: str


class SwallowedErrors:
    """Collects swallowed exceptions: rows to store (buffered) and a per-field summary."""

    def __init__(self, spec: StreamingSpec, keep_rows: bool = True) -> None:
        self.keep_rows = keep_rows
        self._where: dict[str, tuple[str, str, dict[str, str]]] = {}
        for agg in spec.aggregates:
            texts = {"When": agg.when.text} if agg.when is not None else {}
            self._where[agg.fqn] = (agg.name, "", texts)
            for f in agg.fields + agg.dimensions:
                texts = {}
                if f.value is not None:
                    texts["Value"] = texts["cast"] = f.value.text
                if f.when is not None:
                    texts["When"] = f.when.text
                self._where[f.fqn] = (agg.name, f.name, texts)
        self.rows: list[tuple[int, str | None, str, str, str, str]] = []
        self.summary: dict[tuple[str, str], FieldErrors] = {}
        self.total = 0

    def add(
        self, line: int, identity: str | None, where: str, what: str, exc: BaseException
    ) -> None:
        agg, field, texts = self._where.get(where, (where, "", {}))
        expr = texts.get(what, "")
        text = f"{type(exc).__name__}: {exc}"
        if what == "cast":
            text = f"cast to the field's type: {text}"
        if self.keep_rows:
            self.rows.append((line, identity, agg, field, expr, text))
        self.total += 1
        s = self.summary.get((agg, field))
        if s is None:
            self.summary[(agg, field)] = FieldErrors(agg, field, 1, line, identity, expr, text)
        else:
            s.count += 1
            if line < s.first_line:  # the earliest line, whatever order identities ran in
                s.first_line, s.first_identity, s.exception = line, identity, text

    def merge(self, other: SwallowedErrors) -> None:
        """Add another part's counts (parallel ``transform``)."""
        self.total += other.total
        for key, o in other.summary.items():
            s = self.summary.get(key)
            if s is None:
                self.summary[key] = o
                continue
            s.count += o.count
            if o.first_line < s.first_line:
                s.first_line, s.first_identity, s.exception = (
                    o.first_line,
                    o.first_identity,
                    o.exception,
                )

    def drain(self) -> list[tuple[int, str | None, str, str, str, str]]:
        rows, self.rows = self.rows, []
        return rows

    def report(self, table_hint: str | None = None, limit: int = 10) -> list[str]:
        """Lines for stderr (empty when nothing was swallowed)."""
        if not self.total:
            return []
        n = len(self.summary)
        out = [
            f"{self.total:,} expression error(s) swallowed as Blurr does (the field was not "
            f"updated), in {n} field(s):"
        ]
        order = sorted(self.summary.values(), key=lambda s: (-s.count, s.aggregate, s.field))
        for s in order[:limit]:
            name = f"{s.aggregate}.{s.field}" if s.field else s.aggregate
            out.append(
                f"  {name}: {s.count:,} time(s), first at line {s.first_line}: {s.exception}"
                + (f"  [{s.expression}]" if s.expression else "")
            )
        if n > limit:
            out.append(f"  ... and {n - limit} more field(s)")
        if table_hint:
            out.append(f"  every one is in {table_hint}")
        return out


def listener(errors: SwallowedErrors, current: list) -> Callable[[str, str, BaseException], None]:
    """``engine.on_swallowed`` for ``transform``: ``current`` is [identity, its events sorted
    (time, record, line), its IdentityRun], set as each identity starts."""

    def note(where: str, what: str, exc: BaseException) -> None:
        identity, events, run = current
        line = events[run.events - 1][2] if run is not None and run.events else 0
        errors.add(line, identity, where, what, exc)

    return note


__all__ = ["Any", "FieldErrors", "SwallowedErrors", "listener"]
