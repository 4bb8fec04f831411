"""The messages of ``blurr-tui validate``: Blurr 0.4.1's own templates (BTS-SEMANTICS §12.1)
first, then those of the checks Blurr does not do."""

from __future__ import annotations

CRASH = "(Blurr 0.4.1 crashes on it)"

# Message templates: Blurr's own (§12.1) first, then the checks Blurr does not do.
MESSAGES = {
    "required": "Attribute `{key}` must be present under `{fqn}`.",
    "empty": "Attribute `{key}` under `{fqn}` cannot be left empty.",
    "identifier": "`Name: {value}` in section `{fqn}` is invalid. {reason}.",
    "enum": "Attribute `{key}` under `{fqn}` must have one of the following values: {values}",
    "number": "Attribute `{key}` under `{fqn}` must be of type `int`.  {more}",
    "expression": "`{key}: {value}` in section `{fqn}` is invalid Python expression. "
    "Compilation error: {detail}",
    "unknown_type": "`Type: {value}` in section `{fqn}` is invalid. "
    "Type `{value}` is not declared in the system configuration.",
    "wrong_type": "`Type: {value}` in section `{fqn}` is invalid. Expected {what}.",
    "string_number": "Attribute `{key}` under `{fqn}` is the string {value!r}: write a plain "
    "integer (Blurr 0.4.1 accepts the string here but crashes when it runs).",
    "window_too_long": "Attribute `{key}` under `{fqn}` is {value} {what}s: longer than "
    "Python's dates can reach (about 7,900 years) " + CRASH + ".",
    "no_module": "Module `{value}` cannot be found: Blurr 0.4.1 rejects every event "
    "(import failed).",
    "interval_too_big": "Attribute `{key}` under `{fqn}` is {value}: longer than Python's dates "
    "can reach (about 7,900 years) " + CRASH + ".",
    "not_list": "Attribute `{key}` under `{fqn}` must be a list of {what}.",
    "not_mapping": "Each entry of `{key}` must be a mapping{what}, not {value}.",
    "not_text": "Attribute `{key}` under `{fqn}` must be a Python expression, not {value}.",
    "duplicate_key": "Duplicate key `{key}` (first on line {value}): YAML keeps only the last value.",
    "duplicate": "Duplicate {what} name `{value}` (first on line {more}).",
    "store": "Store `{value}` is not declared in `Stores` of `{more}` (declared: {what}).",
    "module": "Attribute `Module` must be present under `{fqn}` as a module name " + CRASH + ".",
    "identifiers": "Attribute `Identifiers` under `{fqn}` must be a list "
    "(Blurr 0.4.1 imports each character of a string).",
    "label": "Blurr:Aggregate:Label is not implemented by Blurr 0.4.1.",
    "window_in_streaming": "Blurr:Aggregate:Window can only be used in a window BTS.",
    "window_only": "A window BTS can only hold Window and Variable aggregates.",
    "count_zero": "A `count` window needs a non-zero `WindowValue` " + CRASH + ".",
    "time_aggs": "The streaming BTS `{value}` has {more} Block/Activity aggregates; a window BTS "
    "needs exactly one (Blurr 0.4.1 aborts the run).",
    "source_format": "`Source: {value}` in section `{fqn}` is invalid. Expected "
    "`<streaming BTS Name>.<Block or Activity aggregate Name>`.",
    "source_stream": "`Source: {value}` refers to `{what}`, but the streaming BTS is named `{more}`.",
    "source_missing": "`Source: {value}`: `{what}` is not an aggregate of the streaming BTS `{more}`.",
    "source_kind": "`Source: {value}`: `{what}` is not a Block or Activity aggregate.",
    "anchor": "Attribute `Anchor` under `{fqn}` must be a mapping with `Condition` (and `Max`).",
}
