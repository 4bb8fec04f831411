"""The field kernel: where every decision of a field update is made (§5.1, §16 R-5, R-10).

One field update, as Blurr 0.4.1's ``Field.run_evaluate`` does it:

1. ``When`` (if any) is evaluated. NameError, MissingAttributeError and ImportError abort the
   run; any other exception is swallowed (the listener is told) and counts as false. A false
   When leaves the field unchanged.
2. A field with no ``Value`` (falsy or invalid in the YAML) aborts the run.
3. ``Value`` is evaluated, with the same abort/swallow split. ``None`` leaves the field unchanged.
4. A value that is not already of the field's type is cast with the type's constructor; a
   failing cast is swallowed and leaves the field unchanged.
5. A naive datetime gets UTC attached. The value is stored.

A dimension is the same update on a record of its own; any outcome but "stored" makes the
aggregate skip the event.

These steps are written once, in :func:`_update`, as lines of Python. From them this module
generates, per aggregate, the functions both paths run: a batch function (no trace) and a
traced function (the same lines plus lines that record what was decided in a
:class:`~blurr_tui.engine.trace.FieldTrace`). Expressions are pasted into the function body
(fast) unless the spec needs Blurr's local context (a walrus, ``locals()``, ``dir()``,
``vars()``, ``eval``/``exec``: R-10) or the caller asks for ``inline=False``; then each one is
``eval(code, namespace, locals)`` with the run's one shared locals dict.
"""

from __future__ import annotations

import ast
from collections.abc import Callable, Iterable
from types import CodeType, FunctionType
from typing import Any

from . import trace as T
from .errors import ABORTING, EngineAbort, abort_from, describe_exception
from .fieldrun import END, IDENTITY, START, FieldRun
from .fields import with_utc

_P = "__bz_"
Note = Callable[[str, str, BaseException], None]
# Names whose result depends on the local context the expression runs in.
_LOCAL_CONTEXT_NAMES = frozenset({"locals", "dir", "vars", "eval", "exec"})


def needs_local_context(texts: Iterable[str]) -> bool:
    """True when an expression assigns a name (walrus) or looks at its local context: the
    pasted-in form would then differ from Blurr's ``eval(code, context, locals)``."""
    for text in texts:
        try:
            tree = ast.parse(text.strip(), mode="eval")
        except (SyntaxError, ValueError, RecursionError, MemoryError):
            continue  # it does not compile either: Blurr treats it as absent
        for node in ast.walk(tree):
            if isinstance(node, ast.NamedExpr):
                return True
            if isinstance(node, ast.Name) and node.id in _LOCAL_CONTEXT_NAMES:
                return True
    return False


def no_note(where: str, what: str, exc: BaseException) -> None:
    """The listener used when nobody listens for swallowed exceptions."""


def missing_value(f: FieldRun) -> EngineAbort:
    return EngineAbort(
        "the field has no Value expression (Blurr treats a falsy or invalid Value as absent and crashes)",
        where=f.fqn,
    )


def _abort(f: FieldRun, which: str, exc: BaseException) -> EngineAbort:
    if which == "missing":
        return missing_value(f)
    text = (f.when_text if which == "When" else f.value_text) or ""
    return abort_from(exc, f.fqn, text)


# ------------------------------------------------------------------ trace recording helpers
def snapshot_value(v: Any) -> Any:
    """A copy of a live value for the trace (containers are mutated in place later)."""
    if isinstance(v, dict):
        return dict(v)
    if isinstance(v, list):
        return list(v)
    if isinstance(v, set):
        return set(v)
    return v


def _start(f: FieldRun, values: dict[str, Any]) -> T.FieldTrace:
    old = snapshot_value(values.get(f.name))
    return T.FieldTrace(
        name=f.name,
        outcome=T.UPDATED,
        old=old,
        new=old,
        when_text=f.when_text,
        value_text=f.value_text,
        is_dimension=f.is_dimension,
    )


def _cast_error(f: FieldRun, v: Any, exc: BaseException) -> str:
    return f"cannot cast {v!r} to {f.ftype.value}: {describe_exception(exc)}"


def why_not(ft: T.FieldTrace) -> str:
    """Why a dimension was not stored, for the trace."""
    return {
        T.WHEN_FALSE: f"When is {ft.when_result!r}",
        T.WHEN_ERROR: f"When raised {ft.when_error}",
        T.VALUE_NONE: "Value is None",
        T.VALUE_ERROR: f"Value raised {ft.value_error}",
    }.get(ft.outcome, ft.cast_error or "")


