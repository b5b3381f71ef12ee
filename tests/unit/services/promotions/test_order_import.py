"""Orders imported by the worker on the in-memory stores: one row per step, a result per row,
no events of their own, customers upserted and their order summaries refreshed."""

from __future__ import annotations

from datetime import date

import pytest

from sendout.domain.async_actions import AsyncAction, AsyncStatus
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import InvalidPayload
from sendout.domain.events import EventType
from sendout.domain.orders import OrderStatus
from sendout.services.async_jobs import AsyncActionRunner
from sendout.services.loyalty import earning_rules
from sendout.services.promotions import order_import, orders
from sendout.services.promotions.orders import OrderDraft
from sendout.testing import seeded_rng
from tests.unit.services.shop import Shop


def paid(source_id: str | None, amount: int = 1000, **fields: object) -> OrderDraft:
    sent = {"amount", "status", *fields}
    return OrderDraft(
        source_id=source_id,
        amount=amount,
        status=OrderStatus.PAID,
        sent=frozenset(sent),
        **fields,  # type: ignore[arg-type]
    )


async def run(shop: Shop, drafts: list[OrderDraft]) -> AsyncAction:
    started = await order_import.import_orders(shop.factory, shop.ctx, drafts)
    assert started.total == len(drafts)
    assert await AsyncActionRunner(shop.factory, shop.clock, seeded_rng(1)).run_next() == 1
    return shop.factory.data.async_actions[started.id]


async def test_imported_orders_record_no_events_and_earn_nothing(shop: Shop) -> None:
    club = await shop.program()
    card = await shop.member(club, "ann")
    await earning_rules.create_rules(
        shop.factory,
        shop.ctx,
        club.id,
        [{"event": "order.paid", "loyalty": {"type": "FIXED", "points": 10}}],
    )
    before = shop.event_types()
    ann = CustomerRef(source_id="ann")
    bob = CustomerRef(source_id="bob", fields={"birthdate": date(1990, 5, 17)})
    done = await run(shop, [paid("old-1", customer=ann), paid("old-2", 2500, customer=bob)])
    assert (done.status, done.done, done.progress) == (AsyncStatus.DONE, 2, 100)
    assert done.result is not None
    assert [(o["index"], o["source_id"], o["status"]) for o in done.result["orders"]] == [
        (0, "old-1", "SUCCESS"),
        (1, "old-2", "SUCCESS"),
    ]
    imported = await orders.get_order(shop.factory, shop.ctx, "old-2")
    assert (imported.amount, imported.status) == (2500, OrderStatus.PAID)
    new_types = shop.event_types()[len(before) :]
    assert not any(t.startswith("customer.order.") for t in new_types)
    assert EventType.CUSTOMER_CREATED.value in new_types  # bob, upserted as any order would
    assert int(((await shop.voucher(card)).loyalty_card or {}).get("balance") or 0) == 0
    bobs = await shop.customer("bob")
    assert (bobs.birthdate, bobs.orders_summary.total_amount) == (date(1990, 5, 17), 2500)


async def test_a_refused_row_leaves_nothing_and_the_others_are_made(shop: Shop) -> None:
    # refused once its customer is upserted: the discount is more than the amount
    bad = paid("bad", discount_amount=5000, customer=CustomerRef(source_id="ghost"))
    done = await run(shop, [paid("good-1"), bad, paid("good-2")])
    assert done.status is AsyncStatus.DONE
    assert done.result is not None
    outcomes = [(o["status"], o.get("reason")) for o in done.result["orders"]]
    assert outcomes == [("SUCCESS", None), ("FAILED", "invalid_order"), ("SUCCESS", None)]
    assert (done.result["done_count"], done.result["failed_count"]) == (2, 1)
    # the refused row's customer was upserted in its rolled-back transaction: it is not there
    assert all(c.source_id != "ghost" for c in shop.factory.data.customers.values())

    every_row_refused = await run(shop, [bad])
    assert every_row_refused.status is AsyncStatus.FAILED


async def test_an_import_holds_one_to_two_thousand_orders(shop: Shop) -> None:
    for drafts in ([], [paid(None)] * (order_import.MAX_IMPORT_ORDERS + 1)):
        with pytest.raises(InvalidPayload):
            await order_import.import_orders(shop.factory, shop.ctx, drafts)
