"""The points-over-time routes of ``/v1/loyalties``: pending points (list, activate, adjust,
cancel) and the buckets of expiring points."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.points import bucket_object, pending_points_object
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.query import (
    Cursor,
    CursorQuery,
    Q,
    parse_limit,
    parse_page,
)
from sendout.entrypoints.api.responses import (
    cursor_response,
    json_response,
    list_envelope,
    no_content,
)
from sendout.entrypoints.api.schemas.loyalty_points import PendingPointsBody
from sendout.services.loyalty import pending_points as service
from sendout.services.loyalty.loyalties import points_expiration

router = APIRouter(prefix="/v1/loyalties", tags=["Loyalty"])


async def _list(
    request: Request,
    member_id: str | None,
    program_id: str | None,
    cursor: CursorQuery,
) -> Response:
    ctx = await context(request)
    size, descending, after = cursor.parse()
    found = await service.list_pending(
        storage(request),
        ctx,
        member_id=member_id,
        program_id=program_id,
        limit=size,
        descending=descending,
        starting_after_id=after,
    )
    return cursor_response(found, pending_points_object)


@router.get("/members/{member_id}/pending-points", summary="A member's pending points (cursor)")
async def member_pending(
    member_id: str,
    request: Request,
    cursor: Cursor,
) -> Response:
    return await _list(request, member_id, None, cursor)


@router.post(
    "/members/{member_id}/pending-points/{pending_id}/activate",
    summary="Move pending points into the balance now",
)
async def activate(member_id: str, pending_id: str, request: Request) -> Response:
    ctx = await context(request)
    update = await service.activate(storage(request), ctx, member_id, pending_id)
    return json_response(update.change.as_object(update.voucher.voucher.id, "points"))


@router.post(
    "/members/{member_id}/pending-points/{pending_id}/balance",
    summary="Add to or take from pending points",
    openapi_extra=body_docs(PendingPointsBody),
)
async def adjust(member_id: str, pending_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, PendingPointsBody)
    answer = await service.adjust(storage(request), ctx, member_id, pending_id, body.points)
    return json_response(answer)


@router.post(
    "/members/{member_id}/pending-points/{pending_id}/cancel",
    status_code=204,
    summary="Cancel pending points",
)
async def cancel(member_id: str, pending_id: str, request: Request) -> Response:
    await service.cancel(storage(request), await context(request), member_id, pending_id)
    return no_content()


@router.get(
    "/{program_id}/members/{member_id}/pending-points",
    summary="A member's pending points (cursor)",
)
async def program_member_pending(
    program_id: str,
    member_id: str,
    request: Request,
    cursor: Cursor,
) -> Response:
    return await _list(request, member_id, program_id, cursor)


@router.get("/{program_id}/pending-points", summary="A program's pending points (cursor)")
async def program_pending(
    program_id: str,
    request: Request,
    cursor: Cursor,
) -> Response:
    return await _list(request, None, program_id, cursor)


@router.get(
    "/{program_id}/members/{member_id}/points-expiration",
    summary="A member's point buckets, soonest to expire first",
)
async def member_buckets(
    program_id: str, member_id: str, request: Request, limit: Q = None, page: Q = None
) -> Response:
    ctx = await context(request)
    found = await points_expiration(
        storage(request), ctx, program_id, member_id, parse_limit(limit), parse_page(page)
    )
    return json_response(
        list_envelope("data", (bucket_object(b) for b in found.items), total=found.total)
    )
