"""Secret webhook headers on a real server (issue 20 item 8): the receiver gets the real
values; the API, the send-out's recorded request and the dashboard show only the mask; a
client that saves a channel back with the mask keeps the secret. Then the same with
``SENDOUT_ENCRYPTION_KEY``: the rows hold no secret, sending works, and ``sendout secrets
rotate-key`` moves everything to a new key the server then runs with alone."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import sqlalchemy as sa
import voucherify
from cryptography.fernet import Fernet

from sendout.bootstrap import Container
from sendout.domain.projects import IssuedKey
from sendout.services.accounts.projects import create_project
from tests.e2e.cli_runs import sendout
from tests.e2e.conftest import (
    Api,
    Receiver,
    Server,
    sendouts_of,
    start_server,
    stop_server,
    wait_until,
)
from tests.e2e.dashboard import Browser
from tests.e2e.deliveries import track

AUTHORIZATION = "Bearer live-token-7f3a9c"
API_KEY = "key-5d21e8b4"
MASK = "********"


def channel_body(url: str, **fields: Any) -> dict[str, Any]:
    return {
        "type": "webhook",
        "event_name": "hello",
        "url": url,
        "headers": {"Authorization": AUTHORIZATION, "X-Api-Key": API_KEY, "X-Tenant": "acme"},
        "payload": '{"hello": "{{customer.name}}"}',
        **fields,
    }


def create(api: Api, url: str, event: str) -> dict[str, Any]:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "With keys",
            "trigger": {"event": "customer.custom_event", "custom_event": event},
            "action": {"type": "PLAIN"},
            "channels": [channel_body(url)],
        },
    )
    assert status == 200, created
    return dict(created)


def assert_masked(channel: dict[str, Any]) -> None:
    assert channel["headers"] == {"Authorization": MASK, "X-Api-Key": MASK, "X-Tenant": "acme"}
    assert channel["secret_headers"] == ["Authorization", "X-Api-Key"]


def arrived_with_real_values(receiver: Receiver, count: int) -> None:
    headers, _ = receiver.wait_for(count)[count - 1]
    assert headers["authorization"] == AUTHORIZATION
    assert headers["x-api-key"] == API_KEY
    assert headers["x-tenant"] == "acme"


def delivered(api: Api, distribution_id: str, count: int) -> list[dict[str, Any]]:
    return wait_until(
        api,
        distribution_id,
        lambda found: len(found) == count and all(s["status"] == "DELIVERED" for s in found),
        f"{count} send-outs delivered",
    )


def test_secret_headers_are_sent_for_real_and_only_ever_shown_masked(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver, server: Server, project: IssuedKey
) -> None:
    created = create(api, receiver.url, "keyed")
    assert_masked(created["channels"][0])
    _, got = api.call("GET", f"/v1/distributions/{created['id']}")
    assert_masked(got["channels"][0])
    _, listing = api.call("GET", "/v1/distributions?limit=100")
    (listed,) = [d for d in listing["distributions"] if d["id"] == created["id"]]
    assert_masked(listed["channels"][0])

    track(sdk, "keyed", "kim", "Kim")
    arrived_with_real_values(receiver, 1)
    (recorded,) = delivered(api, created["id"], 1)
    _, detail = api.call("GET", f"/v1/sendouts/{recorded['id']}")
    assert detail["request"]["headers"]["Authorization"] == MASK
    assert detail["request"]["headers"]["X-Api-Key"] == MASK
    assert AUTHORIZATION not in str(detail)
    assert API_KEY not in str(detail)

    browser = Browser(server, project)
    for path in (f"/distributions/{created['id']}/edit", f"/sendouts/{recorded['id']}"):
        page = browser.page("/dashboard" + path)
        assert MASK in page, path
        assert AUTHORIZATION not in page, path
        assert API_KEY not in page, path

    # Read, edit, save back with the masks: the secrets are kept (and still masked).
    channel = dict(got["channels"][0])
    body = {
        "name": "With keys, renamed",
        "trigger": got["trigger"],
        "action": got["action"],
        "channels": [
            {**channel_body(receiver.url), "id": channel["id"], "headers": channel["headers"]}
        ],
    }
    status, replaced = api.call("PUT", f"/v1/distributions/{created['id']}", body)
    assert status == 200, replaced
    assert_masked(replaced["channels"][0])
    track(sdk, "keyed", "kim", "Kim")
    arrived_with_real_values(receiver, 2)

    # A mask with no stored value behind it is refused, not saved as the header's value.
    new_channel = {**channel_body(receiver.url), "headers": {"X-Other-Token": MASK}}
    status, refused = api.call(
        "PUT", f"/v1/distributions/{created['id']}", {**body, "channels": [new_channel]}
    )
    assert status == 400, refused
    assert "channels[0].headers.X-Other-Token" in refused["details"]


def test_a_channel_can_mark_any_header_secret(api: Api, receiver: Receiver) -> None:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Marked",
            "trigger": {"event": "customer.custom_event", "custom_event": "marked"},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    **channel_body(receiver.url),
                    "headers": {"X-Signature-Seed": "seed-91", "X-Tenant": "acme"},
                    "secret_headers": ["X-Signature-Seed"],
                }
            ],
        },
    )
    assert status == 200, created
    assert created["channels"][0]["headers"] == {"X-Signature-Seed": MASK, "X-Tenant": "acme"}


async def raw_distribution(container: Container, distribution_id: str) -> str:
    def read(conn: sa.Connection) -> str:
        row = conn.execute(
            sa.text("SELECT channels FROM distributions WHERE id = :id"), {"id": distribution_id}
        ).one()
        return str(row[0])

    return await container.database.run_sync(read)


async def test_with_an_encryption_key_rows_hold_no_secret_and_rotation_keeps_sending(
    isolated_container: Container, receiver: Receiver, tmp_path: Path
) -> None:
    url = isolated_container.settings.database_url
    old_key, new_key = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    keys = await create_project(
        isolated_container.uow_factory, isolated_container.clock, isolated_container.rng, "enc"
    )
    config = voucherify.Configuration(
        api_key={"X-App-Id": keys.app_id, "X-App-Token": keys.app_token}
    )

    async def send_one(key: str, expected: int, distribution_id: str | None) -> str:
        process, server = start_server(url, tmp_path, {"SENDOUT_ENCRYPTION_KEY": key})
        try:
            api = Api(server, keys)
            found = distribution_id or create(api, receiver.url, "sealed")["id"]
            config.host = server.url
            with voucherify.ApiClient(config) as sdk:
                track(sdk, "sealed", f"c{expected}", "Cy")
            arrived_with_real_values(receiver, expected)
            delivered(api, found, expected)
            assert len(sendouts_of(api, found)) == expected
            return found
        finally:
            stop_server(process)

    distribution_id = await send_one(old_key, 1, None)
    stored = await raw_distribution(isolated_container, distribution_id)
    assert "enc:v1:" in stored
    for secret in (AUTHORIZATION, API_KEY, "whsec_"):
        assert secret not in stored

    output = sendout(
        "secrets",
        "rotate-key",
        cwd=tmp_path,
        env={"SENDOUT_DATABASE_URL": url, "SENDOUT_ENCRYPTION_KEY": f"{new_key},{old_key}"},
    )
    assert "distributions: 1 rows encrypted" in output
    assert await raw_distribution(isolated_container, distribution_id) != stored
    await send_one(new_key, 2, distribution_id)  # the old key is gone
