"""Redemptions: codes and promotion tiers used on an order (validations: ``validations.py``).

A redemption runs in one transaction: each code is locked (``SELECT … FOR UPDATE`` on
PostgreSQL; SQLite has one writer), checked again under the lock, and changed (redeemed
quantity, gift balance) together with the order, the redemption rows, the customer's summary
and the events. When a redeemable fails, nothing of that is kept: the failure is recorded on
its own afterwards and answered as a 400 with Voucherify's key.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sendout.domain.balances import (
    TransactionType,
)
from sendout.domain.clock import iso
from sendout.domain.customers import Customer, simple_customer
from sendout.domain.errors import InvalidPayload
from sendout.domain.events import EventType
from sendout.domain.facts import ReferralCodeUsed
from sendout.domain.ids import IdPrefix
from sendout.domain.orders import Order, order_object
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.redemptions import (
    STACK_PARENT,
    Failure,
    Redemption,
    RedemptionStatus,
    redemption_object,
)
from sendout.domain.referrals import ConversionEvent
from sendout.services.bus import publish
from sendout.services.context import Context
from sendout.services.customers.customers import resolve_customer
from sendout.services.promotions.orders import save_order
from sendout.services.promotions.redemption_checks import (
    Evaluation,
    RedemptionRequest,
    check_request,
    evaluate,
)
from sendout.services.promotions.redemption_records import (
    Target,
    move_code,
    record_redemption_event,
    refresh_summary,
    voucher_view,
)
from sendout.services.retries import retry_on_conflict


@dataclass(frozen=True, slots=True, kw_only=True)
class Redeemed:
    parent: Redemption
    children: Sequence[Redemption]
    evaluation: Evaluation


async def redeem(
    uow_factory: UnitOfWorkFactory, ctx: Context, request: RedemptionRequest
) -> Redeemed:
    check_request(request)

    async def attempt() -> Redeemed | tuple[Evaluation, Failure]:
        async with uow_factory() as uow:
            evaluation = await evaluate(uow, ctx, request, lock=True)
            failure = evaluation.failure
            if failure is not None:
                return evaluation, failure  # leaving without commit keeps nothing
            redeemed = await _apply(uow, ctx, request, evaluation)
            await _end_session(uow, ctx, request.session_key, evaluation.targets)
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
    order = evaluation.order  # priced already: what the validation answered
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
        customer = await refresh_summary(uow, ctx, customer_id)
        if customer is not None:
            for child, target in zip(children, evaluation.targets, strict=True):
                await record_redemption_event(
                    uow, ctx, EventType.REDEMPTION_SUCCEEDED, customer, child, target, order
                )
                if target.voucher is not None and target.voucher.is_referral_code:
                    await _convert_referee(uow, ctx, customer, child, target, order)
    return redeemed


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
    await publish(
        uow,
        ctx,
        ReferralCodeUsed(
            code=target.voucher,
            customer=customer,
            how=ConversionEvent.REDEMPTION,
            source_id=child.id,
            evidence={"redemption": view},
        ),
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
    await move_code(
        uow,
        ctx,
        target.voucher,
        uses=1,
        credits=-target.applied.gift_credits,
        why=(TransactionType.CREDITS_REDEMPTION, {"redemption": {"id": child.id}}),
    )


async def _end_session(
    uow: UnitOfWork, ctx: Context, key: str | None, targets: Sequence[Target]
) -> None:
    """A redemption in a validation session ends the session's holds on what it redeemed."""
    if key is None:
        return
    for target in targets:
        if target.voucher is not None:
            await uow.validation_sessions.release(ctx.project_id, key, target.voucher.voucher.id)


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
            await refresh_summary(uow, ctx, customer_id)
        await uow.commit()
