"""Per-identity runtime state of one aggregate and its per-event algorithm (§6).

How one field is updated is decided in :mod:`blurr_tui.engine.kernel`; this module decides
which record an event goes into (dimension switch, Activity split, reload) and calls the
kernel's functions for the fields, traced or not.
"""

from __future__ import annotations

from datetime import timedelta
from functools import cached_property
from typing import Any

from . import trace as T
from .errors import EngineAbort
from .fieldrun import FieldRun, field_runs
from .fields import decode, encode
from .kernel import Note, bind, compile_dimensions, compile_fields, eval_when, why_not
from .keys import Key
from .spec import AggregateKind, AggregateSpec
from .store import RecordStore
from .views import make_view


class CompiledAggregate:
    """An aggregate's fields in record order and the kernel's functions for them, generated
    on first use and shared by every identity of one engine."""

    def __init__(self, spec: AggregateSpec, inline: bool = True) -> None:
        self.spec = spec
        self.inline = inline
        self.fields, self.dims = field_runs(spec)

    def _fields(self, traced: bool) -> Any:
        return compile_fields(self.fields, self.spec.fqn, traced, self.inline)

    def _dims(self, traced: bool) -> Any:
        return compile_dimensions(self.dims, self.spec.fqn, traced, self.inline)

    @cached_property
    def batch_fields(self) -> Any:
        return self._fields(False)

    @cached_property
    def traced_fields(self) -> Any:
        return self._fields(True)

    @cached_property
    def batch_dims(self) -> Any:
        return self._dims(False)

    @cached_property
    def traced_dims(self) -> Any:
        return self._dims(True)


class AggregateRun:
    """Fields and record bookkeeping of one aggregate for one identity.

    :meth:`bind` gives it the namespace, the shared locals dict and the listener for
    swallowed exceptions before :meth:`evaluate` is called.
    """

    def __init__(
        self,
        spec: AggregateSpec,
        identity: str,
        stores: dict[str, RecordStore],
        compiled: CompiledAggregate | None = None,
    ) -> None:
        self.spec = spec
        self.name = spec.name
        self.identity = identity
        self.compiled = compiled if compiled is not None else CompiledAggregate(spec)
        self.fields: list[FieldRun] = self.compiled.fields
        self.dims: list[FieldRun] = self.compiled.dims
        self.types = {f.name: f.ftype for f in self.fields}
        self.values: dict[str, Any] = {f.name: f.default() for f in self.fields}
        self.view = make_view(spec.name, self.values)
        self.ns: dict[str, Any] = {}
        self.loc: dict[str, Any] = {}
        self.note: Note | None = None
        self._batch: Any = None
        self._traced: Any = None
        self.store = stores.get(spec.store) if spec.store else None
        # A store that shows live records (the replay's) is told which record is current.
        self._touch = (
            getattr(self.store, "touch", None)
            if getattr(self.store, "tracks_live", False)
            else None
        )

    def bind(self, ns: dict[str, Any], loc: dict[str, Any], note: Note | None = None) -> None:
        """Evaluate with ``ns`` as globals and ``loc`` as Blurr's shared local context."""
        self.ns, self.loc, self.note = ns, loc, note
        self._batch = bind(self.compiled.batch_fields, ns, note)
        self._traced = None

    # -- record bookkeeping -------------------------------------------------------------
    def reset(self) -> None:
        values = self.values
        for f in self.fields:
            values[f.name] = f.default()

    def restore(self, snapshot: dict) -> None:
        """Blurr's restore: each stored value decoded through its field's type. A value that
        cannot be decoded aborts the run, as Blurr's SnapshotError does (R-4)."""
        types = self.types
        values = self.values
        for name, value in snapshot.items():
            ftype = types.get(name)
            if ftype is not None:
                try:
                    values[name] = decode(ftype, value)
                except Exception as exc:
                    raise EngineAbort(
                        f"cannot restore {name}={value!r} from the store "
                        f"({type(exc).__name__}: {exc}; Blurr aborts with SnapshotError)",
                        where=self.spec.fqn,
                    ) from None

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
        self.reset()
        if snap is None:
            return False
        self.restore(snap)
        return True

    # -- per event ------------------------------------------------------------------------
    def evaluate(self, tr: T.AggregateTrace | None) -> None:
        raise NotImplementedError

    def finalize(self) -> str | None:
        """Persist what the end of the run persists; the key text saved, if any."""
        raise NotImplementedError

    def _when(self, tr: T.AggregateTrace | None, again: bool = False) -> bool:
        """The aggregate's When (absent → true); ``again``: its second evaluation (R-5)."""
        spec_when = self.spec.when
        if spec_when is None:
            return True
        result, error = eval_when(
            spec_when.code, spec_when.text, self.ns, self.spec.fqn, self.loc, self.note
        )
        if tr is not None:
            tr.when_text = spec_when.text
            if again:
                tr.when_again_result, tr.when_again_error = result, error
            else:
                tr.when_result, tr.when_error = result, error
            if not result:
                tr.action = T.SKIPPED_WHEN
        return bool(result)

    def _run_fields(self, tr: T.AggregateTrace | None) -> None:
        if tr is None:
            self._batch(self.values, self.ns, self.loc, None)
            return
        if self._traced is None:
            self._traced = bind(self.compiled.traced_fields, self.ns, self.note)
        self._traced(self.values, self.ns, self.loc, tr.fields)


