"""The webhook distribution the delivery tests send through, its signing secret, and an
event tracked through the SDK that fires it."""

from __future__ import annotations

from typing import Any

import voucherify

from tests.e2e.conftest import Api


def distribution_to(
    api: Api, url: str, event: str, retry: dict[str, int] | None = None
) -> dict[str, Any]:
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
                    "retry": retry,
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
