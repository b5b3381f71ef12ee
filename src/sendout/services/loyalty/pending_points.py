"""Pending points: held by an earning rule's pending period, then activated (by the scheduled
job when their day comes, or by hand), adjusted or canceled. Every move locks the card first,
then reads the pending points again, so the job and a request never both activate them."""

from __future__ import annotations

from dataclasses import replace
from typing import Any

from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.domain.points import PendingPoints, pending_balance_object
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.vouchers import EffectiveVoucher
from sendout.services.context import Context
from sendout.services.loyalty.balances import BalanceUpdate
from sendout.services.loyalty.loyalties import get_member, get_program
from sendout.services.loyalty.pending_activation import activate_in
from sendout.services.loyalty.pending_ledger import announce, pending_total

MAX_PENDING_POINTS = 10**9


async def list_pending(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    *,
    member_id: str | None = None,
    program_id: str | None = None,
    limit: int = 10,
    descending: bool = True,
    starting_after_id: str | None = None,
) -> Page[PendingPoints]:
    """A member's pending points (``member_id``, within ``program_id`` if given), or a
    program's."""
    voucher_id = campaign_id = None
    if member_id is not None:
        voucher_id = (await get_member(uow_factory, ctx, member_id, program_id)).voucher.id
    elif program_id is not None:
        campaign_id = (await get_program(uow_factory, ctx, program_id)).id
    async with uow_factory() as uow:
        return await uow.points.list_pending(
            ctx.project_id,
            voucher_id=voucher_id,
            campaign_id=campaign_id,
            limit=limit,
            descending=descending,
            starting_after_id=starting_after_id,
        )


async def _locked(
    uow: UnitOfWork, ctx: Context, card: EffectiveVoucher, pending_id: str
) -> PendingPoints:
    await uow.vouchers.lock(ctx.project_id, card.voucher.id)
    found = await uow.points.get_pending(ctx.project_id, pending_id)
    if found is None or found.voucher_id != card.voucher.id:
        raise NotFound.of("loyalty_pending_points", pending_id)
    return found


async def activate(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    member_id: str,
    pending_id: str,
    program_id: str | None = None,
) -> BalanceUpdate:
    card = await get_member(uow_factory, ctx, member_id, program_id)
    async with uow_factory() as uow:
        update = await activate_in(uow, ctx, await _locked(uow, ctx, card, pending_id))
        await uow.commit()
    return update


async def adjust(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    member_id: str,
    pending_id: str,
    points: int,
    program_id: str | None = None,
) -> dict[str, Any]:
    """Add to (``points`` > 0) or take from pending points; never to 0 or below."""
    if points == 0 or abs(points) > MAX_PENDING_POINTS:
        raise InvalidPayload(
            details=f"points: a whole number other than 0, up to {MAX_PENDING_POINTS}"
        )
    card = await get_member(uow_factory, ctx, member_id, program_id)
    async with uow_factory() as uow:
        pending = await _locked(uow, ctx, card, pending_id)
        if pending.points + points <= 0:
            raise InvalidPayload(
                details=f"the pending points are {pending.points}: cancel them to remove all"
            )
        changed = replace(pending, points=pending.points + points, updated_at=ctx.now())
        await uow.points.update_pending(changed)
        await announce(uow, ctx, EventType.PENDING_POINTS_UPDATED, changed, points)
        total = await pending_total(uow, ctx, pending.voucher_id)
        await uow.commit()
    return pending_balance_object(changed, points, total)


async def cancel(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    member_id: str,
    pending_id: str,
    program_id: str | None = None,
) -> None:
    card = await get_member(uow_factory, ctx, member_id, program_id)
    async with uow_factory() as uow:
        pending = await _locked(uow, ctx, card, pending_id)
        await uow.points.remove_pending(ctx.project_id, pending.id)
        await announce(uow, ctx, EventType.PENDING_POINTS_CANCELED, pending, -pending.points)
        await uow.commit()
