"""Project webhooks (seed 002): ``/v1/webhooks`` subscriptions receive the v2024-01-01
envelope through the delivery engine, signed, and are disabled (not paused) when retries run
out."""

from __future__ import annotations

import json
import time
from typing import Any

from standardwebhooks import Webhook

from tests.e2e.conftest import Api, Receiver, sendouts_of, wait_until


def subscribe(api: Api, url: str, events: list[str], **fields: Any) -> dict[str, Any]:
    status, created = api.call(
        "POST", "/v1/webhooks", {"target_url": url, "events": events, **fields}
    )
    assert status == 200, created
    return dict(created)


def new_customer(api: Api, source_id: str) -> dict[str, Any]:
    status, customer = api.call("POST", "/v1/customers", {"source_id": source_id})
    assert status == 200, customer
    return dict(customer)


def test_a_subscribed_event_arrives_in_the_v2024_envelope_signed(
    api: Api, receiver: Receiver
) -> None:
    created = subscribe(api, receiver.url, ["customer.created", "publication.succeeded"])
    assert created["id"].startswith("wh_")
    assert created["object"] == "webhook"
    assert (created["active"], created["disabled_reason"]) == (True, None)
    assert "secret" not in created
    status, secret = api.call("GET", f"/v1/webhooks/{created['id']}/secret")
    assert status == 200
    assert secret["webhook_id"] == created["id"]

    customer = new_customer(api, "wh-anna")
    ((headers, body),) = receiver.wait_for(1)
    envelope = json.loads(body)
    assert envelope["type"] == "customer.created"
    assert envelope["source"] == {
        "id": created["id"],
        "object": "webhook",
        "target_url": receiver.url,
    }
    assert envelope["data"]["customer"]["id"] == customer["id"]
    assert envelope["event"]["type"] == "customer.created"
    assert envelope["id"].startswith("whs_")
    assert Webhook(secret["secret"]).verify(body, headers) is not None

    (sendout,) = wait_until(
        api, created["id"], lambda s: s and s[0]["status"] == "DELIVERED", "not delivered"
    )
    assert sendout["source"] == {"id": created["id"], "object": "webhook"}
    assert sendout["channel"] == "customer.created"

    status, listing = api.call("GET", "/v1/webhooks")
    assert created["id"] in [w["id"] for w in listing["webhooks"]]
    status, got = api.call("GET", f"/v1/webhooks/{created['id']}")
    assert (status, got) == (200, created)


def test_a_webhook_gets_only_its_events_and_nothing_while_disabled(
    api: Api, receiver: Receiver
) -> None:
    created = subscribe(api, receiver.url, ["customer.deleted"])
    new_customer(api, "wh-ben")  # customer.created: not subscribed
    status, disabled = api.call("POST", f"/v1/webhooks/{created['id']}/disable")
    assert (status, disabled["active"]) == (200, False)
    status, _ = api.call("DELETE", "/v1/customers/wh-ben")
    assert status == 204
    time.sleep(0.5)
    assert receiver.requests == []
    assert sendouts_of(api, created["id"]) == []

    status, replaced = api.call(
        "PUT",
        f"/v1/webhooks/{created['id']}",
        {"target_url": receiver.url, "events": ["customer.created"], "active": True},
    )
    assert (status, replaced["events"], replaced["active"]) == (200, ["customer.created"], True)
    new_customer(api, "wh-cid")
    ((_, body),) = receiver.wait_for(1)
    assert json.loads(body)["type"] == "customer.created"


def test_retries_run_out_the_webhook_is_disabled_and_enabling_sends_what_waited(
    api: Api, receiver: Receiver
) -> None:
    receiver.script = [(410, {}, 0.0)]
    created = subscribe(api, receiver.url, ["customer.created"])
    new_customer(api, "wh-dan")
    wait_until(api, created["id"], lambda s: s and s[0]["status"] == "FAILED", "not failed")
    status, got = api.call("GET", f"/v1/webhooks/{created['id']}")
    assert (got["active"], got["disabled_reason"]) == (False, "delivery_failed")
    _, notes = api.call("GET", "/v1/notifications?type=webhook.disabled")
    (note,) = [n for n in notes["notifications"] if n["resource"]["id"] == created["id"]]
    assert note["resource"]["type"] == "webhook"

    new_customer(api, "wh-eve")  # disabled by the failure: held, not dropped
    wait_until(api, created["id"], lambda s: any(x["status"] == "HELD" for x in s), "not held")
    status, enabled = api.call("POST", f"/v1/webhooks/{created['id']}/enable")
    assert (status, enabled["active"], enabled["disabled_reason"]) == (200, True, None)
    receiver.wait_for(2)
    wait_until(
        api,
        created["id"],
        lambda s: sorted(x["status"] for x in s) == ["DELIVERED", "FAILED"],
        "held message not delivered",
    )


def test_bad_subscriptions_are_refused_naming_the_field(api: Api, receiver: Receiver) -> None:
    for body, field in [
        ({"target_url": receiver.url, "events": ["customer.exploded"]}, "events"),
        ({"target_url": receiver.url, "events": []}, "events"),
        ({"target_url": "ftp://example.com", "events": ["customer.created"]}, "target_url"),
        ({"events": ["customer.created"]}, "target_url"),
        (
            {"target_url": receiver.url, "events": ["customer.created", "customer.created"]},
            "events",
        ),
    ]:
        status, error = api.call("POST", "/v1/webhooks", body)
        assert status == 400, body
        assert field in error["details"], error
    status, error = api.call("GET", "/v1/webhooks/wh_missing")
    assert status == 404
    assert error["key"] == "not_found"
    created = subscribe(api, receiver.url, ["voucher.published"])
    status, rotated = api.call("POST", f"/v1/webhooks/{created['id']}/secret/rotate")
    assert status == 200
    assert rotated["previous_secret"] is not None
    status, _ = api.call("DELETE", f"/v1/webhooks/{created['id']}")
    assert status == 204
    status, _ = api.call("GET", f"/v1/webhooks/{created['id']}")
    assert status == 404
