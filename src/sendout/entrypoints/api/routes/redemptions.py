"""``/v1/redemptions``: codes and promotion tiers used on orders, and rolled back."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.clock import iso
from sendout.domain.errors import InvalidQuery
from sendout.domain.orders import order_object
from sendout.domain.redemptions import RedemptionQuery, RedemptionStatus, redemption_object
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.query import (
    Q,
    parse_datetime,
    parse_limit,
    parse_page,
    present,
)
from sendout.entrypoints.api.responses import (
    json_response,
    page_response,
)
from sendout.entrypoints.api.routes.qualifications import DEFAULT_STACKING_RULES
from sendout.entrypoints.api.schemas.redemptions import RedeemBody, RollbackBody
from sendout.services.customers.customers import get_customer
from sendout.services.promotions import redemption_records, redemption_views, rollbacks
from sendout.services.promotions import redemptions as service

router = APIRouter(tags=["Redemptions"])

#: What Sendout applies: every redeemable or none (Voucherify's defaults otherwise).
STACKING_RULES = {
    **DEFAULT_STACKING_RULES,
    "applicable_redeemables_limit": 30,
    "applicable_redeemables_per_category_limit": 30,
    "redeemables_rollback_order_mode": "WITHOUT_ORDER",
}


@router.post(
    "/v1/redemptions",
    summary="Redeem 1-30 codes or promotion tiers on an order (all or none)",
    openapi_extra=body_docs(RedeemBody),
)
async def redeem(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, RedeemBody)
    done = await service.redeem(storage(request), ctx, body.to_request())
    order = done.evaluation.order
    order_view = None if order is None else order_object(order)
    customer = done.evaluation.customer
    customer_view = None if customer is None else {"id": customer.id, "object": "customer"}
    children = [
        redemption_object(
            child,
            order=order_view,
            customer=customer_view,
            voucher=redemption_records.voucher_view(target),
            promotion_tier=redemption_records.tier_view(target),
        )
        for child, target in zip(done.children, done.evaluation.targets, strict=True)
    ]
    parent = redemption_object(
        done.parent,
        order=order_view,
        customer=customer_view,
        children=[c.id for c in done.children],
    )
    return json_response(
        {
            "redemptions": children,
            "parent_redemption": parent,
            "order": order_view,
            "inapplicable_redeemables": [],
            "skipped_redeemables": [],
        }
    )


@router.get("/v1/redemptions", summary="List redemptions, newest first")
async def list_redemptions(
    request: Request,
    limit: Q = None,
    page: Q = None,
    result: Annotated[str | None, Query(description="SUCCESS or FAILURE")] = None,
    customer: Annotated[str | None, Query(description="customer id or source_id")] = None,
    created_at_before: Annotated[str | None, Query(alias="created_at[before]")] = None,
    created_at_after: Annotated[str | None, Query(alias="created_at[after]")] = None,
) -> Response:
    ctx = await context(request)
    result_value = present(result)
    if result_value not in (None, "SUCCESS", "FAILURE"):
        raise InvalidQuery(details="result must be SUCCESS or FAILURE")
    customer_id = None
    if present(customer) is not None:
        customer_id = (await get_customer(storage(request), ctx, customer or "")).id
    query = RedemptionQuery(
        limit=parse_limit(limit),
        page=parse_page(page),
        customer_id=customer_id,
        status=None
        if result_value is None
        else RedemptionStatus.FAILED
        if result_value == "FAILURE"
        else RedemptionStatus.SUCCEEDED,
        created_before=parse_datetime("created_at[before]", created_at_before),
        created_after=parse_datetime("created_at[after]", created_at_after),
    )
    found = await redemption_views.list_redemptions(storage(request), ctx, query)
    return page_response("redemptions", found, lambda v: v.as_object())


@router.get("/v1/redemptions/{redemption_id}", summary="Get a redemption")
async def get_redemption(redemption_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await redemption_views.get_redemption(storage(request), ctx, redemption_id)
    return json_response(found.as_object())


@router.post(
    "/v1/redemptions/{redemption_id}/rollback",
    summary="Roll a redemption back: the code gets its use back, a gift card its credits",
    openapi_extra=body_docs(RollbackBody),
)
async def rollback(redemption_id: str, request: Request, reason: Q = None) -> Response:
    ctx = await context(request)
    body = await parse_body(request, RollbackBody)
    done = await rollbacks.rollback(
        storage(request), ctx, redemption_id, body.reason or present(reason)
    )
    return json_response(_rollback_object(done))


def _rollback_object(done: rollbacks.RolledBack) -> dict[str, Any]:
    return {
        **done.view.as_object(),
        "id": done.id,
        "object": "redemption_rollback",
        "redemption": done.redemption.id,
        "reason": done.reason,
        "amount": -done.redemption.amount,
        "result": "SUCCESS",
        "status": "SUCCEEDED",
    }


@router.post(
    "/v1/redemptions/{parent_id}/rollbacks",
    summary="Roll back every redemption of a stacked request",
    openapi_extra=body_docs(RollbackBody),
)
async def rollback_stacked(parent_id: str, request: Request, reason: Q = None) -> Response:
    ctx = await context(request)
    body = await parse_body(request, RollbackBody)
    why = body.reason or present(reason)
    parent, done = await rollbacks.rollback_stacked(storage(request), ctx, parent_id, why)
    objects = [_rollback_object(d) for d in done]
    order = done[0].view.order if done else None
    return json_response(
        {
            "rollbacks": objects,
            "parent_rollback": {
                "id": objects[0]["id"] if objects else None,
                "object": "redemption_rollback",
                "date": iso(parent.created_at),
                "redemption": parent.id,
                "reason": why,
                "amount": -parent.amount,
                "result": "SUCCESS",
                "status": "SUCCEEDED",
                "customer_id": parent.customer_id,
                "tracking_id": parent.tracking_id,
                "metadata": dict(parent.metadata),
                "channel": {"channel_id": None, "channel_type": "API"},
                "related_object_type": "redemption",
                "related_object_id": parent.id,
            },
            "order": None if order is None else order_object(order),
        }
    )


@router.get("/v1/vouchers/{code}/redemption", summary="A code's redemptions", tags=["Vouchers"])
async def voucher_redemptions(code: str, request: Request) -> Response:
    ctx = await context(request)
    voucher, entries = await redemption_views.voucher_redemptions(storage(request), ctx, code)
    return json_response(
        {
            "quantity": voucher.redemption_quantity,
            "redeemed_quantity": voucher.voucher.redeemed_quantity,
            "object": "list",
            "url": f"/v1/vouchers/{code}/redemption",
            "data_ref": "redemption_entries",
            "total": len(entries),
            "redemption_entries": [
                {
                    "id": r.id,
                    "object": "redemption",
                    "date": iso(r.created_at),
                    "customer_id": r.customer_id,
                    "tracking_id": r.tracking_id,
                    "amount": r.amount,
                    "result": r.result,
                    "status": r.status.value,
                    "failure_code": r.failure_code,
                    "related_object_type": r.related_object_type,
                    "related_object_id": r.related_object_id,
                }
                for r in entries
            ],
        }
    )
