"""Evaluating the fields of one aggregate for one event (§5.1), with or without a trace."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC
from types import CodeType
from typing import Any

from . import trace as T
from .errors import ABORTING, EngineAbort, abort_from, describe_exception
from .fields import CASTS, PY_TYPES, default, with_utc
from .spec import FieldSpec, FieldType

UTC = UTC

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


NOTE = "__bz_note"  # in a namespace: called with (fqn, "When"|"Value"|"cast", exception)


def note(ns: dict[str, Any], where: str, what: str, exc: BaseException) -> None:
    """Tell the engine's listener about an exception Blurr swallows (the run goes on)."""
    listener = ns.get(NOTE)
    if listener is not None:
        listener(where, what, exc)


def _missing_value(f: FieldRun) -> EngineAbort:
    return EngineAbort(
        "the field has no Value expression (Blurr treats a falsy or invalid Value as absent and crashes)",
        where=f.fqn,
    )


def _internal_value(f: FieldRun, values: dict[str, Any], ns: dict[str, Any]) -> Any:
    if f.special == IDENTITY:
        return ns["identity"]
    time = ns["time"]
    cur = values[f.name]
    if f.special == START:
        return time if cur is None or time < cur else cur
    return time if cur is None or time > cur else cur


def eval_fields(
    fields: list[FieldRun],
    values: dict[str, Any],
    ns: dict[str, Any],
    loc: dict[str, Any] | None = None,
) -> None:
    """The interpreted path without a trace (window aggregates, and ``fast=False`` to check
    the generated code against): the same decisions as :func:`eval_field_traced`."""
    for f in fields:
        if f.special:
            values[f.name] = _internal_value(f, values, ns)
        else:
            eval_field_traced(f, values, ns, loc)


def snapshot_value(v: Any) -> Any:
    """A copy of a live value for the trace (containers are mutated in place later)."""
    if isinstance(v, dict):
        return dict(v)
    if isinstance(v, list):
        return list(v)
    if isinstance(v, set):
        return set(v)
    return v


def eval_field_traced(
    f: FieldRun, values: dict[str, Any], ns: dict[str, Any], loc: dict[str, Any] | None = None
) -> T.FieldTrace:
    """One field with everything recorded; same decisions as :func:`eval_fields`."""
    old = snapshot_value(values.get(f.name))
    ft = T.FieldTrace(
        name=f.name,
        outcome=T.UPDATED,
        old=old,
        new=old,
        when_text=f.when_text,
        value_text=f.value_text,
        is_dimension=f.is_dimension,
    )
    if f.special:
        v = _internal_value(f, values, ns)
        values[f.name] = v
        ft.value_result = ft.new = v
        return ft
    if f.when is not None:
        try:
            w = eval(f.when, ns, loc)
        except ABORTING as exc:
            raise abort_from(exc, f.fqn, f.when_text or "") from exc
        except Exception as exc:
            note(ns, f.fqn, "When", exc)
            ft.when_error = describe_exception(exc)
            ft.outcome = T.WHEN_ERROR
            return ft
        ft.when_result = snapshot_value(w)
        if not w:
            ft.outcome = T.WHEN_FALSE
            return ft
    if f.value is None:
        raise _missing_value(f)
    try:
        v = eval(f.value, ns, loc)
    except ABORTING as exc:
        raise abort_from(exc, f.fqn, f.value_text or "") from exc
    except Exception as exc:
        note(ns, f.fqn, "Value", exc)
        ft.value_error = describe_exception(exc)
        ft.outcome = T.VALUE_ERROR
        return ft
    ft.value_result = snapshot_value(v)
    if v is None:
        ft.outcome = T.VALUE_NONE
        return ft
    if not isinstance(v, f.pytype):
        try:
            v = f.cast(v)
        except Exception as exc:
            note(ns, f.fqn, "cast", exc)
            ft.cast_error = f"cannot cast {v!r} to {f.ftype.value}: {describe_exception(exc)}"
            ft.outcome = T.CAST_FAILED
            return ft
    if f.is_datetime and v.tzinfo is None:
        v = with_utc(v)
    values[f.name] = v
    ft.new = snapshot_value(v)
    return ft


def eval_fields_traced(
    fields: list[FieldRun],
    values: dict[str, Any],
    ns: dict[str, Any],
    out: list[T.FieldTrace],
    loc: dict[str, Any] | None = None,
) -> None:
    for f in fields:
        out.append(eval_field_traced(f, values, ns, loc))


def eval_dimension(
    f: FieldRun, ns: dict[str, Any], loc: dict[str, Any] | None = None
) -> tuple[bool, Any, str | None]:
    """Evaluate a dimension without storing it: (ok, value, why-not).

    The same decisions as a field (:func:`eval_field_traced`), on a scratch record.
    """
    scratch: dict[str, Any] = {f.name: None}
    ft = eval_field_traced(f, scratch, ns, loc)
    if ft.outcome == T.UPDATED:
        return True, scratch[f.name], None
    why = {
        T.WHEN_FALSE: f"When is {ft.when_result!r}",
        T.WHEN_ERROR: f"When raised {ft.when_error}",
        T.VALUE_NONE: "Value is None",
        T.VALUE_ERROR: f"Value raised {ft.value_error}",
    }.get(ft.outcome, ft.cast_error)
    return False, None, why


def eval_when(
    code: CodeType | None,
    text: str | None,
    ns: dict[str, Any],
    where: str,
    loc: dict[str, Any] | None = None,
) -> tuple[Any, str | None]:
    """An aggregate or transformer When: (result, error). Absent → (True, None)."""
    if code is None:
        return True, None
    try:
        return eval(code, ns, loc), None
    except ABORTING as exc:
        raise abort_from(exc, where, text or "") from exc
    except Exception as exc:
        note(ns, where, "When", exc)
        return None, describe_exception(exc)
