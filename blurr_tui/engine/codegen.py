"""Batch fast path: one generated Python function per aggregate for its fields (no trace).

``eval_fields`` calls ``eval`` once per When and Value and looks every setting up on a
``FieldRun``; here the expressions are pasted into one function body (each is compiled on
its own first, so only valid expressions get there) with the casts and types bound as
default arguments.  The function is compiled once per spec and re-bound to each identity's
namespace with ``FunctionType`` (cheap).  Decisions are exactly those of
:func:`blurr_tui.engine.fieldrun.eval_fields` (``tests/test_codegen.py`` checks both paths
on the corpus).
"""

from __future__ import annotations

from collections.abc import Callable
from types import FunctionType
from typing import Any

from .errors import ABORTING, EngineAbort, abort_from
from .fieldrun import END, IDENTITY, START, FieldRun
from .fields import with_utc

_P = "__bz_"


def _abort(fields: list[FieldRun], i: int, which: str, exc: BaseException) -> EngineAbort:
    f = fields[i]
    if which == "missing":
        return EngineAbort(
            "the field has no Value expression (Blurr treats a falsy or invalid Value as absent and crashes)",
            where=f.fqn,
        )
    text = (f.when_text if which == "when" else f.value_text) or ""
    return abort_from(exc, f.fqn, text)


def _expr(text: str) -> str:
    return "(\n" + text + "\n)"


def _field_lines(i: int, f: FieldRun) -> list[str]:
    v, c, t = f"{_P}v", f"{_P}C{i}", f"{_P}T{i}"
    name = repr(f.name)
    if f.special == IDENTITY:
        return [f"    {_P}values[{name}] = {_P}ns['identity']"]
    if f.special in (START, END):
        op = "<" if f.special == START else ">"
        return [
            f"    {_P}t = {_P}ns['time']",
            f"    {_P}cur = {_P}values[{name}]",
            f"    {_P}values[{name}] = {_P}t if {_P}cur is None or {_P}t {op} {_P}cur else {_P}cur",
        ]
    out: list[str] = []
    indent = "    "
    if f.when is not None:
        out += [
            f"{indent}try:",
            f"{indent}    {_P}w = {_expr(f.when_text or '')}",
            f"{indent}except {_P}ABORTING as {_P}e:",
            f"{indent}    raise {_P}abort({_P}F, {i}, 'when', {_P}e) from {_P}e",
            f"{indent}except Exception as {_P}e:",
            f"{indent}    {_P}note({_P}F[{i}].fqn, 'When', {_P}e)",
            f"{indent}    {_P}w = None",
            f"{indent}if {_P}w:",
        ]
        indent += "    "
    if f.value is None:
        out.append(f"{indent}raise {_P}abort({_P}F, {i}, 'missing', None)")
        return out
    out += [
        f"{indent}try:",
        f"{indent}    {v} = {_expr(f.value_text or '')}",
        f"{indent}except {_P}ABORTING as {_P}e:",
        f"{indent}    raise {_P}abort({_P}F, {i}, 'value', {_P}e) from {_P}e",
        f"{indent}except Exception as {_P}e:",
        f"{indent}    {_P}note({_P}F[{i}].fqn, 'Value', {_P}e)",
        f"{indent}    {v} = None",
        f"{indent}if {v} is not None:",
        f"{indent}    {_P}ok = True",
        f"{indent}    if not isinstance({v}, {t}):",
        f"{indent}        try:",
        f"{indent}            {v} = {c}({v})",
        f"{indent}        except Exception as {_P}e:",
        f"{indent}            {_P}note({_P}F[{i}].fqn, 'cast', {_P}e)",
        f"{indent}            {_P}ok = False",
        f"{indent}    if {_P}ok:",
    ]
    if f.is_datetime:
        out += [
            f"{indent}        if {v}.tzinfo is None:",
            f"{indent}            {v} = {_P}with_utc({v})",
        ]
    out.append(f"{indent}        {_P}values[{name}] = {v}")
    return out


def _defaults(fields: list[FieldRun]) -> dict[str, Any]:
    """What the generated code reads, bound as keyword defaults (fast local lookups)."""
    defaults: dict[str, Any] = {
        f"{_P}F": fields,
        f"{_P}ABORTING": ABORTING,
        f"{_P}abort": _abort,
        f"{_P}with_utc": with_utc,
    }
    for i, f in enumerate(fields):
        defaults[f"{_P}T{i}"] = f.pytype
        defaults[f"{_P}C{i}"] = f.cast
    return defaults


