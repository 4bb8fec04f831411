"""Validation of Blurr Transform Specs: ``blurr-tui validate FILE...``.

Reports every problem of a file, each with its YAML line and dotted FQN.  It runs the checks
of ``blurr validate`` 0.4.1 with the same message templates (BTS-SEMANTICS §12.1), without its
crashes (B-22), plus checks for mistakes that Blurr only finds at run time: undefined names,
unknown aggregate fields, bad window sources and types, duplicates, bad store references.
"""

from __future__ import annotations

import ast
import importlib.util
import sys
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, TextIO

from blurr_tui.engine.exprnames import (
    Scope,
    aggregate_table,
    import_names,
    name_problems,
)
from blurr_tui.engine.exprnames import lower as _lower
from blurr_tui.engine.loader import MAX_INTERVAL_SECONDS
from blurr_tui.engine.typenames import (
    AGGREGATE_TYPES,
    DIMENSION_TYPES,
    FIELD_TYPES,
    KNOWN_TYPES,
    STORE_TYPES,
    STREAMING,
    WINDOW,
)
from blurr_tui.engine.validation_messages import MESSAGES
from blurr_tui.engine.validation_window import WindowChecks, find_stream_file
from blurr_tui.engine.yamlpos import PosDict, YamlPositionError, line_of, load_yaml_with_lines

VERSION = "2018-03-01"


