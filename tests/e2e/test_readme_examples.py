"""The README's examples, run as printed there against a real server: documentation that
cannot drift from the product. The webhook receiver accepts what Sendout signs (both
signatures, through a secret rotation) and refuses a body changed on the way; the SDK's
``ApiClient`` creates a distribution with attributes."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

from tests.e2e.conftest import Api, Server, free_port, request, wait_until

README = Path(__file__).resolve().parents[2] / "README.md"


def readme_block(marker: str) -> str:
    """The first Python block after ``<!-- marker -->`` in the README."""
    found = re.search(f"<!-- {marker} -->\n.*?```python\n(.*?)```", README.read_text(), re.S)
    assert found, f"README.md has no Python block after <!-- {marker} -->"
    return found.group(1)


def start_receiver(script: Path, port: int, secret: str) -> subprocess.Popen[bytes]:
    script.write_text(readme_block("receiver"))
    process = subprocess.Popen(
        [sys.executable, str(script)],
        env={**os.environ, "WHSEC": secret, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return process
        except OSError:
            time.sleep(0.05)
    process.kill()
    raise AssertionError("the README's receiver did not start")


def distribution_to(api: Api, port: int) -> tuple[str, str]:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "README receiver",
            "trigger": {"event": "customer.custom_event", "custom_event": "readme"},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "type": "webhook",
                    "event_name": "readme",
                    "url": f"http://127.0.0.1:{port}/hooks",
                    "retry": {"max_retries": 0},
                }
            ],
        },
    )
    assert status == 200, created
    return created["id"], created["channels"][0]["id"]


def send_event(api: Api, who: str) -> None:
    status, answer = api.call(
        "POST", "/v1/events", {"event": "readme", "customer": {"source_id": who}}
    )
    assert status == 200, answer


def delivered(count: int) -> Any:
    return lambda sendouts: sum(s["status"] == "DELIVERED" for s in sendouts) == count


def test_the_readme_receiver_accepts_what_sendout_signs(api: Api, tmp_path: Path) -> None:
    port, script = free_port(), tmp_path / "receiver.py"
    distribution_id, channel_id = distribution_to(api, port)
    secret_path = f"/v1/distributions/{distribution_id}/channels/{channel_id}/secret"
    status, secret = api.call("GET", secret_path)
    assert status == 200, secret
    process = start_receiver(script, port, secret["secret"])
    try:
        send_event(api, "ann")
        wait_until(api, distribution_id, delivered(1), "the receiver took the first")
        # After a rotation Sendout signs with both secrets; a receiver still holding the old
        # one keeps accepting (webhook-signature lists both; x-voucherify-signature is the
        # new one's, so this receiver, which checks both, is moved to the new secret first).
        status, rotated = api.call("POST", f"{secret_path}/rotate")
        assert status == 200, rotated
        process.kill()
        process.wait()
        process = start_receiver(script, port, rotated["secret"])
        send_event(api, "bob")
        wait_until(api, distribution_id, delivered(2), "the receiver took the second")
        # A body changed on the way is refused.
        status, *_ = request(
            Server(host="127.0.0.1", port=port, log=tmp_path / "unused.log"),
            "POST",
            "/hooks",
            b'{"tampered": true}',
            {
                "Content-Type": "application/json",
                "x-voucherify-signature": "0" * 64,
                "webhook-id": "whs_x",
                "webhook-timestamp": str(int(time.time())),
                "webhook-signature": "v1,AAAA",
            },
        )
        assert status == 401
    finally:
        process.kill()
        process.wait()


def test_the_readme_sdk_example_creates_a_distribution(api: Api, tmp_path: Path) -> None:
    script = tmp_path / "example.py"
    script.write_text(
        readme_block("sdk-distribution")
        .replace("http://127.0.0.1:8080", api.server.url)
        .replace('"X-App-Id": "…"', f'"X-App-Id": "{api.keys.app_id}"')
        .replace('"X-App-Token": "…"', f'"X-App-Token": "{api.keys.app_token}"')
    )
    ran = subprocess.run(
        [sys.executable, str(script)], capture_output=True, text=True, timeout=60, check=False
    )
    assert ran.returncode == 0, ran.stderr
    status, distribution_id = ran.stdout.split()
    assert status == "200"
    status, created = api.call("GET", f"/v1/distributions/{distribution_id}")
    assert status == 200, created
    assert created["channels"][0]["attributes"] == [
        {"path": "order.id", "key": "order_id"},
        {"path": "customer.email", "key": "email"},
    ]
