"""Project webhooks: subscribe, change, enable and disable, read and rotate the secret."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from typing import Any

from sendout.domain.errors import NotFound
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.signing import secret_object
from sendout.domain.targets import TargetPolicy
from sendout.domain.webhooks import (
    ProjectWebhook,
    check_webhook,
)
from sendout.services.context import Context
from sendout.services.pipeline.distributions import new_secret
from sendout.services.pipeline.sendouts import resume_held


@dataclass(frozen=True, slots=True, kw_only=True)
class WebhookDraft:
    target_url: str
    events: Sequence[str]
    active: bool = True


async def _require(uow: UnitOfWork, ctx: Context, webhook_id: str) -> ProjectWebhook:
    found = await uow.webhooks.get(ctx.project_id, webhook_id)
    if found is None:
        raise NotFound.of("webhook", webhook_id)
    return found


async def create_webhook(
    uow_factory: UnitOfWorkFactory, ctx: Context, draft: WebhookDraft, *, targets: TargetPolicy
) -> ProjectWebhook:
    check_webhook(draft.target_url, draft.events, targets)
    webhook = ProjectWebhook(
        id=ctx.new_id(IdPrefix.WEBHOOK),
        project_id=ctx.project_id,
        target_url=draft.target_url,
        events=tuple(draft.events),
        active=draft.active,
        secret=new_secret(ctx),
        created_at=ctx.now(),
    )
    async with uow_factory() as uow:
        await uow.webhooks.add(webhook)
        await uow.commit()
    return webhook


async def get_webhook(
    uow_factory: UnitOfWorkFactory, ctx: Context, webhook_id: str
) -> ProjectWebhook:
    async with uow_factory() as uow:
        return await _require(uow, ctx, webhook_id)


async def list_webhooks(
    uow_factory: UnitOfWorkFactory, ctx: Context, limit: int, page: int
) -> Page[ProjectWebhook]:
    async with uow_factory() as uow:
        return await uow.webhooks.list(ctx.project_id, limit, page)


async def update_webhook(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    webhook_id: str,
    draft: WebhookDraft,
    *,
    targets: TargetPolicy,
) -> ProjectWebhook:
    check_webhook(draft.target_url, draft.events, targets)
    async with uow_factory() as uow:
        current = await _require(uow, ctx, webhook_id)
        updated = replace(
            current, target_url=draft.target_url, events=tuple(draft.events), updated_at=ctx.now()
        )
        updated = await _set_active(uow, ctx, updated, draft.active)
        await uow.webhooks.update(updated)
        await uow.commit()
    return updated


async def set_active(
    uow_factory: UnitOfWorkFactory, ctx: Context, webhook_id: str, active: bool
) -> ProjectWebhook:
    async with uow_factory() as uow:
        current = await _require(uow, ctx, webhook_id)
        updated = await _set_active(uow, ctx, current, active)
        await uow.webhooks.update(updated)
        await uow.commit()
    return updated


async def _set_active(
    uow: UnitOfWork, ctx: Context, webhook: ProjectWebhook, active: bool
) -> ProjectWebhook:
    """A person's decision replaces Sendout's own (and its reason); enabling sends what was
    held while it was disabled, and closes the endpoint's breaker (a person's "try now")."""
    if active and not webhook.active:
        await resume_held(uow, ctx, webhook.id, [webhook.target_url])
    if active == webhook.active and webhook.disabled_reason is None:
        return webhook
    return replace(webhook, active=active, disabled_reason=None, updated_at=ctx.now())


async def delete_webhook(uow_factory: UnitOfWorkFactory, ctx: Context, webhook_id: str) -> None:
    async with uow_factory() as uow:
        await _require(uow, ctx, webhook_id)
        await uow.webhooks.remove(ctx.project_id, webhook_id)
        await uow.commit()


def _secret(webhook: ProjectWebhook, ctx: Context) -> dict[str, Any]:
    return secret_object(
        ("webhook_id", webhook.id),
        webhook.secret,
        webhook.previous_secret,
        webhook.secret_rotated_at,
        ctx.now(),
    )


async def webhook_secret(
    uow_factory: UnitOfWorkFactory, ctx: Context, webhook_id: str
) -> dict[str, Any]:
    async with uow_factory() as uow:
        return _secret(await _require(uow, ctx, webhook_id), ctx)


async def rotate_webhook_secret(
    uow_factory: UnitOfWorkFactory, ctx: Context, webhook_id: str
) -> dict[str, Any]:
    async with uow_factory() as uow:
        current = await _require(uow, ctx, webhook_id)
        now = ctx.now()
        rotated = replace(
            current,
            secret=new_secret(ctx),
            previous_secret=current.secret,
            secret_rotated_at=now,
            updated_at=now,
        )
        await uow.webhooks.update(rotated)
        await uow.commit()
    return _secret(rotated, ctx)
