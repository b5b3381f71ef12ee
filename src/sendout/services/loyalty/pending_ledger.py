"""Pending points in a card's ledger: held when an earning rule with a pending period grants
them, and announced with their events (``pending_activation`` moves them into the balance).
Callers lock the card."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sendout.domain.campaigns import simple_campaign
from sendout.domain.customers import Customer, simple_customer
from sendout.domain.earning_rules import EarningRule, earning_rule_object
from sendout.domain.events import EventType
from sendout.domain.ids import IdPrefix
from sendout.domain.orders import Order, order_object
from sendout.domain.points import (
    PendingPoints,
    activation_date,
    pending_balance_object,
    pending_points_object,
)
from sendout.domain.ports import UnitOfWork
from sendout.domain.vouchers import EffectiveVoucher, Voucher, simple_voucher
from sendout.services.context import Context
from sendout.services.promotions.voucher_lookup import effective, require_voucher
from sendout.services.recording import record_event


async def hold(
    uow: UnitOfWork,
    ctx: Context,
    card: Voucher,
    customer: Customer,
    rule: EarningRule,
    points: int,
    order: Order | None,
) -> PendingPoints:
    """Points an earning rule grants after its pending period (in the caller's transaction)."""
    assert rule.pending_points is not None
    now = ctx.now()
    pending = PendingPoints(
        id=ctx.new_sortable_id(IdPrefix.PENDING_POINTS),
        project_id=ctx.project_id,
        voucher_id=card.id,
        campaign_id=rule.campaign_id,
        customer_id=customer.id,
        order_id=None if order is None else order.id,
        points=points,
        activates_at=activation_date(rule.pending_points, now.date()),
        details={"earning_rule": earning_rule_object(rule)},
        created_at=now,
    )
    await uow.vouchers.lock(ctx.project_id, card.id)
    await uow.points.add_pending(pending)
    await announce(uow, ctx, EventType.PENDING_POINTS_ADDED, pending, points)
    return pending


async def card_of(uow: UnitOfWork, ctx: Context, pending: PendingPoints) -> Voucher | None:
    found = await uow.vouchers.get_many(ctx.project_id, [pending.voucher_id])
    return found[0] if found else None


async def pending_total(uow: UnitOfWork, ctx: Context, voucher_id: str) -> int:
    return await uow.points.pending_total(ctx.project_id, voucher_id)


async def _card_with_total(
    uow: UnitOfWork, ctx: Context, code: str, total: int
) -> EffectiveVoucher:
    """The card (locked by the caller) with its ``loyalty_card.pending_points`` set."""
    voucher = await require_voucher(uow, ctx, code)
    (current,) = await effective(uow, ctx, [voucher])
    card = {**(current.loyalty_card or {}), "pending_points": total}
    updated = replace(voucher, loyalty_card=card, updated_at=ctx.now())
    await uow.vouchers.update(updated)
    return replace(current, voucher=updated)


async def announce(
    uow: UnitOfWork,
    ctx: Context,
    kind: EventType,
    pending: PendingPoints,
    change: int,
    extra: Mapping[str, Any] | None = None,
) -> None:
    """Set the card's pending total and record ``kind`` with the pending points' objects."""
    voucher = await card_of(uow, ctx, pending)
    customer = await uow.customers.get(ctx.project_id, pending.customer_id)
    if voucher is None:
        return
    total = await pending_total(uow, ctx, pending.voucher_id)
    card = await _card_with_total(uow, ctx, voucher.code, total)
    order = await uow.orders.get(ctx.project_id, pending.order_id) if pending.order_id else None
    if customer is None:
        return
    await record_event(
        uow,
        ctx,
        type=kind.value,
        customer_id=customer.id,
        entity_id=pending.id,
        data={
            "customer": simple_customer(customer),
            "campaign": None if card.campaign is None else simple_campaign(card.campaign),
            "voucher": simple_voucher(card),
            "voucher_pending_points_balance": pending_balance_object(pending, change, total),
            "order": None if order is None else order_object(order),
            "pending_points": pending_points_object(pending),
            **(extra or {}),
        },
    )
