"""Alert emails: a failure that pauses a distribution reaches the project's alert address
through a real SMTP server (aiosmtpd on 127.0.0.1)."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import voucherify

from sendout.domain.projects import IssuedKey
from tests.e2e.conftest import Api, Inbox, Receiver, _text, start_server, stop_server
from tests.e2e.deliveries import distribution_to, track

WAIT_SECONDS = 15.0


@pytest.fixture
def alerting_api(
    database_url: str, tmp_path: Path, inbox: tuple[Inbox, int], project: IssuedKey
) -> Iterator[Api]:
    _, port = inbox
    process, server = start_server(
        database_url,
        tmp_path,
        {
            "SENDOUT_SMTP_URL": f"smtp://127.0.0.1:{port}?from=alerts@sendout.test",
            "SENDOUT_ALERT_EMAIL": "ops@example.com",
        },
    )
    yield Api(server, project)
    stop_server(process)


def sdk_for(api: Api) -> voucherify.ApiClient:
    return voucherify.ApiClient(voucherify.Configuration(host=api.server.url, api_key=api.auth))


def fail_once(api: Api, receiver: Receiver, event: str, customer: str) -> dict[str, Any]:
    receiver.script = [(410, {}, 0.0)]
    created = distribution_to(api, receiver.url, event)
    with sdk_for(api) as sdk:
        track(sdk, event, customer, customer)
    return created


def test_a_paused_distribution_is_mailed_to_the_alert_address(
    alerting_api: Api, inbox: tuple[Inbox, int], receiver: Receiver
) -> None:
    mailbox, _ = inbox
    api = alerting_api
    status, settings = api.call("GET", "/v1/notifications/settings")
    assert (status, settings["alert_email"]) == (200, None)  # the operator's default applies

    created = fail_once(api, receiver, "alert-default", "al1")
    ((recipients, message),) = mailbox.about(created["id"])
    assert recipients == ["ops@example.com"]
    assert message["From"] == "alerts@sendout.test"
    assert "paused" in message["Subject"]
    assert b"HTTP 410" in _text(message)

    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        _, listing = api.call("GET", "/v1/notifications?type=distribution.paused")
        (note,) = listing["notifications"]
        if note["email"]["status"] == "SENT":
            break
        time.sleep(0.05)
    assert note["email"] == {"status": "SENT", "error": None}
    assert note["resource"] == {"type": "distribution", "id": created["id"]}

    # The project's own address wins over the operator's default.
    status, settings = api.call(
        "PUT", "/v1/notifications/settings", {"alert_email": "team@example.com"}
    )
    assert (status, settings["alert_email"]) == (200, "team@example.com")
    second = fail_once(api, receiver, "alert-project", "al2")
    ((recipients, _),) = mailbox.about(second["id"])
    assert recipients == ["team@example.com"]

    status, error = api.call("PUT", "/v1/notifications/settings", {"alert_email": "nope"})
    assert status == 400, error
    status, marked = api.call("POST", "/v1/notifications/read", {})
    assert (status, marked["marked"]) == (200, 2)
    _, listing = api.call("GET", "/v1/notifications?unread=true")
    assert (listing["total"], listing["unread"]) == (0, 0)
