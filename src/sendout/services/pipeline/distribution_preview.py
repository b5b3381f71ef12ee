"""What a distribution's channels would send for a sample event, without sending it."""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sendout.domain.channels import ChannelCatalog, MessageChannel, render_message
from sendout.domain.distribution_checks import check_distribution
from sendout.domain.distributions import ActionSpec, Channel, Trigger
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.event_catalogue import BY_TYPE, FULL_CUSTOMER
from sendout.domain.ids import IdPrefix, new_request_id
from sendout.domain.ports import UnitOfWorkFactory
from sendout.domain.templates import check_rendered_size
from sendout.domain.webhook_channels import EnvelopeContext, WebhookChannel, channel_body
from sendout.services.context import Context
from sendout.services.customers.customers import with_full_customer


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
