"""The member routes of ``/v1/loyalties`` kept apart from the programs': a card's activity and
point transfers between cards."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.activity import member_activity_object
from sendout.domain.vouchers import voucher_object
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.query import Activity, ActivityCursor
from sendout.entrypoints.api.responses import cursor_response, json_response
from sendout.entrypoints.api.schemas.loyalties import TransfersBody
from sendout.services.loyalty.member_activity import list_member_activity
from sendout.services.loyalty.transfers import transfer_points

router = APIRouter(prefix="/v1/loyalties", tags=["Loyalty"])


async def _activity(
    request: Request, member_id: str, program_id: str | None, cursor: ActivityCursor
) -> Response:
    ctx = await context(request)
    query = cursor.parse()
    found = await list_member_activity(storage(request), ctx, member_id, query, program_id)
    return cursor_response(found, member_activity_object)


@router.get("/members/{member_id}/activity", summary="A member's activity (cursor)")
async def member_activity(member_id: str, request: Request, cursor: Activity) -> Response:
    return await _activity(request, member_id, None, cursor)


@router.get("/{program_id}/members/{member_id}/activity", summary="A member's activity (cursor)")
async def program_member_activity(
    program_id: str, member_id: str, request: Request, cursor: Activity
) -> Response:
    return await _activity(request, member_id, program_id, cursor)


@router.post(
    "/{program_id}/members/{member_id}/transfers",
    summary="Move points from other cards to this member's, all or nothing",
    openapi_extra=body_docs(TransfersBody),
)
async def transfer(program_id: str, member_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, TransfersBody)
    card = await transfer_points(storage(request), ctx, program_id, member_id, body.to_transfers())
    return json_response(_transferred(voucher_object(card)))


def _transferred(card: dict[str, Any]) -> dict[str, Any]:
    """The destination card as ``LoyaltiesMembersTransfersCreateResponseBody`` types it, unlike
    every other voucher answer: ``validity_timeframe`` an object and ``validity_day_of_week`` a
    list even when the card has none (then every day), ``active`` the string ``"true"`` or
    ``"false"``; anything else fails the SDK's call after the points have moved."""
    return {
        **card,
        "validity_timeframe": card.get("validity_timeframe") or {},
        "validity_day_of_week": card.get("validity_day_of_week") or list(range(7)),
        "active": "true" if card.get("active") else "false",
    }
