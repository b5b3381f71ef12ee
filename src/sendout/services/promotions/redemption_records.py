"""What a redemption writes besides its rows, shared by redeeming and rolling back: the code's
use and gift credits moved, the customer's redemptions summary, and the customer events."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sendout.domain.balances import (
    TransactionType,
    VoucherTransaction,
)
from sendout.domain.campaigns import Campaign, PromotionTier, promotion_tier_object
from sendout.domain.customers import Customer, simple_customer
from sendout.domain.events import EventType
from sendout.domain.facts import CustomerChanged
from sendout.domain.ids import IdPrefix
from sendout.domain.orders import Order, order_object
from sendout.domain.ports import UnitOfWork
from sendout.domain.redemptions import (
    Applied,
    Failure,
    Redemption,
    RedemptionStatus,
    redemption_object,
)
from sendout.domain.vouchers import EffectiveVoucher, simple_voucher
from sendout.services.bus import publish
from sendout.services.context import Context
from sendout.services.recording import record_event


@dataclass(frozen=True, slots=True, kw_only=True)
class RedeemableRef:
    object: str  # "voucher" or "promotion_tier"
    id: str
    #: gift credits asked for (None: as much as the order needs)
    credits: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Target:
    """One redeemable, found and (for a code) locked, with what it would take off."""

    ref: RedeemableRef
    voucher: EffectiveVoucher | None = None
    tier: PromotionTier | None = None
    campaign: Campaign | None = None
    failure: Failure | None = None
    applied: Applied = field(default_factory=Applied)

    @property
    def related(self) -> tuple[str, str]:
        if self.voucher is not None:
            return "voucher", self.voucher.voucher.id
        if self.tier is not None:
            return "promotion_tier", self.tier.id
        return self.ref.object, self.ref.id  # not found (a validation answers it inapplicable)


async def move_code(
    uow: UnitOfWork,
    ctx: Context,
    voucher: EffectiveVoucher,
    *,
    uses: int,
    credits: int,
    why: tuple[TransactionType, Mapping[str, Any]],
) -> None:
    """Change a code's redeemed quantity by ``uses`` and its gift balance by ``credits``,
    logging the credits' move as a voucher transaction."""
    now = ctx.now()
    own = voucher.voucher
    changes: dict[str, Any] = {"redeemed_quantity": max(own.redeemed_quantity + uses, 0)}
    if credits:
        gift = dict(voucher.gift or {})
        gift["balance"] = int(gift.get("balance") or 0) + credits
        changes["gift"] = gift
        await uow.transactions.add(
            VoucherTransaction(
                id=ctx.new_sortable_id(IdPrefix.TRANSACTION),
                project_id=ctx.project_id,
                voucher_id=own.id,
                campaign_id=own.campaign_id,
                type=why[0],
                source=ctx.source.channel.value,
                details={**why[1], "balance": {"balance": gift["balance"]}},
                created_at=now,
            )
        )
    await uow.vouchers.update(replace(own, **changes, updated_at=now))


async def refresh_summary(uow: UnitOfWork, ctx: Context, customer_id: str) -> Customer | None:
    customer = await uow.customers.get(ctx.project_id, customer_id)
    if customer is None:
        return None
    totals = await uow.redemptions.totals_of(ctx.project_id, customer_id)

    def count(status: RedemptionStatus) -> int:
        return totals.get(status.value, (0, 0))[0]

    succeeded = count(RedemptionStatus.SUCCEEDED)
    rolled_back = count(RedemptionStatus.ROLLED_BACK)
    gift = sum(totals.get(s.value, (0, 0))[1] for s in (RedemptionStatus.SUCCEEDED,))
    summary = {
        "total_redeemed": succeeded + rolled_back,
        "total_failed": count(RedemptionStatus.FAILED),
        "total_succeeded": succeeded,
        "total_rolled_back": rolled_back,
        "total_rollback_failed": 0,
        "total_rollback_succeeded": rolled_back,
        "gift": {"redeemed_amount": gift, "amount_to_go": 0},
        "loyalty_card": {"redeemed_points": 0, "points_to_go": 0},
    }
    customer = replace(customer, redemptions_summary=summary)
    await uow.customers.update(customer)
    # Rule segments may read summary.redemptions.
    await publish(uow, ctx, CustomerChanged(customer=customer))
    return customer


def voucher_view(target: Target) -> dict[str, Any] | None:
    return None if target.voucher is None else simple_voucher(target.voucher)


def tier_view(target: Target) -> dict[str, Any] | None:
    if target.tier is None or target.campaign is None:
        return None
    return promotion_tier_object(target.tier, target.campaign)


async def record_redemption_event(
    uow: UnitOfWork,
    ctx: Context,
    type: EventType,
    customer: Customer,
    redemption: Redemption,
    target: Target,
    order: Order | None,
    extra: Mapping[str, Any] | None = None,
) -> None:
    order_view = None if order is None else order_object(order)
    view = redemption_object(
        redemption,
        order=order_view,
        customer=simple_customer(customer),
        voucher=voucher_view(target),
        promotion_tier=tier_view(target),
    )
    holder_id = target.voucher.voucher.holder_id if target.voucher else None
    holder = await uow.customers.get(ctx.project_id, holder_id) if holder_id else None
    await record_event(
        uow,
        ctx,
        type=type.value,
        customer_id=customer.id,
        entity_id=redemption.id,
        data={
            "customer": simple_customer(customer),
            "holder": None if holder is None else simple_customer(holder),
            "order": order_view,
            "promotion_stack": None,
            "redemption": view,
            **(extra or {}),
        },
    )
