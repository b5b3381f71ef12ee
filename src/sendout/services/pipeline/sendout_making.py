"""The send-outs an event makes: each channel's message rendered into a send-out's request
(URL, headers, body bytes), so delivery does no templating and a retry sends the same bytes."""

from __future__ import annotations

import random
from collections.abc import Mapping
from datetime import datetime
from typing import Any

import orjson

from sendout.domain.channels import ChannelCatalog, MessageChannel, render_message
from sendout.domain.clock import iso
from sendout.domain.distributions import Channel, Distribution
from sendout.domain.events import Event
from sendout.domain.ids import IdPrefix, SortableIds
from sendout.domain.sendout_lifecycle import create
from sendout.domain.sendouts import Sendout, SourceKind, SourceRef
from sendout.domain.template_nodes import MAX_RENDERED_BYTES
from sendout.domain.webhook_channels import EnvelopeContext, WebhookChannel, channel_body
from sendout.domain.webhooks import ProjectWebhook, project_envelope

JSON_HEADERS = {"content-type": "application/json"}
PAYLOAD_TOO_LARGE = "payload_too_large"


class SendoutMaker:
    def __init__(self, rng: random.Random, catalog: ChannelCatalog) -> None:
        # Time-ordered: each batch's send-outs go to the end of the key's index, not all over.
        self._ids = SortableIds(IdPrefix.SENDOUT, rng)
        #: the message channels' kinds (webhooks need none)
        self._catalog = catalog

    def for_webhook(
        self, webhook: ProjectWebhook, project_event: str, event: Event, now: datetime
    ) -> Sendout:
        """One v2024-01-01 message to a project webhook (held while Sendout has it disabled)."""
        sendout_id = self._ids.next(now)
        body = project_envelope(
            sendout_id=sendout_id,
            webhook=webhook,
            project_event=project_event,
            data=event.data,
            event=event.envelope_object(),
            created_at=now,
        )
        return create(
            id=sendout_id,
            project_id=event.project_id,
            source=SourceRef(SourceKind.WEBHOOK, webhook.id),
            channel_id=webhook.id,
            channel=project_event,
            event_id=event.id,
            event_type=event.type,
            customer_id=event.customer_id,
            url=webhook.target_url,
            headers=JSON_HEADERS,
            body=orjson.dumps(body),
            now=now,
            held="webhook_disabled" if webhook.holds_sendouts else None,
        )

    def for_channels(
        self,
        distribution: Distribution,
        event: Event,
        data: Mapping[str, Any],
        message_data: Mapping[str, Any],
        failed: str | None,
        now: datetime,
    ) -> tuple[list[Sendout], bool]:
        """One send-out per channel of the distribution (failed with ``failed``, the reason
        its action could not run, if any), and whether a message was too large to send."""
        sendouts: list[Sendout] = []
        too_large = False
        for channel in distribution.channels:
            sendout_id = self._ids.next(now)
            body, channel_reason, skipped = b"", failed, None
            url, headers = self._address(channel, event.project_id)
            if failed is None:
                envelope = EnvelopeContext(
                    sendout_id=sendout_id,
                    project_id=event.project_id,
                    created_at=now,
                    distribution_id=distribution.id,
                    event=event.envelope_object(),
                )
                body, skipped = self._render(
                    channel, message_data if isinstance(channel, MessageChannel) else data, envelope
                )
                if len(body) > MAX_RENDERED_BYTES:
                    body, channel_reason, too_large = b"", PAYLOAD_TOO_LARGE, True
            sendouts.append(
                create(
                    id=sendout_id,
                    project_id=event.project_id,
                    source=SourceRef(SourceKind.DISTRIBUTION, distribution.id),
                    channel_id=channel.id,
                    channel=channel.event_name,
                    event_id=event.id,
                    customer_id=event.customer_id,
                    event_type=event.type,
                    url=url,
                    headers=headers,
                    body=body,
                    now=now,
                    failed=channel_reason,
                    skipped=skipped,
                    # Paused after a delivery failure: written now, sent once it is set live.
                    held="distribution_paused" if distribution.holds_sendouts else None,
                )
            )
        return sendouts, too_large

    def _address(self, channel: Channel, project_id: str) -> tuple[str, dict[str, str]]:
        """Where a channel's send-outs go: a webhook's URL and headers, or a message
        channel's provider for the project (its address and credentials are read when
        sending)."""
        if isinstance(channel, WebhookChannel):
            # Recorded with secret values masked: the sender puts them back from the channel.
            return channel.url, {**JSON_HEADERS, **channel.shown_headers()}
        spec = self._catalog.spec(channel.type)
        provider = channel.type if spec is None else spec.provider.name
        return f"{provider}:{project_id}", {}

    def _render(
        self, channel: Channel, data: Mapping[str, Any], envelope: EnvelopeContext
    ) -> tuple[bytes, str | None]:
        """A channel's rendered message, or why there is nothing to send."""
        if isinstance(channel, WebhookChannel):
            return orjson.dumps(channel_body(channel, data, envelope)), None
        spec = self._catalog.spec(channel.type)
        if spec is None:  # a kind this installation no longer has
            return b"", f"unknown channel type {channel.type}"
        message = render_message(channel, spec, data)
        document = {
            **message.as_document(),
            "event_name": channel.event_name,
            "sendout_id": envelope.sendout_id,
            "created_at": iso(envelope.created_at),
        }
        return orjson.dumps(document), message.skipped
