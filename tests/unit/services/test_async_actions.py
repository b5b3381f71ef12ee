"""Reading async actions: one by id (in its project only), the latest first."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.async_actions import AsyncAction, AsyncActionType
from sendout.domain.errors import NotFound
from sendout.services.async_actions import get_action, list_actions
from sendout.services.context import Context
from sendout.testing import FIXED_START, InMemoryUnitOfWorkFactory, make_context


async def add_actions(uow: InMemoryUnitOfWorkFactory, project_id: str, count: int) -> None:
    async with uow() as work:
        for n in range(count):
            await work.async_actions.add(
                AsyncAction(
                    id=f"aa_{project_id}_{n}",
                    project_id=project_id,
                    type=AsyncActionType.SEGMENT_SYNC,
                    created_at=FIXED_START + timedelta(minutes=n),
                )
            )
        await work.commit()


async def test_an_action_is_found_in_its_own_project_only(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    await add_actions(uow, ctx.project_id, 1)
    action = await get_action(uow, ctx, f"aa_{ctx.project_id}_0")
    assert action.type is AsyncActionType.SEGMENT_SYNC
    with pytest.raises(NotFound):
        await get_action(uow, make_context("proj_other"), action.id)


async def test_actions_are_listed_newest_first_up_to_an_end_date(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    await add_actions(uow, ctx.project_id, 4)
    await add_actions(uow, "proj_other", 2)
    newest = await list_actions(uow, ctx, 2, None)
    assert [a.id for a in newest] == [f"aa_{ctx.project_id}_3", f"aa_{ctx.project_id}_2"]
    until = FIXED_START + timedelta(minutes=1)
    older = await list_actions(uow, ctx, 10, until)
    assert [a.id for a in older] == [f"aa_{ctx.project_id}_1", f"aa_{ctx.project_id}_0"]
