"""A redemption request checked and priced: its customer and order upserted, each redeemable
found, locked (when redeeming), checked and its discount computed. Nothing is kept unless the
caller commits (a validation never does)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Any

from sendout.domain.campaigns import VoucherType
from sendout.domain.customers import Customer, CustomerRef
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.orders import Order
from sendout.domain.ports import UnitOfWork
from sendout.domain.redemptions import (
    MAX_REDEEMABLES,
    Failure,
    apply_discount,
    apply_gift,
    check_voucher,
)
from sendout.domain.validation_sessions import SessionRequest, held_back
from sendout.domain.vouchers import EffectiveVoucher
from sendout.services.context import Context
from sendout.services.customers.customers import resolve_customer
from sendout.services.promotions.orders import OrderDraft, build_order, find_order
from sendout.services.promotions.redemption_records import RedeemableRef, Target
from sendout.services.promotions.voucher_lookup import effective


@dataclass(frozen=True, slots=True, kw_only=True)
class RedemptionRequest:
    redeemables: Sequence[RedeemableRef]
    order: OrderDraft | None = None
    customer: CustomerRef | None = None
    tracking_id: str | None = None
    metadata: Mapping[str, Any] | None = None
    #: a validation session: a validation opens (or renews) it, a redemption ends it
    session: SessionRequest | None = None

    @property
    def session_key(self) -> str | None:
        return None if self.session is None else self.session.key


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    #: the order priced: what every redeemable takes off it
    order: Order | None
    #: the order as sent (before the redeemables), which each redeemable's answer is priced on
    base_order: Order | None
    current_order: Order | None
    customer: Customer | None
    targets: Sequence[Target]

    @property
    def failure(self) -> Failure | None:
        return next((t.failure for t in self.targets if t.failure is not None), None)


def check_request(request: RedemptionRequest) -> None:
    if not 1 <= len(request.redeemables) <= MAX_REDEEMABLES:
        raise InvalidPayload(details=f"redeemables: 1 to {MAX_REDEEMABLES}", key="invalid_payload")
    for n, ref in enumerate(request.redeemables):
        if ref.object not in ("voucher", "promotion_tier"):
            raise InvalidPayload(
                details=f"redeemables[{n}].object must be voucher or promotion_tier",
                key="invalid_payload",
            )
        if ref.credits is not None and ref.credits <= 0:
            raise InvalidPayload(
                details=f"redeemables[{n}].gift.credits must be more than 0",
                key="invalid_payload",
            )


async def evaluate(
    uow: UnitOfWork,
    ctx: Context,
    request: RedemptionRequest,
    *,
    lock: bool,
    unknown_fails: bool = False,
) -> Evaluation:
    """Find, lock, check and price every redeemable against the order (nothing written).

    ``unknown_fails``: a code or tier that does not exist is a failed redeemable (what a
    validation answers) rather than ``NotFound`` (what a redemption answers)."""
    customer = None
    if request.customer is not None:
        customer = await resolve_customer(uow, ctx, request.customer)
    order, current = None, None
    if request.order is not None:
        draft = request.order
        if draft.customer is None and customer is not None:
            draft = replace(draft, customer=CustomerRef(id=customer.id))
        current = await find_order(uow, ctx, draft)
        order, _, _ = await build_order(uow, ctx, current, draft)
    now = ctx.now()
    left = order.total_amount if order is not None else 0
    redeemer = customer.id if customer is not None else None
    if redeemer is None and order is not None:
        redeemer = order.customer_id
    targets = []
    for ref in request.redeemables:
        try:
            target = await _target(uow, ctx, ref, lock=lock)
        except NotFound as missing:
            if not unknown_fails:
                raise
            why = missing.details or missing.message
            target = Target(ref=ref, failure=Failure("not_found", why, status=404))
        if target.failure is None and target.voucher is not None:
            seen = await others_see(uow, ctx, target.voucher, request.session_key)
            failure = check_voucher(seen, now, order, ref.credits)
            if failure is None and _own_referral_code(target.voucher, redeemer):
                failure = Failure(
                    "referrer_not_permitted_to_redeem",
                    f"Voucher {ref.id} is the customer's own referral code",
                )
            if failure is None:
                applied = (
                    apply_gift(seen, ref.credits, left)
                    if target.voucher.type is VoucherType.GIFT_VOUCHER
                    else apply_discount(target.voucher.discount or {}, order, left)
                )
                target = replace(target, applied=applied)
            else:
                target = replace(target, failure=failure)
        elif target.failure is None and target.tier is not None:
            discount = target.tier.action.get("discount") or {}
            target = replace(target, applied=apply_discount(discount, order, left))
        if order is not None:
            left = max(left - target.applied.total, 0)
        targets.append(target)
    return Evaluation(
        order=None if order is None else priced(order, targets),
        base_order=order,
        current_order=current,
        customer=customer,
        targets=targets,
    )


def priced(order: Order, targets: Sequence[Target]) -> Order:
    """The order with what the redeemables take off it: the one computation both a
    validation's answer and a redemption's saved order come from. (Gift credits pay for the
    order rather than discount it, as in Voucherify: they stay out of its discounts.)"""
    order_discount = sum(t.applied.order_discount for t in targets)
    item_discounts: dict[int, int] = {}
    for target in targets:
        for n, off in target.applied.item_discounts.items():
            item_discounts[n] = item_discounts.get(n, 0) + off
    items = tuple(
        replace(
            item,
            discount_amount=(item.discount_amount or 0) + item_discounts[n],
            applied_discount_amount=item.applied_discount_amount + item_discounts[n],
        )
        if n in item_discounts
        else item
        for n, item in enumerate(order.items)
    )
    done = replace(
        order,
        discount_amount=(order.discount_amount or 0) + order_discount,
        applied_discount_amount=order.applied_discount_amount + order_discount,
        items=items,
    )
    done.check()
    return done


async def _target(uow: UnitOfWork, ctx: Context, ref: RedeemableRef, *, lock: bool) -> Target:
    if ref.object == "promotion_tier":
        for campaign in await uow.campaigns.live_promotions(ctx.project_id):
            for tier in await uow.campaigns.tiers(ctx.project_id, [campaign.id]):
                if tier.id == ref.id:
                    if not tier.active or not campaign.is_active_at(ctx.now()):
                        failure = Failure("promotion_inactive", f"Promotion tier {ref.id} is off")
                        return Target(ref=ref, tier=tier, campaign=campaign, failure=failure)
                    return Target(ref=ref, tier=tier, campaign=campaign)
        raise NotFound.of("promotion_tier", ref.id)
    found = await uow.vouchers.get_by_code(ctx.project_id, ref.id)
    if found is None:
        raise NotFound.of("voucher", ref.id)
    if lock:
        # Concurrent redemptions of one code must each see the other's redeemed quantity.
        await uow.vouchers.lock(ctx.project_id, found.id)
        found = await uow.vouchers.get_by_code(ctx.project_id, ref.id)
        assert found is not None
    (voucher,) = await effective(uow, ctx, [found])
    return Target(ref=ref, voucher=voucher, campaign=voucher.campaign)


async def others_see(
    uow: UnitOfWork, ctx: Context, voucher: EffectiveVoucher, session_key: str | None
) -> EffectiveVoucher:
    """The code less what validation sessions other than ``session_key`` hold of it."""
    holds = await uow.validation_sessions.holding(ctx.project_id, voucher.voucher.id, ctx.now())
    return held_back(voucher, [h for h in holds if h.key != session_key])


def _own_referral_code(voucher: EffectiveVoucher, redeemer: str | None) -> bool:
    return (
        voucher.is_referral_code and redeemer is not None and voucher.voucher.holder_id == redeemer
    )
