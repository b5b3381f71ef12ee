"""Earning points: when an earning rule's event happens (an order paid, a custom event
tracked, a segment entered, a tier move), in that event's transaction. The ``on_*`` handlers
are the reactions to those facts (``services/reactions.py``); the rules themselves are
managed in ``services/loyalty/earning_rules.py``."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendout.domain.balances import TransactionType
from sendout.domain.campaigns import simple_campaign
from sendout.domain.customers import Customer, simple_customer
from sendout.domain.earning_rules import (
    EarningEvent,
    earning_rule_object,
)
from sendout.domain.events import EventType
from sendout.domain.facts import CustomEventTracked, OrderPaid, SegmentEntered, TierMoved
from sendout.domain.orders import Order, order_object
from sendout.domain.ports import UnitOfWork
from sendout.domain.vouchers import VoucherQuery, simple_voucher
from sendout.services.context import Context
from sendout.services.loyalty import pending_ledger
from sendout.services.loyalty.balances import change_balance_in
from sendout.services.recording import record_event


async def earn(
    uow: UnitOfWork,
    ctx: Context,
    customer: Customer,
    event: EarningEvent,
    *,
    order: Order | None = None,
    custom_event: tuple[str, str] | None = None,
    segment_id: str | None = None,
    loyalty_tier: Mapping[str, Any] | None = None,
) -> None:
    """Grant the points of every active rule listening to ``event`` to the customer's card
    in the rule's program (a customer without one earns nothing there). ``custom_event``:
    the event's name and schema id (a rule may name either); ``loyalty_tier``: the tier a
    tier event moved the customer into (or out of, for ``left``)."""
    for rule in await uow.earning_rules.active_for(ctx.project_id, event):
        if event is EarningEvent.CUSTOM_EVENT and rule.custom_event not in (custom_event or ()):
            continue
        if event is EarningEvent.SEGMENT_ENTERED and rule.segment_id != segment_id:
            continue
        if event.is_tier_event and (
            loyalty_tier is None
            or rule.loyalty_tier_id != loyalty_tier["id"]
            or rule.campaign_id != loyalty_tier["campaign_id"]
        ):
            continue
        points = rule.points_for(order)
        if points <= 0:
            continue
        held = await uow.vouchers.list(
            ctx.project_id, VoucherQuery(campaign_id=rule.campaign_id, holder_id=customer.id)
        )
        if not held.items:
            continue
        card = held.items[0]
        if rule.pending_points is not None:
            await pending_ledger.hold(uow, ctx, card, customer, rule, points, order)
            continue
        update = await change_balance_in(
            uow,
            ctx,
            card.code,
            points,
            reason=f"earning rule {rule.id}",
            details={"earning_rule": {"id": rule.id}},
            transaction_type=TransactionType.POINTS_ACCRUAL,
        )
        campaign = update.voucher.campaign
        await record_event(
            uow,
            ctx,
            type=EventType.REWARDED_LOYALTY_POINTS.value,
            customer_id=customer.id,
            entity_id=card.id,
            data={
                "customer": simple_customer(customer),
                "holder": simple_customer(customer),
                "voucher": simple_voucher(update.voucher),
                "campaign": None if campaign is None else simple_campaign(campaign),
                "earning_rule": earning_rule_object(rule),
                "balance": update.change.as_object(card.id, "points"),
                "order": None if order is None else order_object(order),
                "event": None,
                "loyalty_tier": None if loyalty_tier is None else dict(loyalty_tier),
            },
        )


async def on_order_paid(uow: UnitOfWork, ctx: Context, fact: OrderPaid) -> None:
    await earn(uow, ctx, fact.customer, EarningEvent.ORDER_PAID, order=fact.order)


async def on_custom_event(uow: UnitOfWork, ctx: Context, fact: CustomEventTracked) -> None:
    await earn(uow, ctx, fact.customer, EarningEvent.CUSTOM_EVENT, custom_event=fact.names)


async def on_segment_entered(uow: UnitOfWork, ctx: Context, fact: SegmentEntered) -> None:
    await earn(uow, ctx, fact.customer, EarningEvent.SEGMENT_ENTERED, segment_id=fact.segment_id)


async def on_tier_moved(uow: UnitOfWork, ctx: Context, fact: TierMoved) -> None:
    await earn(uow, ctx, fact.holder, fact.move, loyalty_tier=fact.tier)
