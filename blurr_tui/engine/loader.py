"""YAML text → frozen spec dataclasses, normalised the way Blurr 0.4.1 reads a document.

This is the *runtime* reading (what ``transform`` does, which never validates): falsy or
uncompilable expressions become absent, type names are lower-cased, the inactivity interval
follows Blurr's digits-only rule.  Only what makes a run impossible raises
:class:`SpecError` (Blurr crashes there too; we say why in one line).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .spec import (
    AggregateKind,
    AggregateSpec,
    AnchorSpec,
    Expression,
    FieldSpec,
    FieldType,
    ImportSpec,
    StoreSpec,
    StreamingSpec,
    WindowSpec,
)
from .typenames import AGGREGATE_KINDS, STORE_TYPES, STREAMING, WINDOW
from .yamlpos import YamlPositionError, fqn_line, load_yaml_with_lines


class SpecError(Exception):
    """The spec cannot be run at all; the message says what and where."""


def compile_expression(raw: Any) -> Expression | None:
    """Blurr's rule: a falsy YAML value is absent; a syntax error is absent at runtime."""
    if not raw:
        return None
    text = raw if isinstance(raw, str) else str(raw)
    try:
        code = compile(text, "<string>", "eval")
    except (SyntaxError, ValueError) as exc:
        return Expression(text=text, code=None, syntax_error=str(exc))
    except (RecursionError, MemoryError):  # Blurr's compile fails too: the expression is absent
        why = "the expression is nested too deeply for Python to compile"
        return Expression(text=text, code=None, syntax_error=why)
    return Expression(text=text, code=code)


def _lower(value: Any) -> str:
    return str(value).lower() if value is not None else ""


def _name(raw: dict, parent_fqn: str, what: str) -> str:
    """Blurr keys every element by ``parent.Name``: a Name that is missing or not a string
    makes it crash (R-8)."""
    if "Name" not in raw:
        raise SpecError(f"{parent_fqn}: {what} has no Name (Blurr 0.4.1 aborts)")
    name = raw["Name"]
    if not isinstance(name, str):
        raise SpecError(
            f"{parent_fqn}: {what} Name {name!r} is not a string (YAML read it as "
            f"{type(name).__name__}; quote it: Blurr 0.4.1 aborts)"
        )
    return name


def _resolve(raw: dict, fqn: str) -> dict[str, Any]:
    """Blurr registers every named element of an aggregate under ``fqn.Name``, list by list
    in YAML order: a later element with the same name replaces the earlier one (R-6)."""
    named: dict[str, Any] = {}
    for val in raw.values():
        if isinstance(val, list):
            for item in val:
                if isinstance(item, dict) and isinstance(item.get("Name"), str):
                    named[item["Name"]] = item
    return named


def _field(raw: Any, parent_fqn: str) -> FieldSpec:
    if not isinstance(raw, dict):
        raise SpecError(f"{parent_fqn}: a field must be a mapping, got {raw!r}")
    name = _name(raw, parent_fqn, "a field")
    fqn = f"{parent_fqn}.{name}"
    type_name = _lower(raw.get("Type"))
    try:
        ftype: FieldType | None = FieldType(type_name)
    except ValueError:
        raise SpecError(f"{fqn}: unknown field Type {raw.get('Type')!r}") from None
    return FieldSpec(
        name=name,
        type=ftype,
        type_name=type_name,
        value=compile_expression(raw.get("Value")),
        when=compile_expression(raw.get("When")),
        fqn=fqn,
    )


def _fields(raw: Any, fqn: str, named: dict[str, Any]) -> tuple[FieldSpec, ...]:
    """One field per name, at the first position, with the definition Blurr keeps (R-6)."""
    if not raw:
        return ()
    if not isinstance(raw, list):
        raise SpecError(f"{fqn}: Fields must be a list")
    out: dict[str, FieldSpec] = {}
    for f in raw:
        spec = _field(f, fqn)
        if spec.name not in out:
            out[spec.name] = _field(named.get(spec.name, f), fqn)
    return tuple(out.values())


# An inactivity interval longer than this overflows Python's dates (year 9999) for events
# before 2100: Blurr 0.4.1 crashes with an OverflowError; we refuse the spec, saying why.
MAX_INTERVAL_SECONDS = 7_899 * 365 * 86_400
# Block and Activity aggregates keep their own times under these names (Blurr's own fields).
TIME_FIELD_NAMES = frozenset({"_start_time", "_end_time"})


def _interval(raw: Any, fqn: str) -> int:
    text = str(raw) if raw is not None else ""
    seconds = int(text) if text.isdigit() else 0
    if seconds > MAX_INTERVAL_SECONDS:
        raise SpecError(
            f"{fqn}: SeparateByInactiveSeconds {text} is longer than Python's dates can reach "
            f"(at most {MAX_INTERVAL_SECONDS:,} seconds, about 7,900 years; Blurr 0.4.1 crashes "
            "on it)"
        )
    return seconds


