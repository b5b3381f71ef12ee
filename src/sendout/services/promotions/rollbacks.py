"""Rolling a redemption back: the code gets its use back, a gift card its credits; the order
keeps its amounts (Voucherify's WITHOUT_ORDER mode)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace

from sendout.domain.balances import (
    TransactionType,
)
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.redemptions import (
    Redemption,
    RedemptionStatus,
)
from sendout.domain.vouchers import Voucher
from sendout.services.context import Context
from sendout.services.promotions.redemption_records import (
    RedeemableRef,
    Target,
    move_code,
    record_redemption_event,
    refresh_summary,
)
from sendout.services.promotions.redemption_views import RedemptionView, view_of
from sendout.services.promotions.voucher_lookup import effective


@dataclass(frozen=True, slots=True, kw_only=True)
class RolledBack:
    id: str
    redemption: Redemption
    reason: str | None
    view: RedemptionView


async def rollback(
    uow_factory: UnitOfWorkFactory, ctx: Context, redemption_id: str, reason: str | None
) -> RolledBack:
    """``POST /v1/redemptions/{id}/rollback``: the code gets its use back, a gift card its
    credits; the order keeps its amounts (Voucherify's WITHOUT_ORDER mode)."""
    async with uow_factory() as uow:
        found = await uow.redemptions.get(ctx.project_id, redemption_id)
        if found is None:
            raise NotFound.of("redemption", redemption_id)
        if found.is_parent:
            raise InvalidPayload(
                details="a stacked redemption rolls back with POST /v1/redemptions/{id}/rollbacks",
                key="invalid_rollback_params",
            )
        rolled = await _rollback_one(uow, ctx, found, reason)
        await uow.commit()
    return rolled


async def rollback_stacked(
    uow_factory: UnitOfWorkFactory, ctx: Context, parent_id: str, reason: str | None
) -> tuple[Redemption, Sequence[RolledBack]]:
    """``POST /v1/redemptions/{parentId}/rollbacks``: every redemption of a stacked request,
    in one transaction."""
    async with uow_factory() as uow:
        parent = await uow.redemptions.get(ctx.project_id, parent_id)
        if parent is None or not parent.is_parent:
            raise NotFound.of("redemption", parent_id)
        children = await uow.redemptions.children(ctx.project_id, parent_id)
        rolled = [await _rollback_one(uow, ctx, child, reason) for child in children]
        await uow.commit()
    return parent, rolled


async def _rollback_one(
    uow: UnitOfWork, ctx: Context, found: Redemption, reason: str | None
) -> RolledBack:
    if found.status is not RedemptionStatus.SUCCEEDED:
        key = (
            "already_rolled_back"
            if found.status is RedemptionStatus.ROLLED_BACK
            else "invalid_rollback_params"
        )
        raise InvalidPayload(details=f"redemption {found.id} is {found.status.value}", key=key)
    rollback_id = ctx.new_sortable_id(IdPrefix.REDEMPTION_ROLLBACK)
    if found.voucher_id is not None and found.voucher_code is not None:
        await uow.vouchers.lock(ctx.project_id, found.voucher_id)
        voucher = await uow.vouchers.get_by_code(ctx.project_id, found.voucher_code)
        if voucher is not None:
            await _give_back(uow, ctx, voucher, found, rollback_id)
    await uow.redemptions.mark_rolled_back(found.id, rollback_id)
    rolled = replace(found, status=RedemptionStatus.ROLLED_BACK, rollback_id=rollback_id)
    view = await view_of(uow, ctx, rolled)
    if found.customer_id is not None:
        customer = await refresh_summary(uow, ctx, found.customer_id)
        if customer is not None:
            target = Target(
                ref=RedeemableRef(object="voucher", id=found.voucher_code or ""),
                voucher=view.voucher,
                campaign=view.voucher.campaign if view.voucher else None,
            )
            rollback_view = {
                "id": rollback_id,
                "object": "redemption_rollback",
                "redemption": found.id,
                "reason": reason,
                "amount": -found.amount,
            }
            await record_redemption_event(
                uow,
                ctx,
                EventType.REDEMPTION_ROLLBACK_SUCCEEDED,
                customer,
                rolled,
                target,
                view.order,
                {"redemption_rollback": rollback_view},
            )
    return RolledBack(id=rollback_id, redemption=rolled, reason=reason, view=view)


async def _give_back(
    uow: UnitOfWork, ctx: Context, voucher: Voucher, redemption: Redemption, rollback_id: str
) -> None:
    (current,) = await effective(uow, ctx, [voucher])
    await move_code(
        uow,
        ctx,
        current,
        uses=-1,
        credits=redemption.gift_amount,
        why=(TransactionType.CREDITS_REFUND, {"rollback": {"id": rollback_id}}),
    )