# ------------------------------------------------------------------ the update, written once
def _expr(i: int, which: str, text: str | None, inline: bool) -> str:
    if inline:
        return "(\n" + (text or "") + "\n)"
    return f"{_P}eval({_P}{which}{i}, {_P}ns, {_P}loc)"


def _update(i: int, f: FieldRun, store: str, inline: bool) -> list[str]:
    """The lines of one field update. A line starting with ``T|`` is kept only in the traced
    function (it records; it never decides); ``ft`` is that field's FieldTrace."""
    F, v, e, ft = f"{_P}F[{i}]", f"{_P}v", f"{_P}e", f"{_P}ft"
    name = repr(f.name)
    lines = [f"T|{ft} = {_P}start({F}, {_P}values)"]
    if f.special == IDENTITY:
        return lines + [f"{v} = {_P}ns['identity']", store, f"T|{ft}.value_result = {ft}.new = {v}"]
    if f.special in (START, END):
        op = "<" if f.special == START else ">"
        return lines + [
            f"{_P}t = {_P}ns['time']",
            f"{_P}cur = {_P}values[{name}]",
            f"{v} = {_P}t if {_P}cur is None or {_P}t {op} {_P}cur else {_P}cur",
            store,
            f"T|{ft}.value_result = {ft}.new = {v}",
        ]
    body: list[str] = []
    if f.value is None:
        body = [f"raise {_P}abort({F}, 'missing', None)"]
    else:
        stored = [store, f"T|{ft}.new = {_P}snap({v})"]
        if f.is_datetime:
            stored = [f"if {v}.tzinfo is None:", f"    {v} = {_P}with_utc({v})", *stored]
        body = [
            "try:",
            f"    {v} = {_expr(i, 'V', f.value_text, inline)}",
            f"except {_P}ABORTING as {e}:",
            f"    raise {_P}abort({F}, 'Value', {e}) from {e}",
            f"except Exception as {e}:",
            f"    {_P}note({F}.fqn, 'Value', {e})",
            f"T|    {ft}.value_error = {_P}describe({e})",
            f"T|    {ft}.outcome = {_P}VALUE_ERROR",
            f"    {v} = None",
            "T|else:",
            f"T|    {ft}.value_result = {_P}snap({v})",
            f"T|    if {v} is None:",
            f"T|        {ft}.outcome = {_P}VALUE_NONE",
            f"if {v} is not None:",
            f"    if not isinstance({v}, {_P}T{i}):",
            "        try:",
            f"            {v} = {_P}C{i}({v})",
            f"        except Exception as {e}:",
            f"            {_P}note({F}.fqn, 'cast', {e})",
            f"T|            {ft}.cast_error = {_P}cast_error({F}, {v}, {e})",
            f"T|            {ft}.outcome = {_P}CAST_FAILED",
            f"            {v} = None",
            f"    if {v} is not None:",
            *[f"        {line}" for line in stored],
        ]
    if f.when is None:
        return lines + body
    return lines + [
        "try:",
        f"    {_P}w = {_expr(i, 'W', f.when_text, inline)}",
        f"except {_P}ABORTING as {e}:",
        f"    raise {_P}abort({F}, 'When', {e}) from {e}",
        f"except Exception as {e}:",
        f"    {_P}note({F}.fqn, 'When', {e})",
        f"T|    {ft}.when_error = {_P}describe({e})",
        f"T|    {ft}.outcome = {_P}WHEN_ERROR",
        f"    {_P}w = None",
        "T|else:",
        f"T|    {ft}.when_result = {_P}snap({_P}w)",
        f"T|    if not {_P}w:",
        f"T|        {ft}.outcome = {_P}WHEN_FALSE",
        f"if {_P}w:",
        *[f"    {line}" for line in body],
    ]


def _select(lines: list[str], traced: bool, indent: str = "    ") -> list[str]:
    """The lines of the batch (``traced=False``) or the traced function: ``T|`` lines (after
    their indentation) are dropped, or kept without the marker."""
    out = []
    for line in lines:
        body = line.lstrip(" ")
        if body.startswith("T|"):
            if not traced:
                continue
            line = line[: len(line) - len(body)] + body[2:]
        out.append(indent + line)
    return out


