"""Distribution use cases: create, read, update, delete, pause, activate, preview."""

from __future__ import annotations

import base64
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from sendout.domain.channels import ChannelCatalog, MessageChannel
from sendout.domain.distribution_checks import check_distribution
from sendout.domain.distributions import (
    ActionSpec,
    Channel,
    Distribution,
    DistributionQuery,
    DistributionStatus,
    ManualPlan,
    Trigger,
)
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.event_catalogue import MANUAL, Action, TriggerParameter
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import Page, Requeue, UnitOfWork, UnitOfWorkFactory
from sendout.domain.retry import RetryPolicy
from sendout.domain.secret_headers import check_unmasked, marked, with_stored_secrets
from sendout.domain.sendouts import SendoutStatus
from sendout.domain.webhook_channels import WebhookChannel
from sendout.services.context import Context
from sendout.services.pipeline.endpoint_resets import try_now
from sendout.services.pipeline.sendouts import resume_held

SECRET_BYTES = 24  # Standard Webhooks secrets: whsec_ + base64 of 24 random bytes


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelDraft:
    event_name: str
    url: str
    headers: Mapping[str, str]
    payload: str | None
    attributes: tuple[tuple[str, str | None], ...]
    raw_payload: bool
    id: str | None = None
    retry: RetryPolicy | None = None
    #: headers to keep secret beyond those secret by their name
    secret_headers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True, kw_only=True)
class MessageChannelDraft:
    """A channel that is not a webhook: its kind (``email``, ``sms``, a CRM) and settings."""

    type: str
    event_name: str
    settings: Mapping[str, str]
    id: str | None = None
    retry: RetryPolicy | None = None


AnyChannelDraft = ChannelDraft | MessageChannelDraft


@dataclass(frozen=True, slots=True, kw_only=True)
class DistributionDraft:
    name: str
    status: DistributionStatus
    trigger: Trigger
    action: ActionSpec
    channels: tuple[AnyChannelDraft, ...]
    manual: ManualPlan | None = None

    def checked_manual(self) -> tuple[DistributionStatus, ManualPlan | None]:
        """Manual distributions start as TO_SEND with recipients; others have none."""
        if self.trigger.event != MANUAL:
            if self.manual is not None:
                raise InvalidPayload(
                    details="recipients: only manual distributions have recipients",
                    key="invalid_distribution",
                )
            if self.status not in (DistributionStatus.DRAFT, DistributionStatus.ACTIVE):
                raise InvalidPayload(details="status: DRAFT or ACTIVE", key="invalid_distribution")
            return self.status, None
        if self.manual is None:
            raise InvalidPayload(
                details="recipients: a manual distribution needs recipients",
                key="invalid_distribution",
            )
        self.manual.check()
        return DistributionStatus.TO_SEND, self.manual


def _check_saved(channels: Sequence[Channel]) -> None:
    """What is saved holds real header values, never a mask (a preview may: it sends none)."""
    for n, channel in enumerate(channels):
        if isinstance(channel, WebhookChannel):
            check_unmasked(channel.headers, f"channels[{n}].headers")


def new_secret(ctx: Context) -> str:
    return "whsec_" + base64.b64encode(ctx.rng.randbytes(SECRET_BYTES)).decode()


def build_channels(
    ctx: Context, drafts: Sequence[AnyChannelDraft], existing: Sequence[Channel] = ()
) -> tuple[Channel, ...]:
    """Channels from drafts; a draft naming an existing channel's id keeps its id (and, for a
    webhook, its signing secrets and the secret header values it sends back masked)."""
    kept = {channel.id: channel for channel in existing}
    channels: list[Channel] = []
    for draft in drafts:
        found = kept.get(draft.id or "")
        if isinstance(draft, MessageChannelDraft):
            channels.append(
                MessageChannel(
                    id=found.id if found else ctx.new_id(IdPrefix.CHANNEL),
                    type=draft.type,
                    event_name=draft.event_name,
                    settings=draft.settings,
                    retry=draft.retry,
                )
            )
            continue
        current = found if isinstance(found, WebhookChannel) else None
        headers, restored = with_stored_secrets(draft.headers, current.headers if current else {})
        channels.append(
            WebhookChannel(
                id=current.id if current else ctx.new_id(IdPrefix.CHANNEL),
                event_name=draft.event_name,
                url=draft.url,
                headers=headers,
                secret_headers=marked(draft.secret_headers) | restored,
                payload=draft.payload,
                attributes=draft.attributes,
                raw_payload=draft.raw_payload,
                secret=current.secret if current else new_secret(ctx),
                previous_secret=current.previous_secret if current else None,
                secret_rotated_at=current.secret_rotated_at if current else None,
                retry=draft.retry,
            )
        )
    return tuple(channels)


