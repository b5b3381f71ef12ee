"""Message channels end to end, through a real ``sendout serve``: provider settings (secrets
never shown), one distribution with a webhook, an email (to a real SMTP server, aiosmtpd) and
an SMS (to a stand-in of Twilio) firing once per channel for one event, a customer without an
address skipped and counted, the preview showing each channel's message, and a failing SMTP
server pausing the distribution with a notification, like a failing webhook."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from email import message_from_bytes, policy
from email.message import EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs

import pytest
import voucherify

from tests.e2e.conftest import WAIT_SECONDS, Api, Inbox, Receiver, free_port, wait_until
from tests.e2e.deliveries import track

SID = "AC00000000000000000000000000000001"


@pytest.fixture
def twilio() -> Iterator[Receiver]:
    """A stand-in of Twilio's Messages API (answers 201 like Twilio)."""
    endpoint = Receiver()
    endpoint.status = 201
    endpoint.thread.start()
    yield endpoint
    endpoint.server.shutdown()
    endpoint.server.server_close()


def configure(api: Api, smtp_port: int, twilio: Receiver) -> None:
    status, smtp = api.call(
        "PUT",
        "/v1/integrations/smtp",
        {
            "host": "127.0.0.1",
            "port": smtp_port,
            "tls": "none",
            "username": None,
            "password": "s3cret",
            "from_address": "promo@shop.test",
            "from_name": "Shöp",
        },
    )
    assert status == 200, smtp
    assert smtp["secrets"] == {"password": True}
    assert "s3cret" not in json.dumps(smtp)
    status, sms = api.call(
        "PUT",
        "/v1/integrations/twilio",
        {
            "account_sid": SID,
            "auth_token": "tw-token",
            "from_number": "+15005550006",
            "base_url": f"http://127.0.0.1:{twilio.port}",
        },
    )
    assert status == 200, sms


def three_channels(api: Api, webhook: Receiver, event: str) -> dict[str, Any]:
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Everywhere",
            "trigger": {"event": "customer.custom_event", "custom_event": event},
            "action": {"type": "PLAIN"},
            "channels": [
                {"type": "webhook", "event_name": "hook", "url": webhook.url},
                {
                    "type": "email",
                    "event_name": "mail",
                    "settings": {
                        "subject": "Cześć {{customer.name}}",
                        "text": "Hello {{customer.name}}, your event: {{event.type}}",
                        "html": "<p>Hello {{customer.name}}</p><p>{{customer.source_id | qr}}</p>",
                    },
                },
                {
                    "type": "sms",
                    "event_name": "sms",
                    "settings": {"body": "Hi {{customer.name}}!"},
                },
            ],
        },
    )
    assert status == 200, created
    return created


def mails_to(mailbox: Inbox, address: str, count: int = 1) -> list[EmailMessage]:
    """The emails to ``address``, read the way a mail client reads them (headers decoded)."""
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        found = [
            message_from_bytes(m.as_bytes(), policy=policy.default)
            for to, m in mailbox.messages
            if address in to
        ]
        if len(found) >= count:
            return [m for m in found if isinstance(m, EmailMessage)]
        time.sleep(0.05)
    raise AssertionError(f"no email to {address}")


def test_integrations_keep_secrets_and_refuse_unknown_settings(api: Api) -> None:
    status, error = api.call("PUT", "/v1/integrations/smtp", {"host": "x", "colour": "red"})
    assert (status, error["key"]) == (400, "invalid_integration")
    assert "colour" in error["details"]
    status, error = api.call("PUT", "/v1/integrations/smtp", {"host": "x"})
    assert status == 400
    assert "from_address" in error["details"]
    status, _ = api.call("PUT", "/v1/integrations/carrier-pigeon", {})
    assert status == 404
    body = {"host": "mail.test", "password": "first", "from_address": "a@b.test"}
    assert api.call("PUT", "/v1/integrations/smtp", body)[0] == 200
    # A secret left out keeps its value; it is never shown.
    status, kept = api.call("PUT", "/v1/integrations/smtp", {**body, "password": None})
    assert kept["secrets"] == {"password": True}
    status, listing = api.call("GET", "/v1/integrations")
    assert [i["provider"] for i in listing["data"]] == ["smtp"]
    assert "first" not in json.dumps(listing)
    status, kinds = api.call("GET", "/v1/channels")
    assert {"email", "sms"} <= {k["type"] for k in kinds["data"]}
    assert api.call("DELETE", "/v1/integrations/smtp")[0] == 204
    assert api.call("GET", "/v1/integrations/smtp")[0] == 404


