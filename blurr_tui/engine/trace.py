"""Plain-data traces of what one event did: the app and the tests read these.

A trace is built only when asked for (``trace=True``); batch runs skip it entirely.
Values are the live Python values at the time (copied for containers), so a reader can
show ``old -> new``; exceptions are kept as ``"ExcType: message"`` strings.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

# FieldTrace.outcome values
UPDATED = "updated"  # value stored (it may equal the old one)
WHEN_FALSE = "when-false"  # When was falsy (False, None, 0, ...)
WHEN_ERROR = "when-error"  # When raised (swallowed, counts as false)
VALUE_NONE = "value-none"  # Value gave None: no update
VALUE_ERROR = "value-error"  # Value raised (swallowed, no update)
CAST_FAILED = "cast-failed"  # the cast to the field type raised: no update
NOT_EVALUATED = "not-evaluated"  # aggregate skipped, so the field was not run

# AggregateTrace.action values
CONTINUED = "continued"  # same record as the previous event
NEW = "new"  # a new record started from defaults
RESTORED = "restored"  # an earlier record of this key was read back from the store
SPLIT = "split"  # Activity: the previous block was closed by inactivity, a new one started
SKIPPED_WHEN = "skipped-when"  # aggregate When was falsy
SKIPPED_DIMENSION = "skipped-dimension"  # a dimension failed: aggregate ignored the event
SKIPPED_TRANSFORMER = "skipped-transformer"  # the BTS-level When was falsy


@dataclass(slots=True)
class FieldTrace:
    name: str
    outcome: str
    old: Any = None
    new: Any = None
    when_text: str | None = None
    when_result: Any = None
    when_error: str | None = None
    value_text: str | None = None
    value_result: Any = None
    value_error: str | None = None
    cast_error: str | None = None
    is_dimension: bool = False

    @property
    def changed(self) -> bool:
        return self.outcome == UPDATED and self.old != self.new


@dataclass(slots=True)
class AggregateTrace:
    name: str
    kind: str
    action: str
    key: str | None = None  # key of the record the event went into (after)
    persisted_key: str | None = None  # a record closed and saved by this event
    when_text: str | None = None
    when_result: Any = None
    when_error: str | None = None
    # Identity/Block: Blurr evaluates the When again once the record is chosen; the
    # fields run only if this second result is truthy too.
    when_again_result: Any = None
    when_again_error: str | None = None
    dimensions: dict[str, Any] = field(default_factory=dict)
    dimension_error: str | None = None  # why the dimensions failed, when they did
    fields: list[FieldTrace] = field(default_factory=list)


@dataclass(slots=True)
class EventTrace:
    identity: str
    time: datetime
    when_text: str | None = None
    when_result: Any = True
    when_error: str | None = None
    aggregates: list[AggregateTrace] = field(default_factory=list)
    saved_keys: list[str] = field(default_factory=list)  # every key written during the event

    @property
    def errors(self) -> list[str]:
        out: list[str] = []
        if self.when_error:
            out.append(f"When: {self.when_error}")
        for agg in self.aggregates:
            if agg.when_error:
                out.append(f"{agg.name} When: {agg.when_error}")
            if agg.when_again_error:
                out.append(f"{agg.name} When (again): {agg.when_again_error}")
            if agg.dimension_error:
                out.append(f"{agg.name} dimensions: {agg.dimension_error}")
            for f in agg.fields:
                err = f.when_error or f.value_error or f.cast_error
                if err:
                    out.append(f"{agg.name}.{f.name}: {err}")
        return out
