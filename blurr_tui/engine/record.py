"""The ``source`` object of expressions: Blurr's ``Record`` and ``RecordList``.

``source.x`` is the value of key ``x`` or ``None`` when absent (never KeyError); nested
dicts come back wrapped as ``Record`` and non-empty lists as ``RecordList`` on access.
Dict methods shadow keys (``source.items`` is the bound method: quirk B-17, mirrored).
"""

from __future__ import annotations

from typing import Any


def _wrap(value: Any) -> Any:
    if isinstance(value, dict):
        return Record(value)
    if isinstance(value, list) and value:
        return RecordList(value)
    return value


_get = dict.get
_PLAIN = frozenset((str, int, float, bool))


_DICT_ATTRS = frozenset(dir(dict))


class Record(dict):
    """A JSON object whose keys read as attributes.

    ``__getattribute__`` (not ``__getattr__``) so a key lookup does not first fail a normal
    attribute lookup (an AttributeError per access); dict's own attributes still win, as in
    Blurr (``source.items`` is the method).
    """

    __slots__ = ()

    def __getattribute__(self, name: str) -> Any:
        if name in _DICT_ATTRS:
            return object.__getattribute__(self, name)
        value = _get(self, name)
        if value is None:
            if name[:2] == "__" and name[-2:] == "__":
                raise AttributeError(name)
            return None
        if type(value) in _PLAIN:
            return value
        return _wrap(value)

    def __getitem__(self, key: Any) -> Any:
        value = _get(self, key)
        if value is None or type(value) in _PLAIN:
            return value
        return _wrap(value)


class RecordList(list):
    """A non-empty JSON array whose items are wrapped when indexed (not when iterated)."""

    __slots__ = ()

    def __getitem__(self, index: Any) -> Any:
        return _wrap(super().__getitem__(index))


class FastRecord(Record):
    """A Record whose top-level values are also its instance attributes, so ``source.x`` is a
    C-level ``__dict__`` lookup.  Made only by :func:`record_maker`, for events whose every
    value is plain (no dict, no list) and whose keys shadow no attribute of the type.  The
    instance ``__dict__`` is the parsed event itself (the dict content is a copy of it); the
    names a spec reads are class attributes set to None (a missing key reads as None at C
    speed); any other name falls back to :class:`Record`'s rule.  Every access gives what
    Record gives."""

    __slots__ = ("__dict__",)
    __getattribute__ = object.__getattribute__

    def __getattr__(self, name: str) -> Any:
        return Record.__getattribute__(self, name)


# Keys that would shadow an attribute of FastRecord (dict methods, __dict__, ...): such an
# event is a plain Record.
_TYPE_NAMES = frozenset(dir(FastRecord)) | {"__dict__", "__slots__", "__weakref__"}
_NESTED = frozenset((dict, list))


def _plain_record(value: dict, flat: bool = False) -> Record:
    return Record(value)


def record_maker(reads: frozenset[str] | None) -> Any:
    """``make(event_dict) -> Record`` for a spec that reads ``source.NAME`` for the names in
    ``reads`` (None: the spec may change ``source`` or reach it indirectly: plain Records).

    ``make`` takes ownership of ``event_dict`` (it becomes the record's ``__dict__``);
    ``flat=True`` says the caller knows no value is a dict or a list.
    """
    if reads is None:
        return _plain_record
    missing = {n: None for n in sorted(reads) if n not in _TYPE_NAMES and not n.startswith("__")}
    cls = type("FastRecord", (FastRecord,), {"__slots__": (), **missing})
    shadow = _TYPE_NAMES
    nested = _NESTED

    def make(value: dict, flat: bool = False) -> Record:
        if (flat or nested.isdisjoint(map(type, value.values()))) and shadow.isdisjoint(value):
            record = cls(value)
            record.__dict__ = value
            return record
        return Record(value)

    return make
