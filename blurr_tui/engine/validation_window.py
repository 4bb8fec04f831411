"""Window-BTS checks of :mod:`blurr_tui.engine.validation`: finding the streaming BTS of a
window BTS, its Anchor and When, and the Window aggregates (type, value, Source)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from blurr_tui.engine.exprnames import Scope, aggregate_table, lower
from blurr_tui.engine.typenames import STREAMING, TIME_AGGREGATES, WINDOW_TYPES
from blurr_tui.engine.yamlpos import PosDict, YamlPositionError, load_yaml_with_lines


def stream_names_of(doc: dict) -> set[str]:
    """The streaming BTS names a window BTS refers to: ``SourceBTS`` and its Sources' prefixes."""
    aggs = doc.get("Aggregates")
    sources = (
        [a.get("Source") for a in aggs if isinstance(a, dict)] if isinstance(aggs, list) else []
    )
    names = {doc.get("SourceBTS")} | {s.split(".")[0] for s in sources if isinstance(s, str) and s}
    return {str(n) for n in names if isinstance(n, str) and n}


def find_stream_file(window_path: str, doc: dict) -> tuple[str | None, dict | None, str]:
    """The streaming BTS of a window BTS given alone: a ``SourceBTS`` that is a file path, or
    the one ``*.yml``/``*.yaml`` file beside it whose Name is the ``SourceBTS`` (or Source
    prefix).  Returns (path, doc, note); the note says what was used or why nothing was."""
    names = stream_names_of(doc)
    folder = Path(window_path).parent
    source_bts = doc.get("SourceBTS")
    files = []
    if isinstance(source_bts, str) and source_bts.endswith((".yml", ".yaml")):
        files = [folder / source_bts]
    elif names:
        files = sorted(p for p in folder.glob("*.y*ml") if p.suffix in (".yml", ".yaml"))
    found: list[tuple[str, dict]] = []
    for path in files[:500]:
        if path.resolve() == Path(window_path).resolve() or not path.is_file():
            continue
        try:
            if path.stat().st_size > 1_000_000:
                continue
            other = load_yaml_with_lines(path.read_text(encoding="utf-8-sig"))
        except (OSError, UnicodeDecodeError, YamlPositionError):
            continue
        if isinstance(other, dict) and lower(other.get("Type")) == STREAMING:
            if len(files) == 1 or str(other.get("Name")) in names:
                found.append((str(path), other))
    wanted = " or ".join(f"`{n}`" for n in sorted(names)) or "(no SourceBTS)"
    if len(found) > 1:  # several of that Name: the one whose file name is most like this one's
        stem = Path(window_path).stem

        def common(path: str) -> int:
            other = Path(path).stem
            return next(
                (i for i, (a, b) in enumerate(zip(stem, other, strict=False)) if a != b), len(other)
            )

        best = max(common(p) for p, _ in found)
        closest = [f for f in found if common(f[0]) == best]
        if len(closest) == 1 and best > 0:
            chosen, other = closest[0]
            return (
                chosen,
                other,
                (
                    f"Source checked against the streaming BTS {chosen} (the file named most like "
                    f"this one among {len(found)} named {wanted})"
                ),
            )
    if len(found) == 1:
        return found[0][0], found[0][1], f"Source checked against the streaming BTS {found[0][0]}"
    if found:
        paths = ", ".join(p for p, _ in found)
        return (
            None,
            None,
            (
                f"several streaming BTS files are named {wanted} ({paths}): cannot check Source "
                "without the streaming spec; give it too (validate STREAMING.yml WINDOW.yml)"
            ),
        )
    return (
        None,
        None,
        (
            f"no streaming BTS named {wanted} beside it: cannot check Source without the "
            "streaming spec; give it too (validate STREAMING.yml WINDOW.yml)"
        ),
    )


