"""Tracking custom events on the in-memory fakes: the customer upserted, the schema declared
once, the event recorded."""

from __future__ import annotations

from sendout.domain.customers import CustomerRef
from sendout.services.customers.events import track_custom_event
from sendout.testing import InMemoryUnitOfWorkFactory, make_context


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
