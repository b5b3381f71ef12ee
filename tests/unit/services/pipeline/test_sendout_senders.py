"""The senders of one attempt: a webhook's recorded request signed per attempt, a message
to its kind's sender with the configuration, and a kind with no transport failing at once."""

from __future__ import annotations

from dataclasses import replace

import orjson

from sendout.domain.channels import ProviderConfig
from sendout.domain.sendouts import Sendout
from sendout.services.pipeline.sendout_senders import ChannelMessage, SignedWebhook, Unavailable
from sendout.testing.transports import OK, RecordingMessageSender, RecordingTransport
from tests.factories.pipeline import Pipeline

URL = "https://hooks.example.com/a"


async def a_sendout(pipe: Pipeline) -> Sendout:
    await pipe.distribution(URL)
    await pipe.event()
    (sendout,) = pipe.sendouts()
    return sendout


async def test_a_webhook_is_sent_as_recorded_and_signed_at_the_attempts_time(
    pipe: Pipeline,
) -> None:
    sendout = await a_sendout(pipe)
    http = RecordingTransport()
    sender = SignedWebhook(http, ["whsec_" + "A" * 32], {})
    assert await sender.send(sendout, pipe.clock.now()) == OK
    (request,) = http.requests
    assert (request.url, request.body) == (URL, sendout.body)
    assert request.headers["webhook-id"] == sendout.id
    assert request.headers["webhook-timestamp"] == str(int(pipe.clock.now().timestamp()))
    assert request.headers["webhook-signature"].startswith("v1,")


async def test_a_message_goes_to_its_sender_with_the_configuration(pipe: Pipeline) -> None:
    sendout = await a_sendout(pipe)
    message = replace_body(sendout, {"to": "ann@x.test"})
    transport = RecordingTransport()
    config = ProviderConfig(project_id=pipe.ctx.project_id, provider="smtp", settings={})
    await ChannelMessage(RecordingMessageSender(transport), config).send(message, pipe.clock.now())
    assert transport.messages == [({"to": "ann@x.test"}, config)]


async def test_a_kind_without_transport_fails_for_good(pipe: Pipeline) -> None:
    result = await Unavailable("pigeon").send(await a_sendout(pipe), pipe.clock.now())
    assert (result.final, result.error) == (True, "no transport for pigeon channels")


def replace_body(sendout: Sendout, document: dict[str, str]) -> Sendout:
    return replace(sendout, body=orjson.dumps(document))
