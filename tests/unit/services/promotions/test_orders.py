"""Orders on the in-memory stores: upsert by id or source id, partial updates, the customer's
order summary and the order's events."""

from __future__ import annotations

import pytest

from sendout.domain.customers import CustomerRef
from sendout.domain.errors import Duplicate, InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.domain.orders import OrderQuery, OrderStatus
from sendout.services.promotions import orders
from sendout.services.promotions.orders import OrderDraft
from tests.unit.services.shop import Shop


def draft(**fields: object) -> OrderDraft:
    return OrderDraft(sent=frozenset(fields), **fields)  # type: ignore[arg-type]


async def test_an_order_is_upserted_by_source_id_and_summed_for_its_customer(shop: Shop) -> None:
    ann = CustomerRef(source_id="ann")
    made = await orders.upsert_order(
        shop.factory, shop.ctx, draft(source_id="o1", amount=1000, customer=ann)
    )
    same = await orders.upsert_order(
        shop.factory, shop.ctx, draft(source_id="o1", status=OrderStatus.PAID)
    )
    assert same.id == made.id
    assert (same.amount, same.status) == (1000, OrderStatus.PAID)
    assert same.updated_at is not None
    await orders.upsert_order(shop.factory, shop.ctx, draft(amount=500, customer=ann))
    customer = await shop.customer("ann")
    summary = customer.orders_summary
    assert (summary.total_count, summary.total_amount, summary.last_order_amount) == (2, 1500, 500)
    assert shop.event_types().count(EventType.ORDER_CREATED) == 2
    assert EventType.ORDER_UPDATED in shop.event_types()
    assert EventType.ORDER_PAID in shop.event_types()


async def test_an_order_moving_to_another_customer_updates_both_summaries(shop: Shop) -> None:
    made = await orders.upsert_order(
        shop.factory,
        shop.ctx,
        draft(source_id="o1", amount=700, customer=CustomerRef(source_id="ann")),
    )
    await orders.update_order(
        shop.factory, shop.ctx, "o1", draft(customer=CustomerRef(source_id="bob"))
    )
    assert (await shop.customer("ann")).orders_summary.total_count == 0
    assert (await shop.customer("bob")).orders_summary.total_amount == 700
    assert (await orders.get_order(shop.factory, shop.ctx, made.id)).source_id == "o1"


async def test_unknown_or_bad_orders_are_refused(shop: Shop) -> None:
    with pytest.raises(NotFound):
        await orders.upsert_order(shop.factory, shop.ctx, draft(id="ord_nope", amount=1))
    with pytest.raises(NotFound):
        await orders.update_order(shop.factory, shop.ctx, "nope", draft(amount=1))
    with pytest.raises(NotFound):
        await orders.get_order(shop.factory, shop.ctx, "nope")
    with pytest.raises(InvalidPayload):
        await orders.upsert_order(shop.factory, shop.ctx, draft(items=[{"quantity": -1}]))


async def test_a_source_id_names_one_order(shop: Shop) -> None:
    await orders.upsert_order(shop.factory, shop.ctx, draft(source_id="o1", amount=1))
    second = await orders.upsert_order(shop.factory, shop.ctx, draft(source_id="o2", amount=1))
    with pytest.raises(Duplicate):
        await orders.update_order(shop.factory, shop.ctx, second.id, draft(source_id="o1"))


async def test_orders_are_listed_newest_first(shop: Shop) -> None:
    for n in range(3):
        await orders.upsert_order(shop.factory, shop.ctx, draft(source_id=f"o{n}", amount=n))
    page = await orders.list_orders(shop.factory, shop.ctx, OrderQuery(limit=2))
    assert [o.source_id for o in page.items] == ["o2", "o1"]
    assert (page.total, page.has_more) == (3, True)
