"""Project webhooks on the in-memory fakes: create, read, list, update, delete; disabled
after a failure (its messages held) and enabled again by a person (they go out); secrets."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta

import pytest

from sendout.domain.customers import CustomerRef
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.sendouts import SendoutStatus
from sendout.domain.targets import TargetPolicy
from sendout.domain.webhooks import DISABLED_DELIVERY_FAILED
from sendout.services.customers.customers import upsert_customer
from sendout.services.pipeline import webhooks as svc
from sendout.testing import make_context
from tests.factories.pipeline import Pipeline

URL = "https://hooks.example.com/project"
OPEN = TargetPolicy()
CREATED = svc.WebhookDraft(target_url=URL, events=["customer.created"])


async def test_a_webhook_is_created_read_listed_and_deleted(pipe: Pipeline) -> None:
    made = await svc.create_webhook(pipe.db, pipe.ctx, CREATED, targets=OPEN)
    assert (made.active, made.events, made.secret[:6]) == (True, ("customer.created",), "whsec_")
    assert await svc.get_webhook(pipe.db, pipe.ctx, made.id) == made
    page = await svc.list_webhooks(pipe.db, pipe.ctx, 10, 1)
    assert ([w.id for w in page.items], page.total) == ([made.id], 1)
    with pytest.raises(NotFound):
        await svc.get_webhook(pipe.db, make_context("proj_other"), made.id)
    await svc.delete_webhook(pipe.db, pipe.ctx, made.id)
    with pytest.raises(NotFound):
        await svc.delete_webhook(pipe.db, pipe.ctx, made.id)


@pytest.mark.parametrize(
    "draft",
    [
        svc.WebhookDraft(target_url=URL, events=[]),
        svc.WebhookDraft(target_url=URL, events=["customer.invented"]),
        svc.WebhookDraft(target_url=URL, events=["customer.created", "customer.created"]),
        svc.WebhookDraft(target_url="http://127.0.0.1/hook", events=["customer.created"]),
    ],
)
async def test_a_webhook_needs_known_events_and_an_allowed_target(
    pipe: Pipeline, draft: svc.WebhookDraft
) -> None:
    with pytest.raises(InvalidPayload):
        await svc.create_webhook(pipe.db, pipe.ctx, draft, targets=OPEN)
    assert pipe.db.data.webhooks == {}


async def test_an_update_replaces_target_and_events(pipe: Pipeline) -> None:
    made = await svc.create_webhook(pipe.db, pipe.ctx, CREATED, targets=OPEN)
    draft = svc.WebhookDraft(target_url=URL + "/v2", events=["customer.deleted"], active=False)
    updated = await svc.update_webhook(pipe.db, pipe.ctx, made.id, draft, targets=OPEN)
    assert (updated.target_url, updated.events, updated.active) == (
        URL + "/v2",
        ("customer.deleted",),
        False,
    )
    assert updated.secret == made.secret
    assert pipe.db.data.webhooks[made.id] == updated


async def test_enabling_a_webhook_disabled_by_a_failure_sends_what_was_held(
    pipe: Pipeline,
) -> None:
    made = await svc.create_webhook(pipe.db, pipe.ctx, CREATED, targets=OPEN)
    disabled = replace(made, active=False, disabled_reason=DISABLED_DELIVERY_FAILED)
    async with pipe.db() as uow:
        await uow.webhooks.update(disabled)
        await uow.commit()
    await upsert_customer(pipe.db, pipe.ctx, CustomerRef(source_id="ann"))
    assert await pipe.dispatcher.run_batch() == 1
    (held,) = pipe.sendouts()
    assert (held.status, held.url) == (SendoutStatus.HELD, URL)
    pipe.clock.advance(timedelta(minutes=1))
    enabled = await svc.set_active(pipe.db, pipe.ctx, made.id, True)
    assert (enabled.active, enabled.disabled_reason) == (True, None)
    assert [s.status for s in pipe.sendouts()] == [SendoutStatus.PENDING]
    assert pipe.db.data.resets == {URL: pipe.clock.now()}


async def test_a_webhook_disabled_by_a_person_drops_new_messages(pipe: Pipeline) -> None:
    made = await svc.create_webhook(pipe.db, pipe.ctx, CREATED, targets=OPEN)
    await svc.set_active(pipe.db, pipe.ctx, made.id, False)
    await upsert_customer(pipe.db, pipe.ctx, CustomerRef(source_id="ann"))
    assert await pipe.dispatcher.run_batch() == 1
    assert pipe.sendouts() == []


async def test_a_rotated_secret_signs_beside_the_old_one(pipe: Pipeline) -> None:
    made = await svc.create_webhook(pipe.db, pipe.ctx, CREATED, targets=OPEN)
    before = await svc.webhook_secret(pipe.db, pipe.ctx, made.id)
    after = await svc.rotate_webhook_secret(pipe.db, pipe.ctx, made.id)
    assert before["webhook_id"] == after["webhook_id"] == made.id
    stored = pipe.db.data.webhooks[made.id]
    assert (stored.previous_secret, stored.secret_rotated_at) == (made.secret, pipe.clock.now())
    assert stored.secret != made.secret
