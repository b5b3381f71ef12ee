"""Redemptions and validations: codes and promotion tiers used on an order, rolled back.

A redemption runs in one transaction: each code is locked (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite has one writer), checked again under the lock, and changed (redeemed
quantity, gift balance) together with the order, the redemption rows, the customer's summary
and the events. When a redeemable fails, nothing of that is kept: the failure is recorded on
its own afterwards and answered as a 400 with Voucherify's key.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from typing import Any

from sendout.domain.balances import (
    TransactionType,
    VoucherTransaction,
)
from sendout.domain.campaigns import Campaign, PromotionTier, VoucherType, promotion_tier_object
from sendout.domain.clock import iso
from sendout.domain.customers import Customer, CustomerRef, simple_customer
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.domain.ids import IdPrefix
from sendout.domain.orders import Order, order_object
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.redemptions import (
    MAX_REDEEMABLES,
    STACK_PARENT,
    Applied,
    Failure,
    Redemption,
    RedemptionQuery,
    RedemptionStatus,
    apply_discount,
    apply_gift,
    check_voucher,
    redemption_object,
)
from sendout.domain.referrals import ConversionEvent
from sendout.domain.vouchers import EffectiveVoucher, Voucher, simple_voucher, voucher_object
from sendout.services.context import Context
from sendout.services.customers.customers import resolve_customer
from sendout.services.customers.segments import reevaluate
from sendout.services.promotions import referrals
from sendout.services.promotions.orders import OrderDraft, build_order, find_order, save_order
from sendout.services.promotions.voucher_lookup import effective
from sendout.services.recording import record_event
from sendout.services.retries import retry_on_conflict


@dataclass(frozen=True, slots=True, kw_only=True)
class RedeemableRef:
    object: str  # "voucher" or "promotion_tier"
    id: str
    #: gift credits asked for (None: as much as the order needs)
    credits: int | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class RedemptionRequest:
    redeemables: Sequence[RedeemableRef]
    order: OrderDraft | None = None
    customer: CustomerRef | None = None
    tracking_id: str | None = None
    metadata: Mapping[str, Any] | None = None


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
        assert self.tier is not None
        return "promotion_tier", self.tier.id


@dataclass(frozen=True, slots=True, kw_only=True)
class Evaluation:
    order: Order | None
    current_order: Order | None
    customer: Customer | None
    targets: Sequence[Target]

    @property
    def failure(self) -> Failure | None:
        return next((t.failure for t in self.targets if t.failure is not None), None)


@dataclass(frozen=True, slots=True, kw_only=True)
class Redeemed:
    parent: Redemption
    children: Sequence[Redemption]
    evaluation: Evaluation


def _check(request: RedemptionRequest) -> None:
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


async def _evaluate(
    uow: UnitOfWork, ctx: Context, request: RedemptionRequest, *, lock: bool
) -> Evaluation:
    """Find, lock, check and price every redeemable against the order (nothing written)."""
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
        target = await _target(uow, ctx, ref, lock=lock)
        if target.failure is None and target.voucher is not None:
            failure = check_voucher(target.voucher, now, order, ref.credits)
            if failure is None and _own_referral_code(target.voucher, redeemer):
                failure = Failure(
                    "referrer_not_permitted_to_redeem",
                    f"Voucher {ref.id} is the customer's own referral code",
                )
            if failure is None:
                applied = (
                    apply_gift(target.voucher, ref.credits, left)
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
    return Evaluation(order=order, current_order=current, customer=customer, targets=targets)


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


async def redeem(
    uow_factory: UnitOfWorkFactory, ctx: Context, request: RedemptionRequest
) -> Redeemed:
    _check(request)

    async def attempt() -> Redeemed | tuple[Evaluation, Failure]:
        async with uow_factory() as uow:
            evaluation = await _evaluate(uow, ctx, request, lock=True)
            failure = evaluation.failure
            if failure is not None:
                return evaluation, failure  # leaving without commit keeps nothing
            redeemed = await _apply(uow, ctx, request, evaluation)
            await uow.commit()
            return redeemed

    # Two first requests of one new customer race to create them: the loser runs again.
    outcome = await retry_on_conflict(attempt)
    if isinstance(outcome, Redeemed):
        return outcome
    evaluation, failure = outcome
    await retry_on_conflict(lambda: _record_failure(uow_factory, ctx, request, evaluation, failure))
    raise InvalidPayload(failure.message, details=failure.message, key=failure.key)


async def _apply(
    uow: UnitOfWork, ctx: Context, request: RedemptionRequest, evaluation: Evaluation
) -> Redeemed:
    now = ctx.now()
    order = evaluation.order
    if order is not None:
        order_discount = sum(t.applied.order_discount for t in evaluation.targets)
        item_discounts: dict[int, int] = {}
        for target in evaluation.targets:
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
        order = replace(
            order,
            discount_amount=(order.discount_amount or 0) + order_discount,
            applied_discount_amount=order.applied_discount_amount + order_discount,
            items=items,
        )
        order.check()
    customer_id = (
        evaluation.customer.id
        if evaluation.customer is not None
        else (None if order is None else order.customer_id)
    )
    parent_id = ctx.new_sortable_id(IdPrefix.REDEMPTION)
    children = []
    for target in evaluation.targets:
        child = _row(ctx, request, target, parent_id, customer_id, order, now)
        children.append(child)
        if target.voucher is not None:
            await _use(uow, ctx, target, child)
    parent = Redemption(
        id=parent_id,
        project_id=ctx.project_id,
        customer_id=customer_id,
        tracking_id=request.tracking_id,
        metadata=request.metadata or {},
        amount=sum(c.amount for c in children),
        status=RedemptionStatus.SUCCEEDED,
        order_id=None if order is None else order.id,
        related_object_type=STACK_PARENT,
        related_object_id=parent_id,
        created_at=now,
    )
    await uow.redemptions.add_many([parent, *children])
    if order is not None:
        stacked = len(children) > 1
        order = replace(
            order,
            redemptions={
                **order.redemptions,
                **{
                    child.id: {
                        "date": iso(child.created_at),
                        "related_object_type": child.related_object_type,
                        "related_object_id": child.related_object_id,
                        "related_object_parent_id": child.campaign_id,
                        "stacked": stacked,
                    }
                    for child in children
                },
            },
        )
        await save_order(uow, ctx, order, evaluation.current_order)
    redeemed = Redeemed(
        parent=parent, children=children, evaluation=replace(evaluation, order=order)
    )
    if customer_id is not None:
        customer = await _refresh_summary(uow, ctx, customer_id)
        if customer is not None:
            for child, target in zip(children, evaluation.targets, strict=True):
                await _record_event(
                    uow, ctx, EventType.REDEMPTION_SUCCEEDED, customer, child, target, order
                )
                if target.voucher is not None and target.voucher.is_referral_code:
                    await _convert_referee(uow, ctx, customer, child, target, order)
    return redeemed


def _own_referral_code(voucher: EffectiveVoucher, redeemer: str | None) -> bool:
    return (
        voucher.is_referral_code and redeemer is not None and voucher.voucher.holder_id == redeemer
    )


async def _convert_referee(
    uow: UnitOfWork,
    ctx: Context,
    customer: Customer,
    child: Redemption,
    target: Target,
    order: Order | None,
) -> None:
    """A referral code redeemed by someone else converts them, if its program says so."""
    assert target.voucher is not None
    view = redemption_object(
        child,
        order=None if order is None else order_object(order),
        customer=simple_customer(customer),
        voucher=voucher_view(target),
    )
    await referrals.convert(
        uow,
        ctx,
        target.voucher,
        customer,
        ConversionEvent.REDEMPTION,
        child.id,
        evidence={"redemption": view},
    )


def _row(
    ctx: Context,
    request: RedemptionRequest,
    target: Target,
    parent_id: str | None,
    customer_id: str | None,
    order: Order | None,
    now: Any,
    failure: Failure | None = None,
) -> Redemption:
    kind, related_id = target.related
    voucher = target.voucher.voucher if target.voucher is not None else None
    return Redemption(
        id=ctx.new_sortable_id(IdPrefix.REDEMPTION),
        project_id=ctx.project_id,
        parent_id=parent_id,
        customer_id=customer_id,
        tracking_id=request.tracking_id,
        metadata=request.metadata or {},
        amount=0 if failure else target.applied.total,
        status=RedemptionStatus.FAILED if failure else RedemptionStatus.SUCCEEDED,
        failure_code=None if failure is None else failure.key,
        failure_message=None if failure is None else failure.message,
        order_id=None if order is None else order.id,
        related_object_type=kind,
        related_object_id=related_id,
        voucher_id=None if voucher is None else voucher.id,
        voucher_code=None if voucher is None else voucher.code,
        campaign_id=target.campaign.id if target.campaign is not None else None,
        gift_amount=0 if failure else target.applied.gift_credits,
        created_at=now,
    )


async def _use(uow: UnitOfWork, ctx: Context, target: Target, child: Redemption) -> None:
    """The code is used once more; a gift card gives up the credits it paid."""
    assert target.voucher is not None
    await _move(
        uow,
        ctx,
        target.voucher,
        uses=1,
        credits=-target.applied.gift_credits,
        why=(TransactionType.CREDITS_REDEMPTION, {"redemption": {"id": child.id}}),
    )


async def _move(
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


async def _record_failure(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    request: RedemptionRequest,
    evaluation: Evaluation,
    failure: Failure,
) -> None:
    async with uow_factory() as uow:
        now = ctx.now()
        # The customer named inline is kept, like Voucherify keeps them (the attempt that
        # created them was rolled back).
        customer = (
            None if request.customer is None else await resolve_customer(uow, ctx, request.customer)
        )
        customer_id = None if customer is None else customer.id
        rows = [
            _row(ctx, request, t, None, customer_id, None, now, t.failure or failure)
            for t in evaluation.targets
            if t.failure is not None
        ]
        await uow.redemptions.add_many(rows)  # a failed redemption stands alone: no parent
        if customer_id is not None:
            await _refresh_summary(uow, ctx, customer_id)
        await uow.commit()


async def _refresh_summary(uow: UnitOfWork, ctx: Context, customer_id: str) -> Customer | None:
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
    await reevaluate(uow, ctx, customer)  # rules may read summary.redemptions
    return customer


def voucher_view(target: Target) -> dict[str, Any] | None:
    return None if target.voucher is None else simple_voucher(target.voucher)


def tier_view(target: Target) -> dict[str, Any] | None:
    if target.tier is None or target.campaign is None:
        return None
    return promotion_tier_object(target.tier, target.campaign)


async def _record_event(
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


async def validate(
    uow_factory: UnitOfWorkFactory, ctx: Context, request: RedemptionRequest
) -> Evaluation:
    """``POST /v1/validations``: the same checks and amounts; nothing is written."""
    _check(request)
    async with uow_factory() as uow:
        return await _evaluate(uow, ctx, request, lock=False)
        # leaving without commit: the inline customer or order upserts are not kept


# --- reading and rolling back ---------------------------------------------------------------


@dataclass(frozen=True, slots=True, kw_only=True)
class RedemptionView:
    redemption: Redemption
    order: Order | None
    customer: Customer | None
    voucher: EffectiveVoucher | None
    children: Sequence[str] = ()

    def as_object(self) -> dict[str, Any]:
        return redemption_object(
            self.redemption,
            order=None if self.order is None else order_object(self.order),
            customer=None if self.customer is None else simple_customer(self.customer),
            voucher=None if self.voucher is None else voucher_object(self.voucher),
            children=self.children,
        )


async def _view(uow: UnitOfWork, ctx: Context, redemption: Redemption) -> RedemptionView:
    order = (
        await uow.orders.get(ctx.project_id, redemption.order_id) if redemption.order_id else None
    )
    customer = (
        await uow.customers.get(ctx.project_id, redemption.customer_id)
        if redemption.customer_id
        else None
    )
    voucher = None
    if redemption.voucher_code is not None:
        found = await uow.vouchers.get_by_code(ctx.project_id, redemption.voucher_code)
        voucher = None if found is None else (await effective(uow, ctx, [found]))[0]
    children: Sequence[str] = ()
    if redemption.is_parent:
        children = [c.id for c in await uow.redemptions.children(ctx.project_id, redemption.id)]
    return RedemptionView(
        redemption=redemption, order=order, customer=customer, voucher=voucher, children=children
    )


async def get_redemption(
    uow_factory: UnitOfWorkFactory, ctx: Context, redemption_id: str
) -> RedemptionView:
    async with uow_factory() as uow:
        found = await uow.redemptions.get(ctx.project_id, redemption_id)
        if found is None:
            raise NotFound.of("redemption", redemption_id)
        return await _view(uow, ctx, found)


async def list_redemptions(
    uow_factory: UnitOfWorkFactory, ctx: Context, query: RedemptionQuery
) -> Page[RedemptionView]:
    async with uow_factory() as uow:
        page = await uow.redemptions.list(ctx.project_id, query)
        views = [await _view(uow, ctx, r) for r in page.items]
    return Page(items=views, total=page.total, has_more=page.has_more)


async def voucher_redemptions(
    uow_factory: UnitOfWorkFactory, ctx: Context, code: str
) -> tuple[EffectiveVoucher, Sequence[Redemption]]:
    async with uow_factory() as uow:
        found = await uow.vouchers.get_by_code(ctx.project_id, code)
        if found is None:
            raise NotFound.of("voucher", code)
        (voucher,) = await effective(uow, ctx, [found])
        return voucher, await uow.redemptions.of_voucher(ctx.project_id, found.id)


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
    view = await _view(uow, ctx, rolled)
    if found.customer_id is not None:
        customer = await _refresh_summary(uow, ctx, found.customer_id)
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
            await _record_event(
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
    await _move(
        uow,
        ctx,
        current,
        uses=-1,
        credits=redemption.gift_amount,
        why=(TransactionType.CREDITS_REFUND, {"rollback": {"id": rollback_id}}),
    )