@dataclass(frozen=True, slots=True)
class Issue:
    """One validation problem: where it is and what is wrong."""

    path: str
    line: int | None
    fqn: str
    message: str
    kind: str

    def format(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else self.path
        return f"{where}: {self.fqn}: {self.message}" if self.fqn else f"{where}: {self.message}"


@dataclass(frozen=True, slots=True)
class FileReport:
    """The issues of one file (valid when there are none)."""

    path: str
    issues: tuple[Issue, ...]
    notes: tuple[str, ...] = ()

    @property
    def valid(self) -> bool:
        return not self.issues


def _describe(value: object) -> str:
    if isinstance(value, dict | list):
        return "a mapping" if isinstance(value, dict) else "a list"
    return "null" if value is None else f"a {type(value).__name__} ({str(value)[:40]!r})"


def _findable(module: str) -> bool:
    """Whether the top-level package of ``module`` can be found (nothing is imported)."""
    words = module.split()  # `datetime as dt` imports datetime
    top = words[0].split(".")[0] if words else ""
    try:
        return bool(top) and importlib.util.find_spec(top) is not None
    except (ImportError, ValueError):
        return False


def _too_long(interval: object) -> bool:
    """Blurr reads an interval written with digits only; beyond this it crashes."""
    text = str(interval)
    return text.isdigit() and int(text) > MAX_INTERVAL_SECONDS


def _clip(text: str, limit: int = 80) -> str:
    """An expression as quoted in a message: one line, at most ``limit`` characters."""
    flat = " ".join(text.split())
    return flat if len(flat) <= limit else flat[: limit - 1] + "…"


class _Checker(WindowChecks):
    def __init__(self, path: str, doc: PosDict, others: Sequence[object]) -> None:
        self.path, self.doc, self.others = path, doc, others
        self.issues: list[Issue] = []
        name = self.doc.get("Name")
        self.root = str(name) if name not in (None, "") else "<document>"

    def add(self, spec: object, key: object, fqn: str, kind: str, message: str = "", **fmt: Any):
        if not message:
            message = MESSAGES[kind].format(key=key, fqn=fqn, **fmt).rstrip()
        line = line_of(spec, key) if key is not None else line_of(spec)
        self.issues.append(Issue(self.path, line, fqn, message, kind))

    def required(self, spec: dict, fqn: str, *keys: str) -> None:
        for key in keys:
            if key not in spec:
                self.issues.append(
                    Issue(
                        self.path,
                        line_of(spec),
                        fqn,
                        MESSAGES["required"].format(key=key, fqn=fqn),
                        "required",
                    )
                )

    def number(self, spec: dict, key: str, fqn: str, minimum: int | None) -> None:
        if key not in spec:
            return
        try:  # Blurr's rule: int(v) must work and be >= minimum (so '2', 1.5 and True pass)
            ok = minimum is None or int(spec[key]) >= minimum
            int(spec[key])
        except Exception:
            ok = False
        if not ok:
            more = f"Must be greater than {minimum}" if minimum else ""
            self.add(spec, key, fqn, "number", more=more)
        elif isinstance(spec[key], str) and key != "SeparateByInactiveSeconds":
            # Blurr 0.4.1 runs an interval given as digits in quotes ('10' is 10 seconds);
            # a quoted Max or WindowValue passes its validation but crashes the window run.
            self.add(spec, key, fqn, "string_number", value=spec[key])
        elif key == "SeparateByInactiveSeconds" and _too_long(spec[key]):
            self.add(spec, key, fqn, "interval_too_big", value=spec[key])

    def element(self, spec: dict, fqn: str, allowed: frozenset[str] | None, what: str) -> str:
        """Checks shared by every named element; returns the lower-cased Type ('' if bad)."""
        self.required(spec, fqn, "Name", "Type")
        for key, value in spec.items():
            if not value:
                self.add(spec, key, fqn, "empty")
        name = spec.get("Name")
        if "Name" in spec:
            reason = None
            if isinstance(name, str) and name.startswith("_"):
                reason = "Identifiers starting with underscore `_` are reserved"
            elif isinstance(name, str) and name.startswith("run_"):
                reason = "Identifiers starting with `run_` are reserved"
            elif not isinstance(name, str) or not name.isidentifier():
                reason = "Identifiers must be valid Python identifiers"
            if reason:
                self.add(spec, "Name", fqn, "identifier", value=name, reason=reason)
        value = spec.get("Type")
        if not value:
            return ""
        if _lower(value) not in KNOWN_TYPES:
            self.add(spec, "Type", fqn, "unknown_type", value=value)
            return ""
        if allowed is not None and _lower(value) not in allowed:
            self.add(spec, "Type", fqn, "wrong_type", value=value, what=what)
            return ""
        return _lower(value)

    def entries(self, spec: dict, key: str, fqn: str, what: str) -> Iterable[tuple[str, dict]]:
        """(fqn, entry) for the mapping entries of list ``spec[key]``; reports the others."""
        value = spec.get(key)
        if value and not isinstance(value, list):
            self.add(spec, key, fqn, "not_list", what=what)
        for i, item in enumerate(value if isinstance(value, list) else ()):
            name = item.get("Name") if isinstance(item, dict) else None
            item_fqn = f"{fqn}.{name}" if isinstance(name, str) and name else f"{fqn}.{key}[{i}]"
            if isinstance(item, dict):
                yield item_fqn, item
            else:
                article = "an" if what[0] in "aeiou" else "a"
                message = MESSAGES["not_mapping"].format(
                    key=key, what=f" ({article} {what.rstrip('s')})", value=_describe(item)
                )
                self.add(value, None, item_fqn, "structure", message=message)

    def duplicate_keys(self, node: object, fqn: str) -> None:
        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, PosDict):
                for key, first, again in item.duplicate_keys:
                    message = MESSAGES["duplicate_key"].format(key=key, value=first)
                    self.issues.append(Issue(self.path, again, fqn, message, "duplicate"))
                stack.extend(item.values())
            elif isinstance(item, list):
                stack.extend(item)

    def unique(self, seen: dict, spec: dict, fqn: str, what: str) -> None:
        name = spec.get("Name")
        if isinstance(name, str) and name in seen:
            self.add(spec, "Name", fqn, "duplicate", what=what, value=name, more=seen[name])
        if isinstance(name, str):
            seen.setdefault(name, line_of(spec, "Name"))

    # -- document ----------------------------------------------------------------------------
    def run(self) -> None:
        doc, root = self.doc, self.root
        what = "Blurr:Transform:Streaming or Blurr:Transform:Window"
        kind = self.element(doc, root, frozenset({STREAMING, WINDOW}), what)
        if not kind:  # a missing or bad Type is reported; check the rest as the likely kind
            window_like = "Anchor" in doc or "Identity" not in doc and "Time" not in doc
            kind = WINDOW if window_like else STREAMING
        self.duplicate_keys(doc, root)
        self.required(doc, root, "Version", "Aggregates")
        if "Version" in doc and doc["Version"] != VERSION:
            self.add(doc, "Version", root, "enum", values=VERSION)
        names, star = self.imports()
        base = Scope(frozenset(names), star, aggregate_table(doc))
        stores: set[str] = set()
        stream = None
        if kind == STREAMING:
            self.required(doc, root, "Identity", "Time", "Stores")
            stores = self.stores()
            header = base.derive(extra={"source"}, aggs={}, where="identity-time")
            for key in ("Identity", "Time"):
                self.expression(doc, key, root, header)
            base = base.derive(extra={"identity", "source", "time"}, where="streaming")
            self.expression(doc, "When", root, base)
        else:
            self.required(doc, root, "Anchor")
            stream = self.find_stream()
            base = base.derive(extra={"identity"}, where="window-top")
            self.window_header(base, stream)
        seen: dict[str, int | None] = {}
        for fqn, agg in self.entries(doc, "Aggregates", root, "aggregates"):
            atype = self.element(agg, fqn, AGGREGATE_TYPES, "an aggregate type (Blurr:Aggregate:*)")
            self.unique(seen, agg, fqn, "aggregate")
            self.aggregate(agg, fqn, kind, atype, base, stores)

    def imports(self) -> tuple[set[str], bool]:
        bound: set[str] = set()
        for fqn, entry in self.entries(self.doc, "Import", f"{self.root}", "import entries"):
            if not isinstance(entry.get("Module"), str) or not entry["Module"]:
                self.add(entry, "Module", fqn, "module")
                continue
            idents = entry.get("Identifiers")
            if idents and not isinstance(idents, list):
                self.add(entry, "Identifiers", fqn, "identifiers")
                idents = [idents]
            names, error = import_names(entry["Module"], idents or [])
            if error:
                self.add(entry, "Module", fqn, "import", message=error)
            elif not _findable(entry["Module"]):
                message = MESSAGES["no_module"].format(value=entry["Module"])
                self.add(entry, "Module", fqn, "import", message=message)
            bound |= names
        return bound - {"*"}, "*" in bound

    def stores(self) -> set[str]:
        seen: dict[str, int | None] = {}
        for fqn, store in self.entries(self.doc, "Stores", self.root, "stores"):
            self.element(store, fqn, STORE_TYPES, "a store type (Blurr:Store:Memory)")
            self.unique(seen, store, fqn, "store")
        return set(seen)

    # -- aggregates ----------------------------------------------------------------------------
    def aggregate(self, agg: dict, fqn: str, kind: str, atype: str, base: Scope, stores: set[str]):
        short = atype.rpartition(":")[2]
        if short == "label":
            self.add(agg, "Type", fqn, "label")
        elif kind == STREAMING and short == "window":
            self.add(agg, "Type", fqn, "window_in_streaming")
        elif kind == WINDOW and short in ("identity", "block", "activity"):
            self.add(agg, "Type", fqn, "window_only")
        self.required(agg, fqn, "Fields")
        if short in ("identity", "block"):
            self.required(agg, fqn, "Store")
        if short == "block":
            self.required(agg, fqn, "Dimensions")
        if short == "activity":
            self.required(agg, fqn, "SeparateByInactiveSeconds")
            self.number(agg, "SeparateByInactiveSeconds", fqn, 1)
        store = agg.get("Store")
        if store and kind == STREAMING and (not isinstance(store, str) or store not in stores):
            declared = ", ".join(sorted(stores)) or "none"
            self.add(agg, "Store", fqn, "store", value=store, more=self.root, what=declared)
        scope = base
        if kind == WINDOW:
            scope = base.derive(where="variable")
            if short == "window":
                scope = self.window_aggregate(agg, fqn, base)
        self.expression(agg, "When", fqn, scope)
        seen: dict[str, int | None] = {}
        for key in ("Fields", "Dimensions"):
            for field_fqn, spec in self.entries(agg, key, fqn, "fields"):
                self.field(spec, field_fqn, key == "Dimensions", scope)
                self.unique(seen, spec, field_fqn, f"field (in `{fqn}`)")

    def field(self, spec: dict, fqn: str, dimension: bool, scope: Scope) -> None:
        types = " | ".join(sorted(FIELD_TYPES))
        self.element(spec, fqn, None if dimension else FIELD_TYPES, f"a field type: {types}")
        if dimension and "Type" in spec and spec["Type"] not in DIMENSION_TYPES:
            self.add(spec, "Type", fqn, "enum", values="integer | string")
        self.required(spec, fqn, "Value")
        for attribute in ("When", "Value"):
            self.expression(spec, attribute, fqn, scope)

    def expression(self, spec: object, key: str, fqn: str, scope: Scope) -> None:
        """Compile ``spec[key]`` like Blurr, then check the names and fields it uses."""
        if not isinstance(spec, dict) or not spec.get(key):
            return
        raw = spec[key]
        if isinstance(raw, dict | list):
            self.add(spec, key, fqn, "not_text", value=_describe(raw))
            return
        text = str(raw)
        try:
            compile(text, "<string>", "eval")
            tree = ast.parse(text, mode="eval")
        except RecursionError:
            detail = "the expression is nested too deeply for Python to compile"
            self.add(spec, key, fqn, "expression", value=_clip(text), detail=detail)
            return
        except Exception as exc:
            detail = " ".join(str(exc).split())
            self.add(spec, key, fqn, "expression", value=_clip(text), detail=detail)
            return
        for kind, message in name_problems(tree, key, text, scope):
            self.add(spec, key, fqn, kind, message=message)


