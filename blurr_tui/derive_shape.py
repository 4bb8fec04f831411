"""The shape of a derived event: the shape of the events of the log it was derived from.

A live event of the cart log is ``{"subject": {"type": ..., "id": ...}, "verb": ...,
"object": {...}, "context": {"at": <epoch ms>}}``, with ``verb`` either a string or
``{"type": VERB}`` depending on the event system.  :func:`learn_shape` reads the first event
of the log named in the database's ``run_meta`` and :meth:`EventShape.event` writes a derived
event the same way: ``subject.id`` the record's identity (a number when the log's ids are
numbers), ``subject.type`` the log's, ``verb`` as the log writes it, ``object`` the record,
``context.at`` the record's last interaction (its ``_end_time``) in epoch ms and
``event.inserted_at`` when it was derived, so the same tools read live and derived logs.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

EPOCH = datetime(1970, 1, 1, tzinfo=UTC)
FIRST_LINES = 1000  # how far into the log to look for its first usable event


def epoch_ms(dt: datetime) -> int:
    return (dt - EPOCH) // timedelta(milliseconds=1)


@dataclass(frozen=True, slots=True)
class EventShape:
    """How the source log writes its subject and verb."""

    verb_is_mapping: bool = True  # {"type": VERB}, the default when the log cannot be read
    subject_type: str | None = None
    numeric_ids: bool = False
    learned_from: str | None = None  # "file:line" of the event the shape was read from

    def subject(self, identity: object) -> dict[str, Any]:
        ident: object = identity
        if self.numeric_ids and isinstance(identity, str) and identity.lstrip("-").isdigit():
            ident = int(identity)
        out: dict[str, Any] = {"id": ident}
        out["type"] = self.subject_type if self.subject_type is not None else "identity"
        return out

    def event(
        self, verb: str, identity: object, obj: dict, at: datetime, key: str, derived_at: datetime
    ) -> dict[str, Any]:
        """One derived event; ``context.caused_by`` is the record's key (what makes it once)."""
        return {
            "subject": self.subject(identity),
            "verb": {"type": verb} if self.verb_is_mapping else verb,
            "object": obj,
            "context": {"at": epoch_ms(at), "caused_by": key},
            "event": {"inserted_at": epoch_ms(derived_at)},
        }


def shape_of(event: object, where: str | None = None) -> EventShape | None:
    """The shape of one live event, or None when it is not in subject/verb form."""
    if not isinstance(event, dict) or "verb" not in event:
        return None
    subject = event.get("subject")
    subject_type = subject.get("type") if isinstance(subject, dict) else None
    sid = subject.get("id") if isinstance(subject, dict) else None
    return EventShape(
        verb_is_mapping=isinstance(event["verb"], dict),
        subject_type=str(subject_type) if subject_type is not None else None,
        numeric_ids=isinstance(sid, int) and not isinstance(sid, bool),
        learned_from=where,
    )


def learn_shape(log_path: object) -> EventShape:
    """The shape of the first subject/verb event among the log's first lines; the default
    shape (``verb: {"type": ...}``) when the log is gone or holds no such event."""
    if not isinstance(log_path, str) or not Path(log_path).is_file():
        return EventShape()
    from .replay.reader import read_lines  # the log reader: plain or gzip, Blurr's JSON rules

    try:
        for n, line in enumerate(read_lines(log_path, final=True)):
            if n >= FIRST_LINES:
                break
            shape = shape_of(line.value, f"{log_path}:{line.line_no}") if line.ok else None
            if shape is not None:
                return shape
    except (OSError, EOFError, ValueError):
        pass
    return EventShape()


def plain(value: Any) -> Any:
    """A record value as JSON writes it (datetimes as ISO text)."""
    return json.loads(json.dumps(value, default=str))
