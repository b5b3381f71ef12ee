"""The dashboard's customer search on the in-memory fakes: whole values of id, source_id,
email or name, each customer once. (The campaign code pools read the promotions stores,
whose fakes are ``testing/promotions.py``'s.)"""

from __future__ import annotations

from datetime import timedelta

from sendout.domain.customers import CustomerRef
from sendout.services.accounts.dashboard_queries import search_customers
from sendout.services.context import Context
from sendout.services.customers.customers import upsert_customer
from sendout.testing import FakeClock, InMemoryUnitOfWorkFactory


async def three_customers(uow: InMemoryUnitOfWorkFactory, ctx: Context) -> list[str]:
    people = [("ann", "Ann", "ann@x.test"), ("bob", "Ann", "bob@x.test"), ("cat", "Cat", "ann")]
    ids = []
    for source_id, name, email in people:
        ref = CustomerRef(source_id=source_id, fields={"name": name, "email": email})
        ids.append((await upsert_customer(uow, ctx, ref)).id)
    return ids


async def test_without_text_every_customer_is_listed_newest_first(
    uow: InMemoryUnitOfWorkFactory, ctx: Context, clock: FakeClock
) -> None:
    clock.step = timedelta(seconds=1)
    _, bob, cat = await three_customers(uow, ctx)
    page = await search_customers(uow, ctx, None, 2, 1)
    assert ([c.id for c in page.items], page.total, page.has_more) == ([cat, bob], 3, True)


async def test_text_matches_whole_keys_emails_and_names_each_customer_once(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    ann, bob, cat = await three_customers(uow, ctx)
    found = await search_customers(uow, ctx, "ann", 10, 1)
    assert [c.id for c in found.items] == [ann, cat]  # its source_id, then its email
    assert found.total is None
    by_name = await search_customers(uow, ctx, "Ann", 10, 1)
    assert sorted(c.id for c in by_name.items) == sorted([ann, bob])
    assert (await search_customers(uow, ctx, bob, 10, 1)).items[0].id == bob
    assert (await search_customers(uow, ctx, "An", 10, 1)).items == []


async def test_later_pages_leave_the_key_match_out(
    uow: InMemoryUnitOfWorkFactory, ctx: Context
) -> None:
    await three_customers(uow, ctx)
    assert (await search_customers(uow, ctx, "ann", 10, 2)).items == []
