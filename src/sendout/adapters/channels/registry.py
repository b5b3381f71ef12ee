"""The message channels this installation sends through. Adding one is an adapter file
(its ``SPEC`` and a sender) and one line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sendout.adapters.channels import (
    activecampaign,
    airship,
    batch,
    braze,
    email,
    iterable,
    klaviyo,
    moengage,
    twilio,
)
from sendout.domain.channels import ChannelCatalog, ChannelSpec
from sendout.domain.deliveries import ChannelSender, MessageSender
from sendout.domain.targets import TargetPolicy


@dataclass(frozen=True, slots=True)
class ChannelAdapter:
    spec: ChannelSpec
    #: the sender, given the shared HTTP transport (keep-alive pool, SSRF guard)
    make: Callable[[ChannelSender], MessageSender]


ADAPTERS: tuple[ChannelAdapter, ...] = (
    ChannelAdapter(email.SPEC, lambda http: email.EmailSender()),
    ChannelAdapter(twilio.SPEC, twilio.TwilioSender),
    ChannelAdapter(braze.SPEC, braze.BrazeSender),
    ChannelAdapter(klaviyo.SPEC, klaviyo.KlaviyoSender),
    ChannelAdapter(iterable.SPEC, iterable.IterableSender),
    ChannelAdapter(moengage.SPEC, moengage.MoEngageSender),
    ChannelAdapter(airship.SPEC, airship.AirshipSender),
    ChannelAdapter(activecampaign.SPEC, activecampaign.ActiveCampaignSender),
    ChannelAdapter(batch.SPEC, batch.BatchSender),
)


def channel_catalog(targets: TargetPolicy | None = None) -> ChannelCatalog:
    return ChannelCatalog((adapter.spec for adapter in ADAPTERS), targets)


def message_senders(http: ChannelSender) -> dict[str, MessageSender]:
    return {adapter.spec.type: adapter.make(http) for adapter in ADAPTERS}
