"""Delivery end to end: a real server sends signed webhooks to a real receiver on 127.0.0.1
(held, recovered and listed send-outs: test_delivery_recovery.py)."""

from __future__ import annotations

import hashlib
import hmac
import json
import time
from typing import Any

import pytest
import voucherify
from standardwebhooks import Webhook

from tests.e2e.conftest import WAIT_SECONDS, Api, Receiver, free_port, sendouts_of, wait_until
from tests.e2e.deliveries import distribution_to, secret_of, track


def test_a_webhook_arrives_signed_byte_for_byte_and_is_recorded_delivered(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver
) -> None:
    created = distribution_to(api, receiver.url, "greet")
    secret = secret_of(api, created)["secret"]
    track(sdk, "greet", "zed", 'Zed "the" Ünïcode')
    ((headers, body),) = receiver.wait_for(1)

    envelope = json.loads(body)
    assert envelope["data"] == {"hello": 'Hello Zed "the" Ünïcode'}
    assert envelope["type"] == "hello"
    assert envelope["source"]["id"] == created["id"]
    assert headers["x-api-key"] == "secret-key"
    assert headers["content-type"] == "application/json"
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    assert headers["x-voucherify-signature"] == expected
    assert Webhook(secret).verify(body, headers) is not None
    assert headers["webhook-id"] == envelope["id"]

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        (sendout,) = sendouts_of(api, created["id"])
        if sendout["status"] == "DELIVERED":
            break
        time.sleep(0.05)
    assert sendout["status"] == "DELIVERED"
    assert sendout["attempts_count"] == 1
    _, detail = api.call("GET", f"/v1/sendouts/{sendout['id']}")
    assert detail["request"]["body"].encode() == body
    (attempt,) = detail["attempts"]
    assert attempt["status_code"] == 200
    assert attempt["response_excerpt"] == "ok"
    assert attempt["error"] is None


def test_a_failing_endpoint_gets_its_attempt_recorded_and_a_retry_scheduled(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver
) -> None:
    receiver.status = 503
    created = distribution_to(api, receiver.url, "fail")
    track(sdk, "fail", "yan", "Yan")
    receiver.wait_for(1)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        (sendout,) = sendouts_of(api, created["id"])
        if sendout["attempts_count"] == 1:
            break
        time.sleep(0.05)
    assert sendout["status"] == "PENDING"
    assert sendout["reason"] == "HTTP 503"
    assert sendout["next_attempt_at"] > sendout["created_at"]  # about a minute on
    time.sleep(0.5)
    assert len(receiver.requests) == 1  # not retried at once
    _, detail = api.call("GET", f"/v1/sendouts/{sendout['id']}")
    assert [a["status_code"] for a in detail["attempts"]] == [503]


def attempts_of(api: Api, sendout_id: str) -> list[dict[str, Any]]:
    status, detail = api.call("GET", f"/v1/sendouts/{sendout_id}")
    assert status == 200
    return list(detail["attempts"])


FAST_RETRY = {"max_retries": 3, "initial_delay_seconds": 1}


def test_a_500_then_200_is_retried_on_the_channels_own_short_ladder(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver
) -> None:
    receiver.script = [(500, {}, 0.0)]
    created = distribution_to(api, receiver.url, "ladder", retry=FAST_RETRY)
    assert created["channels"][0]["retry"] == {
        "max_retries": 3,
        "initial_delay_seconds": 1,
        "max_delay_seconds": 86400,
    }
    track(sdk, "ladder", "lad", "Lad")
    (sendout,) = wait_until(
        api, created["id"], lambda s: s and s[0]["status"] == "DELIVERED", "not delivered"
    )
    assert sendout["attempts_count"] == 2
    first, second = attempts_of(api, sendout["id"])
    assert (first["status_code"], second["status_code"]) == (500, 200)
    gap = time.mktime(time.strptime(second["started_at"][:19], "%Y-%m-%dT%H:%M:%S")) - (
        time.mktime(time.strptime(first["started_at"][:19], "%Y-%m-%dT%H:%M:%S"))
    )
    assert 0 <= gap <= 3  # about a second (±10 %), not the default minute
    # Both attempts carried the same bytes and the same webhook-id.
    (h1, b1), (h2, b2) = receiver.requests
    assert b1 == b2
    assert h1["webhook-id"] == h2["webhook-id"] == sendout["id"]


def test_a_timeout_and_a_refused_connection_are_recorded_as_errors(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver
) -> None:
    receiver.script = [(200, {}, 3.0)]  # longer than the server's 2 s attempt timeout
    slow = distribution_to(api, receiver.url, "slow", retry=FAST_RETRY)
    nobody = distribution_to(api, f"http://127.0.0.1:{free_port()}/hook", "nobody")
    track(sdk, "slow", "slo", "Slo")
    track(sdk, "nobody", "nob", "Nob")
    (timed_out,) = wait_until(
        api, slow["id"], lambda s: s and s[0]["status"] == "DELIVERED", "no retry after timeout"
    )
    first, second = attempts_of(api, timed_out["id"])
    assert first["status_code"] is None
    assert first["error"] == "TimeoutError"
    assert 1900 <= first["duration_ms"] <= 2900
    assert second["status_code"] == 200
    (refused,) = wait_until(
        api, nobody["id"], lambda s: s and s[0]["attempts_count"] == 1, "no attempt"
    )
    assert refused["status"] == "PENDING"
    (attempt,) = attempts_of(api, refused["id"])
    assert attempt["status_code"] is None
    assert attempt["error"] == "ConnectionRefusedError"


