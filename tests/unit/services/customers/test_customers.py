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


async def test_an_update_changes_only_the_fields_given(uow: InMemoryUnitOfWorkFactory) -> None:
    ctx = make_context()
    ref = CustomerRef(source_id="s1", fields={"name": "Ann", "email": "ann@x.test"})
    created = await svc.upsert_customer(uow, ctx, ref)
    updated = await svc.update_customer(uow, ctx, "s1", {"name": "Anna"})
    assert (updated.id, updated.name, updated.email) == (created.id, "Anna", "ann@x.test")
    assert (await svc.get_customer(uow, ctx, created.id)).name == "Anna"
    unchanged = await svc.update_customer(uow, ctx, created.id, {"name": "Anna"})
    assert unchanged == updated
    assert types(uow) == [EventType.CUSTOMER_CREATED, EventType.CUSTOMER_UPDATED]
    with pytest.raises(NotFound):
        await svc.update_customer(uow, ctx, "nobody", {"name": "x"})


async def test_customers_are_listed_filtered_and_paged(uow: InMemoryUnitOfWorkFactory) -> None:
    ctx = make_context(clock=FakeClock(step=timedelta(seconds=1)))
    for n in range(3):
        fields = {"email": f"c{n}@x.test", "address": {"city": "Oslo" if n else "Bergen"}}
        await svc.upsert_customer(uow, ctx, CustomerRef(source_id=f"c{n}", fields=fields))
    newest = await svc.list_customers(uow, ctx, CustomerQuery(limit=2))
    assert [c.source_id for c in newest.items] == ["c2", "c1"]
    assert (newest.total, newest.has_more) == (3, True)
    oldest = await svc.list_customers(uow, ctx, CustomerQuery(limit=2, descending=False, page=2))
    assert ([c.source_id for c in oldest.items], oldest.has_more) == (["c2"], False)
    in_oslo = await svc.list_customers(uow, ctx, CustomerQuery(city="Oslo"))
    assert sorted(c.source_id or "" for c in in_oslo.items) == ["c1", "c2"]
    by_email = await svc.list_customers(uow, ctx, CustomerQuery(email="c0@x.test"))
    assert [c.source_id for c in by_email.items] == ["c0"]


async def test_activity_from_another_customers_event_is_not_found(
    uow: InMemoryUnitOfWorkFactory,
) -> None:
    ctx = make_context()
    for who in ("s1", "s2"):
        await track_custom_event(
            uow, ctx, name="e", customer=CustomerRef(source_id=who), metadata={}
        )
    theirs = await svc.list_activity(uow, ctx, "s2", ActivityQuery())
    with pytest.raises(NotFound):
        await svc.list_activity(uow, ctx, "s1", ActivityQuery(starting_after_id=theirs.items[0].id))


async def test_an_events_data_gets_the_whole_customer(uow: InMemoryUnitOfWorkFactory) -> None:
    ctx = make_context()
    fields = {"phone": "+4712345678", "name": "Ann"}
    customer = await svc.upsert_customer(uow, ctx, CustomerRef(source_id="s1", fields=fields))
    async with uow() as work:
        data = {"customer": {"id": customer.id, "extra": 1}, "other": 2}
        full = await svc.with_full_customer(work, ctx.project_id, customer.id, data)
        alone = await svc.with_full_customer(work, ctx.project_id, None, {"other": 2})
        gone = await svc.with_full_customer(work, ctx.project_id, "cust_gone", {"other": 2})
    assert (full["customer"]["phone"], full["customer"]["extra"], full["other"]) == (
        "+4712345678",
        1,
        2,
    )
    assert alone == gone == {"other": 2}
