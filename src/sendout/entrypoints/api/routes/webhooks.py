"""``/v1/webhooks``: project webhooks (seed 002), the v2024-01-01 envelope per event."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.webhooks import ProjectWebhook, webhook_object
from sendout.entrypoints.api.deps import (
    body_docs,
    context,
    parse_body,
    storage,
    target_probe,
    targets,
)
from sendout.entrypoints.api.query import (
    Q,
    parse_limit,
    parse_page,
)
from sendout.entrypoints.api.responses import (
    json_response,
    no_content,
    page_response,
)
from sendout.entrypoints.api.schemas.webhooks import WebhookBody
from sendout.services.pipeline import webhooks as service
from sendout.services.pipeline.target_warnings import webhook_warnings

router = APIRouter(prefix="/v1/webhooks", tags=["Project webhooks"])


async def _saved(request: Request, webhook: ProjectWebhook) -> Response:
    """A saved webhook, with a warning when its target cannot be delivered to now (about now,
    not the webhook: never stored, so only in the save's answer; absent when there is none,
    so the answer is what a read gives)."""
    body = webhook_object(webhook)
    warnings = await webhook_warnings(webhook, targets(request), target_probe(request))
    return json_response({**body, "warnings": warnings} if warnings else body)


@router.post("", summary="Subscribe a URL to event types", openapi_extra=body_docs(WebhookBody))
async def create_webhook(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, WebhookBody)
    created = await service.create_webhook(
        storage(request), ctx, body.to_draft(), targets=targets(request)
    )
    return await _saved(request, created)


@router.get("", summary="List project webhooks")
async def list_webhooks(request: Request, limit: Q = None, page: Q = None) -> Response:
    ctx = await context(request)
    found = await service.list_webhooks(storage(request), ctx, parse_limit(limit), parse_page(page))
    return page_response("webhooks", found, webhook_object)


@router.get("/{webhook_id}", summary="Get a project webhook")
async def get_webhook(webhook_id: str, request: Request) -> Response:
    found = await service.get_webhook(storage(request), await context(request), webhook_id)
    return json_response(webhook_object(found))


@router.put(
    "/{webhook_id}", summary="Replace a project webhook", openapi_extra=body_docs(WebhookBody)
)
async def update_webhook(webhook_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, WebhookBody)
    updated = await service.update_webhook(
        storage(request), ctx, webhook_id, body.to_draft(), targets=targets(request)
    )
    return await _saved(request, updated)


@router.delete("/{webhook_id}", status_code=204, summary="Delete a project webhook")
async def delete_webhook(webhook_id: str, request: Request) -> Response:
    await service.delete_webhook(storage(request), await context(request), webhook_id)
    return no_content()


@router.post("/{webhook_id}/enable", summary="Enable a project webhook (held messages go out)")
async def enable(webhook_id: str, request: Request) -> Response:
    ctx = await context(request)
    updated = await service.set_active(storage(request), ctx, webhook_id, True)
    return json_response(webhook_object(updated))


@router.post("/{webhook_id}/disable", summary="Disable a project webhook")
async def disable(webhook_id: str, request: Request) -> Response:
    ctx = await context(request)
    updated = await service.set_active(storage(request), ctx, webhook_id, False)
    return json_response(webhook_object(updated))


@router.get("/{webhook_id}/secret", summary="Read a project webhook's signing secret")
async def webhook_secret(webhook_id: str, request: Request) -> Response:
    ctx = await context(request)
    return json_response(await service.webhook_secret(storage(request), ctx, webhook_id))


@router.post(
    "/{webhook_id}/secret/rotate",
    summary="Rotate a project webhook's secret (the old one keeps signing for 24 hours)",
)
async def rotate_secret(webhook_id: str, request: Request) -> Response:
    ctx = await context(request)
    return json_response(await service.rotate_webhook_secret(storage(request), ctx, webhook_id))
