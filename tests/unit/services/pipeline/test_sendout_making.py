"""Send-outs as the dispatcher makes them: one per channel, failed with the action's reason
(nothing rendered), failed when too large, held while the source holds them; a project
webhook's message held while Sendout has it disabled."""

from __future__ import annotations

from dataclasses import replace

import orjson

from sendout.domain.channels import ChannelCatalog
from sendout.domain.distributions import PAUSED_DELIVERY_FAILED, DistributionStatus
from sendout.domain.events import Event
from sendout.domain.sendouts import SendoutStatus, SourceKind
from sendout.domain.template_nodes import MAX_RENDERED_BYTES
from sendout.domain.webhooks import DISABLED_DELIVERY_FAILED, ProjectWebhook
from sendout.services.pipeline.sendout_making import PAYLOAD_TOO_LARGE, SendoutMaker
from sendout.testing import seeded_rng
from tests.factories.pipeline import Pipeline

URL = "https://hooks.example.com/a"


async def an_event(pipe: Pipeline) -> Event:
    await pipe.record()
    (event,) = pipe.db.data.events
    return event


def maker() -> SendoutMaker:
    return SendoutMaker(seeded_rng(), ChannelCatalog())


async def test_one_pending_sendout_per_channel_with_its_rendered_body(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    event = await an_event(pipe)
    (sendout,), too_large = maker().for_channels(
        made, event, event.data, event.data, None, pipe.clock.now()
    )
    assert not too_large
    assert (sendout.status, sendout.url, sendout.event_id) == (SendoutStatus.PENDING, URL, event.id)
    assert (sendout.source.kind, sendout.source.id) == (SourceKind.DISTRIBUTION, made.id)
    assert orjson.loads(sendout.body)["type"] == "signed_up"


async def test_a_failed_action_fails_its_sendouts_unrendered(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    event = await an_event(pipe)
    (sendout,), _ = maker().for_channels(
        made, event, {}, {}, "campaign_not_found", pipe.clock.now()
    )
    assert (sendout.status, sendout.reason, sendout.body) == (
        SendoutStatus.FAILED,
        "campaign_not_found",
        b"",
    )


async def test_a_message_too_large_is_failed_and_said(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    event = await an_event(pipe)
    huge = {**event.data, "padding": "x" * MAX_RENDERED_BYTES}
    (sendout,), too_large = maker().for_channels(made, event, huge, huge, None, pipe.clock.now())
    assert too_large
    assert (sendout.status, sendout.reason) == (SendoutStatus.FAILED, PAYLOAD_TOO_LARGE)


async def test_a_source_paused_by_a_failure_holds_new_sendouts(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    paused = replace(made, status=DistributionStatus.PAUSED, paused_reason=PAUSED_DELIVERY_FAILED)
    event = await an_event(pipe)
    (sendout,), _ = maker().for_channels(
        paused, event, event.data, event.data, None, pipe.clock.now()
    )
    assert (sendout.status, sendout.reason) == (SendoutStatus.HELD, "distribution_paused")


async def test_a_project_webhooks_message_is_held_while_sendout_disabled_it(pipe: Pipeline) -> None:
    event = await an_event(pipe)
    webhook = ProjectWebhook(
        id="wh_1",
        project_id=pipe.ctx.project_id,
        target_url=URL,
        events=("customer.created",),
        active=True,
        secret="whsec_" + "A" * 32,
        created_at=pipe.clock.now(),
    )
    sent = maker().for_webhook(webhook, "customer.created", event, pipe.clock.now())
    assert (sent.status, sent.source.kind, sent.channel) == (
        SendoutStatus.PENDING,
        SourceKind.WEBHOOK,
        "customer.created",
    )
    disabled = replace(webhook, active=False, disabled_reason=DISABLED_DELIVERY_FAILED)
    held = maker().for_webhook(disabled, "customer.created", event, pipe.clock.now())
    assert (held.status, held.reason) == (SendoutStatus.HELD, "webhook_disabled")
