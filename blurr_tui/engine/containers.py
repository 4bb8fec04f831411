"""Map, List and Set field values, with Blurr's chaining quirk (§5.3, B-18).

Every method call that returns ``None`` returns the container itself, so calls chain
inside one ``Value``; methods returning a plain ``dict``/``list``/``set`` are re-wrapped.
``Map.set``/``increment``, ``List.append``/``insert`` and ``Set.add`` ignore ``None``.
"""

from __future__ import annotations

from typing import Any


def _chaining(self: Any, base: type, attr: Any) -> Any:
    def call(*args: Any, **kwargs: Any) -> Any:
        result = attr(*args, **kwargs)
        if result is None:
            return self
        if type(result) is base:
            return type(self)(result)
        return result

    return call


class _Chaining:
    _base: type = object

    def __getattribute__(self, name: str) -> Any:
        attr = object.__getattribute__(self, name)
        if name.startswith("__") or not callable(attr):
            return attr
        return _chaining(self, object.__getattribute__(self, "_base"), attr)


class Map(_Chaining, dict):
    _base = dict

    def set(self, key: Any, value: Any) -> Map:
        if key is not None:
            self[key] = value
        return self

    def increment(self, key: Any, by: Any = 1) -> Map:
        if key is not None:
            self[key] = self.get(key, 0) + by
        return self


class List(_Chaining, list):
    _base = list

    def append(self, item: Any) -> List:  # type: ignore[override]  # Blurr: returns self
        if item is not None:
            list.append(self, item)
        return self

    def insert(self, index: Any, item: Any) -> List:  # type: ignore[override]
        if item is not None:
            list.insert(self, index, item)
        return self


class Set(_Chaining, set):
    _base = set

    def add(self, item: Any) -> Set:  # type: ignore[override]  # Blurr: returns self
        if item is not None:
            set.add(self, item)
        return self