def validate_text(text: str, path: str, others: Sequence[object] = ()) -> list[Issue]:
    """Every problem of one BTS text; ``others`` are parsed docs validated alongside it."""
    try:
        try:
            doc = load_yaml_with_lines(text)
        except YamlPositionError as exc:
            return [Issue(path, exc.line, "", f"Invalid yaml: {exc.problem}", "yaml")]
        if not isinstance(doc, PosDict):
            got = "an empty document" if doc is None else _describe(doc)
            message = f"The document must be a YAML mapping (Type, Version, Name, ...), not {got}."
            return [Issue(path, line_of(doc) or 1, "", message, "document")]
        checker = _Checker(path, doc, others)
        checker.run()
        return sorted(checker.issues, key=lambda i: i.line or 0)
    except Exception as exc:  # pragma: no cover - last line of defence: never a traceback
        message = f"internal validator error: {type(exc).__name__}: {exc}"
        return [Issue(path, None, "", message, "internal")]


def _read(path: str) -> tuple[str | None, str | None]:
    try:
        data = Path(path).read_bytes()
    except OSError as exc:
        return None, f"Cannot read file: {exc.strerror or exc}"
    try:
        return data.decode("utf-8-sig"), None
    except UnicodeDecodeError as exc:
        return None, f"File is not UTF-8 text (bad byte at offset {exc.start})."