def test_one_event_fires_each_channel_once(
    api: Api,
    sdk: voucherify.ApiClient,
    receiver: Receiver,
    twilio: Receiver,
    inbox: tuple[Inbox, int],
) -> None:
    mailbox, port = inbox
    configure(api, port, twilio)
    created = three_channels(api, receiver, "everywhere")
    status, _ = api.call(
        "POST",
        "/v1/customers",
        {"source_id": "zofia", "name": "Zofia Żółć", "email": "zofia@x.test", "phone": "+48500"},
    )
    assert status == 200
    track(sdk, "everywhere", "zofia", "Zofia Żółć")

    sendouts = wait_until(
        api,
        created["id"],
        lambda s: len(s) == 3 and {x["status"] for x in s} == {"DELIVERED"},
        "three delivered",
    )
    assert sorted(s["channel"] for s in sendouts) == ["hook", "mail", "sms"]
    ((_, hook_body),) = receiver.wait_for(1)
    assert json.loads(hook_body)["type"] == "hook"

    (mail,) = mails_to(mailbox, "zofia@x.test")
    assert mail["Subject"] == "Cześć Zofia Żółć"
    assert "promo@shop.test" in mail["From"]
    assert mail["Message-ID"].startswith("<whs_")
    text = mail.get_body(preferencelist=("plain",))
    html = mail.get_body(preferencelist=("html",))
    assert isinstance(text, EmailMessage)
    assert isinstance(html, EmailMessage)
    assert "Hello Zofia Żółć, your event: everywhere" in text.get_content()
    assert "<p>Hello Zofia Żółć</p>" in html.get_content()
    images = [p for p in mail.walk() if p.get_content_type() == "image/png"]
    assert len(images) == 1
    cid = images[0]["Content-ID"].strip("<>")
    assert f'src="cid:{cid}"' in html.get_content()
    assert images[0].get_payload(decode=True).startswith(b"\x89PNG")

    ((sms_headers, sms_body),) = twilio.wait_for(1)
    assert parse_qs(sms_body.decode()) == {
        "To": ["+48500"],
        "From": ["+15005550006"],
        "Body": ["Hi Zofia Żółć!"],
    }
    assert sms_headers["authorization"].startswith("Basic ")

    # Exactly once per channel: nothing more arrives.
    time.sleep(0.5)
    assert len(receiver.requests) == 1
    assert len(twilio.requests) == 1
    assert len(mails_to(mailbox, "zofia@x.test")) == 1


def test_a_customer_without_an_address_is_skipped_and_counted(
    api: Api,
    sdk: voucherify.ApiClient,
    receiver: Receiver,
    twilio: Receiver,
    inbox: tuple[Inbox, int],
) -> None:
    _, port = inbox
    configure(api, port, twilio)
    created = three_channels(api, receiver, "no-address")
    track(sdk, "no-address", "anon", "Anon")  # no email, no phone
    sendouts = wait_until(
        api,
        created["id"],
        lambda s: len(s) == 3 and any(x["status"] == "DELIVERED" for x in s),
        "one delivered, two skipped",
    )
    by_channel = {s["channel"]: s for s in sendouts}
    assert by_channel["mail"]["status"] == "SKIPPED"
    assert by_channel["mail"]["reason"] == "customer has no email address"
    assert by_channel["sms"]["reason"] == "customer has no phone number"
    _, got = api.call("GET", f"/v1/distributions/{created['id']}")
    counts = got["statistics"]["sendouts"]
    assert (counts["SKIPPED"], counts["DELIVERED"], counts["total"]) == (2, 1, 3)
    _, listing = api.call("GET", f"/v1/sendouts?distribution_id={created['id']}&status=SKIPPED")
    assert listing["total"] == 2
    assert twilio.requests == []


def test_the_preview_shows_each_channels_message(api: Api, receiver: Receiver) -> None:
    created = three_channels(api, receiver, "previewed")
    status, preview = api.call("POST", f"/v1/distributions/{created['id']}/preview", {})
    assert status == 200, preview
    outputs = {o["channel"]["type"]: o for o in preview["outputs"]}
    email = outputs["email"]["body"]
    assert set(email) >= {"to", "subject", "text", "html", "images"}
    assert email["to"]  # the sample customer's address
    assert email["html"].startswith("<p>Hello ")
    assert email["images"][0]["kind"] == "qr"
    assert outputs["sms"]["body"]["body"].startswith("Hi ")
    assert outputs["webhook"]["body"]["type"] == "hook"


