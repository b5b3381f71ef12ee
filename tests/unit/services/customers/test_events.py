"""Tracking custom events on the in-memory fakes: the customer upserted, the schema declared
once, the event recorded."""

from __future__ import annotations

import pytest

from sendout.domain.customers import CustomerRef
from sendout.domain.errors import NotFound
from sendout.domain.events import EventType
from sendout.services.customers.events import track_custom_event
from sendout.testing import InMemoryUnitOfWorkFactory, make_context, seeded_rng


async def test_custom_events_reuse_one_schema_per_name(uow: InMemoryUnitOfWorkFactory) -> None:
    ctx = make_context()
    one = await track_custom_event(
        uow, ctx, name="signed_up", customer=CustomerRef(source_id="s1"), metadata={"a": 1}
    )
    two = await track_custom_event(
        uow, ctx, name="signed_up", customer=CustomerRef(source_id="s2"), metadata={}
    )
    assert one.event.data["event_schema"] == two.event.data["event_schema"]
    assert one.event.data["event"]["metadata"] == {"a": 1}
    assert one.event.entity_id == one.event.id == one.event.data["event"]["id"]


async def test_a_tracked_event_makes_its_customer_first(uow: InMemoryUnitOfWorkFactory) -> None:
    ctx = make_context()
    tracked = await track_custom_event(
        uow, ctx, name="joined", customer=CustomerRef(source_id="new"), metadata={}
    )
    assert [e.type for e in uow.data.events] == [
        EventType.CUSTOMER_CREATED,
        EventType.CUSTOMER_CUSTOM_EVENT,
    ]
    assert tracked.customer.source_id == "new"
    assert tracked.event.customer_id == tracked.customer.id
    assert tracked.event.group_id == ctx.request_id
    (schema,) = uow.data.schemas.values()
    assert (schema.name, tracked.event.data["event_schema"]["id"]) == ("joined", schema.id)


async def test_an_event_of_an_unknown_customer_id_records_nothing(
    uow: InMemoryUnitOfWorkFactory,
) -> None:
    ctx = make_context()
    with pytest.raises(NotFound):
        await track_custom_event(
            uow, ctx, name="joined", customer=CustomerRef(id="cust_nope"), metadata={}
        )
    assert (uow.data.events, uow.data.schemas, uow.commits) == ([], {}, 0)


async def test_schemas_are_per_project(uow: InMemoryUnitOfWorkFactory) -> None:
    for project in ("proj_a", "proj_b"):
        ctx = make_context(project, rng=seeded_rng(len(uow.data.schemas)))
        await track_custom_event(
            uow, ctx, name="joined", customer=CustomerRef(source_id="s"), metadata={}
        )
    assert sorted(uow.data.schemas) == [("proj_a", "joined"), ("proj_b", "joined")]
