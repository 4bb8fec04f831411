"""The window transform (§11): anchors over one identity's stored blocks, windows around them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from .aggregates import RUNS, AggregateRun
from .errors import ABORTING, EngineAbort, abort_from, describe_exception
from .fieldrun import eval_when
from .fields import decode
from .keys import Key
from .runtime import build_namespace
from .spec import AggregateKind, AggregateSpec, FieldType, StreamingSpec, WindowSpec
from .store import RecordStore
from .views import TransformerView

_UNIT = {"day": timedelta(days=1), "hour": timedelta(hours=1)}


class WindowSource:
    """``source`` inside a Window aggregate: ``source.f`` is the list of ``f`` over the view."""

    def __init__(self, blocks: list[AggregateRun], agg_name: str) -> None:
        self.view = blocks
        self._agg_name = agg_name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> Any:
        from .errors import MissingAttributeError

        out = []
        for block in self.view:
            if name not in block.values:
                raise MissingAttributeError(f"{name} not defined in {self._agg_name}")
            out.append(block.values[name])
        if not self.view and name not in _field_names_cache.get(self._agg_name, ()):
            raise MissingAttributeError(f"{name} not defined in {self._agg_name}")
        return out


_field_names_cache: dict[str, tuple[str, ...]] = {}


@dataclass(frozen=True, slots=True)
class AnchorRow:
    """One window row, with where it came from."""

    row: dict
    anchor_key: str
    windows: dict[str, list[str]]  # Window aggregate → keys of the blocks in its window


def flatten(d: dict, parent: str = "") -> dict:
    """Blurr's row flattening, including its map bug (B-7): nested dicts keep only their key."""
    items: list[tuple[str, Any]] = []
    for k, v in d.items():
        new_key = f"{parent}.{k}" if parent else k
        if isinstance(v, dict):
            items.extend(flatten(v, k).items())
        else:
            items.append((new_key, v))
    return dict(items)


def _int_setting(value: Any, what: str, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int):
        raise EngineAbort(f"{what} must be an integer, got {value!r} (Blurr crashes)", where=where)
    return value


# The longest day / hour windows that stay within Python's dates (about 7,900 years).
WINDOW_LIMITS = {"day": 2_880_000, "hour": 69_120_000}


