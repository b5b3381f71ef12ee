"""Creating and editing a distribution: trigger (with its parameters), action (those the
seed's matrix allows for the trigger), channels (webhooks, emails, SMS, other kinds), and the
payload designer beside them (``designer.py`` renders its "Show output" panel).

The form's fields become the same document ``POST /v1/distributions`` takes, checked by the
same schema and service, so the dashboard can never save what the API would refuse.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.channels import MessageChannel
from sendout.domain.distributions import Distribution
from sendout.domain.errors import DomainError
from sendout.domain.event_catalogue import ACTIONS_BY_TRIGGER, MANUAL, PARAMETERS, TriggerParameter
from sendout.domain.webhook_channels import WebhookChannel
from sendout.entrypoints.api.schemas.distributions import DistributionBody
from sendout.entrypoints.dashboard.web import (
    PREFIX,
    Page,
    container,
    go,
    last_values,
    posted_lists,
    render,
    signed_in,
)
from sendout.services.pipeline import distributions as service
from sendout.services.pipeline.target_warnings import distribution_warnings

router = APIRouter(prefix=PREFIX, include_in_schema=False)
TRIGGERS = sorted(t for t in ACTIONS_BY_TRIGGER if t != MANUAL)
MATRIX = list(ACTIONS_BY_TRIGGER.items())
STARTER_PAYLOAD = '{\n  "customer": "{{customer.name}}",\n  "total": {{order.total_amount}}\n}'
MAX_FORM_CHANNELS = 10


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def channel_document(fields: Mapping[str, str], n: int) -> dict[str, Any] | None:
    """Channel ``n`` of the form as the API's channel object (None: no such channel)."""

    def value(name: str) -> str:
        return fields.get(f"ch{n}_{name}", "")

    kind = value("type")
    if not kind:
        return None
    document: dict[str, Any] = {"type": kind, "event_name": value("event_name").strip()}
    if value("id"):
        document["id"] = value("id")
    if kind == "webhook":
        headers = {}
        for line in _lines(value("headers")):
            name, _, header_value = line.partition(":")
            headers[name.strip()] = header_value.strip()
        attributes = []
        for line in _lines(value("attributes")):
            path, _, key = line.partition("=")
            attributes.append({"path": path.strip(), "key": key.strip() or None})
        document.update(
            url=value("url").strip(),
            headers=headers,
            payload=value("payload") or None,
            attributes=attributes,
            raw_payload=value("raw") == "on",
        )
        return document
    if kind in ("email", "sms"):
        names = ("to", "subject", "text", "html") if kind == "email" else ("to", "body")
        document["settings"] = {name: value(name) for name in names if value(name).strip()}
        return document
    raw = value("settings").strip() or "{}"
    try:
        settings = json.loads(raw)
    except ValueError:
        settings = raw  # refused below with the schema's message
    document["settings"] = settings
    return document


def distribution_document(fields: Mapping[str, str]) -> dict[str, Any]:
    """The form as ``POST /v1/distributions``'s body."""
    trigger: dict[str, Any] = {"event": fields.get("trigger_event", "")}
    for parameter in (p.value for p in TriggerParameter):
        given = fields.get(f"trigger_{parameter}", "").strip()
        if given:
            trigger[parameter] = given
    action: dict[str, Any] = {"type": fields.get("action_type", "PLAIN")}
    for name in ("campaign_id", "promotion_tier_id"):
        given = fields.get(f"action_{name}", "").strip()
        if given:
            action[name] = given
    channels = [
        document
        for n in range(MAX_FORM_CHANNELS)
        if (document := channel_document(fields, n)) is not None
    ]
    return {
        "name": fields.get("name", "").strip(),
        "status": fields.get("status", "ACTIVE"),
        "trigger": trigger,
        "action": action,
        "channels": channels,
    }


