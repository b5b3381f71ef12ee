"""Customers by the thousand on the in-memory stores: upserts by source_id and metadata set
on many, applied by the worker row by row."""

from __future__ import annotations

from datetime import date

import pytest

from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.services.async_jobs import AsyncActionRunner
from sendout.services.customers import customer_bulk
from sendout.services.row_jobs import rows
from sendout.testing import seeded_rng
from tests.unit.services.shop import Shop


@pytest.fixture
def shop() -> Shop:
    return Shop()


async def run(shop: Shop, started: AsyncAction) -> AsyncAction:
    assert await AsyncActionRunner(shop.factory, shop.clock, seeded_rng(1)).run_next() == 1
    return shop.factory.data.async_actions[started.id]


async def test_a_bulk_update_upserts_each_customer_by_source_id(shop: Shop) -> None:
    ann = await shop.customer("ann", name="Ann")
    items = rows(
        [
            {"source_id": "ann", "name": "Ann Bulk"},
            {"source_id": "new", "email": "new@example.com", "birthdate": "1990-02-03"},
            {"name": "Nobody"},
        ]
    )
    started = await customer_bulk.upsert_customers(shop.factory, shop.ctx, items)
    done = await run(shop, started)
    assert (done.type, done.status) == (AsyncActionType.CUSTOMERS_BULK_UPDATE, AsyncStatus.DONE)
    assert done.result is not None
    assert (done.result["done_count"], done.result["failed_count"]) == (2, 1)
    assert done.result["failed"][0]["row"] == 3
    customers = {c.source_id: c for c in shop.factory.data.customers.values()}
    assert customers["ann"].id == ann.id
    assert customers["ann"].name == "Ann Bulk"
    assert customers["new"].birthdate == date(1990, 2, 3)
    assert "customer.updated" in shop.event_types()  # as POST /v1/customers records it


async def test_metadata_is_merged_into_known_customers_only(shop: Shop) -> None:
    await shop.customer("ann", metadata={"keep": True})
    started = await customer_bulk.update_customers_metadata(
        shop.factory, shop.ctx, ["ann", "ghost"], {"m": 3}
    )
    done = await run(shop, started)
    assert done.result is not None
    assert [(f["row"], f["source_id"]) for f in done.result["failed"]] == [(2, "ghost")]
    customers = {c.source_id: c for c in shop.factory.data.customers.values()}
    assert customers["ann"].metadata == {"keep": True, "m": 3}
    assert "ghost" not in customers
