"""Notifications: the list (newest first, unread marked; filter unread and type), marking one
or every one read (the header's unread count follows)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.errors import DomainError
from sendout.domain.notifications import NotificationQuery, NotificationType
from sendout.entrypoints.dashboard.page_helpers import PER_PAGE, page_number, pager, refusal
from sendout.entrypoints.dashboard.web import (
    PREFIX,
    container,
    go,
    posted,
    query_of,
    render,
    signed_in,
)
from sendout.services.accounts import notifications as service

router = APIRouter(prefix=PREFIX, include_in_schema=False)

TYPES = [t.value for t in NotificationType]


def _filters(given: dict[str, str]) -> dict[str, str]:
    """The list's filters that mean something: ``show=unread`` and a known ``type``."""
    kept: dict[str, str] = {}
    if given.get("show") == "unread":
        kept["show"] = "unread"
    if given.get("type") in TYPES:
        kept["type"] = given["type"]
    return kept


def resource_link(resource_type: str, resource_id: str) -> str | None:
    """Where a notification's resource is seen: a distribution's or a project webhook's
    send-outs, the campaigns list, a customer."""
    if resource_type in ("distribution", "webhook"):
        return f"{PREFIX}/sendouts?{urlencode({'distribution_id': resource_id})}"
    if resource_type == "campaign":
        return f"{PREFIX}/campaigns#{quote(resource_id, safe='')}"
    if resource_type == "customer":
        return f"{PREFIX}/customers/{quote(resource_id, safe='')}"
    return None


@router.get("/notifications")
async def notifications(request: Request) -> Response:
    page = await signed_in(request)
    filters = _filters(dict(query_of(request)))
    number = page_number(request)
    found = await service.list_notifications(
        container(request).uow_factory,
        page.ctx,
        NotificationQuery(
            limit=PER_PAGE,
            page=number,
            unread=True if filters.get("show") == "unread" else None,
            type=NotificationType(filters["type"]) if "type" in filters else None,
        ),
    )
    previous, following = pager(filters, number, found.page.has_more)
    return render(
        request,
        "notifications.html",
        page,
        notifications=found.page.items,
        unread=found.unread,
        filters=filters,
        types=TYPES,
        link_of=resource_link,
        previous=previous,
        following=following,
        notice=request.query_params.get("notice"),
        error=request.query_params.get("error"),
    )


@router.post("/notifications/read")
async def mark_all_read(request: Request) -> Response:
    page = await signed_in(request)
    fields = await posted(request, page)
    changed = await service.mark_read(container(request).uow_factory, page.ctx, None)
    noun = "notification" if changed == 1 else "notifications"
    return go("/notifications", f"{changed} {noun} marked read", **_filters(fields))


@router.post("/notifications/{notification_id}/read")
async def mark_read(request: Request, notification_id: str) -> Response:
    page = await signed_in(request)
    fields = await posted(request, page)
    try:
        await service.mark_read(container(request).uow_factory, page.ctx, [notification_id])
    except DomainError as refused:
        return go("/notifications", error=f"Not marked: {refusal(refused)}", **_filters(fields))
    return go("/notifications", "Marked read", **_filters(fields))
