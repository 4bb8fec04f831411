"""The streaming engine: reading an event (identity, time) and applying it to an identity.

Usage::

    engine = StreamingEngine(spec)
    identity, time, record = engine.read(json_value)        # EventRejected / EngineAbort
    run = engine.start_identity(identity, stores)            # fresh state per identity
    trace = run.apply(record, time, trace=True)              # EventTrace (or None)
    run.finalize()                                           # persist, like Blurr at the end

Blurr processes each identity with fresh state over its events sorted by time; an
``IdentityRun`` is exactly that state, so a caller may interleave identities freely.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from . import trace as T
from .aggregates import RUNS, AggregateRun, CompiledAggregate
from .codegen import compile_read
from .errors import ABORTING, EngineAbort, EventRejected, abort_from, describe_exception
from .fields import with_utc
from .kernel import bind, eval_when, needs_local_context
from .record import Record, record_maker
from .source_access import plain_read, source_reads
from .spec import ImportSpec, StreamingSpec
from .store import RecordStore
from .timeparse import is_dateutil_parse, utc_from_text
from .timeparse import parse as fast_parse

# ``source.X`` is not the event's X for these names (dict methods, dunders): no plain read.
_SHADOWED = frozenset(dir(dict)) | {"__dict__", "__slots__", "__weakref__"}


def build_namespace(imports: tuple[ImportSpec, ...]) -> tuple[dict[str, Any], str | None]:
    """Execute the Import entries into a fresh namespace: (namespace, error or None).

    ``dateutil.parser.parse`` bound by name is replaced by a drop-in with a fast path for
    common timestamp shapes (same results; see timeparse).
    """
    ns: dict[str, Any] = {}
    try:
        for imp in imports:
            exec(imp.statement, ns)
    except Exception as exc:  # ImportError, SyntaxError in the pasted text, ...
        return ns, str(exc) if isinstance(exc, ImportError) else describe_exception(exc)
    for name, value in list(ns.items()):
        if is_dateutil_parse(value):
            ns[name] = fast_parse
    return ns, None


class StreamingEngine:
    """A loaded streaming BTS, ready to read events and start identities."""

    def __init__(self, spec: StreamingSpec, fast: bool = True) -> None:
        self.spec = spec
        # fast: expressions pasted into the kernel's generated functions; False: each one
        # eval'd with Blurr's (context, locals) pair (the same decisions, checked against).
        self.fast = fast
        self.base_ns, self.import_error = build_namespace(spec.imports)
        self._read_ns = dict(self.base_ns)
        self._identity_code = spec.identity.code if spec.identity else None
        self._time_code = spec.time.code if spec.time else None
        self.time_aggregates = [a for a in spec.aggregates if a.has_time_fields]
        # Called with (fqn, "When"|"Value"|"cast", exception) for every exception Blurr
        # swallows (the field is then not updated); the replay lists them as errors.
        self.on_swallowed: Any = None
        texts = list(_expression_texts(spec))
        inline = fast and not needs_local_context(texts)
        self.compiled = {a.name: CompiledAggregate(a, inline) for a in spec.aggregates}
        # Blurr reads Identity and Time with a fresh context per record: only an
        # expression that can tell (walrus, locals(), globals()...) needs a fresh copy here.
        read_texts = [e.text for e in (spec.identity, spec.time) if e is not None]
        self._fresh_read = needs_local_context(read_texts) or any(
            "globals" in t for t in read_texts
        )
        # Blurr evaluates Time again in the transformer's context (aggregates, identity and
        # the shared locals in scope) and uses that value. It can only differ when the
        # expression reads one of those names.
        self._time_again = self._time_code is not None and (
            not inline
            or bool(
                set(self._time_code.co_names)
                & ({"identity", "time", "globals"} | set(self.compiled))
            )
        )
        self._fast_read = None
        # Worked out once: the record class for ``source`` and the plain reading stage.
        self.make_record = record_maker(source_reads(spec))
        self._plain: tuple[str, str] | None = None
        plain = plain_read(spec) if fast and spec.reject_reason is None else None
        if (
            plain is not None
            and not self._fresh_read
            and self.import_error is None
            and self._read_ns.get(plain[2]) is fast_parse
            and plain[0] not in _SHADOWED
            and plain[1] not in _SHADOWED
        ):
            self._plain = plain[0], plain[1]
        if (
            fast
            and not self._fresh_read
            and self._identity_code
            and self._time_code
            and self.import_error is None
        ):
            template = compile_read(spec.identity.text, spec.time.text, spec.name)  # type: ignore[union-attr]
            self._fast_read = bind(template, self._read_ns, None)

    # -- reading stage (§2.3, §2.4, §10.2) ----------------------------------------------
    def read(self, value: Any, flat: bool = False) -> tuple[str, datetime, Record]:
        """(identity, time, record) of one parsed event; ``flat``: the caller knows it is a
        dict of plain values (see jsonline.loads_event).  The record owns ``value``."""
        if type(value) is dict:
            plain = self._plain
            if plain is not None:
                # Identity ``source.A``, Time ``parse(source.B)``: read from the dict.
                identity = value.get(plain[0])
                if identity.__class__ is str and identity:
                    text = value.get(plain[1])
                    if text.__class__ is str:
                        time = utc_from_text(text)
                        if time is not None:
                            return identity, time, self.make_record(value, flat)
            record = self.make_record(value, flat)
        elif isinstance(value, dict):
            record = Record(value)
        else:
            try:
                record = Record(dict(value))  # a JSON array of pairs is accepted (B-19)
            except (TypeError, ValueError) as exc:
                raise EventRejected(f"not a JSON object ({exc})") from None
        if self.spec.reject_reason is not None:
            raise EventRejected(self.spec.reject_reason)
        ns = self._read_ns
        if self._fresh_read:
            ns = dict(self.base_ns)
        ns["source"] = record
        fast = self._fast_read
        if fast is not None:
            hit = fast()
            if hit is not None:
                identity, time = hit
                if time.tzinfo is None:
                    time = with_utc(time)
                return identity, time, record
        if self.import_error is not None:
            raise EventRejected(f"import failed: {self.import_error}")
        identity = self._evaluate_read(self._identity_code, "Identity", ns)
        if not identity:
            text = self.spec.identity.text if self.spec.identity else "(no Identity)"
            raise EventRejected(f"could not determine identity using {text}")
        if self._fresh_read:
            ns = dict(self.base_ns)
            ns["source"] = record
        time = self._evaluate_read(self._time_code, "Time", ns)
        if not isinstance(time, datetime):
            text = self.spec.time.text if self.spec.time else "(no Time)"
            raise EventRejected(f"could not determine time using {text} (got {time!r})")
        if time.tzinfo is None:
            time = with_utc(time)
        return identity, time, record

    @property
    def has_plain_read(self) -> bool:
        """Identity is ``source.A`` and Time ``parse(source.B)`` (see :meth:`plain_identity`)."""
        return self._plain is not None

    def plain_identity(self, value: Any) -> str | None:
        """The identity :meth:`read` gives ``value`` when it is the plain ``source.A``
        (a non-empty string), without reading anything else; None when it takes more."""
        plain = self._plain
        if plain is None or type(value) is not dict:
            return None
        identity = value.get(plain[0])
        return identity if identity.__class__ is str and identity else None

    @staticmethod
    def _evaluate_read(code: Any, what: str, ns: dict[str, Any]) -> Any:
        if code is None:
            raise EventRejected(f"the BTS has no valid {what} expression")
        try:
            return eval(code, ns, {})
        except ABORTING as exc:
            raise EventRejected(f"{what}: {describe_exception(exc)}") from None
        except Exception:
            return None

    def _note(self, where: str, what: str, exc: BaseException) -> None:
        if self.on_swallowed is not None:
            self.on_swallowed(where, what, exc)

    def start_identity(self, identity: str, stores: dict[str, RecordStore]) -> IdentityRun:
        if not self.spec.stores:
            raise EngineAbort(
                "the streaming BTS declares no store of a known Type; Blurr 0.4.1 needs one "
                "even when no aggregate uses it (it aborts with StopIteration)",
                where=f"{self.spec.name}.Stores",
            )
        return IdentityRun(self, identity, stores)


class IdentityRun:
    """All aggregates of one identity, with the expression namespace they share."""

    def __init__(
        self, engine: StreamingEngine, identity: str, stores: dict[str, RecordStore]
    ) -> None:
        spec = engine.spec
        self.spec = spec
        self.engine = engine
        self.identity = identity
        # Blurr's evaluation context of one identity: the context (globals) and one locals
        # dict shared by every expression of every aggregate, for all its events.
        self.ns: dict[str, Any] = dict(engine.base_ns)
        self.loc: dict[str, Any] = {}
        self.aggregates: list[AggregateRun] = [
            RUNS[a.kind](a, identity, stores, engine.compiled[a.name]) for a in spec.aggregates
        ]
        for agg in self.aggregates:
            self.ns[agg.name] = agg.view
        self.ns["identity"] = identity
        for agg in self.aggregates:
            agg.bind(self.ns, self.loc, engine._note)
        self._when = spec.when
        self.events = 0

    def apply(self, record: Record, time: datetime, trace: bool = False) -> T.EventTrace | None:
        ns = self.ns
        ns["source"] = record
        if self.engine._time_again:
            time = self._time_again(time)
        ns["time"] = time
        self.events += 1
        tr = T.EventTrace(identity=self.identity, time=time) if trace else None
        if self._when is not None:
            result, error = eval_when(
                self._when.code,
                self._when.text,
                ns,
                f"{self.spec.name}.When",
                self.loc,
                self.engine._note,
            )
            if tr is not None:
                tr.when_text, tr.when_result, tr.when_error = self._when.text, result, error
            if not result:
                if tr is not None:
                    for agg in self.aggregates:
                        tr.aggregates.append(
                            T.AggregateTrace(agg.name, agg.spec.kind.value, T.SKIPPED_TRANSFORMER)
                        )
                return tr
        if tr is None:
            for agg in self.aggregates:
                agg.evaluate(None)
            return None
        for agg in self.aggregates:
            atr = T.AggregateTrace(agg.name, agg.spec.kind.value, T.CONTINUED)
            tr.aggregates.append(atr)
            agg.evaluate(atr)
            if atr.persisted_key:
                tr.saved_keys.append(atr.persisted_key)
        return tr

    def _time_again(self, read_time: datetime) -> datetime:
        """Time evaluated again with the aggregates in scope, as Blurr's transformer does."""
        code = self.engine._time_code
        text = self.spec.time.text if self.spec.time else ""
        where = f"{self.spec.name}.Time"
        try:
            time = eval(code, self.ns, self.loc)  # type: ignore[arg-type]
        except ABORTING as exc:
            raise abort_from(exc, where, text) from exc
        except Exception:
            time = None
        if not isinstance(time, datetime):
            raise EngineAbort(
                f"Time evaluated again in the aggregates' context gave {time!r}, not a datetime "
                f"(it gave {read_time.isoformat()} when the event was read; Blurr crashes)",
                where=where,
                expression=text,
            )
        return time if time.tzinfo is not None else with_utc(time)

    def finalize(self) -> list[str]:
        """Persist every aggregate as Blurr does at the end of a run; the keys saved."""
        saved = []
        for agg in self.aggregates:
            key = agg.finalize()
            if key is not None:
                saved.append(key)
        return saved

    def live_state(self) -> dict[str, dict]:
        """What a resumed run needs besides the store: Variable values (never stored by Blurr)."""
        return {a.name: a.snapshot() for a in self.aggregates if a.spec.kind.value == "variable"}

    def restore_live_state(self, state: dict[str, dict]) -> None:
        for agg in self.aggregates:
            snap = state.get(agg.name)
            if snap is not None:
                agg.restore(snap)

    def aggregate(self, name: str) -> AggregateRun:
        for agg in self.aggregates:
            if agg.name == name:
                return agg
        raise KeyError(name)


def _expression_texts(spec: StreamingSpec) -> Any:
    """Every expression the transformer evaluates per event."""
    for e in (spec.when, spec.time):
        if e is not None:
            yield e.text
    for agg in spec.aggregates:
        if agg.when is not None:
            yield agg.when.text
        for f in (*agg.fields, *agg.dimensions):
            for e in (f.when, f.value):
                if e is not None:
                    yield e.text
