"""Historical orders imported through the official SDK on both backends: the worker makes
them with a result per row, and they record no events (no distribution, no earning rule),
as the API reference says of ``POST /v1/orders/import``."""

from __future__ import annotations

import json
from typing import Any

import voucherify
from voucherify import LoyaltiesApi, OrdersApi

from tests.e2e.conftest import Api, Receiver
from tests.e2e.loyalty_builders import join, program
from tests.e2e.sdk_coverage.world import wait_action


def row(**fields: Any) -> voucherify.OrdersImportCreateRequestBodyItem:
    return voucherify.OrdersImportCreateRequestBodyItem.from_dict(fields)


def test_imported_orders_are_made_row_by_row_and_fire_nothing(
    sdk: voucherify.ApiClient, api: Api, receiver: Receiver
) -> None:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Paid",
            "trigger": {"event": "customer.order.paid"},
            "action": {"type": "PLAIN"},
            "channels": [
                {"event_name": "paid", "url": receiver.url, "payload": '{"o": "{{order.id}}"}'}
            ],
        },
    )
    assert status == 200, created
    club = program(sdk, "Import club")
    card = join(sdk, club.id, "importer")
    status, rules = api.call(
        "POST",
        f"/v1/loyalties/{club.id}/earning-rules",
        [{"event": "order.paid", "loyalty": {"type": "FIXED", "points": 10}}],
    )
    assert status == 200, rules

    started = OrdersApi(sdk).import_orders(
        [
            row(source_id="hist-1", amount=1500, status="PAID", customer={"source_id": "importer"}),
            row(source_id="hist-bad", amount=100, discount_amount=500, status="PAID"),
            row(source_id="hist-2", amount=700, customer={"source_id": "new-importer"}),
        ]
    )
    done = wait_action(api, started.async_action_id)
    assert (done["type"], done["progress"]) == ("ORDERS.IMPORT", 100)
    result = done["result"]
    assert [(o["index"], o["source_id"], o["status"]) for o in result["orders"]] == [
        (0, "hist-1", "SUCCESS"),
        (1, "hist-bad", "FAILED"),
        (2, "hist-2", "SUCCESS"),
    ]
    assert result["orders"][1]["reason"] == "invalid_order"
    assert (result["done_count"], result["failed_count"]) == (2, 1)
    imported = OrdersApi(sdk).get_order("hist-1")
    status, buyer = api.call("GET", "/v1/customers/importer")
    assert (imported.amount, imported.status, imported.customer.id) == (1500, "PAID", buyer["id"])
    status, _ = api.call("GET", "/v1/orders/hist-bad")
    assert status == 404
    assert buyer["summary"]["orders"]["total_amount"] == 1500
    _, activity = api.call("GET", "/v1/customers/importer/activity?limit=50")
    assert not [a for a in activity["data"] if a["type"].startswith("customer.order.")]
    assert LoyaltiesApi(sdk).get_member(card.code).loyalty_card.balance == 0

    # A live order afterwards fires both: the first (and only) delivery is its own.
    live = OrdersApi(sdk).create_order(
        voucherify.OrdersCreateRequestBody(
            customer=voucherify.Customer(source_id="importer"), amount=900, status="PAID"
        )
    )
    ((_, body),) = receiver.wait_for(1)
    assert json.loads(body)["data"] == {"o": live.id}
    assert LoyaltiesApi(sdk).get_member(card.code).loyalty_card.balance == 10


def test_an_import_holds_one_to_two_thousand_orders(api: Api) -> None:
    for rows in ([], [{"amount": 1}] * 2001, {"amount": 1}):
        status, error = api.call("POST", "/v1/orders/import", rows)
        assert status == 400, error
