"""The SMS channel against a stand-in of Twilio's Messages API on 127.0.0.1: the documented
request (path, method, basic auth, form fields, content type), and Twilio's answers for
success, rate limiting and rejection."""

from __future__ import annotations

import base64
from urllib.parse import parse_qs

from sendout.adapters.channels.sms.twilio import SPEC, TwilioSender
from sendout.domain.channels import MessageChannel, render_message
from tests.integration.standins import Recorded, StandIn, config, http_transport, stand_in

SID, TOKEN = "AC0123456789abcdef0123456789abcdef", "token-1"
CREATED = '{"sid": "SM1", "status": "queued"}'
#: Twilio's error document (https://www.twilio.com/docs/usage/twilios-response)
INVALID_TO = (
    '{"code": 21211, "message": "The \'To\' number +1 is not a valid phone number.", "status": 400}'
)


def twilio_judge(request: Recorded) -> tuple[int, str] | None:
    """Refuses what Twilio refuses: a wrong path, method, credentials or content type, or a
    message without To, Body and a sender."""
    if request.method != "POST" or request.path != f"/2010-04-01/Accounts/{SID}/Messages.json":
        return 404, '{"code": 20404, "message": "The requested resource was not found"}'
    expected = "Basic " + base64.b64encode(f"{SID}:{TOKEN}".encode()).decode()
    if request.headers.get("Authorization") != expected:
        return 401, '{"code": 20003, "message": "Authenticate"}'
    if not request.headers.get("Content-Type", "").startswith("application/x-www-form-urlencoded"):
        return 400, '{"code": 20001, "message": "Bad content type"}'
    form = parse_qs(request.body.decode())
    if not form.get("To") or not form.get("Body"):
        return 400, '{"code": 21604, "message": "A \'To\' phone number and a Body are required."}'
    if not (form.get("From") or form.get("MessagingServiceSid")):
        return 400, '{"code": 21603, "message": "A \'From\' phone number is required."}'
    return None


def message(to: str = "+48500100200") -> dict[str, object]:
    channel = MessageChannel(
        id="ch_1",
        type="sms",
        event_name="code_sms",
        settings={"body": "Hi {{customer.name}}, your code: {{voucher.code}}"},
    )
    rendered = render_message(
        channel, SPEC, {"customer": {"name": "Zoë", "phone": to}, "voucher": {"code": "SMS-1"}}
    )
    return rendered.as_document()


async def test_a_message_is_posted_as_twilio_documents() -> None:
    async with stand_in(StandIn(default=(201, CREATED), judge=twilio_judge)) as twilio:
        async with http_transport() as http:
            settings = config(
                "twilio",
                account_sid=SID,
                secret_auth_token=TOKEN,
                from_number="+15005550006",
                base_url=twilio.url,
            )
            result = await TwilioSender(http).send(message(), settings)
    assert (result.delivered, result.status_code) == (True, 201)
    (sent,) = twilio.requests
    form = parse_qs(sent.body.decode())
    assert form == {
        "To": ["+48500100200"],
        "From": ["+15005550006"],
        "Body": ["Hi Zoë, your code: SMS-1"],
    }


async def test_a_messaging_service_replaces_the_from_number() -> None:
    async with stand_in(StandIn(default=(201, CREATED), judge=twilio_judge)) as twilio:
        async with http_transport() as http:
            settings = config(
                "twilio",
                account_sid=SID,
                secret_auth_token=TOKEN,
                messaging_service_sid="MG1",
                base_url=twilio.url,
            )
            result = await TwilioSender(http).send(message(), settings)
    assert result.delivered
    form = parse_qs(twilio.requests[0].body.decode())
    assert form["MessagingServiceSid"] == ["MG1"]
    assert "From" not in form


async def test_rate_limiting_is_retried_and_rejection_fails_with_twilios_words() -> None:
    stand = StandIn(
        script=[(429, '{"code": 20429, "message": "Too Many Requests"}'), (400, INVALID_TO)],
        judge=twilio_judge,
    )
    async with stand_in(stand) as twilio:
        async with http_transport() as http:
            settings = config(
                "twilio",
                account_sid=SID,
                secret_auth_token=TOKEN,
                from_number="+15005550006",
                base_url=twilio.url,
            )
            limited = await TwilioSender(http).send(message(), settings)
            refused = await TwilioSender(http).send(message("+1"), settings)
            wrong_token = await TwilioSender(http).send(
                message(),
                config(
                    "twilio",
                    account_sid=SID,
                    secret_auth_token="wrong",
                    from_number="+15005550006",
                    base_url=twilio.url,
                ),
            )
    assert (limited.status_code, limited.final) == (429, False)
    assert (refused.status_code, refused.final) == (400, True)
    assert refused.error == "The 'To' number +1 is not a valid phone number."
    assert (wrong_token.status_code, wrong_token.final, wrong_token.error) == (
        401,
        True,
        "Authenticate",
    )


async def test_a_customer_without_a_phone_is_skipped_and_no_settings_fail() -> None:
    channel = MessageChannel(id="ch_1", type="sms", event_name="e", settings={"body": "x"})
    skipped = render_message(channel, SPEC, {"customer": {"name": "No phone"}})
    assert skipped.skipped == "customer has no phone number"
    async with http_transport() as http:
        result = await TwilioSender(http).send(message(), None)
    assert result.final
    assert "PUT /v1/integrations/twilio" in (result.error or "")
