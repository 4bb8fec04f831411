"""The window transform (§11): anchors over one identity's stored blocks, windows around them.

Window settings (Max, WindowValue, WindowType, Source, the Condition) are used as Blurr uses
them, with Python arithmetic, and only when an anchor needs them (R-14): what Blurr cannot
do at that moment aborts the run with one line; what it can do, runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .aggregates import RUNS, AggregateRun, CompiledAggregate
from .errors import ABORTING, EngineAbort, MissingAttributeError, abort_from
from .kernel import eval_when
from .runtime import build_namespace
from .spec import AggregateKind, AggregateSpec, StreamingSpec, WindowSpec
from .store import RecordStore
from .views import TransformerView
from .windowrange import Dropped, select_blocks


class WindowSource:
    """``source`` inside a Window aggregate: ``source.f`` is the list of ``f`` over the view
    (never empty: an empty window drops the anchor before any field is evaluated)."""

    def __init__(self, blocks: list[AggregateRun], agg_name: str) -> None:
        self.view = blocks
        self._agg_name = agg_name

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        return self[name]

    def __getitem__(self, name: str) -> Any:
        out = []
        for block in self.view:
            if name not in block.values:
                raise MissingAttributeError(f"{name} not defined in {self._agg_name}")
            out.append(block.values[name])
        return out


@dataclass(frozen=True, slots=True)
class AnchorRow:
    """One window row, with where it came from."""

    row: dict
    anchor_key: str
    windows: dict[str, list[str]]  # Window aggregate → keys of the blocks in its window


def flatten(d: dict, prefix: Any = None) -> dict:
    """Blurr's row flattening, including its map bug (B-7: a nested dict keeps only its own
    key as prefix) and its crash on a key that is not a string (R-12)."""
    out: dict = {}
    for k, v in d.items():
        if isinstance(v, dict):
            out.update(flatten(v, k))
        elif prefix is None:
            out[k] = v
        else:
            try:
                out[prefix + "." + k] = v
            except TypeError:
                raise EngineAbort(
                    f"a window row cannot be flattened: map key {k!r} under {prefix!r} is not "
                    "a string (Blurr's row flattening crashes)"
                ) from None
    return out


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
        self.base_ns, self.import_error = build_namespace(window.imports)
        self._stream_compiled = {a.name: CompiledAggregate(a) for a in streaming.aggregates}
        self._window_compiled = {a.name: CompiledAggregate(a, False) for a in window.aggregates}
        self._sources = {a.name: self._source(a) for a in window.aggregates}

    def _source(self, agg: AggregateSpec) -> AggregateSpec | None:
        """The streaming aggregate ``Source`` names: ``<streaming Name>.<aggregate>`` only."""
        for a in self.streaming.aggregates:
            if agg.source == f"{self.streaming.name}.{a.name}":
                return a
        return None

    def _stream_run(self, spec: AggregateSpec, identity: str, stores: Any) -> AggregateRun:
        return RUNS[spec.kind](spec, identity, stores, self._stream_compiled[spec.name])

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
        stream_runs = {
            a.name: self._stream_run(a, identity, stores) for a in self.streaming.aggregates
        }
        block_run = stream_runs[self.block_spec.name]
        # Blurr restores every streaming aggregate from the streaming BTS's first store only,
        # whatever store each aggregate uses.
        # (A store may serve several store names, as the app's one database does: only the
        # records of aggregates kept in the first store count.)
        first_name = self.streaming.output_store or ""
        first = stores.get(first_name)
        all_records = [
            (k, r)
            for k, r in (first.records(identity) if first is not None else ())
            if k.group in stream_runs and stream_runs[k.group].spec.store == first_name
        ]
        for key, rec in all_records:
            stream_runs[key.group].restore(rec)
        blocks = [(k, r) for k, r in all_records if k.group == self.block_spec.name]
        ns: dict[str, Any] = dict(self.base_ns)
        loc: dict[str, Any] = {}  # Blurr's local context: `source` lives here
        win_runs = [
            RUNS[a.kind](a, identity, stores, self._window_compiled[a.name])
            for a in self.spec.aggregates
        ]
        for run in win_runs:
            ns[run.name] = run.view
            run.bind(ns, loc)
        ns[self.streaming.name] = TransformerView(
            self.streaming.name, {n: r.view for n, r in stream_runs.items()}
        )
        ns["identity"] = identity
        anchor = self.spec.anchor
        max_per_day: Any = anchor.max if anchor is not None else None
        per_day: dict[date, int] = {}
        rows: list[AnchorRow] = []
        for key, record in blocks:
            block_run.restore(record)
            start = block_run.values["_start_time"]
            if max_per_day is not None and per_day.get(self._day(start), 0) >= max_per_day:
                continue
            if not self._condition(ns, loc):
                continue
            for run in win_runs:
                run.reset()
            ns["anchor"] = block_run.view
            try:
                windows: dict[str, list[str]] | None = {} if explain else None
                self._anchor_row(identity, ns, loc, win_runs, record, stores, windows)
            except Dropped:
                continue
            finally:
                del ns["anchor"]
            per_day[self._day(start)] = per_day.get(self._day(start), 0) + 1
            rows.append(
                AnchorRow(
                    flatten({r.name: r.snapshot() for r in win_runs}), str(key), windows or {}
                )
            )
        return rows

    def _day(self, start: Any) -> date:
        if start is None:
            raise EngineAbort(
                "a stored block has no _start_time (an Activity default record) and it is an "
                "anchor candidate: Blurr crashes here",
                where=self.block_spec.fqn,
            )
        return start.date()  # type: ignore[no-any-return]

    def _condition(self, ns: dict[str, Any], loc: dict[str, Any]) -> bool:
        where = f"{self.spec.name}.anchor.Condition"
        cond = self.spec.anchor.condition if self.spec.anchor is not None else None
        if cond is None or cond.code is None:
            text = " ".join(cond.text.split()) if cond is not None else ""
            text = text if len(text) <= 60 else text[:59] + "…"
            why = f" (`{text}`: {cond.syntax_error})" if cond is not None else ""
            raise EngineAbort(
                f"the Anchor has no valid Condition{why}: Blurr 0.4.1 crashes on it once a "
                "block is checked",
                where=f"{self.spec.name}.anchor",
            )
        try:
            return bool(eval(cond.code, ns, loc))
        except ABORTING as exc:
            raise abort_from(exc, where, cond.text) from exc
        except Exception:
            return False

    def _anchor_row(
        self,
        identity: str,
        ns: dict[str, Any],
        loc: dict[str, Any],
        win_runs: list[AggregateRun],
        anchor_record: dict,
        stores: dict[str, RecordStore],
        explain: dict[str, list[str]] | None,
    ) -> None:
        """Evaluate the window aggregates for one anchor (raises Dropped when a window is
        insufficient). The window BTS When is evaluated twice, as in Blurr: before the
        windows are prepared and again before the aggregates run (R-5)."""
        when = self.spec.when
        where = f"{self.spec.name}.When"
        if when is not None and not eval_when(when.code, when.text, ns, where, loc)[0]:
            self._day(ns["anchor"]._start_time)
            return
        views: dict[str, WindowSource] = {}
        for run in win_runs:
            if run.spec.kind is AggregateKind.WINDOW:
                selected = select_blocks(
                    run.spec,
                    self._sources[run.name],
                    self.block_spec,
                    identity,
                    anchor_record,
                    stores,
                )
                if explain is not None:
                    explain[run.name] = [str(k) for k, _r in selected]
                views[run.name] = WindowSource(
                    [self._restored(r, identity, stores) for _k, r in selected],
                    self.block_spec.name,
                )
        if when is None or eval_when(when.code, when.text, ns, where, loc)[0]:
            for run in win_runs:
                if run.name in views:
                    loc["source"] = views[run.name]
                run.evaluate(None)
        self._day(ns["anchor"]._start_time)

    def _restored(
        self, record: dict, identity: str, stores: dict[str, RecordStore]
    ) -> AggregateRun:
        run = self._stream_run(self.block_spec, identity, stores)
        run.restore(record)
        return run
