"""The send-out log: list, read with attempts, send one again."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sendout.domain.errors import NotFound
from sendout.domain.ports import Page, Requeue, UnitOfWork, UnitOfWorkFactory
from sendout.domain.sendouts import Sendout, SendoutQuery, SendoutStatus, requeue
from sendout.services.context import Context


@dataclass(frozen=True, slots=True, kw_only=True)
class SendoutWithAttempts:
    sendout: Sendout
    attempts: Sequence[Mapping[str, Any]]


async def list_sendouts(
    uow_factory: UnitOfWorkFactory, ctx: Context, query: SendoutQuery
) -> Page[Sendout]:
    async with uow_factory() as uow:
        return await uow.sendouts.list(ctx.project_id, query)


async def get_sendout(
    uow_factory: UnitOfWorkFactory, ctx: Context, sendout_id: str
) -> SendoutWithAttempts:
    async with uow_factory() as uow:
        found = await uow.sendouts.get(ctx.project_id, sendout_id)
        if found is None:
            raise NotFound.of("sendout", sendout_id)
        attempts = await uow.deliveries.attempts(ctx.project_id, sendout_id)
    return SendoutWithAttempts(sendout=found, attempts=attempts)


async def resend(uow_factory: UnitOfWorkFactory, ctx: Context, sendout_id: str) -> Sendout:
    """Send the same bytes again, now (a delivered one too: the receiver asked for it)."""
    async with uow_factory() as uow:
        found = await uow.sendouts.get(ctx.project_id, sendout_id)
        if found is None:
            raise NotFound.of("sendout", sendout_id)
        requeue(found, "resent", ctx.now())  # refused here if its state forbids it
        await uow.deliveries.requeue(
            ctx.project_id,
            Requeue(statuses=frozenset({found.status}), sendout_id=sendout_id, reason="resent"),
            ctx.now(),
        )
        updated = await uow.sendouts.get(ctx.project_id, sendout_id)
        await uow.commit()
    assert updated is not None
    return updated


async def resume_held(uow: UnitOfWork, ctx: Context, source_id: str) -> int:
    """What waited while a distribution was paused (or a project webhook disabled) is due now."""
    return await uow.deliveries.requeue(
        ctx.project_id,
        Requeue(statuses=frozenset({SendoutStatus.HELD}), distribution_id=source_id),
        ctx.now(),
    )
