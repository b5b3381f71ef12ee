"""Orders through the official SDK (voucherify 6.1.1): upsert, update, get, list; the order
events and the customer's order summary; an order paid delivers a distribution's webhook."""

from __future__ import annotations

import json
from typing import Any

import pytest
import voucherify
from voucherify import OrdersApi

from tests.e2e.conftest import Api, Receiver


def order(**fields: Any) -> voucherify.OrdersCreateRequestBody:
    return voucherify.OrdersCreateRequestBody(**fields)


def item(**fields: Any) -> voucherify.OrderItem:
    return voucherify.OrderItem(**fields)


def test_an_order_is_created_updated_read_and_listed(sdk: voucherify.ApiClient, api: Api) -> None:
    orders = OrdersApi(sdk)
    created = orders.create_order(
        order(
            source_id="ord-1001",
            customer=voucherify.Customer(source_id="buyer-1", email="b1@example.com"),
            items=[
                item(product_id="prod_tee", quantity=2, price=1500),
                item(sku_id="sku_cap", quantity=1, price=2000, discount_amount=500),
            ],
            discount_amount=300,
            metadata={"channel": "web"},
        )
    )
    assert created.id.startswith("ord_")
    assert created.object == "order"
    assert created.status == "CREATED"
    assert created.amount == 5000  # 2 x 1500 + 1 x 2000
    assert created.items_discount_amount == 500
    assert created.total_discount_amount == 800
    assert created.total_amount == 4200
    assert [i.object for i in created.items] == ["order_item", "order_item"]
    assert created.items[0].subtotal_amount == 3000
    assert created.customer.object == "customer"
    customer_id = created.customer_id

    again = orders.create_order(order(source_id="ord-1001", status="PAID"))
    assert again.id == created.id  # the same order, upserted by source_id
    assert again.status == "PAID"
    assert again.total_amount == 4200  # fields not sent stay as they were

    updated = orders.update_order(created.id, voucherify.OrdersUpdateRequestBody(amount=6000))
    assert (updated.amount, updated.total_amount) == (6000, 5200)
    got = orders.get_order(created.id)
    assert got.updated_at is not None
    assert orders.get_order("ord-1001").id == created.id  # by source_id too

    listing = orders.list_orders(limit=100)
    assert listing.data_ref == "orders"
    assert created.id in [o.id for o in listing.orders]

    customer = voucherify.CustomersApi(sdk).get_customer(customer_id)
    summary = customer.summary.orders
    assert (summary.total_count, summary.total_amount, summary.last_order_amount) == (
        1,
        5200,
        5200,
    )
    _, activity = api.call("GET", f"/v1/customers/{customer_id}/activity?limit=20")
    types = [a["type"] for a in activity["data"]]
    assert "customer.order.created" in types
    assert "customer.order.paid" in types
    assert types.count("customer.order.updated") == 2
    paid = next(a for a in activity["data"] if a["type"] == "customer.order.paid")
    assert paid["data"]["order"]["id"] == created.id
    assert paid["data"]["customer"]["id"] == customer_id


def test_a_paid_order_fires_an_order_paid_distribution(
    sdk: voucherify.ApiClient, api: Api, receiver: Receiver
) -> None:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Thanks for your order",
            "trigger": {"event": "customer.order.paid"},
            "conditions": {"order.total_amount": {"$gte": 1000}},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "event_name": "order_paid",
                    "url": receiver.url,
                    "payload": '{"order": "{{order.id}}", "total": {{order.total_amount}}, '
                    '"to": "{{customer.email}}"}',
                }
            ],
        },
    )
    assert status == 200, created
    orders = OrdersApi(sdk)
    small = orders.create_order(
        order(customer=voucherify.Customer(source_id="buyer-2"), amount=500, status="PAID")
    )
    big = orders.create_order(
        order(
            source_id="ord-2002",
            customer=voucherify.Customer(source_id="buyer-3", email="b3@example.com"),
            amount=2500,
        )
    )
    orders.update_order(big.id, voucherify.OrdersUpdateRequestBody(status="PAID"))
    ((_, body),) = receiver.wait_for(1)
    assert json.loads(body)["data"] == {"order": big.id, "total": 2500, "to": "b3@example.com"}
    assert small.id not in body.decode()


@pytest.mark.parametrize(
    ("body", "status_code"),
    [
        ({"amount": -1}, 400),
        ({"amount": "100"}, 400),
        ({"status": "SHIPPED"}, 400),
        ({"amount": 100, "discount_amount": 200}, 400),
        ({"items": [{"quantity": -2, "price": 100}]}, 400),
        ({"items": [{"quantity": 1, "price": 100, "related_object": "bundle"}]}, 400),
        ({"id": "ord_unknown"}, 404),
        ({"customer": {"id": "cust_unknown"}}, 404),
    ],
)
def test_bad_orders_are_refused_and_nothing_is_written(
    api: Api, body: dict[str, Any], status_code: int
) -> None:
    _, before = api.call("GET", "/v1/orders?limit=1")
    status, error = api.call("POST", "/v1/orders", body)
    assert status == status_code, error
    assert error["code"] == status_code
    _, after = api.call("GET", "/v1/orders?limit=1")
    assert after["total"] == before["total"]


def test_unknown_orders_and_bad_list_queries(api: Api) -> None:
    status, error = api.call("GET", "/v1/orders/ord_missing")
    assert (status, error["key"]) == (404, "not_found")
    status, error = api.call("PUT", "/v1/orders/ord_missing", {"status": "PAID"})
    assert status == 404
    status, error = api.call("GET", "/v1/orders?order=amount")
    assert status == 400
