"""Objects that expressions see: one view per aggregate, reading live field values."""

from __future__ import annotations

from functools import lru_cache
from typing import Any

from .errors import MissingAttributeError


class AggregateView:
    """``agg.field`` / ``agg['field']`` read the live values dict (a fast attribute lookup)."""

    _agg_name = ""

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise MissingAttributeError(f"{name} not defined in {type(self)._agg_name}")

    def __getitem__(self, name: str) -> Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise MissingAttributeError(f"{name} not defined in {type(self)._agg_name}") from None

    def __repr__(self) -> str:
        return f"<aggregate {type(self)._agg_name} {self.__dict__!r}>"


@lru_cache(maxsize=1024)
def _view_class(agg_name: str) -> type[AggregateView]:
    return type(f"Aggregate_{agg_name}", (AggregateView,), {"_agg_name": agg_name})


def make_view(agg_name: str, values: dict[str, Any]) -> AggregateView:
    view = _view_class(agg_name)()
    view.__dict__ = values
    return view


class TransformerView:
    """``<stream>.<aggregate>`` in a window BTS."""

    def __init__(self, name: str, aggregates: dict[str, Any]) -> None:
        self.__dict__.update(aggregates)
        object.__setattr__(self, "_name_", name)

    def __getattr__(self, name: str) -> Any:
        if name.startswith("__") and name.endswith("__"):
            raise AttributeError(name)
        raise MissingAttributeError(f"{name} not defined in {self.__dict__.get('_name_')}")

    def __getitem__(self, name: str) -> Any:
        try:
            return self.__dict__[name]
        except KeyError:
            raise MissingAttributeError(
                f"{name} not defined in {self.__dict__.get('_name_')}"
            ) from None
