"""``/v1/campaigns``: campaigns and the codes added to them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.async_actions import AsyncAction
from sendout.domain.balances import TRANSACTION_FILTER_FIELDS, transaction_object
from sendout.domain.campaign_summary import SummaryWindow, summary_object
from sendout.domain.campaigns import CampaignQuery, CampaignType, GenerationStatus, campaign_object
from sendout.domain.distributions import Distribution
from sendout.domain.list_filters import parse_list_filter
from sendout.domain.vouchers import EffectiveVoucher, voucher_object
from sendout.entrypoints.api.deps import (
    body_docs,
    channels,
    context,
    parse_body,
    storage,
    wake_worker,
)
from sendout.entrypoints.api.query import (
    Cursor,
    Q,
    filters_param,
    parse_bool,
    parse_datetime,
    parse_enum,
    parse_int,
    parse_limit,
    parse_page,
    present,
)
from sendout.entrypoints.api.responses import (
    cursor_response,
    json_response,
    page_response,
)
from sendout.entrypoints.api.routes.vouchers import transaction_query
from sendout.entrypoints.api.schemas.campaigns import (
    CampaignBody,
    CampaignUpdateBody,
    CodesBody,
    ImportBody,
)
from sendout.services.loyalty import program_notifications
from sendout.services.promotions import campaign_summary, campaign_vouchers
from sendout.services.promotions import campaigns as service
from sendout.services.promotions.campaigns import MAX_VOUCHERS_PER_REQUEST

router = APIRouter(prefix="/v1/campaigns", tags=["Campaigns"])


def async_accepted(action: AsyncAction, status: int = 202) -> Response:
    return json_response({"async_action_id": action.id}, status)


@router.post("", summary="Create a campaign", openapi_extra=body_docs(CampaignBody))
async def create_campaign(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, CampaignBody)
    made = await program_notifications.create_campaign(
        storage(request), ctx, body.to_draft(), body.notification_requests(), channels(request)
    )
    if body.vouchers_count:
        wake_worker(request)
    return json_response(
        with_notifications(campaign_object(made.campaign, made.tiers), made.notifications)
    )


def with_notifications(body: dict[str, Any], made: Sequence[Distribution]) -> dict[str, Any]:
    """A created program's answer, with the distributions attached to it, if any."""
    if made:
        body["notifications"] = [
            {"on": d.trigger.event, "distribution_id": d.id, "name": d.name} for d in made
        ]
    return body


@router.get("", summary="List campaigns")
async def list_campaigns(
    request: Request,
    limit: Q = None,
    page: Q = None,
    campaign_type: Q = None,
    campaign_status: Annotated[str | None, Query(description="creation status")] = None,
    is_referral_code: Q = None,
    order: Annotated[
        str | None, Query(description="created_at or updated_at, - for descending")
    ] = None,
) -> Response:
    ctx = await context(request)
    order_value = present(order) or "-created_at"
    if order_value.removeprefix("-") not in ("created_at", "updated_at"):
        from sendout.domain.errors import InvalidQuery

        raise InvalidQuery(details="order must be created_at or updated_at, optionally with -")
    query = CampaignQuery(
        limit=parse_limit(limit),
        page=parse_page(page),
        campaign_type=parse_enum("campaign_type", campaign_type, CampaignType),
        creation_status=parse_enum("campaign_status", campaign_status, GenerationStatus),
        is_referral_code=parse_bool("is_referral_code", is_referral_code),
        descending=order_value.startswith("-"),
        order_by_updated=order_value.removeprefix("-") == "updated_at",
    )
    found, tiers = await service.list_campaigns(storage(request), ctx, query)
    return page_response("campaigns", found, lambda c: campaign_object(c, tiers.get(c.id)))


@router.get("/{campaign_id}", summary="Get a campaign by id or name")
async def get_campaign(campaign_id: str, request: Request) -> Response:
    campaign, tiers = await service.get_campaign(
        storage(request), await context(request), campaign_id
    )
    return json_response(campaign_object(campaign, tiers))


@router.put(
    "/{campaign_id}", summary="Update a campaign", openapi_extra=body_docs(CampaignUpdateBody)
)
async def update_campaign(campaign_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, CampaignUpdateBody)
    campaign, tiers = await service.update_campaign(storage(request), ctx, campaign_id, body.sent())
    return json_response(campaign_object(campaign, tiers))


