"""``/v1/customers``: upsert, read, partial update, delete, list, activity."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.activity import activity_object
from sendout.domain.clock import iso
from sendout.domain.customers import CustomerOrder, CustomerQuery, customer_object
from sendout.domain.errors import InvalidQuery
from sendout.domain.segments import simple_segment
from sendout.domain.vouchers import WalletQuery, voucher_object
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.query import (
    Q,
    parse_activity,
    parse_datetime,
    parse_limit,
    parse_order,
    parse_page,
    present,
)
from sendout.entrypoints.api.responses import (
    all_response,
    json_response,
    list_envelope,
    no_content,
    page_response,
)
from sendout.entrypoints.api.schemas.customers import CustomerBody, CustomerUpdateBody
from sendout.services.customers import customers as service
from sendout.services.customers import segments
from sendout.services.promotions import wallet

router = APIRouter(prefix="/v1/customers", tags=["Customers"])
#: A raw query parameter; parsing (and the SDK's quirks) is left to ``query.py``.


@router.post(
    "",
    summary="Create or update a customer (upsert by id or source_id)",
    openapi_extra=body_docs(CustomerBody),
)
async def create_customer(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, CustomerBody)
    customer = await service.upsert_customer(storage(request), ctx, body.to_ref())
    return json_response(customer_object(customer))


@router.get("", summary="List customers")
async def list_customers(
    request: Request,
    limit: Q = None,
    page: Q = None,
    email: Q = None,
    city: Q = None,
    name: Q = None,
    segment_id: Annotated[str | None, Query(description="members of this segment")] = None,
    created_at_before: Annotated[str | None, Query(alias="created_at[before]")] = None,
    created_at_after: Annotated[str | None, Query(alias="created_at[after]")] = None,
    updated_at_before: Annotated[str | None, Query(alias="updated_at[before]")] = None,
    updated_at_after: Annotated[str | None, Query(alias="updated_at[after]")] = None,
    order: Annotated[
        str | None,
        Query(description="created_at, updated_at or source_id; prefix - for descending"),
    ] = None,
    starting_after: Annotated[
        str | None, Query(description="A created_at cursor: customers after this moment")
    ] = None,
) -> Response:
    ctx, uow = await context(request), storage(request)
    order_by, descending = parse_order(order, CustomerOrder, CustomerOrder.CREATED_AT)
    query = CustomerQuery(
        limit=parse_limit(limit),
        page=parse_page(page),
        email=present(email),
        city=present(city),
        name=present(name),
        segment_id=present(segment_id),
        created_before=parse_datetime("created_at[before]", created_at_before),
        created_after=parse_datetime("created_at[after]", created_at_after),
        updated_before=parse_datetime("updated_at[before]", updated_at_before),
        updated_after=parse_datetime("updated_at[after]", updated_at_after),
        order=order_by,
        descending=descending,
        starting_after=parse_datetime("starting_after", starting_after),
    )
    found = await service.list_customers(uow, ctx, query)
    return page_response("customers", found, customer_object)


@router.get("/{customer_id}", summary="Get a customer by id or source_id")
async def get_customer(customer_id: str, request: Request) -> Response:
    ctx, uow = await context(request), storage(request)
    customer = await service.get_customer(uow, ctx, customer_id)
    return json_response(customer_object(customer))


@router.put(
    "/{customer_id}",
    summary="Update a customer (omitted fields stay unchanged)",
    openapi_extra=body_docs(CustomerUpdateBody),
)
async def update_customer(customer_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, CustomerUpdateBody)
    customer = await service.update_customer(storage(request), ctx, customer_id, body.changes())
    return json_response(customer_object(customer))


@router.delete("/{customer_id}", status_code=204, summary="Delete a customer")
async def delete_customer(customer_id: str, request: Request) -> Response:
    ctx, uow = await context(request), storage(request)
    await service.delete_customer(uow, ctx, customer_id)
    return no_content()


@router.post(
    "/{customer_id}/permanent-deletion",
    summary="Delete a customer and every event about them",
)
async def permanently_delete_customer(customer_id: str, request: Request) -> Response:
    ctx, uow = await context(request), storage(request)
    deletion = await service.permanently_delete_customer(uow, ctx, customer_id)
    return json_response(
        {
            "id": deletion.id,
            "created_at": iso(deletion.created_at),
            "related_object_id": deletion.customer_id,
            "related_object": "customer",
            "status": "DONE",
            "data_json": {
                "events": deletion.events_deleted,
                "customer_events": deletion.events_deleted,
                "daily_events": 0,
                "segments": 0,
                "orders": 0,
                "order_events": 0,
                "customer": 1,
            },
            # Voucherify's own spelling, which the SDK's model defaults to.
            "object": "pernament_deletion",
        }
    )


@router.get("/{customer_id}/redeemables", summary="A customer's codes and their status now")
async def list_customer_redeemables(
    customer_id: str,
    request: Request,
    limit: Q = None,
    order: Annotated[str | None, Query(description="id or -id")] = None,
    starting_after_id: Q = None,
) -> Response:
    ctx, uow = await context(request), storage(request)
    order_value = present(order) or "id"
    if order_value not in ("id", "-id"):
        raise InvalidQuery(details="order must be id or -id")
    query = WalletQuery(
        limit=parse_limit(limit),
        descending=order_value == "-id",
        starting_after_id=present(starting_after_id),
    )
    holder_id, found = await wallet.customer_redeemables(uow, ctx, customer_id, query)
    items = [_wallet_item(holder_id, entry) for entry in found.items]
    return json_response(
        list_envelope(
            "data",
            items,
            total=len(items),
            has_more=found.has_more,
            more_starting_after=items[-1]["id"] if found.has_more and items else None,
        )
    )


def _wallet_item(holder_id: str, entry: wallet.WalletEntry) -> dict[str, Any]:
    voucher = entry.voucher
    campaign = voucher.campaign
    return {
        "id": voucher.voucher.id,
        "created_at": iso(voucher.voucher.published_at or voucher.voucher.created_at),
        "redeemable_id": voucher.voucher.id,
        "redeemable_object": "voucher",
        "customer_id": holder_id,
        "holder_role": "OWNER",
        "campaign_id": voucher.voucher.campaign_id,
        "campaign_type": campaign.campaign_type.value if campaign else None,
        "voucher_type": voucher.type.value,
        "redeemable": {"voucher": voucher_object(voucher), "status": entry.status.value},
        "object": "customer_redeemable",
    }


@router.get("/{customer_id}/activity", summary="List a customer's activity (cursor paging)")
async def list_customer_activity(
    customer_id: str,
    request: Request,
    limit: Q = None,
    order: Annotated[str | None, Query(description="created_at or -created_at")] = None,
    starting_after_id: Q = None,
    start_date: Q = None,
    end_date: Q = None,
    type: Annotated[str | None, Query(description="One of the 74 customer activity types")] = None,
) -> Response:
    ctx, uow = await context(request), storage(request)
    query = parse_activity(limit, order, starting_after_id, start_date, end_date, type)
    found = await service.list_activity(uow, ctx, customer_id, query)
    return json_response(
        list_envelope(
            "data",
            (activity_object(e) for e in found.items),
            has_more=found.has_more,
            more_starting_after=found.items[-1].id if found.has_more and found.items else None,
        )
    )


@router.get("/{customer_id}/segments", summary="The segments a customer is in")
async def list_customer_segments(customer_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await segments.customer_segments(storage(request), ctx, customer_id)
    return all_response("data", found, simple_segment)
