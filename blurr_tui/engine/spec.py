"""Frozen dataclasses describing a loaded BTS (streaming or window).

These hold what the runtime needs, already normalised the way Blurr 0.4.1 reads a document:
type names lower-cased, falsy or uncompilable expressions turned into ``None`` (absent),
``SeparateByInactiveSeconds`` parsed with Blurr's digits-only rule.  Validation (reporting
mistakes to the user) is a separate concern: see :mod:`blurr_tui.engine.validation`.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import CodeType

from .typenames import STREAMING, WINDOW, AggregateKind, FieldType

__all__ = ["AggregateKind", "FieldType"]  # re-exported: they describe a loaded spec too


@dataclass(frozen=True, slots=True)
class Expression:
    """One Python expression of the spec, compiled once.

    ``code`` is ``None`` when Blurr treats the expression as absent (falsy YAML value or a
    syntax error); ``text`` keeps what the user wrote either way, for traces and messages.
    """

    text: str
    code: CodeType | None
    syntax_error: str | None = None  # why ``code`` is None, for messages


@dataclass(frozen=True, slots=True)
class FieldSpec:
    name: str
    type: FieldType | None  # None: unknown type name (kept as ``type_name``)
    type_name: str
    value: Expression | None
    when: Expression | None
    fqn: str


@dataclass(frozen=True, slots=True)
class AggregateSpec:
    name: str
    kind: AggregateKind
    type_name: str
    fields: tuple[FieldSpec, ...]  # user fields only, in declared order
    dimensions: tuple[FieldSpec, ...] = ()
    when: Expression | None = None
    store: str | None = None
    fqn: str = ""
    # Activity
    inactive_seconds: int = 0
    # Window aggregates
    window_type: str | None = None  # lower-cased text as written
    window_value: object = None  # as written (int normally)
    source: str | None = None  # "<stream>.<aggregate>"

    @property
    def has_time_fields(self) -> bool:
        return self.kind in (AggregateKind.BLOCK, AggregateKind.ACTIVITY)


@dataclass(frozen=True, slots=True)
class ImportSpec:
    module: str
    identifiers: tuple[str, ...] = ()

    @property
    def statement(self) -> str:
        if self.identifiers:
            return f"from {self.module} import {','.join(self.identifiers)}"
        return f"import {self.module}"


@dataclass(frozen=True, slots=True)
class StoreSpec:
    name: str
    type_name: str


@dataclass(frozen=True, slots=True)
class StreamingSpec:
    name: str
    identity: Expression | None
    time: Expression | None
    when: Expression | None
    imports: tuple[ImportSpec, ...]
    stores: tuple[StoreSpec, ...]
    aggregates: tuple[AggregateSpec, ...]
    path: str = "<string>"
    text: str = ""
    type_name: str = STREAMING
    # Set when Blurr would fail every record of this spec (its Type is not a streaming
    # transform): ``transform`` mirrors that, ``run`` and ``replay`` refuse the spec.
    reject_reason: str | None = None

    @property
    def output_store(self) -> str | None:
        return self.stores[0].name if self.stores else None

    def aggregate(self, name: str) -> AggregateSpec:
        for agg in self.aggregates:
            if agg.name == name:
                return agg
        raise KeyError(name)


@dataclass(frozen=True, slots=True)
class AnchorSpec:
    condition: Expression | None
    max: object = None  # as written; int normally


@dataclass(frozen=True, slots=True)
class WindowSpec:
    name: str
    anchor: AnchorSpec | None
    when: Expression | None
    imports: tuple[ImportSpec, ...]
    aggregates: tuple[AggregateSpec, ...]
    path: str = "<string>"
    text: str = ""
    type_name: str = WINDOW
