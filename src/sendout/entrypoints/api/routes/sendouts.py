"""``/v1/sendouts``: the log of messages distributions produced, and sending one again."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.clock import iso
from sendout.domain.sendouts import SendoutQuery, SendoutStatus, sendout_object
from sendout.entrypoints.api.deps import context, storage
from sendout.entrypoints.api.query import (
    Q,
    parse_datetime,
    parse_enum,
    parse_limit,
    parse_page,
    present,
)
from sendout.entrypoints.api.responses import (
    json_response,
    page_response,
)
from sendout.services.pipeline import sendouts as service

router = APIRouter(prefix="/v1/sendouts", tags=["Send-outs"])


@router.get(
    "",
    summary="List send-outs (filter by distribution, status, customer, event type, date)",
)
async def list_sendouts(
    request: Request,
    limit: Q = None,
    page: Q = None,
    distribution_id: Q = None,
    webhook_id: Annotated[str | None, Query(description="a project webhook's id")] = None,
    status: Q = None,
    customer_id: Q = None,
    event_type: Annotated[str | None, Query(description="the triggering event's type")] = None,
    created_after: Annotated[str | None, Query(description="created at or after")] = None,
    created_before: Annotated[str | None, Query(description="created before")] = None,
) -> Response:
    ctx = await context(request)
    query = SendoutQuery(
        limit=parse_limit(limit),
        page=parse_page(page),
        distribution_id=present(distribution_id) or present(webhook_id),
        status=parse_enum("status", status, SendoutStatus),
        customer_id=present(customer_id),
        event_type=present(event_type),
        created_after=parse_datetime("created_after", created_after),
        created_before=parse_datetime("created_before", created_before),
    )
    found = await service.list_sendouts(storage(request), ctx, query)
    return page_response("sendouts", found, sendout_object)


@router.get("/{sendout_id}", summary="Get a send-out with the request it sends and its attempts")
async def get_sendout(sendout_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await service.get_sendout(storage(request), ctx, sendout_id)
    body = sendout_object(found.sendout, with_request=True)
    body["attempts"] = [
        {**attempt, "started_at": iso(attempt["started_at"])} for attempt in found.attempts
    ]
    return json_response(body)


@router.post("/{sendout_id}/resend", summary="Send a send-out again, now")
async def resend(sendout_id: str, request: Request) -> Response:
    ctx = await context(request)
    updated = await service.resend(storage(request), ctx, sendout_id)
    return json_response(sendout_object(updated))
