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
