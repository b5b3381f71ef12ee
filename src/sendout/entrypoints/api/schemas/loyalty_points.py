"""The body of the pending-points routes of ``/v1/loyalties``."""

from __future__ import annotations

from sendout.entrypoints.api.bounds import Int64
from sendout.entrypoints.api.schemas.common import (
    Body,
)


class PendingPointsBody(Body):
    """``POST …/pending-points/{id}/balance``: points to add (negative: to take)."""

    points: Int64