class WindowTransform:
    """Runs a window BTS over the blocks the streaming engine stored for one identity."""

    def __init__(self, streaming: StreamingSpec, window: WindowSpec) -> None:
        self.streaming = streaming
        self.spec = window
        time_aggs = [a for a in streaming.aggregates if a.has_time_fields]
        if not time_aggs:
            raise EngineAbort(
                "the streaming BTS has no Block or Activity aggregate for the window BTS",
                where=streaming.name,
            )
        if len(time_aggs) > 1:
            raise EngineAbort(
                "window operations need exactly one Block or Activity aggregate in the streaming BTS, found "
                + ", ".join(a.name for a in time_aggs),
                where=streaming.name,
            )
        self.block_spec: AggregateSpec = time_aggs[0]
        cond = window.anchor.condition if window.anchor is not None else None
        if window.anchor is None or cond is None or cond.code is None:
            text = " ".join(cond.text.split()) if cond is not None else ""
            text = text if len(text) <= 60 else text[:59] + "…"
            why = f" (`{text}`: {cond.syntax_error})" if cond is not None else ""
            raise EngineAbort(
                f"the Anchor has no valid Condition{why}: Blurr 0.4.1 crashes on it",
                where=f"{window.name}.anchor",
            )
        self.max = (
            None
            if window.anchor.max is None
            else _int_setting(window.anchor.max, "Anchor Max", f"{window.name}.anchor")
        )
        self.base_ns, self.import_error = build_namespace(window.imports)
        for agg in window.aggregates:
            if agg.kind is AggregateKind.WINDOW:
                self._check_window_agg(agg)

    def _check_window_agg(self, agg: AggregateSpec) -> None:
        _int_setting(agg.window_value, "WindowValue", agg.fqn)
        limit = WINDOW_LIMITS.get(agg.window_type or "")
        if limit is not None and abs(agg.window_value) > limit:  # type: ignore[arg-type]
            raise EngineAbort(
                f"WindowValue {agg.window_value} ({agg.window_type}s) is longer than Python's "
                "dates can reach (about 7,900 years; Blurr crashes)",
                where=agg.fqn,
            )
        if agg.window_value == 0 and agg.window_type not in ("day", "hour"):
            raise EngineAbort("a count window with WindowValue 0 (Blurr crashes)", where=agg.fqn)
        src = agg.source or ""
        name = src.split(".", 1)[1] if "." in src else src
        if not any(a.name == name for a in self.streaming.aggregates):
            raise EngineAbort(
                f"Source {src!r} names no aggregate of the streaming BTS", where=agg.fqn
            )

    # ------------------------------------------------------------------------------------
    def run(self, identity: str, stores: dict[str, RecordStore]) -> list[dict]:
        """The identity's window rows, exactly as Blurr prints them."""
        return [a.row for a in self.run_explained(identity, stores, explain=False)]

    def run_explained(
        self, identity: str, stores: dict[str, RecordStore], explain: bool = True
    ) -> list[AnchorRow]:
        """Each row with its anchor's key and, per Window aggregate, the keys of the blocks
        that fell into its window (empty when the window-BTS When was false)."""
        if self.import_error is not None:
            raise EngineAbort(
                f"import failed: {self.import_error}", where=f"{self.spec.name}.Import"
            )
        stream_runs = {a.name: RUNS[a.kind](a, identity, stores) for a in self.streaming.aggregates}
        block_run = stream_runs[self.block_spec.name]
        _field_names_cache[self.block_spec.name] = tuple(block_run.values)
        # Blurr's window reads the streaming BTS's first store, whatever the aggregates use.
        first = stores.get(self.streaming.output_store or "")
        all_records = list(first.records(identity)) if first is not None else []
        for agg in self.streaming.aggregates:
            if agg.kind is AggregateKind.IDENTITY:
                run = stream_runs[agg.name]
                for key, rec in (
                    all_records if run.store is block_run.store else _records(run, identity)
                ):
                    if key.group == agg.name:
                        run.restore(rec)
        blocks = [(k, r) for k, r in all_records if k.group == self.block_spec.name]
        ns: dict[str, Any] = dict(self.base_ns)
        win_runs = [RUNS[a.kind](a, identity, stores) for a in self.spec.aggregates]
        for run in win_runs:
            ns[run.name] = run.view
        ns[self.streaming.name] = TransformerView(
            self.streaming.name, {n: r.view for n, r in stream_runs.items()}
        )
        ns["identity"] = identity
        loc: dict[str, Any] = {}  # Blurr's local context: `source` lives here
        cond = self.spec.anchor.condition  # type: ignore[union-attr]
        assert cond is not None and cond.code is not None
        per_day: dict[date, int] = {}
        rows: list[AnchorRow] = []
        start_of = self._start_key()
        ordered = sorted(((start_of(r), k, r) for k, r in blocks), key=lambda t: t[0])
        for key, record in blocks:
            block_run.restore(record)
            start = block_run.values["_start_time"]
            if start is None:
                raise EngineAbort(
                    "a stored block has no _start_time (an Activity default record): Blurr crashes here",
                    where=self.block_spec.fqn,
                )
            day = start.date()
            if self.max is not None and per_day.get(day, 0) >= self.max:
                continue
            try:
                ok = eval(cond.code, ns, loc)
            except ABORTING as exc:
                raise abort_from(exc, f"{self.spec.name}.anchor.Condition", cond.text) from exc
            except Exception:
                ok = None
            if not ok:
                continue
            for run in win_runs:
                run.reset()
            ns["anchor"] = block_run.view
            windows: dict[str, list[str]] | None = {} if explain else None
            row = self._anchor_row(identity, ns, loc, win_runs, ordered, record, stores, windows)
            if row is None:
                continue
            rows.append(AnchorRow(row, str(key), windows or {}))
            per_day[day] = per_day.get(day, 0) + 1
        return rows

    def _anchor_row(
        self,
        identity: str,
        ns: dict[str, Any],
        loc: dict[str, Any],
        win_runs: list[AggregateRun],
        ordered: list[tuple[Any, Key, dict]],
        anchor_record: dict,
        stores: dict[str, RecordStore],
        explain: dict[str, list[str]] | None = None,
    ) -> dict | None:
        when = self.spec.when
        if when is not None:
            result, _err = eval_when(when.code, when.text, ns, f"{self.spec.name}.When", loc)
            if not result:
                return flatten({run.name: run.snapshot() for run in win_runs})
        views: dict[str, WindowSource] = {}
        for run in win_runs:
            if run.spec.kind is AggregateKind.WINDOW:
                selected = self._select(run.spec, ordered, anchor_record)
                if selected is None:
                    return None
                if explain is not None:
                    explain[run.name] = [str(k) for k, _r in selected]
                views[run.name] = WindowSource(
                    [self._restored(r, identity, stores) for _k, r in selected],
                    self.block_spec.name,
                )
        for run in win_runs:
            if run.name in views:
                loc["source"] = views[run.name]
            try:
                run.evaluate(ns, None, loc)
            except EngineAbort:
                raise
            except ABORTING as exc:  # pragma: no cover - evaluate wraps these already
                raise EngineAbort(describe_exception(exc), where=run.spec.fqn) from exc
        return flatten({run.name: run.snapshot() for run in win_runs})

    def _restored(
        self, record: dict, identity: str, stores: dict[str, RecordStore]
    ) -> AggregateRun:
        run = RUNS[self.block_spec.kind](self.block_spec, identity, stores)
        run.restore(record)
        return run

    def _start_key(self) -> Any:
        """How blocks are ordered and compared: ISO text for Block sources (Blurr's B-6),
        the instant for Activity sources."""
        if self.block_spec.kind is AggregateKind.BLOCK:
            return lambda rec: rec.get("_start_time")
        block_run = RUNS[self.block_spec.kind](self.block_spec, "", {})

        def start_of(rec: dict) -> Any:
            block_run.restore({"_start_time": rec.get("_start_time")})
            return block_run.values["_start_time"]

        return start_of

    def _select(
        self, agg: AggregateSpec, ordered: list[tuple[Any, Key, dict]], anchor: dict
    ) -> list[tuple[Key, dict]] | None:
        """The blocks of one window around ``anchor`` (``ordered``: (start, key, record)
        ascending), or None when the window is insufficient and the anchor is dropped."""
        value: int = agg.window_value  # type: ignore[assignment]
        start_of = self._start_key()
        s0 = start_of(anchor)
        unit = _UNIT.get(agg.window_type or "")
        if unit is not None:
            anchor_start = decode(FieldType.DATETIME, anchor.get("_start_time"))
            try:
                edge_dt = anchor_start + unit * value
            except OverflowError:
                raise EngineAbort(
                    f"WindowValue {value} ({agg.window_type}s) from {anchor_start.isoformat()} "
                    "goes past Python's dates (years 1 to 9999; Blurr crashes)",
                    where=agg.fqn,
                ) from None
            by_text = self.block_spec.kind is AggregateKind.BLOCK
            edge = edge_dt.isoformat() if by_text else edge_dt
            lo, hi = (edge, s0) if value < 0 else (s0, edge)
            chosen = [(k, r) for st, k, r in ordered if lo < st < hi]
            return chosen or None
        if value < 0:
            before = [(k, r) for st, k, r in ordered if st < s0]
            chosen = before[value:]
        else:
            chosen = [(k, r) for st, k, r in ordered if st > s0][:value]
        if agg.window_type == "count":
            return chosen if len(chosen) == abs(value) else None
        return chosen or None


def _records(run: AggregateRun, identity: str) -> list[tuple[Key, dict]]:
    return list(run.store.records(identity)) if run.store is not None else []
