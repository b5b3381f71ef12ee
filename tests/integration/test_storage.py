"""Stores and the unit of work on real SQLite and real PostgreSQL."""

from __future__ import annotations

import asyncio
from datetime import timedelta
from typing import Any

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from sendout.adapters.db import uow as uow_module
from sendout.adapters.db.tables import metadata
from sendout.bootstrap import Container
from sendout.domain.activity import ActivityQuery
from sendout.domain.customers import CustomerOrder, CustomerQuery, CustomerRef
from sendout.domain.deliveries import SendResult
from sendout.domain.errors import NotFound
from sendout.domain.projects import IssuedKey
from sendout.domain.sendout_lifecycle import claim, deliver
from sendout.domain.sendouts import Sendout, SendoutStatus, SourceKind, SourceRef
from sendout.services.accounts.projects import create_project
from sendout.services.context import Context
from sendout.services.customers import customers as svc
from sendout.services.customers.events import track_custom_event
from sendout.testing import FakeClock, make_context


def context_for(
    project: IssuedKey, container: Container, clock: FakeClock | None = None
) -> Context:
    return make_context(project.project.id, clock=clock, rng=container.rng)


async def test_the_migrations_create_exactly_the_declared_schema(container: Container) -> None:
    diff = await container.database.run_sync(
        lambda conn: compare_metadata(MigrationContext.configure(conn), metadata)
    )
    assert diff == []


async def test_a_unit_of_work_builds_only_the_stores_it_uses(
    container: Container, project: IssuedKey, monkeypatch: pytest.MonkeyPatch
) -> None:
    built: list[str] = []

    def recorded(name: str, make: uow_module._Make) -> uow_module._Make:
        def made(uow: uow_module.SqlUnitOfWork, tx: Any) -> Any:
            built.append(name)
            return make(uow, tx)

        return made

    stores = {name: recorded(name, make) for name, make in uow_module._STORES.items()}
    monkeypatch.setattr(uow_module, "_STORES", stores)
    async with container.uow_factory() as uow:
        assert await uow.customers.get(project.project.id, "cust_nobody") is None
        assert await uow.customers.get(project.project.id, "cust_nobody_else") is None
    assert built == ["customers"]  # one store of the twenty-five, made once
    async with container.uow_factory(read_only=True) as uow:
        await uow.customers.get(project.project.id, "cust_nobody")
    assert built == ["customers", "customers"]  # a unit of work makes its own


async def test_an_uncommitted_unit_of_work_leaves_nothing(
    container: Container, project: IssuedKey
) -> None:
    ctx = context_for(project, container)
    async with container.uow_factory() as uow:
        await svc.resolve_customer(uow, ctx, CustomerRef(source_id="ghost"))
    with pytest.raises(NotFound):
        await svc.get_customer(container.uow_factory, ctx, "ghost")


async def test_a_failing_unit_of_work_rolls_back_the_change_and_its_event(
    container: Container, project: IssuedKey
) -> None:
    ctx = context_for(project, container)
    customer = await svc.upsert_customer(container.uow_factory, ctx, CustomerRef(source_id="s"))

    class Boom(Exception):
        pass

    async def change_then_fail() -> None:
        async with container.uow_factory() as uow:
            await svc.resolve_customer(uow, ctx, CustomerRef(source_id="s", fields={"name": "x"}))
            raise Boom

    with pytest.raises(Boom):
        await change_then_fail()
    again = await svc.get_customer(container.uow_factory, ctx, customer.id)
    assert again.name is None
    page = await svc.list_activity(container.uow_factory, ctx, customer.id, ActivityQuery())
    assert [e.type for e in page.items] == ["customer.created"]


async def test_concurrent_upserts_of_one_new_source_id_make_one_customer(
    container: Container, project: IssuedKey
) -> None:
    ctx = context_for(project, container)
    results = await asyncio.gather(
        *(
            svc.upsert_customer(
                container.uow_factory, ctx, CustomerRef(source_id="racer", fields={"name": f"n{i}"})
            )
            for i in range(12)
        )
    )
    assert len({c.id for c in results}) == 1
    found = await svc.list_customers(container.uow_factory, ctx, CustomerQuery(limit=100))
    assert found.total == 1


