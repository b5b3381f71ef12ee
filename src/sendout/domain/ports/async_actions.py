"""The port of async actions: long jobs the API hands to the worker (imports, code
generation), leased under a fencing token."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sendout.domain.async_actions import AsyncAction, AsyncActionType
from sendout.domain.ports.common import Page


class AsyncActionStore(Protocol):
    async def add(self, action: AsyncAction) -> None: ...
    async def update(self, action: AsyncAction) -> None: ...
    async def get(self, project_id: str, action_id: str) -> AsyncAction | None: ...
    async def list(
        self, project_id: str, limit: int, end_date: datetime | None
    ) -> Sequence[AsyncAction]:
        """The project's actions, newest first, exports aside (they are listed as exports)."""
        ...

    async def page_of_type(
        self, project_id: str, action_type: AsyncActionType, limit: int, page: int, newest: bool
    ) -> Page[AsyncAction]:
        """One page of the project's actions of one type, by creation time."""
        ...

    async def remove(self, project_id: str, action_id: str) -> None: ...
    async def claim_next(
        self, now: datetime, lease_until: datetime, token: str
    ) -> AsyncAction | None:
        """The oldest action waiting, or abandoned (lease expired), leased to the caller
        under ``token`` (a fencing token)."""
        ...

    async def update_if_held(self, action: AsyncAction) -> bool:
        """Write it only while its claim's token (``action.lease_token``) is the stored one;
        answers whether it did (False: another worker took the action over)."""
        ...