class DimensionalRun(AggregateRun):
    """Identity (with or without Dimensions) and Block aggregates (§6.2, §6.3)."""

    def __init__(
        self,
        spec: AggregateSpec,
        identity: str,
        stores: dict[str, RecordStore],
        compiled: CompiledAggregate | None = None,
    ) -> None:
        super().__init__(spec, identity, stores, compiled)
        self.prev_key: Key | None = None
        self._dim_names = [d.name for d in self.dims]
        self._has_when = spec.when is not None
        self._batch_dims: Any = None
        self._traced_dims: Any = None

    def bind(self, ns: dict[str, Any], loc: dict[str, Any], note: Note | None = None) -> None:
        super().bind(ns, loc, note)
        self._batch_dims = bind(self.compiled.batch_dims, ns, note)
        self._traced_dims = None

    def _traced_dimensions(self, tr: T.AggregateTrace) -> list[Any] | None:
        if self._traced_dims is None:
            self._traced_dims = bind(self.compiled.traced_dims, self.ns, self.note)
        dims_tr: list[T.FieldTrace] = []
        out = self._traced_dims({}, self.ns, self.loc, dims_tr)
        if out is None:
            tr.action = T.SKIPPED_DIMENSION
            tr.dimension_error = f"{dims_tr[-1].name}: {why_not(dims_tr[-1])}"
        return out  # type: ignore[no-any-return]

    def evaluate(self, tr: T.AggregateTrace | None) -> None:
        """Blurr's IdentityAggregate.run_evaluate: When, dimensions, switch the record if the
        dimensions changed, then When *again* on that record before the fields (R-5)."""
        has_when = self._has_when
        if has_when and not self._when(tr):
            return
        if tr is None:
            dim_values = self._batch_dims(None, self.ns, self.loc, None)
        else:
            dim_values = self._traced_dimensions(tr)
        if dim_values is None:
            return
        values = self.values
        prev = self.prev_key
        dim_text = tuple([str(v) for v in dim_values]) if dim_values else ()
        if prev is None:
            self._check_identity()
            key = Key(self.identity, self.name, dim_text)
            action = T.RESTORED if self.load(key) else T.NEW
        else:
            key = prev if prev.dimensions == dim_text else Key(self.identity, self.name, dim_text)
            action = T.CONTINUED
            for name, v in zip(self._dim_names, dim_values, strict=True):
                if v != values[name]:
                    self.persist(prev)
                    if tr is not None:
                        tr.persisted_key = str(prev)
                    action = T.RESTORED if self.load(key) else T.NEW
                    break
        if tr is not None:
            tr.action = action
            tr.key = str(key)
            tr.dimensions = dict(zip(self._dim_names, dim_values, strict=True))
        if not has_when or self._when(tr, again=True):
            if tr is None:
                self._batch(values, self.ns, self.loc, None)
            else:
                self._run_fields(tr)
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

    def __init__(
        self,
        spec: AggregateSpec,
        identity: str,
        stores: dict[str, RecordStore],
        compiled: CompiledAggregate | None = None,
    ) -> None:
        super().__init__(spec, identity, stores, compiled)
        self.gap = timedelta(seconds=spec.inactive_seconds)

    def block_key(self) -> Key:
        self._check_identity()
        return Key(self.identity, self.name, (), self.values["_start_time"])

    def evaluate(self, tr: T.AggregateTrace | None) -> None:
        values = self.values
        action = T.CONTINUED
        if values["_start_time"] is None:
            # Blurr reloads the latest stored block whenever the block has no start: at the
            # identity's first event and after every reset.
            latest = self._require_store().latest_block(self.identity, self.name)
            if latest is not None:
                self.restore(latest[1])
                action = T.RESTORED
        start = values["_start_time"]
        time = self.ns["time"]
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
        if not self._when(tr):
            return
        self._run_fields(tr)
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

    Window aggregates run the same way; the window transform binds a locals dict holding
    ``source`` (names there are not visible inside comprehensions, as in Blurr).
    """

    def evaluate(self, tr: T.AggregateTrace | None) -> None:
        if tr is not None:
            tr.action = T.CONTINUED
        if not self._when(tr):
            return
        self._run_fields(tr)
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
