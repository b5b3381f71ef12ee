"""``/v1/publications``: give codes to customers; list who got what."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.customers import customer_object
from sendout.domain.errors import InvalidPayload, InvalidQuery
from sendout.domain.list_filters import parse_list_filter
from sendout.domain.publications import (
    PUBLICATION_FILTER_FIELDS,
    PublicationQuery,
    publication_object,
)
from sendout.domain.vouchers import voucher_object
from sendout.entrypoints.api.deps import (
    body_docs,
    context,
    describe_validation,
    parse_body,
    storage,
)
from sendout.entrypoints.api.query import (
    Q,
    filters_param,
    nested,
    parse_bool,
    parse_limit,
    parse_page,
    present,
)
from sendout.entrypoints.api.responses import json_response, list_envelope
from sendout.entrypoints.api.schemas.publications import PublicationBody
from sendout.services.promotions import publications as service

router = APIRouter(prefix="/v1/publications", tags=["Publications"])
PUBLICATION_ORDERS = ("created_at", "id", "customer_id", "channel", "source_id")
_ORDER_HELP = "created_at, id, customer_id, channel or source_id; - for descending"


def _created(published: service.Published) -> dict[str, Any]:
    return publication_object(
        published.publication,
        customer=customer_object(published.customer),
        vouchers=[voucher_object(v) for v in published.vouchers],
        for_create=True,
    )


_VOUCHER_TYPES = {"discount": "DISCOUNT_VOUCHER", "loyalty": "LOYALTY_CARD"}


def _voucher_type(value: str | None) -> str | None:
    value = present(value)
    if value is None:
        return None
    if value not in _VOUCHER_TYPES:
        raise InvalidQuery(details="voucher_type must be discount or loyalty")
    return _VOUCHER_TYPES[value]


def _join_once(value: str | None) -> bool:
    value = present(value)
    if value not in (None, "true", "false"):
        raise InvalidQuery(details="join_once must be true or false")
    return value == "true"


@router.post("", summary="Publish a code to a customer", openapi_extra=body_docs(PublicationBody))
async def create_publication(request: Request, join_once: Q = None) -> Response:
    ctx = await context(request)
    body = await parse_body(request, PublicationBody)
    published = await service.publish(storage(request), ctx, body.to_request(_join_once(join_once)))
    return json_response(_created(published))


@router.get(
    "/create",
    summary="Publish through query parameters (customer[source_id]=…, campaign[name]=…, voucher=…)",
)
async def create_publication_by_query(request: Request, join_once: Q = None) -> Response:
    ctx = await context(request)
    params = nested(request.query_params.multi_items())
    params.pop("join_once", None)
    campaign = params.get("campaign")
    if isinstance(campaign, dict) and "count" in campaign:
        try:
            campaign["count"] = int(campaign["count"])
        except ValueError:
            raise InvalidQuery(details="campaign[count] must be an integer") from None
    from pydantic import ValidationError

    try:
        body = PublicationBody.model_validate(params, strict=False)
    except ValidationError as exc:
        raise InvalidPayload(details=describe_validation(exc.errors())) from None
    published = await service.publish(storage(request), ctx, body.to_request(_join_once(join_once)))
    return json_response(_created(published))


@router.get("", summary="List publications")
async def list_publications(
    request: Request,
    limit: Q = None,
    page: Q = None,
    campaign: Annotated[str | None, Query(description="campaign name or id")] = None,
    customer: Annotated[str | None, Query(description="customer id or source_id")] = None,
    voucher: Annotated[str | None, Query(description="voucher code")] = None,
    source_id: Q = None,
    result: Annotated[str | None, Query(description="SUCCESS or FAILURE")] = None,
    voucher_type: Annotated[str | None, Query(description="discount or loyalty")] = None,
    is_referral_code: Q = None,
    order: Annotated[
        str | None,
        Query(description="created_at, id, customer_id, channel or source_id; - for descending"),
    ] = None,
) -> Response:
    ctx = await context(request)
    order_value = present(order) or "-created_at"
    field = order_value.removeprefix("-")
    if field not in PUBLICATION_ORDERS:
        raise InvalidQuery(
            details=f"order must be one of {', '.join(PUBLICATION_ORDERS)}, optionally with -"
        )
    query = PublicationQuery(
        limit=parse_limit(limit),
        page=parse_page(page),
        source_id=present(source_id),
        # Publication ids are random: creation order stands for id order.
        order="created_at" if field == "id" else field,
        descending=order_value.startswith("-"),
        voucher_type=_voucher_type(voucher_type),
        is_referral_code=parse_bool("is_referral_code", is_referral_code),
        filters=parse_list_filter(
            filters_param(request.query_params.multi_items()), PUBLICATION_FILTER_FIELDS
        ),
    )
    result_value = present(result)
    if result_value not in (None, "SUCCESS", "FAILURE"):
        raise InvalidQuery(details="result must be SUCCESS or FAILURE")
    if result_value == "FAILURE":
        # A failed publication is answered as an error and never stored (checklist 4).
        return json_response(list_envelope("publications", [], total=0, has_more=False))
    found = await service.list_publications(
        storage(request),
        ctx,
        query,
        campaign=present(campaign),
        customer=present(customer),
        voucher_code=present(voucher),
    )
    items = [
        publication_object(
            p.publication,
            customer=customer_object(p.customer),
            vouchers=[voucher_object(v) for v in p.vouchers],
            for_create=False,
        )
        for p in found.items
    ]
    return json_response(
        list_envelope("publications", items, total=found.total, has_more=found.has_more)
    )