def _build(name: str, args: str, body: list[str], defaults: dict[str, Any], label: str) -> Any:
    params = ", ".join(f"{k}={k}" for k in defaults)
    src = f"def {_P}{name}({args}, *, {params}):\n" + ("\n".join(body) or "    pass") + "\n"
    scope: dict[str, Any] = dict(defaults)
    exec(compile(src, f"<blurr {label}>", "exec"), scope)
    return scope[f"{_P}{name}"]


def compile_fields(fields: list[FieldRun], label: str) -> Callable[..., Any]:
    """A function ``f(values, ns)`` doing what ``eval_fields(fields, values, ns)`` does."""
    body: list[str] = []
    for i, f in enumerate(fields):
        body += _field_lines(i, f)
    args = f"{_P}values, {_P}ns"
    return _build("fields", args, body, _defaults(fields), f"fields {label}")


def bind(template: Callable[..., Any], ns: dict[str, Any]) -> Callable[..., Any]:
    """The same function with ``ns`` (one identity's namespace) as its globals."""
    fn = FunctionType(
        template.__code__, ns, template.__name__, template.__defaults__, template.__closure__
    )
    fn.__kwdefaults__ = template.__kwdefaults__
    return fn


def compile_dimensions(dims: list[FieldRun], label: str) -> Callable[..., Any]:
    """A function ``f(ns)`` → list of dimension values, or None when one fails (no trace)."""
    body: list[str] = [f"    {_P}out = []"]
    v = f"{_P}v"
    for i, f in enumerate(dims):
        if f.when is not None:
            body += [
                "    try:",
                f"        {_P}w = {_expr(f.when_text or '')}",
                f"    except {_P}ABORTING as {_P}e:",
                f"        raise {_P}abort({_P}F, {i}, 'when', {_P}e) from {_P}e",
                f"    except Exception as {_P}e:",
                f"        {_P}note({_P}F[{i}].fqn, 'When', {_P}e)",
                "        return None",
                f"    if not {_P}w:",
                "        return None",
            ]
        if f.value is None:
            body.append(f"    raise {_P}abort({_P}F, {i}, 'missing', None)")
            continue
        body += [
            "    try:",
            f"        {v} = {_expr(f.value_text or '')}",
            f"    except {_P}ABORTING as {_P}e:",
            f"        raise {_P}abort({_P}F, {i}, 'value', {_P}e) from {_P}e",
            f"    except Exception as {_P}e:",
            f"        {_P}note({_P}F[{i}].fqn, 'Value', {_P}e)",
            "        return None",
            f"    if {v} is None:",
            "        return None",
            f"    if not isinstance({v}, {_P}T{i}):",
            "        try:",
            f"            {v} = {_P}C{i}({v})",
            f"        except Exception as {_P}e:",
            f"            {_P}note({_P}F[{i}].fqn, 'cast', {_P}e)",
            "            return None",
        ]
        if f.is_datetime:
            body += [f"    if {v}.tzinfo is None:", f"        {v} = {_P}with_utc({v})"]
        body.append(f"    {_P}out.append({v})")
    body.append(f"    return {_P}out")
    return _build("dims", f"{_P}ns", body, _defaults(dims), f"dimensions {label}")


def compile_read(identity_text: str, time_text: str, label: str) -> Callable[..., Any]:
    """``f()`` → (identity, time) for the reading stage, or None when anything is off.

    Runs with the read namespace as globals (``source`` set by the caller). None sends the
    caller to the interpreted path, which says precisely what went wrong.
    """
    from datetime import datetime

    src = (
        f"def {_P}read(*, {_P}datetime={_P}datetime):\n"
        f"    try:\n"
        f"        {_P}i = {_expr(identity_text)}\n"
        f"        if not {_P}i or {_P}i.__class__ is not str:\n"
        f"            return None\n"
        f"        {_P}t = {_expr(time_text)}\n"
        f"    except Exception:\n"
        f"        return None\n"
        f"    if not isinstance({_P}t, {_P}datetime):\n"
        f"        return None\n"
        f"    return {_P}i, {_P}t\n"
    )
    scope: dict[str, Any] = {f"{_P}datetime": datetime}
    exec(compile(src, f"<blurr read {label}>", "exec"), scope)
    return scope[f"{_P}read"]
