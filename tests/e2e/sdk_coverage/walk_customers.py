"""Checks of CustomersApi, EventsApi, SegmentsApi and OrdersApi."""

from __future__ import annotations

import voucherify
from voucherify import CustomersApi, EventsApi, OrdersApi, SegmentsApi

from tests.e2e.sdk_coverage.table import check
from tests.e2e.sdk_coverage.walk_campaigns import exported_lines
from tests.e2e.sdk_coverage.world import World, customer, gone, model, ok, wait_action


def customers(w: World) -> CustomersApi:
    return CustomersApi(w.sdk)


@check("CustomersApi.create_customer")
def create_customer(w: World) -> None:
    created = customers(w).create_customer(
        model(
            voucherify.CustomersCreateRequestBody,
            {"source_id": "walk-new", "email": "new@example.com", "metadata": {"vip": True}},
        )
    )
    assert created.id.startswith("cust_")
    assert (created.source_id, created.email, created.metadata) == (
        "walk-new",
        "new@example.com",
        {"vip": True},
    )


@check("CustomersApi.get_customer")
def get_customer(w: World) -> None:
    got = customers(w).get_customer(w.ann["id"])
    assert (got.id, got.source_id, got.email, got.name) == (
        w.ann["id"],
        "cov-ann",
        "ann@example.com",
        "Ann Cover",
    )
    assert got.summary.redemptions.total_redeemed == 1
    assert customers(w).get_customer("cov-ann").id == w.ann["id"]  # by source_id too


@check("CustomersApi.list_customers")
def list_customers(w: World) -> None:
    listing = customers(w).list_customers(email="bob@example.com")
    assert [c.id for c in listing.customers] == [w.bob["id"]]
    assert listing.total == 1


@check("CustomersApi.update_customer")
def update_customer(w: World) -> None:
    created = customer(w.api, "walk-update")
    updated = customers(w).update_customer(
        created["id"], voucherify.CustomersUpdateRequestBody(name="Renamed", metadata={"n": 1})
    )
    assert (updated.name, updated.metadata) == ("Renamed", {"n": 1})


@check("CustomersApi.delete_customer")
def delete_customer(w: World) -> None:
    created = customer(w.api, "walk-delete")
    customers(w).delete_customer(created["id"])
    assert gone(w.api, f"/v1/customers/{created['id']}")


@check("CustomersApi.customer_permanently_deletion")
def customer_permanently_deletion(w: World) -> None:
    created = customer(w.api, "walk-forget")
    deleted = customers(w).customer_permanently_deletion(created["id"])
    assert (deleted.related_object_id, deleted.related_object, deleted.status) == (
        created["id"],
        "customer",
        "DONE",
    )
    assert deleted.data_json.customer == 1
    assert gone(w.api, f"/v1/customers/{created['id']}")


@check("CustomersApi.list_customer_activity")
def list_customer_activity(w: World) -> None:
    listing = customers(w).list_customer_activity(w.ann["id"], limit=100)
    types = [a.type for a in listing.data]
    assert {"customer.order.paid", "customer.redemption.succeeded"} <= set(types)
    (succeeded,) = [a for a in listing.data if a.type == "customer.redemption.succeeded"]
    assert succeeded.data["customer"]["id"] == w.ann["id"]


@check("CustomersApi.list_customer_redeemables")
def list_customer_redeemables(w: World) -> None:
    listing = customers(w).list_customer_redeemables(w.ann["id"], limit=100)
    codes = {r.redeemable.voucher.code for r in listing.data}
    assert {w.card, w.codes[1], w.referral_code} <= codes
    assert all(r.customer_id == w.ann["id"] for r in listing.data)


@check("CustomersApi.list_customer_segments")
def list_customer_segments(w: World) -> None:
    listing = customers(w).list_customer_segments(w.ann["id"])
    assert [(s.id, s.name) for s in listing.data] == [(w.segment_id, "Cover fans")]
    assert customers(w).list_customer_segments(w.bob["id"]).data == []


@check("CustomersApi.import_customers_using_csv")
def import_customers_using_csv(w: World) -> None:
    csv = (
        b"Source_id,Name,Email,Address_City,Tier\n"
        b"walk-csv,Csv Person,csv@example.com,Lyon,gold\n"
        b",Nobody,nobody@example.com,,\n"
    )
    started = customers(w).import_customers_using_csv(csv)
    done = wait_action(w.api, started.async_action_id)
    assert (done["type"], done["status"], done["progress"]) == ("CUSTOMERS.IMPORT_CSV", "DONE", 100)
    assert (done["result"]["done_count"], done["result"]["failed_count"]) == (1, 1)
    assert done["result"]["failed"][0]["row"] == 2  # no source_id
    imported = customers(w).get_customer("walk-csv")
    assert (imported.name, imported.email, imported.address.city) == (
        "Csv Person",
        "csv@example.com",
        "Lyon",
    )
    assert imported.metadata == {"Tier": "gold"}


@check("CustomersApi.update_customers_in_bulk")
def update_customers_in_bulk(w: World) -> None:
    customer(w.api, "walk-bulk")
    started = customers(w).update_customers_in_bulk(
        [
            voucherify.CustomersUpdateInBulkRequestBody(source_id="walk-bulk", name="Bulk"),
            voucherify.CustomersUpdateInBulkRequestBody(source_id="walk-bulk-new", name="New"),
        ]
    )
    done = wait_action(w.api, started.async_action_id)
    assert (done["type"], done["result"]["done_count"]) == ("CUSTOMERS.BULK_UPDATE", 2)
    assert customers(w).get_customer("walk-bulk").name == "Bulk"
    assert customers(w).get_customer("walk-bulk-new").name == "New"  # upserted


