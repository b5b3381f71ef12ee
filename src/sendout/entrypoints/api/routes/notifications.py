"""``/v1/notifications``: what failed and needs a person (in-app list, mark read, alerts)."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.notifications import NotificationQuery, NotificationType, notification_object
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.query import (
    Q,
    parse_bool,
    parse_enum,
    parse_limit,
    parse_page,
)
from sendout.entrypoints.api.responses import json_response, list_envelope
from sendout.entrypoints.api.schemas.notifications import AlertSettingsBody, MarkReadBody
from sendout.services.accounts import notifications as service

router = APIRouter(prefix="/v1/notifications", tags=["Notifications"])


@router.get("", summary="List notifications, newest first (filter unread and type)")
async def list_notifications(
    request: Request,
    limit: Q = None,
    page: Q = None,
    unread: Annotated[str | None, Query(description="true: unread only")] = None,
    type: Q = None,
) -> Response:
    ctx = await context(request)
    query = NotificationQuery(
        limit=parse_limit(limit),
        page=parse_page(page),
        unread=parse_bool("unread", unread),
        type=parse_enum("type", type, NotificationType),
    )
    found = await service.list_notifications(storage(request), ctx, query)
    body = list_envelope(
        "notifications",
        (notification_object(n) for n in found.page.items),
        total=found.page.total,
        has_more=found.page.has_more,
    )
    body["unread"] = found.unread
    return json_response(body)


@router.post(
    "/read",
    summary="Mark notifications read (the ids given, or every unread one)",
    openapi_extra=body_docs(MarkReadBody),
)
async def mark_all_read(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, MarkReadBody)
    changed = await service.mark_read(storage(request), ctx, body.ids)
    return json_response({"object": "notifications_read", "marked": changed})


@router.get("/settings", summary="Where alert emails go")
async def get_settings(request: Request) -> Response:
    ctx = await context(request)
    address = await service.get_alert_email(storage(request), ctx)
    return json_response({"object": "notification_settings", "alert_email": address})


@router.put(
    "/settings",
    summary="Set where alert emails go (null: the operator's default)",
    openapi_extra=body_docs(AlertSettingsBody),
)
async def put_settings(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, AlertSettingsBody)
    await service.set_alert_email(storage(request), ctx, body.alert_email)
    return json_response({"object": "notification_settings", "alert_email": body.alert_email})


@router.get("/{notification_id}", summary="Get a notification")
async def get_notification(notification_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await service.get_notification(storage(request), ctx, notification_id)
    return json_response(notification_object(found))


@router.post("/{notification_id}/read", summary="Mark a notification read")
async def mark_read(notification_id: str, request: Request) -> Response:
    ctx = await context(request)
    await service.mark_read(storage(request), ctx, [notification_id])
    found = await service.get_notification(storage(request), ctx, notification_id)
    return json_response(notification_object(found))