async def _check_references(
    uow: UnitOfWork,
    ctx: Context,
    trigger: Trigger,
    action: ActionSpec,
    manual: ManualPlan | None = None,
) -> None:
    """The campaigns, segment and tier a distribution names must exist in the project."""
    segment_id = trigger.parameters.get(TriggerParameter.SEGMENT.value) or (
        (manual.customer_filter or {}).get("segment_id") if manual is not None else None
    )
    if segment_id is not None and await uow.segments.get(ctx.project_id, segment_id) is None:
        raise NotFound.of("segment", segment_id)
    watched = trigger.parameters.get(TriggerParameter.CAMPAIGN.value)
    if watched is not None:
        campaign = await uow.campaigns.get(ctx.project_id, watched)
        if campaign is None or campaign.id != watched:
            raise NotFound.of("campaign", watched)
    tier_id = trigger.parameters.get(TriggerParameter.LOYALTY_TIER.value)
    if tier_id is not None:
        loyalty_tiers = await uow.loyalty_tiers.of_campaign(ctx.project_id, watched or "")
        if tier_id not in {tier.id for tier in loyalty_tiers}:
            raise NotFound.of("loyalty_tier", tier_id)
    if action.campaign_id is None:
        return
    campaign = await uow.campaigns.get(ctx.project_id, action.campaign_id)
    if campaign is None or campaign.id != action.campaign_id:
        raise NotFound.of("campaign", action.campaign_id)
    if action.type is Action.PUBLISH and campaign.template is None:
        raise InvalidPayload(
            details=f"action.campaign_id: campaign {campaign.name} has no codes to publish",
            key="invalid_distribution",
        )
    if action.promotion_tier_id is not None:
        tiers = await uow.campaigns.tiers(ctx.project_id, [campaign.id])
        if action.promotion_tier_id not in {tier.id for tier in tiers}:
            raise NotFound.of("promotion_tier", action.promotion_tier_id)


def _checked(
    ctx: Context, draft: DistributionDraft, catalog: ChannelCatalog
) -> tuple[DistributionStatus, ManualPlan | None, tuple[Channel, ...]]:
    """The draft's status, recipients and channels, once it passed every check that needs no
    storage."""
    status, manual = draft.checked_manual()
    channels = build_channels(ctx, draft.channels)
    check_distribution(draft.trigger, draft.action, channels, catalog=catalog)
    _check_saved(channels)
    return status, manual, channels


async def _insert(
    uow: UnitOfWork,
    ctx: Context,
    draft: DistributionDraft,
    checked: tuple[DistributionStatus, ManualPlan | None, tuple[Channel, ...]],
) -> Distribution:
    status, manual, channels = checked
    await _check_references(uow, ctx, draft.trigger, draft.action, manual)
    distribution = Distribution(
        id=ctx.new_id(IdPrefix.DISTRIBUTION),
        project_id=ctx.project_id,
        name=draft.name,
        status=status,
        trigger=draft.trigger,
        action=draft.action,
        channels=channels,
        created_at=ctx.now(),
        manual=manual,
    )
    await uow.distributions.add(distribution)
    return distribution


async def create_distribution(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    draft: DistributionDraft,
    *,
    catalog: ChannelCatalog,
) -> Distribution:
    # Checked before the transaction: a bad draft takes no lock.
    checked = _checked(ctx, draft, catalog)
    async with uow_factory() as uow:
        distribution = await _insert(uow, ctx, draft, checked)
        await uow.commit()
        return distribution


async def add_distribution(
    uow: UnitOfWork, ctx: Context, draft: DistributionDraft, *, catalog: ChannelCatalog
) -> Distribution:
    """A new distribution in the caller's transaction (a program's notification)."""
    return await _insert(uow, ctx, draft, _checked(ctx, draft, catalog))


async def require_distribution(uow: UnitOfWork, ctx: Context, distribution_id: str) -> Distribution:
    distribution = await uow.distributions.get(ctx.project_id, distribution_id)
    if distribution is None:
        raise NotFound.of("distribution", distribution_id)
    return distribution