def form_values(distribution: Distribution) -> dict[str, str]:
    """A saved distribution as the form's fields."""
    values = {
        "name": distribution.name,
        "status": "DRAFT" if distribution.status.value == "DRAFT" else "ACTIVE",
        "trigger_event": distribution.trigger.event,
        "action_type": distribution.action.type.value,
        "action_campaign_id": distribution.action.campaign_id or "",
        "action_promotion_tier_id": distribution.action.promotion_tier_id or "",
    }
    for name, given in distribution.trigger.parameters.items():
        values[f"trigger_{name}"] = given
    for n, channel in enumerate(distribution.channels):
        prefix = f"ch{n}_"
        values[prefix + "type"] = channel.type
        values[prefix + "id"] = channel.id
        values[prefix + "event_name"] = channel.event_name
        if isinstance(channel, WebhookChannel):
            values[prefix + "url"] = channel.url
            # Secret values show as the mask; saved back unchanged, the mask keeps them.
            values[prefix + "headers"] = "\n".join(
                f"{k}: {v}" for k, v in channel.shown_headers().items()
            )
            values[prefix + "attributes"] = "\n".join(
                path if key is None else f"{path} = {key}" for path, key in channel.attributes
            )
            values[prefix + "payload"] = channel.payload or ""
            values[prefix + "raw"] = "on" if channel.raw_payload else ""
        elif isinstance(channel, MessageChannel):
            if channel.type in ("email", "sms"):
                for name, template in channel.settings.items():
                    values[prefix + name] = template
            else:
                values[prefix + "settings"] = json.dumps(dict(channel.settings), indent=2)
    return values


def _channel_count(values: Mapping[str, str]) -> int:
    return max((n + 1 for n in range(MAX_FORM_CHANNELS) if values.get(f"ch{n}_type")), default=0)


def _show(
    request: Request,
    page: Page,
    values: Mapping[str, str],
    distribution_id: str | None,
    error: str | None = None,
) -> Response:
    catalog = container(request).channels
    return render(
        request,
        "distribution_form.html",
        page,
        status=400 if error else 200,
        error=error,
        values=values,
        distribution_id=distribution_id,
        triggers=TRIGGERS,
        matrix={
            event: sorted(a.value for a in actions) for event, actions in ACTIONS_BY_TRIGGER.items()
        },
        parameters={
            event: {
                "required": sorted(p.value for p in spec.required),
                "optional": sorted(p.value for p in spec.optional),
            }
            for event, spec in PARAMETERS.items()
        },
        channel_count=_channel_count(values),
        other_kinds=[t for t in catalog.types if t not in ("email", "sms")],
    )


@router.get("/distributions/new")
async def new_form(request: Request) -> Response:
    page = await signed_in(request)
    starter = {
        "trigger_event": "customer.order.paid",
        "action_type": "PLAIN",
        "status": "ACTIVE",
        "ch0_type": "webhook",
        "ch0_event_name": "order_paid",
        "ch0_payload": STARTER_PAYLOAD,
    }
    return _show(request, page, starter, None)


@router.get("/distributions/{distribution_id}/edit")
async def edit_form(request: Request, distribution_id: str) -> Response:
    page = await signed_in(request)
    found = await service.get_distribution(
        container(request).uow_factory, page.ctx, distribution_id
    )
    return _show(request, page, form_values(found), found.id)


@router.post("/distributions")
async def create(request: Request) -> Response:
    return await _save(request, None)


@router.post("/distributions/{distribution_id}")
async def update(request: Request, distribution_id: str) -> Response:
    return await _save(request, distribution_id)


async def _save(request: Request, distribution_id: str | None) -> Response:
    page = await signed_in(request)
    fields = last_values(await posted_lists(request, page))
    box = container(request)
    try:
        draft = DistributionBody.model_validate(distribution_document(fields)).to_draft()
        if distribution_id is None:
            saved = await service.create_distribution(
                box.uow_factory, page.ctx, draft, catalog=box.channels
            )
        else:
            saved = await service.update_distribution(
                box.uow_factory, page.ctx, distribution_id, draft, catalog=box.channels
            )
    except ValidationError as error:
        return _show(request, page, fields, distribution_id, _validation_message(error.errors()))
    except DomainError as error:
        return _show(request, page, fields, distribution_id, error.details or error.message)
    # About now, not the distribution: said once, in the notice after saving.
    warnings = await distribution_warnings(saved, box.channels.targets, box.target_probe)
    notice = f"Saved {saved.name}"
    return go("/distributions", f"{notice}. {' '.join(warnings)}" if warnings else notice)


def _validation_message(errors: Sequence[Any]) -> str:
    return "; ".join(
        f"{'.'.join(str(p) for p in e.get('loc', ()))}: {e.get('msg', 'invalid')}" for e in errors
    )
