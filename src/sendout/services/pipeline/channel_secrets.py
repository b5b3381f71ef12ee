"""A webhook channel's signing secret: read, and rotated with an overlap."""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import datetime
from typing import Any

from sendout.domain.distributions import Distribution
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.ports import UnitOfWorkFactory
from sendout.domain.signing import secret_object
from sendout.domain.webhook_channels import WebhookChannel
from sendout.services.context import Context
from sendout.services.pipeline.distributions import new_secret, require_distribution


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