def _defaults(fields: list[FieldRun]) -> dict[str, Any]:
    """What the generated code reads, bound as keyword defaults (fast local lookups)."""
    d: dict[str, Any] = {
        f"{_P}F": fields,
        f"{_P}ABORTING": ABORTING,
        f"{_P}abort": _abort,
        f"{_P}with_utc": with_utc,
        f"{_P}note": no_note,
        f"{_P}eval": eval,
        f"{_P}start": _start,
        f"{_P}snap": snapshot_value,
        f"{_P}describe": describe_exception,
        f"{_P}cast_error": _cast_error,
        f"{_P}VALUE_ERROR": T.VALUE_ERROR,
        f"{_P}VALUE_NONE": T.VALUE_NONE,
        f"{_P}CAST_FAILED": T.CAST_FAILED,
        f"{_P}WHEN_ERROR": T.WHEN_ERROR,
        f"{_P}WHEN_FALSE": T.WHEN_FALSE,
    }
    for i, f in enumerate(fields):
        d[f"{_P}T{i}"] = f.pytype
        d[f"{_P}C{i}"] = f.cast
        d[f"{_P}W{i}"] = f.when
        d[f"{_P}V{i}"] = f.value
    return d


def _build(name: str, body: list[str], fields: list[FieldRun], label: str) -> Any:
    text = "\n".join(body)
    # Only what the body reads: every keyword default is copied into each call's frame.
    defaults = {k: v for k, v in _defaults(fields).items() if k in text or k == f"{_P}note"}
    params = ", ".join(f"{k}={k}" for k in defaults)
    head = f"def {_P}{name}({_P}values, {_P}ns, {_P}loc, {_P}out, *, {params}):\n"
    src = head + ("\n".join(body) or "    pass") + "\n"
    scope: dict[str, Any] = dict(defaults)
    exec(compile(src, f"<blurr {label}>", "exec"), scope)
    return scope[f"{_P}{name}"]


def compile_fields(fields: list[FieldRun], label: str, traced: bool, inline: bool) -> Any:
    """``f(values, ns, loc, out)``: every field of one aggregate, in record order, updated in
    ``values``; the traced form appends one FieldTrace per field to ``out``."""
    body: list[str] = []
    for i, f in enumerate(fields):
        lines = _update(i, f, f"{_P}values[{f.name!r}] = {_P}v", inline)
        if traced:
            lines.append(f"T|{_P}out.append({_P}ft)")
        body += _select(lines, traced)
    return _build("fields", body, fields, f"fields {label}")


def compile_dimensions(dims: list[FieldRun], label: str, traced: bool, inline: bool) -> Any:
    """``f(scratch, ns, loc, out)`` → the dimension values, or None as soon as one is not
    stored (the aggregate then skips the event); the traced form appends each FieldTrace."""
    body = [f"    {_P}dv = []"]
    for i, f in enumerate(dims):
        lines = _update(i, f, f"{_P}dv.append({_P}v)", inline)
        lines.append(f"T|{_P}out.append({_P}ft)")
        lines += [f"if len({_P}dv) != {i + 1}:", "    return None"]
        body += _select(lines, traced)
    body.append(f"    return {_P}dv")
    return _build("dims", body, dims, f"dimensions {label}")


def bind(template: Any, ns: dict[str, Any], note: Note | None) -> Any:
    """The same function with ``ns`` (one identity's namespace) as its globals and ``note``
    as the listener for swallowed exceptions."""
    fn = FunctionType(
        template.__code__, ns, template.__name__, template.__defaults__, template.__closure__
    )
    kw = dict(template.__kwdefaults__)
    if note is not None:
        kw[f"{_P}note"] = note
    fn.__kwdefaults__ = kw
    return fn


# ------------------------------------------------------------------ aggregate / transformer When
def eval_when(
    code: CodeType | None,
    text: str | None,
    ns: dict[str, Any],
    where: str,
    loc: dict[str, Any] | None,
    note: Note | None = None,
) -> tuple[Any, str | None]:
    """An aggregate or transformer When: (result, error). Absent → (True, None). Aborts and
    swallows exactly as a field's When does."""
    if code is None:
        return True, None
    try:
        return eval(code, ns, loc), None
    except ABORTING as exc:
        raise abort_from(exc, where, text or "") from exc
    except Exception as exc:
        if note is not None:
            note(where, "When", exc)
        return None, describe_exception(exc)
