"""Re-running a unit of work that lost a race on a unique key."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import TypeVar

from sendout.domain.errors import Conflict

T = TypeVar("T")
CONFLICT_ATTEMPTS = 3


async def retry_on_conflict(operation: Callable[[], Awaitable[T]]) -> T:
    """Run ``operation``; when a concurrent insert of the same key made it fail, run it again.

    The second run sees the winner's row and takes the update path, so two concurrent upserts
    of one new ``source_id`` make one customer, never an error.
    """
    for _ in range(CONFLICT_ATTEMPTS - 1):
        try:
            return await operation()
        except Conflict:
            continue
    return await operation()