def validate_paths(paths: Sequence[str]) -> list[FileReport]:
    """Validate files together: a window BTS is checked against a streaming BTS given with it."""
    texts = [(p, *_read(p)) for p in paths]
    docs: list[object] = []
    for _, text, _ in texts:
        try:
            docs.append(load_yaml_with_lines(text) if text is not None else None)
        except Exception:
            docs.append(None)
    reports = []
    for index, (path, text, error) in enumerate(texts):
        if text is None:
            reports.append(FileReport(path, (Issue(path, None, "", str(error), "file"),)))
            continue
        # Preference order for the streaming BTS of a window BTS: same folder, then nearest.
        folder = Path(path).parent
        order = sorted(
            (j for j in range(len(docs)) if j != index and isinstance(docs[j], dict)),
            key=lambda j: (Path(texts[j][0]).parent != folder, abs(j - index), j > index),
        )
        others = [docs[j] for j in order]
        notes: tuple[str, ...] = ()
        doc = docs[index]
        if (
            isinstance(doc, dict)
            and _lower(doc.get("Type")) == WINDOW
            and not any(isinstance(o, dict) and _lower(o.get("Type")) == STREAMING for o in others)
        ):
            _, stream, note = find_stream_file(path, doc)
            others = [stream] if stream is not None else others
            notes = (note,)
        reports.append(FileReport(path, tuple(validate_text(text, path, others)), notes))
    return reports


def main_validate(paths: Sequence[str], out: TextIO = sys.stdout, err: TextIO = sys.stderr) -> int:
    """``blurr-tui validate``: 0 when every file is valid, else 1."""
    paths = list(paths) or sorted(
        str(p) for p in Path.cwd().iterdir() if p.suffix in (".yml", ".yaml") and p.is_file()
    )
    if not paths:
        print("No BTS files given and no *.yml/*.yaml file in the current directory.", file=err)
        return 1
    status = 0
    for report in validate_paths(paths):
        print(f"Running validation on {report.path}", file=out)
        for note in report.notes:
            print(f"{report.path}: note: {note}", file=out)
        if report.valid:
            print("Document is valid", file=out)
            continue
        status = 1
        for issue in report.issues:
            print(issue.format(), file=err)
        count = len(report.issues)
        print(f"{report.path}: {count} error{'s' if count != 1 else ''}", file=err)
    return status


__all__ = [
    "FileReport",
    "Issue",
    "aggregate_table",
    "main_validate",
    "validate_paths",
    "validate_text",
]
