"""What the kernel needs to know about each field of an aggregate, and the record layout.

The decisions of a field update are in :mod:`blurr_tui.engine.kernel`; this module only
describes the fields (type, cast, compiled expressions) in record order.
"""

from __future__ import annotations

from dataclasses import dataclass
from types import CodeType
from typing import Any

from .fields import CASTS, PY_TYPES, default
from .spec import AggregateSpec, FieldSpec, FieldType

# FieldRun.special values
USER = 0
IDENTITY = 1  # _identity: Value is `identity`
START = 2  # _start_time: min(time)
END = 3  # _end_time: max(time)


@dataclass(slots=True)
class FieldRun:
    name: str
    ftype: FieldType
    pytype: type
    cast: Any
    when: CodeType | None
    value: CodeType | None
    when_text: str | None
    value_text: str | None
    fqn: str
    is_datetime: bool
    special: int = USER
    is_dimension: bool = False

    @classmethod
    def from_spec(cls, spec: FieldSpec, is_dimension: bool = False) -> FieldRun:
        assert spec.type is not None
        return cls(
            name=spec.name,
            ftype=spec.type,
            pytype=PY_TYPES[spec.type],
            cast=CASTS[spec.type],
            when=spec.when.code if spec.when else None,
            value=spec.value.code if spec.value else None,
            when_text=spec.when.text if spec.when else None,
            value_text=spec.value.text if spec.value else None,
            fqn=spec.fqn,
            is_datetime=spec.type is FieldType.DATETIME,
            is_dimension=is_dimension,
        )

    @classmethod
    def internal(cls, name: str, ftype: FieldType, special: int, fqn: str, text: str) -> FieldRun:
        return cls(
            name=name,
            ftype=ftype,
            pytype=PY_TYPES[ftype],
            cast=CASTS[ftype],
            when=None,
            value=None,
            when_text=None,
            value_text=text,
            fqn=fqn,
            is_datetime=ftype is FieldType.DATETIME,
            special=special,
        )

    def default(self) -> Any:
        return default(self.ftype)


def field_runs(spec: AggregateSpec) -> tuple[list[FieldRun], list[FieldRun]]:
    """(all fields in record order, dimension fields).

    Record order is Blurr's: ``_identity``, the time fields, the user fields, then the
    dimensions that no field shares a name with (a field named like a dimension *is* that
    dimension, at the field's position: R-6; the loader already resolved which definition
    wins).
    """
    internal = [
        FieldRun.internal(
            "_identity", FieldType.STRING, IDENTITY, f"{spec.fqn}._identity", "identity"
        )
    ]
    if spec.has_time_fields:
        internal.append(
            FieldRun.internal(
                "_start_time", FieldType.DATETIME, START, f"{spec.fqn}._start_time", "min(time)"
            )
        )
        internal.append(
            FieldRun.internal(
                "_end_time", FieldType.DATETIME, END, f"{spec.fqn}._end_time", "max(time)"
            )
        )
    dim_names = {d.name for d in spec.dimensions}
    taken = {f.name for f in internal}
    user = []
    for f in spec.fields:
        if f.name not in taken:
            taken.add(f.name)
            user.append(FieldRun.from_spec(f, is_dimension=f.name in dim_names))
    dims = [FieldRun.from_spec(d, is_dimension=True) for d in spec.dimensions]
    extra = [d for d in dims if d.name not in taken]
    return internal + user + extra, dims