def test_a_failing_smtp_server_pauses_the_distribution_and_notifies(
    api: Api, sdk: voucherify.ApiClient, receiver: Receiver, twilio: Receiver
) -> None:
    dead = free_port()  # nothing listens there
    configure(api, dead, twilio)
    status, created = api.call(
        "POST",
        "/v1/distributions",
        {
            "name": "Mail only",
            "trigger": {"event": "customer.custom_event", "custom_event": "mail-fails"},
            "action": {"type": "PLAIN"},
            "channels": [
                {
                    "type": "email",
                    "event_name": "mail",
                    "settings": {"subject": "Hi", "text": "Hello"},
                    "retry": {"max_retries": 1, "initial_delay_seconds": 1},
                }
            ],
        },
    )
    assert status == 200, created
    status, _ = api.call("POST", "/v1/customers", {"source_id": "mailer", "email": "mailer@x.test"})
    track(sdk, "mail-fails", "mailer", "Mailer")
    (sendout,) = wait_until(
        api, created["id"], lambda s: s and s[0]["status"] == "FAILED", "mail failed"
    )
    assert sendout["attempts_count"] == 2
    assert "ConnectionRefused" in sendout["reason"] or "connect" in sendout["reason"].lower()
    _, got = api.call("GET", f"/v1/distributions/{created['id']}")
    assert (got["status"], got["paused_reason"]) == ("PAUSED", "delivery_failed")
    _, notes = api.call("GET", "/v1/notifications?type=distribution.paused&limit=100")
    about = [n for n in notes["notifications"] if n["resource"]["id"] == created["id"]]
    assert len(about) == 1
    assert about[0]["details"]["sendout_id"] == sendout["id"]


class PlatformStandIn:
    """Every CRM platform at once on 127.0.0.1: records the path and body of each request
    and answers with a success document each platform accepts as one."""

    def __init__(self) -> None:
        self.requests: list[tuple[str, bytes]] = []
        stand = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                stand.requests.append((self.path, body))
                answer = b'{"success": 1, "code": "SUCCESS", "message": "success", "ok": true}'
                self.send_response(200)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(answer)))
                self.end_headers()
                self.wfile.write(answer)

            def log_message(self, *args: Any) -> None:
                return None

        self.server = ThreadingHTTPServer(("127.0.0.1", free_port()), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()


def test_every_registered_kind_sends_through_the_engine(
    api: Api, sdk: voucherify.ApiClient
) -> None:
    """Each CRM kind, configured with only what its provider requires, delivers one message
    for one event through dispatch and delivery."""
    stand = PlatformStandIn()
    try:
        _, kinds = api.call("GET", "/v1/channels")
        crms = [k for k in kinds["data"] if k["type"] not in ("email", "sms")]
        assert len(crms) == 7
        for kind in crms:
            provider = kind["provider"]
            values: dict[str, Any] = {
                f["name"]: f"{f['name']}-1" for f in provider["fields"] if f["required"]
            }
            values["base_url"] = stand.url
            status, saved = api.call("PUT", f"/v1/integrations/{provider['name']}", values)
            assert status == 200, saved
        status, created = api.call(
            "POST",
            "/v1/distributions",
            {
                "name": "Every CRM",
                "trigger": {"event": "customer.custom_event", "custom_event": "crm_event"},
                "action": {"type": "PLAIN"},
                "channels": [
                    {
                        "type": kind["type"],
                        "event_name": "code_sent",
                        "settings": {"properties": '{"who": "{{customer.name}}"}'},
                    }
                    for kind in crms
                ],
            },
        )
        assert status == 200, created
        status, _ = api.call(
            "POST",
            "/v1/customers",
            {"source_id": "crm-user", "name": "Crm User", "email": "crm@x.test"},
        )
        track(sdk, "crm_event", "crm-user", "Crm User")
        sendouts = wait_until(
            api,
            created["id"],
            lambda s: len(s) == 7 and all(x["status"] != "PENDING" for x in s),
            "seven sent",
        )
        assert {s["status"] for s in sendouts} == {"DELIVERED"}, sendouts
        assert len(stand.requests) == 7
        # JSON or form-encoded, every request carries the rendered properties
        assert all(b"Crm" in body for _, body in stand.requests)
    finally:
        stand.server.shutdown()
        stand.server.server_close()