@check("CustomersApi.update_customers_metadata_in_bulk")
def update_customers_metadata_in_bulk(w: World) -> None:
    customer(w.api, "walk-meta")
    ok(w.api, "PUT", "/v1/customers/walk-meta", {"metadata": {"keep": 1}})
    started = customers(w).update_customers_metadata_in_bulk(
        voucherify.CustomersMetadataUpdateInBulkRequestBody(
            source_ids=["walk-meta", "walk-meta-ghost"], metadata={"m": 3}
        )
    )
    done = wait_action(w.api, started.async_action_id)
    assert done["type"] == "CUSTOMERS.METADATA_UPDATE"
    assert [f["source_id"] for f in done["result"]["failed"]] == ["walk-meta-ghost"]
    assert customers(w).get_customer("walk-meta").metadata == {"keep": 1, "m": 3}


@check("EventsApi.track_custom_event")
def track_custom_event(w: World) -> None:
    tracked = EventsApi(w.sdk).track_custom_event(
        voucherify.EventsCreateRequestBody(
            event="cov_visited", customer={"source_id": "cov-bob"}, metadata={"page": "/"}
        )
    )
    assert (tracked.object, tracked.type) == ("event", "cov_visited")
    assert (tracked.customer.id, tracked.metadata) == (w.bob["id"], {"page": "/"})


# --- segments ----------------------------------------------------------------------------


@check("SegmentsApi.create_segment")
def create_segment(w: World) -> None:
    created = SegmentsApi(w.sdk).create_segment(
        voucherify.SegmentsCreateRequestBody(
            name="Walk segment", type="static", customers=["cov-bob"]
        )
    )
    assert created.id.startswith("seg_")
    assert (created.name, created.type) == ("Walk segment", "static")
    listed = ok(w.api, "GET", f"/v1/customers?segment_id={created.id}")
    assert [c["id"] for c in listed["customers"]] == [w.bob["id"]]


@check("SegmentsApi.get_segment")
def get_segment(w: World) -> None:
    got = SegmentsApi(w.sdk).get_segment(w.segment_id)
    assert (got.id, got.name, got.type) == (w.segment_id, "Cover fans", "static")


@check("SegmentsApi.delete_segment")
def delete_segment(w: World) -> None:
    created = ok(
        w.api,
        "POST",
        "/v1/segments",
        {"name": "Walk gone", "type": "static", "customers": ["cov-bob"]},
    )
    SegmentsApi(w.sdk).delete_segment(created["id"])
    assert gone(w.api, f"/v1/segments/{created['id']}")


# --- orders ------------------------------------------------------------------------------


def orders(w: World) -> OrdersApi:
    return OrdersApi(w.sdk)


@check("OrdersApi.create_order")
def create_order(w: World) -> None:
    created = orders(w).create_order(
        model(
            voucherify.OrdersCreateRequestBody,
            {
                "source_id": "walk-order",
                "customer": {"source_id": "cov-bob"},
                "items": [{"product_id": "prod_tee", "quantity": 2, "price": 1500}],
            },
        )
    )
    assert created.id.startswith("ord_")
    assert (created.source_id, created.amount, created.status) == ("walk-order", 3000, "CREATED")
    assert (created.customer_id, created.items[0].subtotal_amount) == (w.bob["id"], 3000)


@check("OrdersApi.get_order")
def get_order(w: World) -> None:
    got = orders(w).get_order(w.order["id"])
    assert (got.id, got.source_id, got.amount, got.status) == (
        w.order["id"],
        "cov-order",
        10_000,
        "PAID",
    )
    assert got.customer_id == w.ann["id"]


@check("OrdersApi.list_orders")
def list_orders(w: World) -> None:
    listing = orders(w).list_orders(limit=100)
    assert w.order["id"] in [o.id for o in listing.orders]
    assert listing.total == len(listing.orders)


@check("OrdersApi.update_order")
def update_order(w: World) -> None:
    created = ok(w.api, "POST", "/v1/orders", {"source_id": "walk-update-order", "amount": 2000})
    updated = orders(w).update_order(
        created["id"], voucherify.OrdersUpdateRequestBody(status="PAID", amount=2500)
    )
    assert (updated.status, updated.amount, updated.total_amount) == ("PAID", 2500, 2500)


@check("OrdersApi.import_orders")
def import_orders(w: World) -> None:
    started = orders(w).import_orders(
        [
            model(
                voucherify.OrdersImportCreateRequestBodyItem,
                {"source_id": "walk-imported", "amount": 4000, "status": "PAID"},
            )
        ]
    )
    done = wait_action(w.api, started.async_action_id)
    assert done["result"]["orders"][0]["status"] == "SUCCESS"
    imported = orders(w).get_order("walk-imported")
    assert (imported.amount, imported.status) == (4000, "PAID")


@check("OrdersApi.create_order_export")
def create_order_export(w: World) -> None:
    export = orders(w).create_order_export(
        model(
            voucherify.OrdersExportCreateRequestBody, {"parameters": {"fields": ["id", "amount"]}}
        )
    )
    assert (export.object, export.exported_object) == ("export", "order")
    header, *rows = exported_lines(w, export.id)
    assert header == "id,amount"
    assert rows  # ann's order at least
