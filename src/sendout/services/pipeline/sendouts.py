"""The send-out log: list, read with attempts, send one again."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sendout.domain.errors import Conflict, NotFound
from sendout.domain.ports import Page, Requeue, UnitOfWork, UnitOfWorkFactory
from sendout.domain.sendout_lifecycle import requeue
from sendout.domain.sendouts import Sendout, SendoutQuery, SendoutStatus
from sendout.services.context import Context
from sendout.services.pipeline.endpoint_resets import try_now


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


RESEND_READS = 3  # a send-out changed by workers between each read and write: give up


async def resend(uow_factory: UnitOfWorkFactory, ctx: Context, sendout_id: str) -> Sendout:
    """Send the same bytes again, now: a settled one (a delivered one too: the receiver
    asked for it), or one waiting for its next retry (hours away, maybe). Only an attempt in
    flight is refused. A person's "try now": the endpoint's breaker closes too."""
    async with uow_factory() as uow:
        now = ctx.now()
        for _ in range(RESEND_READS):
            found = await uow.sendouts.get(ctx.project_id, sendout_id)
            if found is None:
                raise NotFound.of("sendout", sendout_id)
            updated = requeue(found, "resent", now)  # refused here if its state forbids it
            # Written only if still as read: a worker that claimed it meanwhile (PostgreSQL)
            # wins, and the next read refuses the resend of an attempt in flight.
            if await uow.deliveries.requeue_one(found, updated):
                break
        else:
            raise Conflict(details=f"send-out {sendout_id} keeps changing: try again")
        await try_now(uow, [found.url], now)
        await uow.commit()
    return updated


async def resume_held(
    uow: UnitOfWork, ctx: Context, source_id: str, endpoints: Collection[str] = ()
) -> int:
    """What waited while a distribution was paused (or a project webhook disabled) is due
    now, and the breakers of its endpoints (``endpoints``, the source's own, and those of
    what waited) close: set live and enabling are a person saying "try now"."""
    urls = await uow.deliveries.requeue(
        ctx.project_id,
        Requeue(statuses=frozenset({SendoutStatus.HELD}), distribution_id=source_id),
        ctx.now(),
    )
    await try_now(uow, {*urls, *endpoints}, ctx.now())
    return len(urls)
