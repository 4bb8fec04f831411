"""Errors of the engine and which expression exceptions abort a run (§3.3)."""

from __future__ import annotations


class MissingAttributeError(Exception):
    """``agg.x`` where ``x`` is not a field of ``agg`` (Blurr aborts the run)."""


class EngineAbort(Exception):
    """Blurr 0.4.1 aborts the whole run here; ``where``/``expression`` say what failed."""

    def __init__(self, message: str, where: str = "", expression: str = "") -> None:
        super().__init__(message)
        self.message = message
        self.where = where
        self.expression = expression
        self.line: int | None = None  # event line, filled in by the reader loop
        self.identity: str | None = None

    def describe(self) -> str:
        parts = []
        if self.where:
            parts.append(self.where)
        if self.expression:
            parts.append(f"expression `{self.expression}`")
        if self.line is not None:
            parts.append(f"event line {self.line}")
        head = ", ".join(parts)
        return f"{head}: {self.message}" if head else self.message


class EventRejected(Exception):
    """The reading stage rejected an event (bad identity or time): skipped, run goes on."""


# Exceptions that Blurr's evaluator re-raises (so the run aborts); everything else → None.
ABORTING = (NameError, ImportError, MissingAttributeError)


def describe_exception(exc: BaseException) -> str:
    return f"{type(exc).__name__}: {exc}"


def abort_from(exc: BaseException, where: str, expression: str) -> EngineAbort:
    return EngineAbort(describe_exception(exc), where=where, expression=expression)
