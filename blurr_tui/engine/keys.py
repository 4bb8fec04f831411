"""Blurr's record key: ``identity/group/d1:d2/timestamp``."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True, slots=True)
class Key:
    identity: str
    group: str
    dimensions: tuple[str, ...] = ()
    timestamp: datetime | None = None

    def __str__(self) -> str:
        ts = self.timestamp.isoformat() if self.timestamp is not None else ""
        return f"{self.identity}/{self.group}/{':'.join(self.dimensions)}/{ts}"

    @property
    def lookup(self) -> tuple:
        """What the key compares by: a timestamp compares by instant (offsets ignored)."""
        return (self.identity, self.group, self.dimensions, self.timestamp)
