"""Blurr 0.4.1's type strings, in one place (§1). Blurr compares them lower-cased."""

from __future__ import annotations

from enum import StrEnum


class AggregateKind(StrEnum):
    IDENTITY = "identity"
    BLOCK = "block"
    ACTIVITY = "activity"
    VARIABLE = "variable"
    WINDOW = "window"
    LABEL = "label"


class FieldType(StrEnum):
    INTEGER = "integer"
    FLOAT = "float"
    STRING = "string"
    BOOLEAN = "boolean"
    DATETIME = "datetime"
    MAP = "map"
    LIST = "list"
    SET = "set"


STREAMING = "blurr:transform:streaming"
WINDOW = "blurr:transform:window"
ANCHOR = "anchor"

AGGREGATE_KINDS: dict[str, AggregateKind] = {f"blurr:aggregate:{k.value}": k for k in AggregateKind}
AGGREGATE_TYPES = frozenset(AGGREGATE_KINDS)
TIME_AGGREGATES = frozenset({"blurr:aggregate:block", "blurr:aggregate:activity"})

STORE_TYPES = frozenset({"blurr:store:memory", "blurr:store:dynamo"})

FIELD_TYPES = frozenset(t.value for t in FieldType)
DIMENSION_TYPES = frozenset({FieldType.INTEGER.value, FieldType.STRING.value})

WINDOW_TYPES = frozenset({"day", "hour", "count"})

KNOWN_TYPES = (
    frozenset({STREAMING, WINDOW, ANCHOR})
    | WINDOW_TYPES
    | AGGREGATE_TYPES
    | STORE_TYPES
    | FIELD_TYPES
)
