"""Distribution use cases on the in-memory fakes: create, read, list, update, delete; pause
and set live (which resumes what was held); cancel a manual one; recover failed send-outs
(channel secrets: ``test_channel_secrets.py``; the preview: ``test_distribution_preview.py``)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from sendout.domain.channels import ChannelCatalog
from sendout.domain.distributions import (
    PAUSED_DELIVERY_FAILED,
    ActionSpec,
    DistributionQuery,
    DistributionStatus,
    ManualPlan,
    Trigger,
)
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.event_catalogue import MANUAL, Action, TriggerParameter
from sendout.domain.retry import RetryPolicy
from sendout.domain.sendouts import SendoutStatus
from sendout.services.pipeline import distributions as svc
from sendout.testing import make_context, webhook_distribution_draft
from sendout.testing.transports import DOWN
from tests.factories.pipeline import Pipeline, webhook_of

URL = "https://hooks.example.com/a"
CATALOG = ChannelCatalog()
ONCE = RetryPolicy(retries=0, first_delay=timedelta(seconds=1), jitter=0.0)


def manual_draft(pipe: Pipeline) -> svc.DistributionDraft:
    draft = webhook_distribution_draft("x", URL)
    return replace(
        draft,
        trigger=Trigger(event=MANUAL),
        action=ActionSpec(type=Action.NOTIFY),
        manual=ManualPlan(customer_ids=("cust_1",), set_live_at=pipe.clock.now()),
    )


async def test_a_distribution_is_created_read_and_listed_in_its_project(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    pipe.clock.advance(timedelta(seconds=1))
    second = await pipe.distribution(URL)
    assert made.status is DistributionStatus.ACTIVE
    assert webhook_of(made).secret.startswith("whsec_")
    assert await svc.get_distribution(pipe.db, pipe.ctx, made.id) == made
    page = await svc.list_distributions(pipe.db, pipe.ctx, DistributionQuery(limit=1))
    assert ([d.id for d in page.items], page.total, page.has_more) == ([second.id], 2, True)
    with pytest.raises(NotFound):
        await svc.get_distribution(pipe.db, make_context("proj_other"), made.id)


async def test_a_distribution_naming_an_unknown_segment_is_not_made(pipe: Pipeline) -> None:
    draft = replace(
        webhook_distribution_draft("x", URL),
        trigger=Trigger(
            event="customer.segment.entered",
            parameters={TriggerParameter.SEGMENT.value: "seg_nope"},
        ),
    )
    with pytest.raises(NotFound):
        await svc.create_distribution(pipe.db, pipe.ctx, draft, catalog=CATALOG)
    assert pipe.db.data.distributions == {}


@pytest.mark.parametrize("status", [DistributionStatus.PAUSED, DistributionStatus.DONE])
async def test_a_triggered_distribution_starts_as_a_draft_or_active(
    pipe: Pipeline, status: DistributionStatus
) -> None:
    draft = replace(webhook_distribution_draft("x", URL), status=status)
    with pytest.raises(InvalidPayload):
        await svc.create_distribution(pipe.db, pipe.ctx, draft, catalog=CATALOG)


async def test_a_manual_distribution_needs_recipients(pipe: Pipeline) -> None:
    draft = replace(manual_draft(pipe), manual=None)
    with pytest.raises(InvalidPayload):
        await svc.create_distribution(pipe.db, pipe.ctx, draft, catalog=CATALOG)


async def test_a_manual_distribution_is_canceled_before_it_starts_never_paused(
    pipe: Pipeline,
) -> None:
    made = await pipe.manual(manual_draft(pipe).manual)
    with pytest.raises(InvalidPayload):  # paused or activated: triggered ones only
        await svc.set_status(pipe.db, pipe.ctx, made.id, DistributionStatus.PAUSED)
    canceled = await svc.set_status(pipe.db, pipe.ctx, made.id, DistributionStatus.CANCELED)
    assert canceled.status is DistributionStatus.CANCELED
    with pytest.raises(InvalidPayload):  # no longer waiting to send
        await svc.set_status(pipe.db, pipe.ctx, made.id, DistributionStatus.CANCELED)
    triggered = await pipe.distribution(URL)
    with pytest.raises(InvalidPayload):  # canceled: manual ones only
        await svc.set_status(pipe.db, pipe.ctx, triggered.id, DistributionStatus.CANCELED)


async def test_an_update_keeps_each_channels_secret_by_id(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    kept = webhook_of(made)
    draft = webhook_distribution_draft("x", "https://hooks.example.com/b")
    (channel,) = draft.channels
    renamed = replace(draft, name="Renamed", channels=(replace(channel, id=kept.id),))
    updated = await svc.update_distribution(pipe.db, pipe.ctx, made.id, renamed, catalog=CATALOG)
    assert (updated.name, webhook_of(updated).url) == ("Renamed", "https://hooks.example.com/b")
    assert (webhook_of(updated).id, webhook_of(updated).secret) == (kept.id, kept.secret)
    fresh = await svc.update_distribution(pipe.db, pipe.ctx, made.id, draft, catalog=CATALOG)
    assert webhook_of(fresh).secret != kept.secret  # a new channel: a new secret
    assert pipe.db.data.distributions[made.id] == fresh


async def test_a_deleted_distribution_is_gone(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL)
    await svc.delete_distribution(pipe.db, pipe.ctx, made.id)
    with pytest.raises(NotFound):
        await svc.delete_distribution(pipe.db, pipe.ctx, made.id)
    assert pipe.db.data.distributions == {}


async def test_set_live_resumes_what_was_held_and_resets_its_endpoint(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL, retry=ONCE)
    pipe.http.answer(DOWN)
    await pipe.event()
    await pipe.deliver()  # retries ran out: failed, the distribution paused
    assert pipe.status(made) is DistributionStatus.PAUSED
    assert pipe.db.data.distributions[made.id].paused_reason == PAUSED_DELIVERY_FAILED
    pipe.clock.advance(timedelta(seconds=1))
    await pipe.event()  # made while paused: held
    assert [s.status for s in pipe.sendouts()] == [SendoutStatus.FAILED, SendoutStatus.HELD]
    pipe.clock.advance(timedelta(minutes=1))
    live = await svc.set_status(pipe.db, pipe.ctx, made.id, DistributionStatus.ACTIVE)
    assert (live.status, live.paused_reason) == (DistributionStatus.ACTIVE, None)
    assert [s.status for s in pipe.sendouts()] == [SendoutStatus.FAILED, SendoutStatus.PENDING]
    assert pipe.db.data.resets == {URL: pipe.clock.now()}


async def test_recover_requeues_what_failed_since_a_time(pipe: Pipeline) -> None:
    made = await pipe.distribution(URL, retry=ONCE)
    pipe.http.answer(DOWN)
    await pipe.event()
    await pipe.deliver()
    since = pipe.clock.now() - timedelta(minutes=1)
    assert await svc.recover(pipe.db, pipe.ctx, made.id, since) == 1
    (sendout,) = pipe.sendouts()
    assert (sendout.status, sendout.reason) == (SendoutStatus.PENDING, "recovered")
    assert await svc.recover(pipe.db, pipe.ctx, made.id, since) == 0
    with pytest.raises(NotFound):
        await svc.recover(pipe.db, pipe.ctx, "distr_nope", since)
    counts = await svc.sendout_counts(pipe.db, pipe.ctx, [made.id, "distr_none"])
    assert counts == {made.id: {"PENDING": 1}, "distr_none": {}}
