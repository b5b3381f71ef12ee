"""Delivery end to end: a real server sends signed webhooks to a real receiver on 127.0.0.1."""

from __future__ import annotations

import hashlib
import hmac
import json
import threading
import time
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
import voucherify
from standardwebhooks import Webhook

from tests.e2e.conftest import Api, free_port

WAIT_SECONDS = 15.0


class Receiver:
    """An HTTP endpoint that records what arrives and answers with ``status``."""

    def __init__(self) -> None:
        self.requests: list[tuple[dict[str, str], bytes]] = []
        self.status = 200
        self.lock = threading.Lock()
        receiver = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                with receiver.lock:
                    receiver.requests.append(
                        ({k.lower(): v for k, v in self.headers.items()}, body)
                    )
                self.send_response(receiver.status)
                self.send_header("Content-Length", "2")
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args: Any) -> None:
                return None

        self.port = free_port()
        self.server = ThreadingHTTPServer(("127.0.0.1", self.port), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}/hook"

    def wait_for(self, count: int) -> list[tuple[dict[str, str], bytes]]:
        deadline = time.monotonic() + WAIT_SECONDS
        while time.monotonic() < deadline:
            with self.lock:
                if len(self.requests) >= count:
                    return list(self.requests)
            time.sleep(0.02)
        raise AssertionError(f"{len(self.requests)} of {count} webhooks arrived")


@pytest.fixture
def receiver() -> Iterator[Receiver]:
    endpoint = Receiver()
    endpoint.thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def distribution_to(api: Api, url: str, event: str) -> dict[str, Any]:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Hello",
            "trigger": {"event": "customer.custom_event", "custom_event": event},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "type": "webhook",
                    "event_name": "hello",
                    "url": url,
                    "headers": {"X-Api-Key": "secret-key"},
                    "payload": '{"hello": "Hello {{customer.name}}"}',
                }
            ],
        },
    )
    assert status == 200, created
    return created


def secret_of(api: Api, distribution: dict[str, Any]) -> dict[str, Any]:
    channel_id = distribution["channels"][0]["id"]
    status, body = api.call(
        "GET", f"/v1/distributions/{distribution['id']}/channels/{channel_id}/secret"
    )
    assert status == 200, body
    return dict(body)


def track(sdk: voucherify.ApiClient, event: str, source_id: str, name: str) -> None:
    voucherify.EventsApi(sdk).track_custom_event(
        voucherify.EventsCreateRequestBody(
            event=event, customer={"source_id": source_id, "name": name}
        )
    )


def sendouts_of(api: Api, distribution_id: str) -> list[dict[str, Any]]:
    status, listing = api.call("GET", f"/v1/sendouts?distribution_id={distribution_id}")
    assert status == 200
    return list(listing["sendouts"])


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
