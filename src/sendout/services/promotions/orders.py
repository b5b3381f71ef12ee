"""Orders: upsert by id or source_id, partial update, read, list; their events and the
customer's order summary, all in the order's transaction."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sendout.domain.customers import Customer, CustomerRef, simple_customer
from sendout.domain.errors import NotFound
from sendout.domain.events import EventType
from sendout.domain.facts import CustomerChanged, OrderPaid
from sendout.domain.ids import IdPrefix
from sendout.domain.orders import (
    Order,
    OrderQuery,
    OrderStatus,
    order_object,
    parse_item,
    status_events,
)
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.services.bus import publish
from sendout.services.context import Context
from sendout.services.customers.customers import resolve_customer
from sendout.services.recording import record_event
from sendout.services.retries import retry_on_conflict


@dataclass(frozen=True, slots=True, kw_only=True)
class OrderDraft:
    """What a request says about an order; ``sent`` names the fields it carried (a partial
    update leaves the others as they are)."""

    id: str | None = None
    source_id: str | None = None
    status: OrderStatus | None = None
    amount: int | None = None
    initial_amount: int | None = None
    discount_amount: int | None = None
    items: Sequence[Mapping[str, Any]] | None = None
    metadata: Mapping[str, Any] | None = None
    customer: CustomerRef | None = None
    referrer: CustomerRef | None = None
    created_at: datetime | None = None
    sent: frozenset[str] = field(default_factory=frozenset)


async def upsert_order(uow_factory: UnitOfWorkFactory, ctx: Context, draft: OrderDraft) -> Order:
    """``POST /v1/orders``: update the order with that id or source_id, else create it."""

    async def attempt() -> Order:
        async with uow_factory() as uow:
            current = await _find(uow, ctx, draft)
            order = await _save(uow, ctx, current, draft)
            await uow.commit()
            return order

    return await retry_on_conflict(attempt)


async def update_order(
    uow_factory: UnitOfWorkFactory, ctx: Context, order_id: str, draft: OrderDraft
) -> Order:
    """``PUT /v1/orders/{id}``: a partial update of an existing order."""

    async def attempt() -> Order:
        async with uow_factory() as uow:
            current = await _require(uow, ctx, order_id)
            order = await _save(uow, ctx, current, draft)
            await uow.commit()
            return order

    return await retry_on_conflict(attempt)


async def get_order(uow_factory: UnitOfWorkFactory, ctx: Context, order_id: str) -> Order:
    async with uow_factory() as uow:
        return await _require(uow, ctx, order_id)


async def list_orders(
    uow_factory: UnitOfWorkFactory, ctx: Context, query: OrderQuery
) -> Page[Order]:
    async with uow_factory() as uow:
        return await uow.orders.list(ctx.project_id, query)


async def _require(uow: UnitOfWork, ctx: Context, order_id: str) -> Order:
    order = await uow.orders.get(ctx.project_id, order_id)
    if order is None:
        order = await uow.orders.get_by_source_id(ctx.project_id, order_id)
    if order is None:
        raise NotFound.of("order", order_id)
    return order


async def _find(uow: UnitOfWork, ctx: Context, draft: OrderDraft) -> Order | None:
    if draft.id is not None:
        order = await uow.orders.get(ctx.project_id, draft.id)
        if order is None:
            raise NotFound.of("order", draft.id)
        return order
    if draft.source_id is not None:
        return await uow.orders.get_by_source_id(ctx.project_id, draft.source_id)
    return None


async def build_order(
    uow: UnitOfWork, ctx: Context, current: Order | None, draft: OrderDraft
) -> tuple[Order, Customer | None, Customer | None]:
    """The order ``draft`` makes of ``current`` (or a new one), not saved; with its customer
    and referrer, upserted from the draft's inline objects."""
    now = ctx.now()
    customer = None if draft.customer is None else await resolve_customer(uow, ctx, draft.customer)
    referrer = None if draft.referrer is None else await resolve_customer(uow, ctx, draft.referrer)
    base = current or Order(
        id=ctx.new_id(IdPrefix.ORDER),
        project_id=ctx.project_id,
        source_id=draft.source_id,
        created_at=draft.created_at or now,
    )
    changes: dict[str, Any] = {
        name: getattr(draft, name)
        for name in ("status", "amount", "initial_amount", "discount_amount", "metadata")
        if name in draft.sent and getattr(draft, name) is not None
    }
    if current is not None and draft.source_id is not None:
        changes["source_id"] = draft.source_id
    if draft.items is not None:
        changes["items"] = tuple(
            parse_item(raw, n, ctx.new_id(IdPrefix.ORDER_ITEM)) for n, raw in enumerate(draft.items)
        )
    if customer is not None:
        changes["customer_id"] = customer.id
    if referrer is not None:
        changes["referrer_id"] = referrer.id
    order = replace(base, **changes, updated_at=now if current is not None else None)
    order.check()
    return order, customer, referrer


