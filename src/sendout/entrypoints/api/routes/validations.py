"""``/v1/validations``: codes and promotion tiers checked and priced on an order exactly as a
redemption would (one computation, ``services/promotions/redemption_checks.py``), nothing
redeemed; and the release of a validation session (``DELETE …/sessions/{key}``)."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.campaigns import VoucherType
from sendout.domain.orders import Order, order_object
from sendout.domain.validation_sessions import SessionRequest, session_object
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.responses import json_response
from sendout.entrypoints.api.routes.redemptions import STACKING_RULES
from sendout.entrypoints.api.schemas.redemptions import RedeemBody
from sendout.services.promotions import validations as service
from sendout.services.promotions.redemption_checks import priced
from sendout.services.promotions.redemption_records import Target

router = APIRouter(tags=["Validations"])

_EMPTY_LIST = {"data": [], "total": 0, "data_ref": "data", "object": "list"}


@router.post(
    "/v1/validations",
    summary="Check and price codes and promotion tiers on an order; nothing is redeemed",
    openapi_extra=body_docs(RedeemBody),
)
async def validate(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, RedeemBody)
    validated = await service.validate(storage(request), ctx, body.to_request())
    evaluation, session = validated.evaluation, validated.session
    order = None if evaluation.order is None else order_object(evaluation.order)
    redeemables = [_redeemable(t, evaluation.base_order) for t in evaluation.targets]
    valid = all(t.failure is None for t in evaluation.targets)
    return json_response(
        {
            "valid": valid,
            "redeemables": redeemables if valid else [],
            "inapplicable_redeemables": [r for r in redeemables if r["status"] == "INAPPLICABLE"],
            # Application mode ALL: one inapplicable redeemable skips the others.
            "skipped_redeemables": []
            if valid
            else [_skipped(r) for r in redeemables if r["status"] == "APPLICABLE"],
            "order": order,
            "tracking_id": body.tracking_id,
            **({} if session is None else {"session": _session_object(session)}),
            "stacking_rules": STACKING_RULES,
        }
    )


@router.delete(
    "/v1/vouchers/{code}/sessions/{session_key}",
    summary="Release a validation session: the code's use (and credits) it held are free again",
    description="404 for an unknown code, or a session that holds nothing of the code.",
    status_code=204,
    tags=["Vouchers"],
)
async def release_validation_session(code: str, session_key: str, request: Request) -> Response:
    ctx = await context(request)
    await service.release_session(storage(request), ctx, code, session_key)
    return Response(status_code=204)


def _session_object(session: SessionRequest) -> dict[str, Any]:
    assert session.key is not None
    return session_object(session.key, session.ttl, session.ttl_unit)


def _skipped(item: dict[str, Any]) -> dict[str, Any]:
    details = {
        "key": "preceding_validation_failed",
        "message": "Redeemable cannot be applied due to preceding validation failure",
    }
    return {**item, "status": "SKIPPED", "result": {"details": details}}


def _redeemable(target: Target, base_order: Order | None) -> dict[str, Any]:
    """One redeemable's answer: its ``order`` holds what this redeemable alone takes off (the
    answer's ``order`` holds them all); its ``result`` the code's discount definition or the
    gift credits it would pay, or why it does not apply."""
    kind, _ = target.related
    campaign = target.campaign
    item: dict[str, Any] = {
        "status": "INAPPLICABLE" if target.failure else "APPLICABLE",
        "id": target.ref.id,
        "object": kind,
        "order": None if base_order is None else order_object(priced(base_order, [target])),
        "applicable_to": dict(_EMPTY_LIST),
        "inapplicable_to": dict(_EMPTY_LIST),
        "metadata": {},
        "categories": [],
        "campaign_id": None if campaign is None else campaign.id,
        "campaign_name": None if campaign is None else campaign.name,
    }
    if target.tier is not None:
        item["name"] = target.tier.name
    failure = target.failure
    if failure is not None:
        error = {
            "code": failure.status,
            "key": failure.key,
            "message": failure.message,
            "details": failure.message,
        }
        item["result"] = {"error": error}
    elif target.voucher is not None and target.voucher.type is VoucherType.GIFT_VOUCHER:
        balance = int((target.voucher.gift or {}).get("balance") or 0)
        item["result"] = {"gift": {"balance": balance, "credits": target.applied.gift_credits}}
    elif target.voucher is not None:
        item["metadata"] = dict(target.voucher.voucher.metadata or {})
        item["result"] = {"discount": dict(target.voucher.discount or {})}
    else:
        assert target.tier is not None
        item["metadata"] = dict(target.tier.metadata)
        item["result"] = {"discount": dict(target.tier.action.get("discount") or {})}
    return item