def _aggregate(raw: Any, parent_fqn: str) -> AggregateSpec:
    if not isinstance(raw, dict):
        raise SpecError(f"{parent_fqn}: an aggregate must be a mapping, got {raw!r}")
    name = _name(raw, parent_fqn, "an aggregate")
    fqn = f"{parent_fqn}.{name}"
    type_name = _lower(raw.get("Type"))
    kind = AGGREGATE_KINDS.get(type_name)
    if kind is None:
        raise SpecError(f"{fqn}: unknown aggregate Type {raw.get('Type')!r}")
    if kind is AggregateKind.LABEL:
        raise SpecError(f"{fqn}: Blurr:Aggregate:Label is not implemented by Blurr 0.4.1")
    named = _resolve(raw, fqn)
    has_dims = kind in (AggregateKind.IDENTITY, AggregateKind.BLOCK)
    fields = _fields(raw.get("Fields"), fqn, named)
    # Blurr injects `_identity` (and a Block's or Activity's `_start_time`/`_end_time`) and
    # its definition replaces a user field of the same name: that field does nothing.
    predefined = {"_identity"}
    if kind in (AggregateKind.BLOCK, AggregateKind.ACTIVITY):
        predefined |= TIME_FIELD_NAMES
    fields = tuple(f for f in fields if f.name not in predefined)
    return AggregateSpec(
        name=name,
        kind=kind,
        type_name=type_name,
        fields=fields,
        # Blurr reads Dimensions only on Identity and Block aggregates.
        dimensions=_fields(raw.get("Dimensions"), fqn, named) if has_dims else (),
        when=compile_expression(raw.get("When")),
        store=str(raw["Store"]) if raw.get("Store") else None,
        fqn=fqn,
        inactive_seconds=_interval(raw.get("SeparateByInactiveSeconds"), fqn),
        window_type=_lower(raw.get("WindowType")) or None,
        window_value=raw.get("WindowValue", 0),
        source=str(raw["Source"]) if raw.get("Source") else None,
    )


def _imports(raw: Any, fqn: str) -> tuple[ImportSpec, ...]:
    if not raw:
        return ()
    if not isinstance(raw, list):
        raise SpecError(f"{fqn}: Import must be a list")
    out = []
    for entry in raw:
        if not isinstance(entry, dict) or "Module" not in entry:
            raise SpecError(f"{fqn}: an Import entry has no Module: {entry!r}")
        idents = entry.get("Identifiers") or ()
        # Blurr joins the Identifiers with ','; a plain string is joined char by char.
        out.append(
            ImportSpec(module=str(entry["Module"]), identifiers=tuple(str(i) for i in idents))
        )
    return tuple(out)


def _load_doc(text: str, path: str) -> dict:
    try:
        doc = load_yaml_with_lines(text)  # the one YAML reader: refuses "billion laughs"
    except YamlPositionError as exc:
        where = f"{path}:{exc.line}:{exc.column}" if exc.line is not None else path
        raise SpecError(f"{where}: invalid YAML: {exc.problem}") from None
    if not isinstance(doc, dict) or "Name" not in doc:
        raise SpecError(f"{path}: not a BTS document (expected a mapping with Name and Type)")
    name = _name(doc, path, "the BTS")
    if "." in name:
        raise SpecError(
            f"{path}: the BTS Name {name!r} contains a dot (Blurr 0.4.1 splits names on dots "
            "and aborts)"
        )
    return doc


def _aggregates(doc: dict, name: str) -> tuple[AggregateSpec, ...]:
    raw = doc.get("Aggregates") or []
    if not isinstance(raw, list):
        raise SpecError(f"{name}: Aggregates must be a list")
    return tuple(_aggregate(a, name) for a in raw)


