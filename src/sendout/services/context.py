"""What every use case needs to know about the call it serves."""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import datetime

from sendout.domain.clock import Clock
from sendout.domain.events import EventChannel, EventSource
from sendout.domain.ids import new_id, new_sortable_ids


@dataclass(frozen=True, slots=True, kw_only=True)
class Context:
    """The caller's project, the request (its id groups the events it causes), time and chance."""

    project_id: str
    request_id: str
    source: EventSource
    clock: Clock
    rng: random.Random

    def now(self) -> datetime:
        return self.clock.now()

    def new_id(self, prefix: str) -> str:
        return new_id(prefix, self.rng)

    def new_sortable_id(self, prefix: str) -> str:
        """An id that sorts by creation time (rows listed in creation order by id)."""
        return new_sortable_ids(prefix, self.rng, 1, self.now())[0]


def internal_context(project_id: str, request_id: str, clock: Clock, rng: random.Random) -> Context:
    """The context of work the worker does on its own (scheduled jobs, dispatch): its events
    come from the INTERNAL channel."""
    return Context(
        project_id=project_id,
        request_id=request_id,
        source=EventSource(channel=EventChannel.INTERNAL),
        clock=clock,
        rng=rng,
    )