def test_a_redirect_is_not_followed_and_410_stops_at_once(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver
) -> None:
    elsewhere = Receiver()
    elsewhere.thread.start()
    try:
        receiver.script = [(301, {"Location": elsewhere.url}, 0.0)]
        moved = distribution_to(api, receiver.url, "moved")
        track(sdk, "moved", "mov", "Mov")
        (sendout,) = wait_until(
            api, moved["id"], lambda s: s and s[0]["attempts_count"] == 1, "no attempt"
        )
        assert sendout["status"] == "PENDING"
        assert sendout["reason"] == "HTTP 301"
        time.sleep(0.3)
        assert elsewhere.requests == []
    finally:
        elsewhere.server.shutdown()
        elsewhere.server.server_close()

    receiver.script = [(410, {}, 0.0)]
    gone = distribution_to(api, receiver.url, "gone")
    track(sdk, "gone", "gon", "Gon")
    (sendout,) = wait_until(
        api, gone["id"], lambda s: s and s[0]["status"] == "FAILED", "not failed"
    )
    assert sendout["attempts_count"] == 1
    assert sendout["reason"] == "HTTP 410"
    _, paused = api.call("GET", f"/v1/distributions/{gone['id']}")
    assert (paused["status"], paused["paused_reason"]) == ("PAUSED", "delivery_failed")


@pytest.mark.parametrize("name", ["Retry-After", "retry-after"])
def test_429_waits_as_long_as_retry_after_says(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver, name: str
) -> None:
    # HTTP header names match in any case (Node's servers, among others, write them lower).
    receiver.script = [(429, {name: "1"}, 0.0)]
    created = distribution_to(api, receiver.url, "busy")  # default ladder: 1 minute
    track(sdk, "busy", "bus", "Bus")
    (sendout,) = wait_until(
        api, created["id"], lambda s: s and s[0]["status"] == "DELIVERED", "Retry-After ignored"
    )
    assert [a["status_code"] for a in attempts_of(api, sendout["id"])] == [429, 200]


def test_after_a_rotation_both_secrets_sign_and_the_secret_stays_out_of_listings(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver
) -> None:
    created = distribution_to(api, receiver.url, "rotate")
    old = secret_of(api, created)["secret"]
    channel_id = created["channels"][0]["id"]
    status, rotated = api.call(
        "POST", f"/v1/distributions/{created['id']}/channels/{channel_id}/secret/rotate"
    )
    assert status == 200, rotated
    new = rotated["secret"]
    assert new != old
    assert new.startswith("whsec_")
    assert rotated["previous_secret"] == old
    assert rotated["previous_secret_expires_at"] > rotated["rotated_at"]
    _, listing = api.call("GET", "/v1/distributions?limit=100")
    assert old not in json.dumps(listing)
    assert new not in json.dumps(listing)

    track(sdk, "rotate", "rot", "Rot")
    ((headers, body),) = receiver.wait_for(1)
    assert len(headers["webhook-signature"].split(" ")) == 2
    # A receiver still on the old secret and one already on the new both verify.
    assert Webhook(old).verify(body, headers) is not None
    assert Webhook(new).verify(body, headers) is not None
    assert headers["x-voucherify-signature"] == (
        hmac.new(new.encode(), body, hashlib.sha256).hexdigest()
    )


def test_conditions_choose_which_events_fire(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver
) -> None:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Pro plans only",
            "trigger": {"event": "customer.custom_event", "custom_event": "upgraded"},
            "conditions": {"event.metadata.plan": {"$in": ["pro", "team"]}},
            "action": {"type": "PLAIN"},
            "channels": [{"event_name": "pro", "url": receiver.url}],
        },
    )
    assert status == 200, created
    assert created["conditions"] == {"event.metadata.plan": {"$in": ["pro", "team"]}}
    for customer, plan in (("c-free", "free"), ("c-pro", "pro"), ("c-none", None)):
        voucherify.EventsApi(sdk).track_custom_event(
            voucherify.EventsCreateRequestBody(
                event="upgraded",
                customer={"source_id": customer},
                metadata={} if plan is None else {"plan": plan},
            )
        )
    ((_, body),) = receiver.wait_for(1)
    assert json.loads(body)["data"]["event"]["metadata"] == {"plan": "pro"}
    time.sleep(0.3)
    assert len(sendouts_of(api, created["id"])) == 1
    status, error = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Bad",
            "trigger": {"event": "customer.custom_event", "custom_event": "upgraded"},
            "conditions": {"event.metdata.plan": "pro"},
            "action": {"type": "PLAIN"},
            "channels": [{"event_name": "pro", "url": receiver.url}],
        },
    )
    assert status == 400
    assert "conditions.event.metdata.plan" in error["details"]
