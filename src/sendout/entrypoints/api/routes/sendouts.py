"""``/v1/sendouts``: the log of messages distributions produced."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.clock import iso
from sendout.domain.errors import NotFound
from sendout.domain.sendouts import SendoutQuery, SendoutStatus, sendout_object
from sendout.entrypoints.api.deps import context, storage
from sendout.entrypoints.api.query import parse_enum, parse_limit, parse_page, present
from sendout.entrypoints.api.responses import json_response, list_envelope

router = APIRouter(prefix="/v1/sendouts", tags=["Send-outs"])
Q = Annotated[str | None, Query()]


@router.get("", summary="List send-outs (filter by distribution and status)")
async def list_sendouts(
    request: Request,
    limit: Q = None,
    page: Q = None,
    distribution_id: Q = None,
    status: Q = None,
) -> Response:
    ctx = await context(request)
    query = SendoutQuery(
        limit=parse_limit(limit),
        page=parse_page(page),
        distribution_id=present(distribution_id),
        status=parse_enum("status", status, SendoutStatus),
    )
    async with storage(request)() as uow:
        found = await uow.sendouts.list(ctx.project_id, query)
    return json_response(
        list_envelope(
            "sendouts",
            (sendout_object(s) for s in found.items),
            total=found.total,
            has_more=found.has_more,
        )
    )


@router.get("/{sendout_id}", summary="Get a send-out with the request it sends")
async def get_sendout(sendout_id: str, request: Request) -> Response:
    ctx = await context(request)
    async with storage(request)() as uow:
        found = await uow.sendouts.get(ctx.project_id, sendout_id)
        attempts = await uow.deliveries.attempts(ctx.project_id, sendout_id)
    if found is None:
        raise NotFound.of("sendout", sendout_id)
    body = sendout_object(found, with_request=True)
    body["attempts"] = [
        {**attempt, "started_at": iso(attempt["started_at"])} for attempt in attempts
    ]
    return json_response(body)