@router.delete("/{campaign_id}", summary="Delete a campaign (its codes go in the background)")
async def delete_campaign(campaign_id: str, request: Request) -> Response:
    action = await service.delete_campaign(storage(request), await context(request), campaign_id)
    wake_worker(request)
    return async_accepted(action, 200)


@router.post("/{campaign_id}/enable", summary="Enable a campaign")
async def enable_campaign(campaign_id: str, request: Request) -> Response:
    ctx = await context(request)
    campaign = await service.set_campaign_active(storage(request), ctx, campaign_id, True)
    return json_response(campaign_object(campaign))


@router.post("/{campaign_id}/disable", summary="Disable a campaign")
async def disable_campaign(campaign_id: str, request: Request) -> Response:
    ctx = await context(request)
    campaign = await service.set_campaign_active(storage(request), ctx, campaign_id, False)
    return json_response(campaign_object(campaign))


@router.post(
    "/{campaign_id}/vouchers",
    summary="Add codes: one now (200), or many in the background (202 + async_action_id)",
    openapi_extra=body_docs(CodesBody),
)
async def add_vouchers(campaign_id: str, request: Request, vouchers_count: Q = None) -> Response:
    ctx = await context(request)
    count = parse_int("vouchers_count", vouchers_count, 1, 1, MAX_VOUCHERS_PER_REQUEST)
    body = await parse_body(request, CodesBody)
    result = await campaign_vouchers.add_vouchers(
        storage(request), ctx, campaign_id, count, body.sent()
    )
    if isinstance(result, AsyncAction):
        wake_worker(request)
        return async_accepted(result)
    campaign, _ = await service.get_campaign(storage(request), ctx, campaign_id)
    return json_response(voucher_object(EffectiveVoucher(voucher=result, campaign=campaign)))


@router.post(
    "/{campaign_id}/vouchers/{code}",
    summary="Add a code of your choice",
    openapi_extra=body_docs(CodesBody),
)
async def add_voucher_with_code(campaign_id: str, code: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, CodesBody)
    voucher = await campaign_vouchers.add_voucher_with_code(
        storage(request), ctx, campaign_id, code, body.sent()
    )
    campaign, _ = await service.get_campaign(storage(request), ctx, campaign_id)
    return json_response(voucher_object(EffectiveVoucher(voucher=voucher, campaign=campaign)))


@router.post(
    "/{campaign_id}/import",
    summary="Import chosen codes (in the background)",
    openapi_extra=body_docs(ImportBody),
)
async def import_vouchers(campaign_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, ImportBody)
    action = await campaign_vouchers.import_vouchers(
        storage(request), ctx, campaign_id, body.items()
    )
    wake_worker(request)
    return async_accepted(action)


@router.get("/{campaign_id}/summary", summary="A campaign's figures, optionally between two dates")
async def get_campaign_summary(
    campaign_id: str, request: Request, start_date: Q = None, end_date: Q = None
) -> Response:
    ctx = await context(request)
    before = parse_datetime("end_date", end_date)
    if before is not None and len(str(present(end_date)).strip()) == len("2024-01-31"):
        before += timedelta(days=1)  # a date ends with its day
    window = SummaryWindow(after=parse_datetime("start_date", start_date), before=before)
    found = await campaign_summary.campaign_summary(storage(request), ctx, campaign_id, window)
    template = {} if found.campaign.template is None else found.campaign.template.as_object()
    return json_response(
        summary_object(campaign_object(found.campaign, found.tiers), template, found.figures)
    )


@router.get("/{campaign_id}/transactions", summary="Every credit and point move (cursor)")
async def list_campaign_transactions(
    campaign_id: str, request: Request, cursor: Cursor
) -> Response:
    ctx = await context(request)
    # The SDK sends this list's filters without [conditions] (filters[voucher_id][$in]).
    wanted = filters_param(request.query_params.multi_items(), bare_operators=True)
    query = replace(
        transaction_query(cursor),
        filters=parse_list_filter(wanted, TRANSACTION_FILTER_FIELDS),
    )
    found = await campaign_summary.campaign_transactions(storage(request), ctx, campaign_id, query)
    return cursor_response(found, transaction_object)