class WindowChecks:
    """Mixin of the validation checker (which provides doc, root, others, add, required,
    number and expression) for what only a window BTS has."""

    # provided by the checker this is mixed into
    doc: PosDict
    root: str
    others: Sequence[object]
    add: Callable[..., None]
    required: Callable[..., Any]
    number: Callable[..., Any]
    expression: Callable[..., Any]

    def find_stream(self) -> dict | None:
        candidates = [
            d for d in self.others if isinstance(d, dict) and lower(d.get("Type")) == STREAMING
        ]
        wanted = {self.doc.get("SourceBTS")} | self.source_prefixes()
        for candidate in candidates:
            if candidate.get("Name") in wanted:
                return candidate
        return candidates[0] if candidates else None

    def source_prefixes(self) -> set[str]:
        aggs = self.doc.get("Aggregates")
        sources = (
            [a.get("Source") for a in aggs if isinstance(a, dict)] if isinstance(aggs, list) else []
        )
        return {s.split(".")[0] for s in sources if isinstance(s, str) and s}

    def window_header(self, base: Scope, stream: dict | None) -> None:
        doc, root = self.doc, self.root
        if stream is not None:
            table = aggregate_table(stream)
            times = [a for a in table.values() if a.kind in TIME_AGGREGATES]
            base.stream = (str(stream.get("Name")), table)
            base.anchor_fields = times[0].fields if len(times) == 1 else None
            if len(times) != 1:
                self.add(
                    doc,
                    "Name",
                    root,
                    "time_aggs",
                    value=stream.get("Name"),
                    more=len(times) or "no",
                )
        else:
            names = {doc.get("SourceBTS")} | self.source_prefixes()
            base.stream_names = frozenset(n for n in names if isinstance(n, str) and n)
        anchor, fqn = doc.get("Anchor"), f"{root}.anchor"
        if isinstance(anchor, dict):
            self.required(anchor, fqn, "Condition")
            self.number(anchor, "Max", fqn, 1)
            self.expression(anchor, "Condition", fqn, base.derive(where="condition"))
        elif anchor:
            self.add(doc, "Anchor", root, "anchor")
        base.extra |= {"anchor"}
        self.expression(doc, "When", root, base)

    def window_aggregate(self, agg: dict, fqn: str, base: Scope) -> Scope:
        self.required(agg, fqn, "WindowType", "WindowValue", "Source")
        self.number(agg, "WindowValue", fqn, None)
        wtype = agg.get("WindowType")
        if wtype and lower(wtype) not in WINDOW_TYPES:
            self.add(agg, "WindowType", fqn, "enum", values="day | hour | count")
        value = agg.get("WindowValue", 1)
        limit = {"day": 2_880_000, "hour": 69_120_000}.get(lower(wtype))
        if limit and isinstance(value, int) and abs(value) > limit:
            self.add(agg, "WindowValue", fqn, "window_too_long", value=value, what=lower(wtype))
        if lower(wtype) == "count" and not isinstance(value, bool) and str(value) in ("0", "-0"):
            self.add(agg, "WindowValue", fqn, "count_zero")
        source = agg.get("Source")
        scope = base.derive(extra={"source"}, where="window")
        if not source:
            return scope
        stream_name, _, agg_name = str(source).partition(".")
        if not isinstance(source, str) or not agg_name or "." in agg_name:
            self.add(agg, "Source", fqn, "source_format", value=source)
        elif base.stream is not None:
            name, table = base.stream
            found = table.get(agg_name)
            if stream_name != name:
                self.add(
                    agg, "Source", fqn, "source_stream", value=source, what=stream_name, more=name
                )
            elif found is None:
                self.add(
                    agg, "Source", fqn, "source_missing", value=source, what=agg_name, more=name
                )
            elif found.kind not in TIME_AGGREGATES:
                self.add(agg, "Source", fqn, "source_kind", value=source, what=agg_name)
            else:
                scope.source_fields = found.fields | {"view"}
                scope.source_label = source
        return scope