async def get_distribution(
    uow_factory: UnitOfWorkFactory, ctx: Context, distribution_id: str
) -> Distribution:
    async with uow_factory() as uow:
        return await require_distribution(uow, ctx, distribution_id)


async def list_distributions(
    uow_factory: UnitOfWorkFactory, ctx: Context, query: DistributionQuery
) -> Page[Distribution]:
    async with uow_factory() as uow:
        return await uow.distributions.list(ctx.project_id, query)


async def sendout_counts(
    uow_factory: UnitOfWorkFactory, ctx: Context, distribution_ids: Sequence[str]
) -> dict[str, dict[str, int]]:
    """Per distribution, its send-outs by status (the distribution's statistics)."""
    async with uow_factory() as uow:
        return await uow.sendouts.counts(ctx.project_id, distribution_ids)


async def update_distribution(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    distribution_id: str,
    draft: DistributionDraft,
    *,
    catalog: ChannelCatalog,
) -> Distribution:
    """``PUT``: the distribution becomes the draft; channels keep their secrets by id."""
    async with uow_factory() as uow:
        current = await require_distribution(uow, ctx, distribution_id)
        if current.manual is not None and current.manual.done > 0:
            raise InvalidPayload(
                details="status: a manual distribution that started sending cannot change",
                key="invalid_distribution",
            )
        status, manual = draft.checked_manual()
        channels = build_channels(ctx, draft.channels, current.channels)
        check_distribution(draft.trigger, draft.action, channels, catalog=catalog)
        _check_saved(channels)
        await _check_references(uow, ctx, draft.trigger, draft.action, manual)
        updated = replace(
            current,
            name=draft.name,
            status=status,
            trigger=draft.trigger,
            action=draft.action,
            channels=channels,
            updated_at=ctx.now(),
            manual=manual,
        )
        await uow.distributions.update(updated)
        await uow.commit()
        return updated


async def delete_distribution(
    uow_factory: UnitOfWorkFactory, ctx: Context, distribution_id: str
) -> None:
    async with uow_factory() as uow:
        await require_distribution(uow, ctx, distribution_id)
        await uow.distributions.remove(ctx.project_id, distribution_id)
        await uow.commit()


async def set_status(
    uow_factory: UnitOfWorkFactory, ctx: Context, distribution_id: str, status: DistributionStatus
) -> Distribution:
    """Pause, activate ("set live"), or cancel a manual distribution before it starts."""
    async with uow_factory() as uow:
        current = await require_distribution(uow, ctx, distribution_id)
        manual = current.manual
        if (manual is None) == (status is DistributionStatus.CANCELED):
            verb = "canceled" if manual is None else "paused or activated"
            raise InvalidPayload(
                details=f"status: only {'manual' if manual is None else 'triggered'} "
                f"distributions are {verb}",
                key="invalid_distribution",
            )
        if manual is not None and (
            manual.done > 0 or current.status is not DistributionStatus.TO_SEND
        ):
            raise InvalidPayload(
                details="status: this manual distribution has started sending",
                key="invalid_distribution",
            )
        now = ctx.now()
        # A person's decision replaces Sendout's own pause (and its reason).
        updated = replace(current, status=status, paused_reason=None, updated_at=now)
        await uow.distributions.update(updated)
        if status is DistributionStatus.ACTIVE:
            # "Set live": what waited while the distribution was paused goes out now, and its
            # endpoints' breakers close (a person says they work again).
            webhooks = [c.url for c in current.channels if isinstance(c, WebhookChannel)]
            await resume_held(uow, ctx, current.id, webhooks)
        await uow.commit()
        return updated


async def recover(
    uow_factory: UnitOfWorkFactory, ctx: Context, distribution_id: str, since: datetime
) -> int:
    """Queue again every send-out of the distribution that failed since ``since``, and close
    their endpoints' breakers (a person says they work again)."""
    async with uow_factory() as uow:
        await require_distribution(uow, ctx, distribution_id)
        urls = await uow.deliveries.requeue(
            ctx.project_id,
            Requeue(
                statuses=frozenset({SendoutStatus.FAILED}),
                distribution_id=distribution_id,
                since=since,
                attempted=True,
                reason="recovered",
            ),
            ctx.now(),
        )
        await try_now(uow, urls, ctx.now())
        await uow.commit()
    return len(urls)
