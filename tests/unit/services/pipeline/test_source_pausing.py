"""Stopping a source of send-outs: a distribution paused (an active one only), a project
webhook disabled, the project told once."""

from __future__ import annotations

from datetime import timedelta

from sendout.domain.customers import CustomerRef
from sendout.domain.distributions import (
    PAUSED_ACTION_FAILED,
    PAUSED_DELIVERY_FAILED,
    DistributionStatus,
)
from sendout.domain.notifications import NotificationType
from sendout.domain.retry import RetryPolicy
from sendout.domain.targets import TargetPolicy
from sendout.domain.webhooks import DISABLED_DELIVERY_FAILED
from sendout.services.customers.customers import upsert_customer
from sendout.services.pipeline import webhooks
from sendout.services.pipeline.distributions import set_status
from sendout.services.pipeline.source_pausing import (
    pause_after_action_failure,
    stop_after_delivery_failure,
)
from sendout.services.promotions.publications import OUT_OF_CODES
from sendout.testing.transports import DOWN
from tests.factories.pipeline import Pipeline

URL = "https://hooks.example.com/a"
ONCE = RetryPolicy(retries=0, first_delay=timedelta(seconds=1), jitter=0.0)


async def test_a_failed_sendout_pauses_its_distribution_and_tells_once(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL, retry=ONCE)
    pipe.http.answer(DOWN, DOWN)
    await pipe.event()
    await pipe.deliver()
    stored = pipe.db.data.distributions[made.id]
    assert (stored.status, stored.paused_reason) == (
        DistributionStatus.PAUSED,
        PAUSED_DELIVERY_FAILED,
    )
    (notification,) = pipe.db.data.notifications
    assert (notification.type, notification.resource_id) == (
        NotificationType.DISTRIBUTION_PAUSED,
        made.id,
    )


async def test_a_failed_project_message_disables_its_webhook_once(pipe: Pipeline) -> None:
    draft = webhooks.WebhookDraft(target_url=URL, events=["customer.created"])
    made = await webhooks.create_webhook(pipe.db, pipe.ctx, draft, targets=TargetPolicy())
    await upsert_customer(pipe.db, pipe.ctx, CustomerRef(source_id="ann"))
    await pipe.dispatcher.run_batch()
    (sendout,) = pipe.sendouts()
    for _ in range(2):  # its retries ran out (twice: a second report changes nothing)
        async with pipe.db() as uow:
            now = pipe.clock.now()
            await stop_after_delivery_failure(uow, sendout, "HTTP 503", now, pipe.ctx.rng)
            await uow.commit()
    stored = pipe.db.data.webhooks[made.id]
    assert (stored.active, stored.disabled_reason) == (False, DISABLED_DELIVERY_FAILED)
    (notification,) = pipe.db.data.notifications
    assert (notification.type, notification.details["reason"]) == (
        NotificationType.WEBHOOK_DISABLED,
        "HTTP 503",
    )


async def test_an_action_that_cannot_run_pauses_an_active_distribution_only(
    pipe: Pipeline,
) -> None:
    made = await pipe.distribution(URL)
    async with pipe.db() as uow:
        await pause_after_action_failure(
            uow, made, "evcus_1", OUT_OF_CODES, None, pipe.clock.now(), pipe.ctx.rng
        )
        await uow.commit()
    stored = pipe.db.data.distributions[made.id]
    assert (stored.status, stored.paused_reason) == (
        DistributionStatus.PAUSED,
        PAUSED_ACTION_FAILED,
    )
    (notification,) = pipe.db.data.notifications
    assert notification.type is NotificationType.CODES_EXHAUSTED
    await set_status(pipe.db, pipe.ctx, made.id, DistributionStatus.PAUSED)  # a person's pause
    paused = pipe.db.data.distributions[made.id]
    async with pipe.db() as uow:
        await pause_after_action_failure(
            uow, paused, "evcus_2", "bad payload", None, pipe.clock.now(), pipe.ctx.rng
        )
        await uow.commit()
    assert pipe.db.data.distributions[made.id].paused_reason is None  # the person's stands
