"""The official SDK (voucherify 6.1.1) through every customers and events method we serve."""

from __future__ import annotations

import datetime as dt
import time

import pytest
import voucherify
from voucherify import CustomersApi, EventsApi
from voucherify.exceptions import NotFoundException, UnauthorizedException

from tests.e2e.conftest import Server


def new_customer(client: voucherify.ApiClient, source_id: str, **fields: object) -> object:
    return CustomersApi(client).create_customer(
        voucherify.CustomersCreateRequestBody(source_id=source_id, **fields)
    )


def test_create_get_update_a_customer(sdk: voucherify.ApiClient) -> None:
    api = CustomersApi(sdk)
    created = api.create_customer(
        voucherify.CustomersCreateRequestBody(
            source_id="ann",
            name="Ann",
            email="ann@example.com",
            phone="+48100200300",
            birthdate=dt.date(1990, 1, 2),
            address={"city": "Warsaw", "country": "PL"},
            metadata={"tier": "gold", "score": 7},
        )
    )
    assert created.id.startswith("cust_")
    assert created.object == "customer"
    assert created.summary.orders.total_count == 0
    assert created.birthdate == dt.date(1990, 1, 2)

    by_source = api.get_customer("ann")
    assert by_source.id == created.id
    assert by_source.metadata == {"tier": "gold", "score": 7}
    assert by_source.address.city == "Warsaw"

    updated = api.update_customer(
        created.id, voucherify.CustomersUpdateRequestBody(name="Anne", metadata={"tier": "silver"})
    )
    assert (updated.name, updated.email) == ("Anne", "ann@example.com")
    assert updated.metadata == {"tier": "silver"}
    assert updated.updated_at is not None


def test_create_is_an_upsert_by_source_id(sdk: voucherify.ApiClient) -> None:
    first = new_customer(sdk, "bob", name="Bob")
    second = new_customer(sdk, "bob", email="bob@example.com")
    assert second.id == first.id
    assert (second.name, second.email) == ("Bob", "bob@example.com")


def test_list_customers_with_filters_order_and_paging(sdk: voucherify.ApiClient) -> None:
    api = CustomersApi(sdk)
    for n in range(5):
        new_customer(sdk, f"l{n}", name=f"L{n}", email=f"l{n}@x.io", address={"city": "Gdansk"})
        # created_at is kept to the millisecond, as the API shows it; two customers created
        # within one (a fast machine does it) tie, and the tie goes by id, not creation.
        time.sleep(0.002)
    everyone = api.list_customers(limit=100)
    assert everyone.total == 5
    assert everyone.data_ref == "customers"
    assert [c.source_id for c in everyone.customers] == ["l4", "l3", "l2", "l1", "l0"]

    page = api.list_customers(limit=2, page=2, order="source_id")
    assert [c.source_id for c in page.customers] == ["l2", "l3"]
    assert page.has_more is True

    assert [c.source_id for c in api.list_customers(email="l3@x.io").customers] == ["l3"]
    assert [c.source_id for c in api.list_customers(name="L1").customers] == ["l1"]
    assert api.list_customers(city="Gdansk").total == 5
    assert api.list_customers(city="Elsewhere").total == 0

    middle = everyone.customers[2]
    newer = api.list_customers(created_at_after=middle.created_at)
    assert {c.source_id for c in newer.customers} == {"l3", "l4"}
    older = api.list_customers(created_at_before=middle.created_at)
    assert {c.source_id for c in older.customers} == {"l0", "l1"}
    cursor = api.list_customers(starting_after=middle.created_at, order="created_at")
    assert [c.source_id for c in cursor.customers] == ["l3", "l4"]
    future = dt.datetime.now(dt.UTC) + dt.timedelta(days=1)
    assert api.list_customers(updated_at_after=future).total == 0


def test_delete_and_permanent_deletion(sdk: voucherify.ApiClient) -> None:
    api = CustomersApi(sdk)
    gone = new_customer(sdk, "gone")
    assert api.delete_customer(gone.id) is None
    with pytest.raises(NotFoundException):
        api.get_customer(gone.id)

    erased = new_customer(sdk, "erased")
    EventsApi(sdk).track_custom_event(
        voucherify.EventsCreateRequestBody(event="visited", customer={"source_id": "erased"})
    )
    deletion = api.customer_permanently_deletion("erased")
    assert deletion.related_object_id == erased.id
    assert deletion.status == "DONE"
    assert deletion.data_json.customer == 1
    assert deletion.data_json.events == 2
    with pytest.raises(NotFoundException):
        api.get_customer("erased")


def test_track_a_custom_event_upserting_the_customer_inline(sdk: voucherify.ApiClient) -> None:
    answer = EventsApi(sdk).track_custom_event(
        voucherify.EventsCreateRequestBody(
            event="signed_up",
            customer={"source_id": "eve", "email": "eve@example.com"},
            metadata={"plan": "pro", "seats": 3},
        )
    )
    assert answer.object == "event"
    assert answer.type == "signed_up"
    assert answer.customer.source_id == "eve"
    assert answer.customer.object == "customer"
    assert answer.metadata == {"plan": "pro", "seats": 3}
    assert answer.referral is None
    assert answer.loyalty is None
    assert CustomersApi(sdk).get_customer("eve").email == "eve@example.com"


def test_activity_lists_the_customers_events_with_cursor_paging(
    sdk: voucherify.ApiClient,
) -> None:
    api, events = CustomersApi(sdk), EventsApi(sdk)
    customer = new_customer(sdk, "act")
    for n in range(4):
        events.track_custom_event(
            voucherify.EventsCreateRequestBody(
                event=f"step_{n}", customer={"source_id": "act"}, metadata={"n": n}
            )
        )
    api.update_customer("act", voucherify.CustomersUpdateRequestBody(name="Act"))

    first = api.list_customer_activity(customer.id, limit=3)
    assert first.data_ref == "data"
    assert [a.type for a in first.data] == [
        "customer.updated",
        "customer.custom_event",
        "customer.custom_event",
    ]
    assert first.has_more is True
    rest = api.list_customer_activity(
        customer.id, limit=3, starting_after_id=first.more_starting_after
    )
    assert [a.type for a in rest.data] == [
        "customer.custom_event",
        "customer.custom_event",
        "customer.created",
    ]
    assert rest.has_more is False

    custom = api.list_customer_activity("act", type="customer.custom_event", order="created_at")
    assert [a.data["event"]["metadata"]["n"] for a in custom.data] == [0, 1, 2, 3]
    event = custom.data[0]
    assert event.id.startswith("evcus_")
    assert event.group_id.startswith("v-")
    assert set(event.data) == {"event", "event_schema", "customer", "referral", "loyalty"}
    assert event.data["customer"]["id"] == customer.id


def test_wrong_keys_are_refused(server: Server) -> None:
    config = voucherify.Configuration(
        host=server.url, api_key={"X-App-Id": "nobody", "X-App-Token": "nothing"}
    )
    with voucherify.ApiClient(config) as client, pytest.raises(UnauthorizedException) as caught:
        CustomersApi(client).list_customers()
    assert '"code":401' in caught.value.body
