"""Reading a customer's events back: the activity list (``GET /v1/customers/{id}/activity``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sendout.domain.clock import iso
from sendout.domain.events import Event


@dataclass(frozen=True, slots=True, kw_only=True)
class ActivityQuery:
    limit: int = 10
    descending: bool = True
    starting_after_id: str | None = None
    start_date: datetime | None = None
    end_date: datetime | None = None
    type: str | None = None


def activity_object(event: Event) -> dict[str, Any]:
    return {
        "id": event.id,
        "type": event.type,
        "data": dict(event.data),
        "created_at": iso(event.created_at),
        "group_id": event.group_id,
    }
