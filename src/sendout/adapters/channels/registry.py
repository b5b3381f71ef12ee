"""The message channels this installation sends through. Adding one is an adapter file
(its ``SPEC`` and a sender) and one line here."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from sendout.adapters.channels.crm import (
    activecampaign,
    airship,
    batch,
    braze,
    iterable,
    klaviyo,
    moengage,
)
from sendout.adapters.channels.email import email
from sendout.adapters.channels.sms import twilio
from sendout.domain.channels import ChannelCatalog, ChannelSpec
from sendout.domain.deliveries import ChannelSender, MessageSender
from sendout.domain.targets import TargetPolicy


@dataclass(frozen=True, slots=True)
class ChannelAdapter:
    spec: ChannelSpec
    #: the sender, given the shared HTTP transport (keep-alive pool, SSRF guard) and where
    #: channels may connect (for the senders that open connections of their own: SMTP)
    make: Callable[[ChannelSender, TargetPolicy], MessageSender]


ADAPTERS: tuple[ChannelAdapter, ...] = (
    ChannelAdapter(email.SPEC, lambda _, targets: email.EmailSender(targets=targets)),
    ChannelAdapter(twilio.SPEC, lambda http, _: twilio.TwilioSender(http)),
    ChannelAdapter(braze.SPEC, lambda http, _: braze.BrazeSender(http)),
    ChannelAdapter(klaviyo.SPEC, lambda http, _: klaviyo.KlaviyoSender(http)),
    ChannelAdapter(iterable.SPEC, lambda http, _: iterable.IterableSender(http)),
    ChannelAdapter(moengage.SPEC, lambda http, _: moengage.MoEngageSender(http)),
    ChannelAdapter(airship.SPEC, lambda http, _: airship.AirshipSender(http)),
    ChannelAdapter(activecampaign.SPEC, lambda http, _: activecampaign.ActiveCampaignSender(http)),
    ChannelAdapter(batch.SPEC, lambda http, _: batch.BatchSender(http)),
)


def channel_catalog(targets: TargetPolicy | None = None) -> ChannelCatalog:
    return ChannelCatalog((adapter.spec for adapter in ADAPTERS), targets)


def message_senders(http: ChannelSender, targets: TargetPolicy) -> dict[str, MessageSender]:
    return {adapter.spec.type: adapter.make(http, targets) for adapter in ADAPTERS}