async def test_keys_of_one_project_never_see_another_projects_data(
    container: Container, project: IssuedKey
) -> None:
    from sendout.services.accounts.projects import create_project

    other = await create_project(container.uow_factory, container.clock, container.rng, "other")
    mine, theirs = context_for(project, container), context_for(other, container)
    customer = await svc.upsert_customer(container.uow_factory, mine, CustomerRef(source_id="x"))
    # The same source_id is free in another project: a different customer.
    twin = await svc.upsert_customer(container.uow_factory, theirs, CustomerRef(source_id="x"))
    assert twin.id != customer.id
    with pytest.raises(NotFound):
        await svc.get_customer(container.uow_factory, theirs, customer.id)
    with pytest.raises(NotFound):
        await svc.list_activity(container.uow_factory, theirs, customer.id, ActivityQuery())
    assert (await svc.list_customers(container.uow_factory, theirs, CustomerQuery())).total == 1


async def test_listing_filters_orders_and_pages(container: Container, project: IssuedKey) -> None:
    clock = FakeClock(step=timedelta(seconds=1))
    ctx = context_for(project, container, clock)
    created = []
    for n, city in enumerate(["Paris", "Lyon", "Paris", "Nice", "Paris"]):
        created.append(
            await svc.upsert_customer(
                container.uow_factory,
                ctx,
                CustomerRef(
                    source_id=f"c{n}",
                    fields={"email": f"c{n}@x.io", "address": {"city": city}, "name": f"N{n}"},
                ),
            )
        )
    uow = container.uow_factory

    paris = await svc.list_customers(uow, ctx, CustomerQuery(city="Paris"))
    assert [c.source_id for c in paris.items] == ["c4", "c2", "c0"]
    assert (paris.total, paris.has_more) == (3, False)

    by_email = await svc.list_customers(uow, ctx, CustomerQuery(email="c1@x.io"))
    assert [c.source_id for c in by_email.items] == ["c1"]

    page2 = await svc.list_customers(
        uow, ctx, CustomerQuery(limit=2, page=2, order=CustomerOrder.SOURCE_ID, descending=False)
    )
    assert [c.source_id for c in page2.items] == ["c2", "c3"]
    assert (page2.total, page2.has_more) == (5, True)

    after = await svc.list_customers(
        uow, ctx, CustomerQuery(starting_after=created[2].created_at, descending=False)
    )
    assert [c.source_id for c in after.items] == ["c3", "c4"]

    window = await svc.list_customers(
        uow,
        ctx,
        CustomerQuery(created_after=created[0].created_at, created_before=created[3].created_at),
    )
    assert [c.source_id for c in window.items] == ["c2", "c1"]


async def test_customers_created_in_one_instant_page_by_id_without_overlap(
    container: Container, project: IssuedKey
) -> None:
    ctx = context_for(project, container, FakeClock(step=timedelta(0)))  # one instant for all
    for n in range(7):
        await svc.upsert_customer(container.uow_factory, ctx, CustomerRef(source_id=f"t{n}"))
    for descending in (True, False):
        pages = [
            await svc.list_customers(
                container.uow_factory, ctx, CustomerQuery(limit=3, page=n, descending=descending)
            )
            for n in (1, 2, 3)
        ]
        ids = [c.id for page in pages for c in page.items]
        assert sorted(ids, reverse=descending) == ids  # the tie goes by id
        assert len(set(ids)) == 7  # every customer once, on one page
        assert [page.has_more for page in pages] == [True, True, False]


async def test_timestamps_come_back_utc_to_the_millisecond(
    container: Container, project: IssuedKey
) -> None:
    ctx = context_for(project, container)
    customer = await svc.upsert_customer(container.uow_factory, ctx, CustomerRef(source_id="t"))
    again = await svc.get_customer(container.uow_factory, ctx, customer.id)
    assert again.created_at == customer.created_at
    assert again.created_at.utcoffset() == timedelta(0)


async def test_activity_pages_through_real_rows(container: Container, project: IssuedKey) -> None:
    ctx = context_for(project, container)
    for n in range(7):
        await track_custom_event(
            container.uow_factory,
            ctx,
            name=f"e{n}",
            customer=CustomerRef(source_id="a"),
            metadata={},
        )
    seen: list[str] = []
    cursor = None
    while True:
        page = await svc.list_activity(
            container.uow_factory,
            ctx,
            "a",
            ActivityQuery(limit=3, descending=False, starting_after_id=cursor),
        )
        seen.extend(e.type for e in page.items)
        if not page.has_more:
            break
        cursor = page.items[-1].id
    assert seen == ["customer.created"] + ["customer.custom_event"] * 7


