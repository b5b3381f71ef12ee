"""``POST /v1/qualifications``: what applies to a customer now (pull mode)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.clock import iso
from sendout.domain.errors import InvalidPayload
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.responses import json_response
from sendout.entrypoints.api.schemas.qualifications import QualificationBody, QualificationOptions
from sendout.services.promotions.wallet import Qualified, Scenario, qualifications

router = APIRouter(prefix="/v1/qualifications", tags=["Qualifications"])

#: Voucherify's defaults: what a project without stacking settings answers.
DEFAULT_STACKING_RULES: dict[str, Any] = {
    "redeemables_limit": 30,
    "applicable_redeemables_limit": 5,
    "applicable_redeemables_per_category_limit": 1,
    "applicable_exclusive_redeemables_limit": 1,
    "exclusive_categories": [],
    "joint_categories": [],
    "redeemables_application_mode": "ALL",
    "redeemables_sorting_rule": "REQUESTED_ORDER",
    "redeemables_products_application_mode": "STACK",
    "redeemables_no_effect_rule": "REDEEM_ANYWAY",
    "no_effect_skip_categories": [],
    "no_effect_redeem_anyway_categories": [],
    "redeemables_rollback_order_mode": "WITH_ORDER",
}
_EMPTY_LIST = {"data": [], "total": 0, "data_ref": "data", "object": "list"}


def qualified_object(item: Qualified) -> dict[str, Any]:
    campaign = item.campaign
    common: dict[str, Any] = {
        "created_at": iso(item.created_at),
        "applicable_to": dict(_EMPTY_LIST),
        "inapplicable_to": dict(_EMPTY_LIST),
        "categories": [],
        "campaign_name": campaign.name if campaign else None,
        "campaign_id": campaign.id if campaign else None,
    }
    if item.voucher is not None:
        v = item.voucher
        result: dict[str, Any] = {}
        for name in ("discount", "gift", "loyalty_card"):
            value = getattr(v, name)
            if value is not None:
                result[name] = dict(value)
        return {
            "id": v.voucher.code,
            "object": "voucher",
            "result": result,
            "metadata": dict(v.voucher.metadata or {}),
            "name": v.voucher.code,
            **common,
        }
    assert item.tier is not None
    tier = item.tier
    discount = tier.action.get("discount")
    return {
        "id": tier.id,
        "object": "promotion_tier",
        "result": {} if discount is None else {"discount": dict(discount)},
        "metadata": dict(tier.metadata),
        "name": tier.name,
        "banner": tier.banner,
        **common,
    }


@router.post(
    "",
    summary="Which of the customer's codes and which promotion tiers apply now",
    openapi_extra=body_docs(QualificationBody),
)
async def check_eligibility(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, QualificationBody)
    try:
        scenario = Scenario(body.scenario)
    except ValueError:
        raise InvalidPayload(details=f"scenario must be one of {', '.join(Scenario)}") from None
    options = body.options or QualificationOptions()
    customer = body.customer.id or body.customer.source_id if body.customer else None
    items, total, has_more = await qualifications(
        storage(request),
        ctx,
        customer=customer,
        scenario=scenario,
        limit=options.limit,
        starting_after=options.starting_after,
    )
    redeemables: dict[str, Any] = {
        "object": "list",
        "data_ref": "data",
        "data": [qualified_object(item) for item in items],
        "total": total,
        "has_more": has_more,
    }
    if has_more and items:
        redeemables["more_starting_after"] = iso(items[-1].created_at)
    return json_response(
        {
            "redeemables": redeemables,
            "tracking_id": body.tracking_id,
            "order": body.order,
            "stacking_rules": DEFAULT_STACKING_RULES,
        }
    )
