"""How a claimed send-out goes out (its route: its channel's retry ladder and the sender it
goes through), or why it must not go out now (set aside: held or canceled)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime

from sendout.domain.channels import ChannelCatalog, MessageChannel, ProviderConfig
from sendout.domain.deliveries import ChannelSender, MessageSender
from sendout.domain.distributions import Distribution, DistributionStatus
from sendout.domain.ports import UnitOfWork
from sendout.domain.retry import RetryPolicy
from sendout.domain.sendout_lifecycle import cancel, hold
from sendout.domain.sendouts import Sendout, SourceKind
from sendout.domain.webhook_channels import WebhookChannel
from sendout.domain.webhooks import ProjectWebhook
from sendout.services.pipeline.sendout_senders import (
    ChannelMessage,
    SendoutSender,
    SignedWebhook,
    Unavailable,
)

DEFAULT_POLICY = RetryPolicy()

Source = Distribution | ProjectWebhook


@dataclass(frozen=True, slots=True)
class Route:
    """How one claimed send-out goes out: through ``sender``, retried on ``policy``."""

    policy: RetryPolicy
    sender: SendoutSender


@dataclass(frozen=True, slots=True)
class Transports:
    """What send-outs leave through: the HTTP transport (webhooks, and the message senders
    built on it), and a sender per message channel kind of the ``catalog``."""

    http: ChannelSender
    catalog: ChannelCatalog
    messages: Mapping[str, MessageSender]


class ClaimRoutes:
    """The routes of one claim's send-outs, worked out once per channel, in the claim's
    unit of work (a project's provider configuration is read once per claim)."""

    def __init__(self, uow: UnitOfWork, transports: Transports, now: datetime) -> None:
        self._uow = uow
        self._transports = transports
        self._now = now
        self._routes: dict[tuple[str, str], Route | None] = {}
        self._configs: dict[tuple[str, str], ProviderConfig | None] = {}

    async def route(self, sendout: Sendout, source: Source | None) -> Route | None:
        """How ``sendout`` goes out, or None when it must not go out now."""
        key = (sendout.source.id, sendout.channel_id)
        if key not in self._routes:
            self._routes[key] = await self._route(sendout, source)
        return self._routes[key]

    async def _route(self, sendout: Sendout, source: Source | None) -> Route | None:
        http = self._transports.http
        if isinstance(source, ProjectWebhook):
            if not source.active:
                return None
            return Route(DEFAULT_POLICY, SignedWebhook(http, source.signing_secrets(self._now), {}))
        if source is None or source.status in (DistributionStatus.PAUSED, DistributionStatus.DRAFT):
            return None
        channel = source.channel(sendout.channel_id)
        if channel is None:
            return None
        policy = channel.retry or DEFAULT_POLICY
        if isinstance(channel, WebhookChannel):
            secrets = channel.signing_secrets(self._now)
            return Route(policy, SignedWebhook(http, secrets, channel.secret_header_values()))
        return Route(policy, await self._message_sender(sendout, channel))

    async def _message_sender(self, sendout: Sendout, channel: MessageChannel) -> SendoutSender:
        """A message channel's send-out goes to its kind's sender with the project's provider
        configuration."""
        spec = self._transports.catalog.spec(channel.type)
        sender = self._transports.messages.get(channel.type)
        if spec is None or sender is None:
            return Unavailable(channel.type)
        key = (sendout.project_id, spec.provider.name)
        if key not in self._configs:
            self._configs[key] = await self._uow.integrations.get(*key)
        return ChannelMessage(sender, self._configs[key])


async def set_aside(
    uow: UnitOfWork, sendout: Sendout, source: Source | None, now: datetime
) -> None:
    """A send-out that must not go out now: held while its source is paused or disabled,
    canceled when its source (or its channel) is gone."""
    gone = (
        "source_deleted"
        if source is None
        else "channel_removed"
        if isinstance(source, Distribution) and source.channel(sendout.channel_id) is None
        else None
    )
    held = "webhook_disabled" if isinstance(source, ProjectWebhook) else "distribution_paused"
    await uow.deliveries.update_many(
        [cancel(sendout, gone, now) if gone else hold(sendout, held, now)]
    )


async def sources_of(uow: UnitOfWork, due: list[Sendout]) -> dict[str, Source]:
    """The distributions and project webhooks the send-outs come from, by id."""
    found: dict[str, Source] = {}
    for project_id, ref in {(s.project_id, s.source) for s in due}:
        source: Source | None = (
            await uow.webhooks.get(project_id, ref.id)
            if ref.kind is SourceKind.WEBHOOK
            else await uow.distributions.get(project_id, ref.id)
        )
        if source is not None:
            found[ref.id] = source
    return found