async def find_order(uow: UnitOfWork, ctx: Context, draft: OrderDraft) -> Order | None:
    """The order a draft names by id (which must exist) or source_id, if any."""
    return await _find(uow, ctx, draft)


async def save_order(
    uow: UnitOfWork,
    ctx: Context,
    order: Order,
    current: Order | None,
    referrer: Customer | None = None,
    *,
    record: bool = True,
) -> None:
    """Write ``order`` (``current``: as it was), refresh its customers' order summaries and
    record its events (unless ``record`` is False: an imported order), in the caller's
    transaction."""
    if current is None:
        await uow.orders.add(order)
    else:
        await uow.orders.update(order)
    # The summaries of whoever the order belongs to now, and belonged to before.
    owners = {order.customer_id, None if current is None else current.customer_id} - {None}
    summaries = {}
    for customer_id in owners:
        assert customer_id is not None
        summaries[customer_id] = await _refresh_summary(uow, ctx, customer_id)
    owner = summaries.get(order.customer_id or "")
    if owner is not None and record:
        referrer = referrer or (
            await uow.customers.get(ctx.project_id, order.referrer_id)
            if order.referrer_id
            else None
        )
        await _record(uow, ctx, order, current, owner, referrer)


async def _save(uow: UnitOfWork, ctx: Context, current: Order | None, draft: OrderDraft) -> Order:
    order, _, referrer = await build_order(uow, ctx, current, draft)
    await save_order(uow, ctx, order, current, referrer)
    return order


async def _refresh_summary(uow: UnitOfWork, ctx: Context, customer_id: str) -> Customer | None:
    customer = await uow.customers.get(ctx.project_id, customer_id)
    if customer is None:
        return None
    summary = await uow.orders.summary_of(ctx.project_id, customer_id)
    if summary != customer.orders_summary:
        customer = replace(customer, orders_summary=summary)
        await uow.customers.update(customer)
        await publish(uow, ctx, CustomerChanged(customer=customer))  # rules may read summary.orders
    return customer


async def _record(
    uow: UnitOfWork,
    ctx: Context,
    order: Order,
    before: Order | None,
    customer: Customer,
    referrer: Customer | None,
) -> None:
    """``customer.order.created`` or ``.updated``, then ``.paid`` / ``.canceled`` when the
    status became that. Orders without a customer record no customer event."""
    data = {
        "customer": simple_customer(customer),
        "referrer": None if referrer is None else simple_customer(referrer),
        "order": order_object(order),
        "redemption": None,
    }
    first = EventType.ORDER_CREATED if before is None else EventType.ORDER_UPDATED
    types = [first.value, *status_events(None if before is None else before.status, order.status)]
    for type in types:
        await record_event(
            uow, ctx, type=type, customer_id=customer.id, entity_id=order.id, data=data
        )
    if EventType.ORDER_PAID.value in types:
        await publish(uow, ctx, OrderPaid(customer=customer, order=order))
