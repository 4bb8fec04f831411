"""Per-identity runtime state of one aggregate and its per-event algorithm (§6)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from . import trace as T
from .codegen import bind, compile_dimensions, compile_fields
from .errors import EngineAbort
from .fieldrun import (
    END,
    IDENTITY,
    START,
    FieldRun,
    eval_dimension,
    eval_fields,
    eval_fields_traced,
    eval_when,
)
from .fields import decode, encode
from .keys import Key
from .spec import AggregateKind, AggregateSpec, FieldType
from .store import RecordStore
from .views import make_view

_COMPILED: dict[int, tuple[AggregateSpec, list[FieldRun], list[FieldRun], Any, Any]] = {}


def compiled(spec: AggregateSpec) -> tuple[list[FieldRun], list[FieldRun], Any, Any]:
    """Field runs and the generated batch functions of ``spec``, built once per spec."""
    hit = _COMPILED.get(id(spec))
    if hit is None or hit[0] is not spec:
        fields, dims = field_runs(spec)
        hit = _COMPILED[id(spec)] = (
            spec,
            fields,
            dims,
            compile_fields(fields, spec.fqn),
            compile_dimensions(dims, spec.fqn),
        )
    return hit[1], hit[2], hit[3], hit[4]


def field_runs(spec: AggregateSpec) -> tuple[list[FieldRun], list[FieldRun]]:
    """(all fields in record order, dimension fields): internal, user, then dimensions."""
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
    dims = [FieldRun.from_spec(d, is_dimension=True) for d in spec.dimensions]
    return internal + [FieldRun.from_spec(f) for f in spec.fields] + dims, dims


class AggregateRun:
    """Fields and record bookkeeping of one aggregate for one identity."""

    kind_name = "aggregate"

    def __init__(self, spec: AggregateSpec, identity: str, stores: dict[str, RecordStore]) -> None:
        self.spec = spec
        self.name = spec.name
        self.identity = identity
        self.fields, self.dims, template, dims_template = compiled(spec)
        self.types = {f.name: f.ftype for f in self.fields}
        self.values: dict[str, Any] = {f.name: f.default() for f in self.fields}
        self.view = make_view(spec.name, self.values)
        self._template = template
        self._dims_template = dims_template
        self._fast: Any = None  # the generated field function bound to the namespace
        self._fast_dims: Any = None
        self.store = stores.get(spec.store) if spec.store else None
        # A store that shows live records (the replay's) is told which record is current.
        self._touch = (
            getattr(self.store, "touch", None)
            if getattr(self.store, "tracks_live", False)
            else None
        )

    def bind(self, ns: dict[str, Any]) -> None:
        """Use the generated batch function with ``ns`` as its globals (see codegen)."""
        self._fast = bind(self._template, ns)
        self._fast_dims = bind(self._dims_template, ns)

    # -- record bookkeeping -------------------------------------------------------------
    def reset(self) -> None:
        values = self.values
        for f in self.fields:
            values[f.name] = f.default()

    def restore(self, snapshot: dict) -> None:
        types = self.types
        values = self.values
        for name, value in snapshot.items():
            ftype = types.get(name)
            if ftype is not None:
                values[name] = decode(ftype, value)

    def snapshot(self) -> dict:
        return {name: encode(v) for name, v in self.values.items()}

    def _check_identity(self) -> None:
        """Blurr builds a key only from a non-blank string identity; otherwise it crashes (B-12)."""
        ident = self.identity
        if not isinstance(ident, str) or not ident.strip():
            raise EngineAbort(
                f"the identity {ident!r} is not a non-blank string, so no record key can be made "
                "(Blurr 0.4.1 aborts the run)",
                where=self.spec.fqn,
            )

    def _require_store(self) -> RecordStore:
        if self.store is None:
            raise EngineAbort(
                f"aggregate has no store (Store: {self.spec.store!r} is not declared in Stores)",
                where=self.spec.fqn,
            )
        return self.store

    def persist(self, key: Key) -> None:
        self._require_store().save(key, self.snapshot())

    def load(self, key: Key) -> bool:
        snap = self._require_store().get(key)
        if snap is None:
            self.reset()
            return False
        self.reset()
        self.restore(snap)
        return True

    # -- per event ------------------------------------------------------------------------
    def evaluate(
        self, ns: dict[str, Any], tr: T.AggregateTrace | None, loc: dict[str, Any] | None = None
    ) -> None:
        raise NotImplementedError

    def finalize(self) -> str | None:
        """Persist what the end of the run persists; the key text saved, if any."""
        raise NotImplementedError

    def _when(
        self, ns: dict[str, Any], tr: T.AggregateTrace | None, loc: dict[str, Any] | None = None
    ) -> bool:
        spec_when = self.spec.when
        if spec_when is None:
            return True
        result, error = eval_when(spec_when.code, spec_when.text, ns, self.spec.fqn, loc)
        if tr is not None:
            tr.when_text = spec_when.text
            tr.when_result = result
            tr.when_error = error
            if not result:
                tr.action = T.SKIPPED_WHEN
        return bool(result)

    def _run_fields(self, ns: dict[str, Any], tr: T.AggregateTrace | None) -> None:
        if tr is None:
            if self._fast is not None:
                self._fast(self.values, ns)
            else:
                eval_fields(self.fields, self.values, ns)
        else:
            eval_fields_traced(self.fields, self.values, ns, tr.fields)


class DimensionalRun(AggregateRun):
    """Identity (with or without Dimensions) and Block aggregates (§6.2, §6.3)."""

    def __init__(self, spec: AggregateSpec, identity: str, stores: dict[str, RecordStore]) -> None:
        super().__init__(spec, identity, stores)
        self.prev_key: Key | None = None
        self._dim_names = [d.name for d in self.dims]

    def _evaluate_fast(self, ns: dict[str, Any]) -> None:
        """The untraced path of :meth:`evaluate`, with generated dimension and field code."""
        if self.spec.when is not None and not self._when(ns, None):
            return
        dim_values = self._fast_dims(ns)
        if dim_values is None:
            return
        values = self.values
        prev = self.prev_key
        dim_text = tuple([str(v) for v in dim_values]) if dim_values else ()
        if prev is None:
            self._check_identity()
            key = Key(self.identity, self.name, dim_text)
            self.load(key)
        else:
            key = prev if prev.dimensions == dim_text else Key(self.identity, self.name, dim_text)
            for name, v in zip(self._dim_names, dim_values, strict=True):
                if v != values[name]:
                    self.persist(prev)
                    self.load(key)
                    break
        self._fast(values, ns)
        self.prev_key = key
        if self._touch is not None:
            self._touch(key, self)

    def evaluate(
        self, ns: dict[str, Any], tr: T.AggregateTrace | None, loc: dict[str, Any] | None = None
    ) -> None:
        if tr is None and self._fast is not None:
            self._evaluate_fast(ns)
            return
        if self.spec.when is not None and not self._when(ns, tr):
            return
        if tr is None and self._fast_dims is not None:
            dim_values = self._fast_dims(ns)
            if dim_values is None:
                return
        else:
            dim_values = []
            for d in self.dims:
                ok, value, why = eval_dimension(d, ns)
                if not ok:
                    if tr is not None:
                        tr.action = T.SKIPPED_DIMENSION
                        tr.dimension_error = f"{d.name}: {why}"
                    return
                dim_values.append(value)
        dim_text = tuple([str(v) for v in dim_values])
        prev = self.prev_key
        if prev is None:
            self._check_identity()
        key = (
            prev
            if prev is not None and prev.dimensions == dim_text
            else Key(self.identity, self.name, dim_text)
        )
        values = self.values
        if prev is None:
            action = T.RESTORED if self.load(key) else T.NEW
        elif any([v != values[d.name] for d, v in zip(self.dims, dim_values, strict=True)]):
            self.persist(prev)
            if tr is not None:
                tr.persisted_key = str(prev)
            action = T.RESTORED if self.load(key) else T.NEW
        else:
            action = T.CONTINUED
        if tr is None:
            if self._fast is not None:
                self._fast(values, ns)
            else:
                eval_fields(self.fields, values, ns)
        else:
            tr.action = action
            tr.key = str(key)
            tr.dimensions = {d.name: v for d, v in zip(self.dims, dim_values, strict=True)}
            eval_fields_traced(self.fields, values, ns, tr.fields)
        self.prev_key = key
        if self._touch is not None:
            self._touch(key, self)

    def finalize(self) -> str | None:
        if self.prev_key is None:
            return None
        self.persist(self.prev_key)
        return str(self.prev_key)


class ActivityRun(AggregateRun):
    """Activity aggregates: blocks split by inactivity, keyed by start time (§6.4)."""

    def __init__(self, spec: AggregateSpec, identity: str, stores: dict[str, RecordStore]) -> None:
        super().__init__(spec, identity, stores)
        self.gap = timedelta(seconds=spec.inactive_seconds)
        self.first = True

    def block_key(self) -> Key:
        self._check_identity()
        return Key(self.identity, self.name, (), self.values["_start_time"])

    def evaluate(
        self, ns: dict[str, Any], tr: T.AggregateTrace | None, loc: dict[str, Any] | None = None
    ) -> None:
        values = self.values
        action = T.CONTINUED
        if self.first:
            self.first = False
            # A resumed run continues the latest stored block (Blurr loads it when the
            # current block has no start; with a fresh store there is none).
            latest = self._require_store().latest_block(self.identity, self.name)
            if latest is not None:
                self.restore(latest[1])
                action = T.RESTORED
        start = values["_start_time"]
        time = ns["time"]
        if start is not None and (time < start - self.gap or time > values["_end_time"] + self.gap):
            key = self.block_key()
            self.persist(key)
            self.reset()
            action = T.SPLIT
            if tr is not None:
                tr.persisted_key = str(key)
        elif start is None:
            action = T.NEW
        if tr is not None:
            tr.action = action
        if not self._when(ns, tr):
            return
        self._run_fields(ns, tr)
        if tr is not None:
            tr.key = str(self.block_key())
        if self._touch is not None and values["_start_time"] is not None:
            self._touch(self.block_key(), self)

    def finalize(self) -> str | None:
        key = self.block_key()
        self.persist(key)
        return str(key)


class VariableRun(AggregateRun):
    """Variable aggregates: never reset, stored only if they declare a Store (§6.5).

    Window aggregates run the same way; the window transform passes ``loc`` (Blurr's local
    context, holding ``source``: names there are not visible inside comprehensions).
    """

    def evaluate(
        self, ns: dict[str, Any], tr: T.AggregateTrace | None, loc: dict[str, Any] | None = None
    ) -> None:
        if tr is not None:
            tr.action = T.CONTINUED
        if not self._when(ns, tr, loc):
            return
        if tr is None:
            eval_fields(self.fields, self.values, ns, loc)
        else:
            eval_fields_traced(self.fields, self.values, ns, tr.fields, loc)
        if self._touch is not None:
            self._touch(Key(self.identity, self.name), self)

    def finalize(self) -> str | None:
        if self.store is None:
            return None
        self._check_identity()
        key = Key(self.identity, self.name)
        self.persist(key)
        return str(key)


RUNS: dict[AggregateKind, type[AggregateRun]] = {
    AggregateKind.IDENTITY: DimensionalRun,
    AggregateKind.BLOCK: DimensionalRun,
    AggregateKind.ACTIVITY: ActivityRun,
    AggregateKind.VARIABLE: VariableRun,
    AggregateKind.WINDOW: VariableRun,
}
