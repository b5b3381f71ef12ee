"""Reading async actions (the worker runs them: see ``async_jobs``)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sendout.domain.async_actions import AsyncAction, AsyncActionType
from sendout.domain.errors import NotFound
from sendout.domain.ports import UnitOfWorkFactory
from sendout.services.context import Context


async def get_action(uow_factory: UnitOfWorkFactory, ctx: Context, action_id: str) -> AsyncAction:
    async with uow_factory() as uow:
        action = await uow.async_actions.get(ctx.project_id, action_id)
    # An export is shown as an export (``services/exports.py``), never as an async action.
    if action is None or action.type is AsyncActionType.EXPORT:
        raise NotFound.of("async_action", action_id)
    return action


async def list_actions(
    uow_factory: UnitOfWorkFactory, ctx: Context, limit: int, end_date: datetime | None
) -> Sequence[AsyncAction]:
    async with uow_factory() as uow:
        return await uow.async_actions.list(ctx.project_id, limit, end_date)
