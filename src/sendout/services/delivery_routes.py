"""How a claimed send-out goes out (its route: signing secrets, retry ladder, the sender of
a message channel), or why it must not go out now (set aside: held or canceled)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sendout.domain.channels import ChannelCatalog, MessageChannel, ProviderConfig
from sendout.domain.deliveries import MessageSender, SendResult
from sendout.domain.distributions import Distribution, DistributionStatus, WebhookChannel
from sendout.domain.ports import UnitOfWork
from sendout.domain.retry import RetryPolicy
from sendout.domain.sendouts import Sendout, SourceKind, cancel, hold
from sendout.domain.webhooks import ProjectWebhook

DEFAULT_POLICY = RetryPolicy()


@dataclass(frozen=True, slots=True)
class Route:
    """How one claimed send-out goes out: signed with ``secrets`` (a webhook), or handed to a
    message channel's ``sender`` with the project's provider ``config``."""

    secrets: list[str]
    policy: RetryPolicy
    #: a webhook channel's secret headers with their values (the send-out records them masked)
    headers: Mapping[str, str] = field(default_factory=dict)
    sender: MessageSender | None = None
    config: ProviderConfig | None = None


async def message_route(
    uow: UnitOfWork,
    sendout: Sendout,
    source: Distribution,
    route: Route,
    configs: dict[tuple[str, str], ProviderConfig | None],
    catalog: ChannelCatalog,
    messages: Mapping[str, MessageSender],
) -> Route:
    """A message channel's send-out goes to its kind's sender with the project's provider
    configuration (read once per claim)."""
    channel = source.channel(sendout.channel_id)
    if not isinstance(channel, MessageChannel):
        return route
    spec = catalog.spec(channel.type)
    sender = messages.get(channel.type)
    if spec is None or sender is None:
        return replace(route, sender=Unavailable(channel.type))
    key = (sendout.project_id, spec.provider.name)
    if key not in configs:
        configs[key] = await uow.integrations.get(*key)
    return replace(route, sender=sender, config=configs[key])


class Unavailable:
    """The sender of a channel kind this installation has no transport for: fails at once."""

    def __init__(self, channel_type: str) -> None:
        self._type = channel_type

    async def send(self, message: Mapping[str, Any], config: ProviderConfig | None) -> SendResult:
        return SendResult(
            status_code=None,
            duration_ms=0,
            error=f"no transport for {self._type} channels",
            final=True,
        )


Source = Distribution | ProjectWebhook


def route_of(sendout: Sendout, source: Source | None, now: datetime) -> Route | None:
    """How a claimed send-out goes out, or None when it must not go out now."""
    if isinstance(source, ProjectWebhook):
        if not source.active:
            return None
        return Route(secrets=source.signing_secrets(now), policy=DEFAULT_POLICY)
    if source is None or source.status in (DistributionStatus.PAUSED, DistributionStatus.DRAFT):
        return None
    channel = source.channel(sendout.channel_id)
    if channel is None:
        return None
    if isinstance(channel, WebhookChannel):
        return Route(
            secrets=channel.signing_secrets(now),
            policy=channel.retry or DEFAULT_POLICY,
            headers=channel.secret_header_values(),
        )
    return Route(secrets=[], policy=channel.retry or DEFAULT_POLICY)


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