async def test_a_schema_is_cached_only_once_its_transaction_committed(
    container: Container, project: IssuedKey
) -> None:
    from sendout.domain.custom_events import CustomEventSchema

    ctx = context_for(project, container)
    phantom = CustomEventSchema(
        id="ms_phantom", project_id=ctx.project_id, name="never_committed", created_at=ctx.now()
    )
    async with container.uow_factory() as uow:
        await uow.event_schemas.add(phantom)
        assert await uow.event_schemas.get_by_name(ctx.project_id, "never_committed") == phantom
    # rolled back: neither the database nor the cache knows it
    async with container.uow_factory() as uow:
        assert await uow.event_schemas.get_by_name(ctx.project_id, "never_committed") is None

    tracked = await track_custom_event(
        container.uow_factory,
        ctx,
        name="never_committed",
        customer=CustomerRef(source_id="sc"),
        metadata={},
    )
    assert tracked.event.data["event_schema"]["id"] != "ms_phantom"
    again = await track_custom_event(
        container.uow_factory,
        ctx,
        name="never_committed",
        customer=CustomerRef(source_id="sc"),
        metadata={},
    )
    assert again.event.data["event_schema"] == tracked.event.data["event_schema"]


async def test_hot_path_statements_belong_to_their_unit_of_work(
    isolated_container: Container,
) -> None:
    """Dispatch and delivery statements run straight through the driver: they read what
    SQLAlchemy reads, hold their row locks and roll back with the unit of work."""
    container = isolated_container
    issued = await create_project(container.uow_factory, container.clock, container.rng, "hot")
    ctx = make_context(issued.project.id, clock=container.clock, rng=container.rng)
    await track_custom_event(
        container.uow_factory, ctx, name="hot", customer=CustomerRef(source_id="h"), metadata={}
    )
    async with container.uow_factory() as uow:
        claimed = await uow.events.claim_undispatched(100)
        assert [e.type for e in claimed] == ["customer.created", "customer.custom_event"]
        assert claimed == [await uow.events.get(ctx.project_id, e.id) for e in claimed]
        if container.database.dialect == "postgresql":
            # Another dispatcher skips the events this one holds (SQLite: one at a time).
            async with container.uow_factory() as other:
                assert await other.events.claim_undispatched(100) == []
        await uow.events.mark_dispatched([e.seq for e in claimed if e.seq is not None], ctx.now())
    async with container.uow_factory() as uow:  # not committed: still waiting
        assert await uow.events.claim_undispatched(100) == claimed

    now = ctx.now()
    sendouts = [
        Sendout(
            id=f"whs_hot{n}",
            project_id=ctx.project_id,
            source=SourceRef(SourceKind.DISTRIBUTION, "distr_hot"),
            channel_id="ch_hot",
            channel="hot",
            event_id=claimed[n].id,
            event_type=claimed[n].type,
            customer_id=None,
            status=SendoutStatus.PENDING,
            url=f"https://hooks.example.com/{n}",
            headers={"content-type": "application/json"},
            body=b'{"n": %d}' % n,
            next_attempt_at=now + timedelta(microseconds=1000 * n),
            created_at=now,
        )
        for n in range(2)
    ]
    async with container.uow_factory() as uow:
        await uow.sendouts.add_many(sendouts)
        await uow.commit()
    async with container.uow_factory() as uow:
        due = await uow.deliveries.due(now + timedelta(seconds=1), 10)
        assert due == sendouts
        assert await uow.deliveries.due(now + timedelta(seconds=1), 10, [sendouts[0].url]) == [
            sendouts[1]
        ]
        assert await uow.deliveries.due(now, 10) == sendouts[:1]  # due at the very instant
        await uow.deliveries.lease([s.id for s in due], now + timedelta(minutes=1), "lease_1")
        assert await uow.deliveries.due(now + timedelta(seconds=1), 10) == []
    async with container.uow_factory() as uow:  # the lease was rolled back with its claim
        assert await uow.deliveries.due(now + timedelta(seconds=1), 10) == sendouts
        delivered = deliver(claim(sendouts[0], "lease_2", now, now), now)
        result = SendResult(status_code=204, duration_ms=3, response_headers={"x-a": "b"})
        await uow.deliveries.add_attempts([(sendouts[0], now, result)])
        await uow.deliveries.update_many([delivered])
        await uow.commit()
    async with container.uow_factory() as uow:
        assert await uow.sendouts.get(ctx.project_id, delivered.id) == delivered
        (attempt,) = await uow.deliveries.attempts(ctx.project_id, delivered.id)
        assert attempt["started_at"] == now
        assert attempt["response_headers"] == {"x-a": "b"}
        assert attempt["status_code"] == 204
