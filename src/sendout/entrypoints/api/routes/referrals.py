"""The routes of ``/v1/referrals``: a referral code's holders (add, list, remove), each by the
code alone or by its campaign and code, as the SDK calls both."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.referral_holders import holder_object
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.query import Cursor, CursorQuery
from sendout.entrypoints.api.responses import cursor_envelope, json_response, no_content
from sendout.entrypoints.api.schemas.referrals import HoldersBody
from sendout.services.promotions import referral_holders as service

router = APIRouter(prefix="/v1/referrals", tags=["Referrals"])


async def _add(request: Request, member_id: str, campaign_id: str | None) -> Response:
    ctx = await context(request)
    body = await parse_body(request, HoldersBody)
    added = await service.add_holders(
        storage(request), ctx, member_id, body.customers(), body.metadata or {}, campaign_id
    )
    return json_response({"holders": [holder_object(h) for h in added]})


async def _list(
    request: Request, member_id: str, campaign_id: str | None, cursor: CursorQuery
) -> Response:
    ctx = await context(request)
    size, descending, after = cursor.parse()
    found = await service.list_holders(
        storage(request),
        ctx,
        member_id,
        campaign_id=campaign_id,
        limit=size,
        descending=descending,
        starting_after_id=after,
    )
    listing = cursor_envelope([holder_object(h) for h in found.items], found.has_more)
    return json_response({**listing, "total": found.total})


async def _remove(
    request: Request, member_id: str, holder_id: str, campaign_id: str | None
) -> Response:
    ctx = await context(request)
    await service.remove_holder(storage(request), ctx, member_id, holder_id, campaign_id)
    return no_content()


@router.post(
    "/members/{member_id}/holders",
    summary="Add customers to a referral code as its holders",
    openapi_extra=body_docs(HoldersBody),
)
async def add_holders(member_id: str, request: Request) -> Response:
    return await _add(request, member_id, None)


@router.get("/members/{member_id}/holders", summary="A referral code's holders (cursor)")
async def list_holders(member_id: str, request: Request, cursor: Cursor) -> Response:
    return await _list(request, member_id, None, cursor)


@router.delete(
    "/members/{member_id}/holders/{holder_id}",
    status_code=204,
    summary="Remove a referral code's holder",
)
async def remove_holder(member_id: str, holder_id: str, request: Request) -> Response:
    return await _remove(request, member_id, holder_id, None)


@router.post(
    "/{campaign_id}/members/{member_id}/holders",
    summary="Add customers to a campaign's referral code as its holders",
    openapi_extra=body_docs(HoldersBody),
)
async def add_campaign_holders(campaign_id: str, member_id: str, request: Request) -> Response:
    return await _add(request, member_id, campaign_id)


@router.get(
    "/{campaign_id}/members/{member_id}/holders",
    summary="A campaign's referral code's holders (cursor)",
)
async def list_campaign_holders(
    campaign_id: str, member_id: str, request: Request, cursor: Cursor
) -> Response:
    return await _list(request, member_id, campaign_id, cursor)


@router.delete(
    "/{campaign_id}/members/{member_id}/holders/{holder_id}",
    status_code=204,
    summary="Remove a campaign's referral code's holder",
)
async def remove_campaign_holder(
    campaign_id: str, member_id: str, holder_id: str, request: Request
) -> Response:
    return await _remove(request, member_id, holder_id, campaign_id)
