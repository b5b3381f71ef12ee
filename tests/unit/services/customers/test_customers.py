"""Customer use cases on the in-memory fakes: upsert, read, update, delete, list, activity."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.activity import ActivityQuery
from sendout.domain.customers import CustomerQuery, CustomerRef
from sendout.domain.errors import Duplicate, InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.services.customers import customers as svc
from sendout.services.customers.events import track_custom_event
from sendout.testing import FakeClock, InMemoryUnitOfWorkFactory, make_context


def types(uow: InMemoryUnitOfWorkFactory) -> list[str]:
    return [e.type for e in uow.data.events]


async def test_an_unknown_source_id_creates_a_customer_and_records_it(
    uow: InMemoryUnitOfWorkFactory,
) -> None:
    ctx = make_context()
    customer = await svc.upsert_customer(
        uow, ctx, CustomerRef(source_id="s1", fields={"name": "Ann"})
    )
    assert customer.name == "Ann"
    assert customer.id.startswith("cust_")
    assert types(uow) == [EventType.CUSTOMER_CREATED]
    event = uow.data.events[0]
    assert (event.customer_id, event.entity_id, event.group_id) == (
        customer.id,
        customer.id,
        ctx.request_id,
    )
    assert event.data["customer"]["source_id"] == "s1"


async def test_a_known_source_id_updates_only_when_something_changed(
    uow: InMemoryUnitOfWorkFactory,
) -> None:
    ctx = make_context()
    first = await svc.upsert_customer(uow, ctx, CustomerRef(source_id="s1", fields={"name": "A"}))
    same = await svc.upsert_customer(uow, ctx, CustomerRef(source_id="s1", fields={"name": "A"}))
    changed = await svc.upsert_customer(uow, ctx, CustomerRef(source_id="s1", fields={"name": "B"}))
    assert first.id == same.id == changed.id
    assert changed.name == "B"
    assert types(uow) == [EventType.CUSTOMER_CREATED, EventType.CUSTOMER_UPDATED]


async def test_an_unknown_id_is_not_found(uow: InMemoryUnitOfWorkFactory) -> None:
    with pytest.raises(NotFound):
        await svc.upsert_customer(uow, make_context(), CustomerRef(id="cust_nope"))
    assert uow.data.customers == {}


async def test_a_customer_needs_an_id_or_a_source_id(uow: InMemoryUnitOfWorkFactory) -> None:
    with pytest.raises(InvalidPayload):
        await svc.upsert_customer(uow, make_context(), CustomerRef(fields={"name": "x"}))


async def test_moving_to_a_taken_source_id_is_a_duplicate(uow: InMemoryUnitOfWorkFactory) -> None:
    ctx = make_context()
    await svc.upsert_customer(uow, ctx, CustomerRef(source_id="a"))
    b = await svc.upsert_customer(uow, ctx, CustomerRef(source_id="b"))
    with pytest.raises(Duplicate):
        await svc.upsert_customer(uow, ctx, CustomerRef(id=b.id, source_id="a"))


async def test_customers_of_another_project_are_invisible(uow: InMemoryUnitOfWorkFactory) -> None:
    mine, theirs = make_context("proj_a"), make_context("proj_b")
    customer = await svc.upsert_customer(uow, mine, CustomerRef(source_id="s1"))
    with pytest.raises(NotFound):
        await svc.get_customer(uow, theirs, customer.id)
    with pytest.raises(NotFound):
        await svc.get_customer(uow, theirs, "s1")
    assert (await svc.list_customers(uow, theirs, CustomerQuery())).total == 0


async def test_delete_keeps_the_events_and_permanent_deletion_erases_them(
    uow: InMemoryUnitOfWorkFactory,
) -> None:
    ctx = make_context()
    a = await svc.upsert_customer(uow, ctx, CustomerRef(source_id="a"))
    b = await svc.upsert_customer(uow, ctx, CustomerRef(source_id="b"))
    await svc.delete_customer(uow, ctx, a.id)
    assert types(uow).count(EventType.CUSTOMER_DELETED) == 1
    deletion = await svc.permanently_delete_customer(uow, ctx, "b")
    assert deletion.customer_id == b.id
    assert deletion.events_deleted == 1
    assert all(e.customer_id != b.id for e in uow.data.events)
    assert uow.data.customers == {}


async def test_activity_pages_by_cursor_newest_first(uow: InMemoryUnitOfWorkFactory) -> None:
    ctx = make_context(clock=FakeClock(step=timedelta(seconds=1)))
    for n in range(5):
        await track_custom_event(
            uow, ctx, name=f"e{n}", customer=CustomerRef(source_id="s1"), metadata={}
        )
    first = await svc.list_activity(uow, ctx, "s1", ActivityQuery(limit=4))
    assert [e.data["event"]["type"] for e in first.items] == ["e4", "e3", "e2", "e1"]
    assert first.has_more
    rest = await svc.list_activity(
        uow, ctx, "s1", ActivityQuery(limit=4, starting_after_id=first.items[-1].id)
    )
    assert [e.data.get("event", {}).get("type") for e in rest.items] == ["e0", None]
    assert not rest.has_more


async def test_an_unknown_activity_type_filter_is_refused(uow: InMemoryUnitOfWorkFactory) -> None:
    ctx = make_context()
    await svc.upsert_customer(uow, ctx, CustomerRef(source_id="s1"))
    with pytest.raises(InvalidPayload):
        await svc.list_activity(uow, ctx, "s1", ActivityQuery(type="customer.invented"))
