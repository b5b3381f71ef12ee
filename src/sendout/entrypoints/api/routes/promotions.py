"""``/v1/promotions``: promotion tiers on their own (they are also shown, and made, with their
campaign under ``/v1/campaigns``)."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.campaigns import promotion_tier_object
from sendout.domain.promotion_tiers import PromotionTierQuery, TierOrder
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.query import (
    Q,
    parse_bool,
    parse_limit,
    parse_order,
    parse_page,
)
from sendout.entrypoints.api.responses import (
    json_response,
    list_envelope,
    no_content,
    page_response,
)
from sendout.entrypoints.api.schemas.promotions import PromotionTierBody, PromotionTierUpdateBody
from sendout.services.promotions import promotion_tiers as service
from sendout.services.promotions.promotion_tiers import TierOf

router = APIRouter(prefix="/v1/promotions", tags=["Promotions"])


def tier_object(found: TierOf) -> dict[str, Any]:
    return promotion_tier_object(found.tier, found.campaign)


@router.get("/tiers", summary="List the promotion tiers of every promotion")
async def list_tiers(
    request: Request,
    is_available: Annotated[
        str | None, Query(description="true: only tiers that apply now (on, in a live campaign)")
    ] = None,
    limit: Q = None,
    page: Q = None,
    order: Annotated[
        str | None, Query(description="created_at or updated_at, - for descending")
    ] = None,
) -> Response:
    ctx = await context(request)
    order_by, descending = parse_order(order, TierOrder, TierOrder.CREATED_AT)
    query = PromotionTierQuery(
        limit=parse_limit(limit),
        page=parse_page(page),
        available_at=ctx.now() if parse_bool("is_available", is_available) else None,
        order=order_by,
        descending=descending,
    )
    found = await service.list_tiers(storage(request), ctx, query)
    return page_response("tiers", found, tier_object)


# Before "/{campaign_id}/tiers": "/tiers/{id}" must not be read as a campaign id.
@router.get("/tiers/{promotion_tier_id}", summary="Get a promotion tier")
async def get_tier(promotion_tier_id: str, request: Request) -> Response:
    found = await service.get_tier(storage(request), await context(request), promotion_tier_id)
    return json_response(tier_object(found))


@router.put(
    "/tiers/{promotion_tier_id}",
    summary="Update a promotion tier",
    openapi_extra=body_docs(PromotionTierUpdateBody),
)
async def update_tier(promotion_tier_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, PromotionTierUpdateBody)
    found = await service.update_tier(storage(request), ctx, promotion_tier_id, body.sent())
    return json_response(tier_object(found))


@router.delete("/tiers/{promotion_tier_id}", status_code=204, summary="Delete a promotion tier")
async def delete_tier(promotion_tier_id: str, request: Request) -> Response:
    await service.delete_tier(storage(request), await context(request), promotion_tier_id)
    return no_content()


@router.post("/tiers/{promotion_tier_id}/enable", summary="Enable a promotion tier")
async def enable_tier(promotion_tier_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await service.set_tier_active(storage(request), ctx, promotion_tier_id, True)
    return json_response(tier_object(found))


@router.post("/tiers/{promotion_tier_id}/disable", summary="Disable a promotion tier")
async def disable_tier(promotion_tier_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await service.set_tier_active(storage(request), ctx, promotion_tier_id, False)
    return json_response(tier_object(found))


@router.get("/{campaign_id}/tiers", summary="List a promotion's tiers")
async def campaign_tiers(campaign_id: str, request: Request) -> Response:
    ctx = await context(request)
    campaign, tiers = await service.campaign_tiers(storage(request), ctx, campaign_id)
    items = [promotion_tier_object(t, campaign) for t in tiers]
    return json_response(list_envelope("tiers", items, total=len(items), has_more=False))


@router.post(
    "/{campaign_id}/tiers",
    summary="Add a promotion tier to a promotion",
    openapi_extra=body_docs(PromotionTierBody),
)
async def add_tier(campaign_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, PromotionTierBody)
    found = await service.add_tier(
        storage(request), ctx, campaign_id, body.to_draft(), body.hierarchy
    )
    return json_response(tier_object(found))
