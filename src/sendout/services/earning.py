"""Earning rules: manage a program's rules, and grant points when their events happen (in
the transaction of the event: an order paid, a custom event tracked)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sendout.domain.campaigns import simple_campaign
from sendout.domain.customers import Customer, simple_customer
from sendout.domain.earning_rules import (
    EARNING_RULE_ID_PREFIX,
    MAX_RULES_PER_REQUEST,
    EarningEvent,
    EarningRule,
    earning_rule_object,
    parse_rule,
)
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.domain.orders import Order, order_object
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.vouchers import VoucherQuery, simple_voucher
from sendout.services.balances import change_balance_in
from sendout.services.context import Context
from sendout.services.loyalties import get_program
from sendout.services.recording import record_event


async def create_rules(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, raws: Sequence[Any]
) -> list[EarningRule]:
    program = await get_program(uow_factory, ctx, program_id)
    if not 1 <= len(raws) <= MAX_RULES_PER_REQUEST:
        raise InvalidPayload(
            details=f"give a list of 1 to {MAX_RULES_PER_REQUEST} earning rules",
            key="invalid_earning_rule",
        )
    now = ctx.now()
    rules = []
    for n, raw in enumerate(raws):
        event, custom_event, loyalty = parse_rule(raw, n)
        rules.append(
            EarningRule(
                id=ctx.new_id(EARNING_RULE_ID_PREFIX),
                project_id=ctx.project_id,
                campaign_id=program.id,
                event=event,
                custom_event=custom_event,
                loyalty=loyalty,
                active=raw.get("active", True) is not False,
                metadata=raw.get("metadata") or {},
                created_at=now,
            )
        )
    async with uow_factory() as uow:
        await uow.earning_rules.add_many(rules)
        await uow.commit()
    return rules


async def list_rules(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str
) -> Sequence[EarningRule]:
    program = await get_program(uow_factory, ctx, program_id)
    async with uow_factory() as uow:
        return await uow.earning_rules.of_campaign(ctx.project_id, program.id)


async def get_rule(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, rule_id: str
) -> EarningRule:
    found = next(
        (r for r in await list_rules(uow_factory, ctx, program_id) if r.id == rule_id), None
    )
    if found is None:
        raise NotFound.of("earning_rule", rule_id)
    return found


async def update_rule(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    program_id: str,
    rule_id: str,
    changes: Mapping[str, Any],
) -> EarningRule:
    """``PUT``: the rule's event, custom event, loyalty, active flag or metadata change."""
    current = await get_rule(uow_factory, ctx, program_id, rule_id)
    merged = {
        "event": current.event.value,
        "custom_event": {"schema_id": current.custom_event},
        "loyalty": dict(current.loyalty),
        **changes,
    }
    event, custom_event, loyalty = parse_rule(merged, 0)
    updated = replace(
        current,
        event=event,
        custom_event=custom_event,
        loyalty=loyalty,
        active=merged.get("active", current.active) is not False,
        metadata=merged.get("metadata") or current.metadata,
        updated_at=ctx.now(),
    )
    async with uow_factory() as uow:
        await uow.earning_rules.update(updated)
        await uow.commit()
    return updated


async def set_active(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, rule_id: str, active: bool
) -> EarningRule:
    return await update_rule(uow_factory, ctx, program_id, rule_id, {"active": active})


async def delete_rule(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, rule_id: str
) -> None:
    await get_rule(uow_factory, ctx, program_id, rule_id)
    async with uow_factory() as uow:
        await uow.earning_rules.remove(ctx.project_id, rule_id)
        await uow.commit()


async def earn(
    uow: UnitOfWork,
    ctx: Context,
    customer: Customer,
    event: EarningEvent,
    *,
    order: Order | None = None,
    custom_event: tuple[str, str] | None = None,
) -> None:
    """Grant the points of every active rule listening to ``event`` to the customer's card
    in the rule's program (a customer without one earns nothing there). ``custom_event``:
    the event's name and schema id (a rule may name either)."""
    for rule in await uow.earning_rules.active_for(ctx.project_id, event):
        if event is EarningEvent.CUSTOM_EVENT and rule.custom_event not in (custom_event or ()):
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
        update = await change_balance_in(
            uow,
            ctx,
            card.code,
            points,
            reason=f"earning rule {rule.id}",
            details={"earning_rule": {"id": rule.id}},
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
                "loyalty_tier": None,
            },
        )
