"""The payload designer's live parts, called by ``static/designer.js`` as the visitor types:
the "Show output" panel (each channel rendered with sample data, or with a real recent event),
errors at their line and column, the keys the trigger's data offers, and recent events to
preview with. Script requests carry the session's CSRF token in ``X-CSRF-Token``."""

from __future__ import annotations

import json
import re
from typing import Any

from fastapi import APIRouter
from pydantic import ValidationError
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from sendout.domain.clock import iso
from sendout.domain.errors import DomainError
from sendout.domain.event_catalogue import (
    ACTIONS_BY_TRIGGER,
    Action,
    message_schema_for,
    schema_for,
)
from sendout.entrypoints.api.schemas.distributions import DistributionBody
from sendout.entrypoints.dashboard.forms import distribution_document
from sendout.entrypoints.dashboard.web import PREFIX, check_csrf_header, container, signed_in
from sendout.services.pipeline import distribution_preview
from sendout.services.pipeline import distributions as service

router = APIRouter(prefix=f"{PREFIX}/api", include_in_schema=False)
_WHERE = re.compile(r"\(line (\d+), column (\d+)\)")
_CHANNEL = re.compile(r"channels\[(\d+)\]")
RECENT_EVENTS = 10


def _problem(message: str) -> dict[str, Any]:
    """An error as the panel shows it: the text, and where (channel, line, column)."""
    where = _WHERE.search(message)
    channel = _CHANNEL.search(message)
    return {
        "error": message,
        "line": int(where.group(1)) if where else None,
        "column": int(where.group(2)) if where else None,
        "channel": int(channel.group(1)) if channel else None,
    }


class _BadPreview(ValueError):
    """A preview request that is not what ``designer.js`` sends: answered 400."""


def _preview_request(body: bytes) -> tuple[dict[str, str], str | None]:
    """The form's fields and the chosen example event, from ``{"fields": {name: text},
    "event_id": id or null}``, or ``_BadPreview`` saying what is wrong."""
    try:
        posted = json.loads(body)
    except ValueError:  # UnicodeDecodeError included
        raise _BadPreview("the body is not JSON") from None
    if not isinstance(posted, dict):
        raise _BadPreview("the body is not a JSON object")
    fields = posted.get("fields") or {}
    if not isinstance(fields, dict) or not all(isinstance(v, str) for v in fields.values()):
        raise _BadPreview("fields: an object of texts")
    event_id = posted.get("event_id") or None
    if event_id is not None and not isinstance(event_id, str):
        raise _BadPreview("event_id: a text or null")
    if any("\x00" in text for text in (*fields, *fields.values(), event_id or "")):
        raise _BadPreview("a NUL character, which no field accepts")
    return fields, event_id


@router.post("/preview")
async def preview(request: Request) -> Response:
    page = await signed_in(request)
    check_csrf_header(request, page)
    box = container(request)
    try:
        fields, event_id = _preview_request(await request.body())
    except _BadPreview as bad:
        return JSONResponse(_problem(str(bad)), status_code=400)
    try:
        document = distribution_document(fields)
        if not document["name"]:
            document["name"] = "preview"
        body = DistributionBody.model_validate(document)
        draft = body.to_draft()
        outputs, warnings = await distribution_preview.preview(
            box.uow_factory,
            page.ctx,
            trigger=draft.trigger,
            action=draft.action,
            channels=service.build_channels(page.ctx, draft.channels),
            catalog=box.channels,
            event_id=event_id,
        )
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(p) for p in first.get("loc", ()))
        return JSONResponse(_problem(f"{where}: {first.get('msg')}"))
    except (DomainError, ValueError) as error:
        text = error.details or error.message if isinstance(error, DomainError) else str(error)
        return JSONResponse(_problem(text or "invalid"))
    return JSONResponse(
        {
            "outputs": [
                {
                    "channel": {"type": o.channel.type, "event_name": o.channel.event_name},
                    "body": o.body,
                    "skipped": o.skipped,
                }
                for o in outputs
            ],
            "warnings": warnings,
        }
    )


@router.get("/keys")
async def keys(
    request: Request, event: str = "", action: str = "PLAIN", kind: str = ""
) -> Response:
    """The paths a template may read for a trigger and action (message channels see the whole
    customer), for the editor's suggestions."""
    await signed_in(request)
    if event not in ACTIONS_BY_TRIGGER:
        return JSONResponse({"keys": []})
    try:
        chosen = Action(action)
    except ValueError:
        chosen = Action.PLAIN
    schema = (
        schema_for(event, chosen) if kind in ("", "webhook") else message_schema_for(event, chosen)
    )
    paths: list[str] = []
    for name, fields in sorted(schema.objects.items()):
        paths.append(name)
        nested = schema.nested.get(name, {})
        for field in fields:
            paths.append(f"{name}.{field}")
            for deeper in nested.get(field, ()):
                paths.append(f"{name}.{field}.{deeper}")
    return JSONResponse({"keys": paths})


@router.get("/events")
async def recent_events(request: Request, type: str = "") -> Response:
    """The project's latest events of the trigger's type, to preview with real data."""
    page = await signed_in(request)
    async with container(request).uow_factory() as uow:
        found = await uow.events.recent(page.ctx.project_id, type, RECENT_EVENTS)
    return JSONResponse(
        {
            "events": [
                {
                    "id": e.id,
                    "created_at": iso(e.created_at),
                    "customer": (e.data.get("customer") or {}).get("source_id") or e.customer_id,
                }
                for e in found
            ]
        }
    )