def load_streaming(text: str, path: str = "<string>") -> StreamingSpec:
    doc = _load_doc(text, path)
    name = str(doc["Name"])
    if _lower(doc.get("Type")) != STREAMING:
        # Blurr 0.4.1 does not check this: it reads every record and fails each one
        # ("'NoneType' object has no attribute 'get_identity'"), exit 0, no output.
        return StreamingSpec(
            name=name,
            identity=None,
            time=None,
            when=None,
            imports=(),
            stores=(),
            aggregates=(),
            path=path,
            text=text,
            type_name=_lower(doc.get("Type")),
            reject_reason=(
                f"the streaming BTS's Type is {doc.get('Type')!r}, not Blurr:Transform:Streaming "
                "(Blurr 0.4.1 fails every record of such a spec)"
            ),
        )
    stores = []
    for raw in doc.get("Stores") or []:
        if not isinstance(raw, dict):
            raise SpecError(f"{name}: a store must be a mapping, got {raw!r}")
        store_name = _name(raw, name, "a store")
        # A store of an unknown Type is never created: harmless unless an aggregate uses it
        # that aggregate then has no store and aborts when it needs one.
        if _lower(raw.get("Type")) in STORE_TYPES:
            stores.append(StoreSpec(name=store_name, type_name=_lower(raw.get("Type"))))
    aggs = _aggregates(doc, name)
    for agg in aggs:
        if agg.kind is AggregateKind.WINDOW:
            raise SpecError(f"{agg.fqn}: a Window aggregate belongs in a window BTS")
    return StreamingSpec(
        name=name,
        identity=compile_expression(doc.get("Identity")),
        time=compile_expression(doc.get("Time")),
        when=compile_expression(doc.get("When")),
        imports=_imports(doc.get("Import"), name),
        stores=tuple(stores),
        aggregates=aggs,
        path=path,
        text=text,
    )


def load_window(text: str, path: str = "<string>") -> WindowSpec:
    doc = _load_doc(text, path)
    name = str(doc["Name"])
    if _lower(doc.get("Type")) != WINDOW:
        raise SpecError(f"{path}: Type is {doc.get('Type')!r}, expected Blurr:Transform:Window")
    raw_anchor = doc.get("Anchor")
    anchor = None
    if isinstance(raw_anchor, dict):
        anchor = AnchorSpec(
            condition=compile_expression(raw_anchor.get("Condition")), max=raw_anchor.get("Max")
        )
    aggs = _aggregates(doc, name)
    for agg in aggs:
        if agg.kind not in (AggregateKind.WINDOW, AggregateKind.VARIABLE):
            raise SpecError(f"{agg.fqn}: a window BTS holds only Window and Variable aggregates")
    return WindowSpec(
        name=name,
        anchor=anchor,
        when=compile_expression(doc.get("When")),
        imports=_imports(doc.get("Import"), name),
        aggregates=aggs,
        path=path,
        text=text,
    )


def read_spec_file(path: str | Path) -> str:
    try:
        return Path(path).read_text(encoding="utf-8")
    except OSError as exc:
        raise SpecError(f"{path}: cannot read: {exc.strerror}") from None
    except UnicodeDecodeError as exc:
        raise SpecError(f"{path}: not UTF-8 text: {exc}") from None


def _with_lines(exc: SpecError, text: str, path: str) -> SpecError:
    """The loader's one-line reason, located: the validator's issues carry file and line."""
    msg = str(exc)
    if msg.startswith(path):
        return exc
    from .validation import validate_text  # the validator is only needed on failure

    try:
        issues = [i for i in validate_text(text, path) if i.line is not None]
    except Exception:  # pragma: no cover - the validator never raises, but never mask exc
        issues = []
    fqn = msg.split(":", 1)[0]
    same = [i for i in issues if i.fqn == fqn] or issues
    if same:
        return SpecError(f"{path}:{same[0].line}: {msg}")
    return SpecError(f"{path}: {msg}")


def _load_file(path: str | Path, load: Any) -> Any:
    text = read_spec_file(path)
    try:
        return load(text, str(path))
    except SpecError as exc:
        raise _with_lines(exc, text, str(path)) from None


def load_streaming_file(path: str | Path) -> StreamingSpec:
    return _load_file(path, load_streaming)


def load_window_file(path: str | Path) -> WindowSpec:
    return _load_file(path, load_window)


def locate(fqn: str, paths: list[str | None]) -> str | None:
    """``file:line`` of the element ``fqn`` (``spec.aggregate.field``) among the spec files
    ``paths``, or None; for messages about an element found wanting while running."""
    for path in paths:
        if not path or not fqn:
            continue
        try:
            line = fqn_line(load_yaml_with_lines(read_spec_file(path)), fqn)
        except (SpecError, YamlPositionError):
            continue
        if line is not None:
            return f"{path}:{line}"
    return None


def unrunnable_reason(spec: StreamingSpec) -> str | None:
    """Why ``run`` should not start on this streaming spec at all (``transform`` still runs it,
    as Blurr does, rejecting every event): no valid Identity or Time expression."""
    if spec.reject_reason is not None:  # said by the caller, with its own reason
        return None
    for attr, expr in (("Identity", spec.identity), ("Time", spec.time)):
        if expr is not None and expr.code is not None:
            continue
        loc = locate(f"{spec.name}.{attr}", [spec.path]) or spec.path
        why = f" (`{expr.text}`: {expr.syntax_error})" if expr is not None else ""
        return (
            f"{loc}: {spec.name}: the spec has no valid {attr} expression{why}, so every event "
            "would be rejected; `blurr-tui validate` shows what to fix"
        )
    return None
