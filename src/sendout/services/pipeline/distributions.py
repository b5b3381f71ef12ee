"""Distribution use cases: create, read, update, delete, pause, activate, preview."""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sendout.domain.channels import ChannelCatalog, MessageChannel, render_message
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
from sendout.domain.event_catalogue import (
    BY_TYPE,
    FULL_CUSTOMER,
    MANUAL,
    Action,
    TriggerParameter,
)
from sendout.domain.ids import IdPrefix, new_request_id
from sendout.domain.ports import Page, Requeue, UnitOfWork, UnitOfWorkFactory
from sendout.domain.retry import RetryPolicy
from sendout.domain.secret_headers import check_unmasked, marked, with_stored_secrets
from sendout.domain.sendouts import SendoutStatus
from sendout.domain.signing import secret_object
from sendout.domain.templates import check_rendered_size
from sendout.domain.webhook_channels import EnvelopeContext, WebhookChannel, channel_body
from sendout.services.context import Context
from sendout.services.customers.customers import with_full_customer
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


async def create_distribution(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    draft: DistributionDraft,
    *,
    catalog: ChannelCatalog,
) -> Distribution:
    status, manual = draft.checked_manual()
    channels = build_channels(ctx, draft.channels)
    check_distribution(draft.trigger, draft.action, channels, catalog=catalog)
    _check_saved(channels)
    async with uow_factory() as uow:
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
        await uow.commit()
        return distribution


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


@dataclass(frozen=True, slots=True, kw_only=True)
class ChannelSecret:
    channel: WebhookChannel
    now: datetime

    def as_object(self) -> dict[str, Any]:
        c = self.channel
        return secret_object(
            ("channel_id", c.id), c.secret, c.previous_secret, c.secret_rotated_at, self.now
        )


def _channel_of(distribution: Distribution, channel_id: str) -> WebhookChannel:
    """A webhook channel of the distribution (only webhooks are signed)."""
    channel = distribution.channel(channel_id)
    if channel is None:
        raise NotFound.of("channel", channel_id)
    if not isinstance(channel, WebhookChannel):
        raise InvalidPayload(
            details=f"channel {channel_id} is a {channel.type} channel: only webhooks are signed",
            key="invalid_distribution",
        )
    return channel


async def channel_secret(
    uow_factory: UnitOfWorkFactory, ctx: Context, distribution_id: str, channel_id: str
) -> ChannelSecret:
    async with uow_factory() as uow:
        distribution = await require_distribution(uow, ctx, distribution_id)
    return ChannelSecret(channel=_channel_of(distribution, channel_id), now=ctx.now())


async def rotate_channel_secret(
    uow_factory: UnitOfWorkFactory, ctx: Context, distribution_id: str, channel_id: str
) -> ChannelSecret:
    """A new secret signs from now on; the old one signs too for ``SECRET_OVERLAP``, so
    receivers can switch without losing a message."""
    async with uow_factory() as uow:
        distribution = await require_distribution(uow, ctx, distribution_id)
        current = _channel_of(distribution, channel_id)
        now = ctx.now()
        rotated = replace(
            current, secret=new_secret(ctx), previous_secret=current.secret, secret_rotated_at=now
        )
        channels = tuple(rotated if c.id == channel_id else c for c in distribution.channels)
        await uow.distributions.update(replace(distribution, channels=channels, updated_at=now))
        await uow.commit()
    return ChannelSecret(channel=rotated, now=now)


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


@dataclass(frozen=True, slots=True, kw_only=True)
class PreviewOutput:
    channel: Channel
    #: a webhook's JSON body, or a message channel's rendered message
    body: Any
    #: why a message channel would send nothing for this data (e.g. no email address)
    skipped: str | None = None


async def preview(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    *,
    trigger: Trigger,
    action: ActionSpec,
    channels: Sequence[Channel],
    catalog: ChannelCatalog,
    distribution_id: str | None = None,
    event_id: str | None = None,
) -> tuple[list[PreviewOutput], list[str]]:
    """What each channel would send: the "Show output" panel, with the trigger's sample data
    or with a real event of the project."""
    check_distribution(trigger, action, channels, catalog=catalog)
    warnings: list[str] = []
    objects = set(BY_TYPE[trigger.event].objects_for(action.type))
    data = BY_TYPE[trigger.event].sample(objects)
    event_meta: dict[str, Any] = {
        "id": f"{IdPrefix.EVENT}_{'0' * 24}",
        "type": trigger.event,
        "created_at": data.get("created_at") or "2024-01-01T11:11:11.111Z",
        "entity_id": None,
        "group_id": new_request_id(ctx.rng),
        "event_source": {"channel": "API"},
    }
    # Message channels read the customer whole (phone, address): a sample one, or the real.
    full_customer = FULL_CUSTOMER.sample({"customer"})["customer"]
    if event_id is not None:
        async with uow_factory() as uow:
            event = await uow.events.get(ctx.project_id, event_id)
            if event is not None:
                full_customer = (
                    await with_full_customer(uow, ctx.project_id, event.customer_id, {})
                ).get("customer", full_customer)
        if event is None:
            raise NotFound.of("event", event_id)
        if event.type != trigger.event:
            raise InvalidPayload(
                details=f"event_id: event {event_id} is a {event.type}, not {trigger.event}",
                key="invalid_distribution",
            )
        real = dict(event.data)
        for name in objects - set(real):
            # The action's objects exist only once it runs: shown from the sample.
            real[name] = data[name]
            warnings.append(f"{name} is sample data: the action makes it when it runs")
        data = real
        event_meta = event.envelope_object()
    context = EnvelopeContext(
        sendout_id=ctx.new_id(IdPrefix.SENDOUT),
        project_id=ctx.project_id,
        created_at=ctx.now(),
        distribution_id=distribution_id or "distr_" + "0" * 24,
        event=event_meta,
    )
    message_data = {**data, "customer": {**full_customer, **(data.get("customer") or {})}}
    if event_id is not None:
        message_data["customer"] = {**(data.get("customer") or {}), **full_customer}
    outputs = [
        _preview_one(
            channel, catalog, message_data if isinstance(channel, MessageChannel) else data, context
        )
        for channel in channels
    ]
    for output in outputs:
        check_rendered_size(json.dumps(output.body).encode())
    return outputs, warnings


def _preview_one(
    channel: Channel, catalog: ChannelCatalog, data: Mapping[str, Any], context: EnvelopeContext
) -> PreviewOutput:
    if isinstance(channel, WebhookChannel):
        return PreviewOutput(channel=channel, body=channel_body(channel, data, context))
    spec = catalog.spec(channel.type)
    assert spec is not None  # checked with the distribution
    message = render_message(channel, spec, data)
    return PreviewOutput(channel=channel, body=message.as_document(), skipped=message.skipped)
