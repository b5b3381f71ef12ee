"""``/v1/vouchers``: codes, standalone or of a campaign."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.balances import TransactionQuery, transaction_object
from sendout.domain.errors import InvalidQuery
from sendout.domain.vouchers import VoucherQuery, voucher_object
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.query import (
    CursorQuery,
    Q,
    nested,
    parse_datetime,
    parse_limit,
    parse_list,
    parse_page,
    present,
)
from sendout.entrypoints.api.responses import (
    cursor_response,
    json_response,
    no_content,
    page_response,
)
from sendout.entrypoints.api.schemas.vouchers import BalanceBody, VoucherBody, VoucherUpdateBody
from sendout.services.loyalty import balances
from sendout.services.promotions import vouchers as service

router = APIRouter(prefix="/v1/vouchers", tags=["Vouchers"])
_ORDERS = ("created_at", "updated_at", "code")


@router.post(
    "", summary="Create a voucher with a random code", openapi_extra=body_docs(VoucherBody)
)
async def create_random(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, VoucherBody)
    created = await service.create_voucher(storage(request), ctx, None, body.sent())
    return json_response(voucher_object(created))


@router.get("", summary="List vouchers (customer= lists a customer's codes: pull mode)")
async def list_vouchers(
    request: Request,
    limit: Q = None,
    page: Q = None,
    campaign: Annotated[str | None, Query(description="campaign name or id")] = None,
    campaign_id: Q = None,
    customer: Annotated[str | None, Query(description="holder: customer id or source_id")] = None,
    code: Q = None,
    category: Q = None,
    order: Annotated[
        str | None, Query(description="created_at, updated_at, code; - for descending")
    ] = None,
) -> Response:
    ctx = await context(request)
    params = nested(request.query_params.multi_items())
    order_value = present(order) or "-created_at"
    if order_value.removeprefix("-") not in _ORDERS:
        raise InvalidQuery(details=f"order must be one of {', '.join(_ORDERS)}, optionally with -")
    created = _range(params, "created_at")
    updated = _range(params, "updated_at")
    ids = request.query_params.getlist("ids") + request.query_params.getlist("ids[]")
    query = VoucherQuery(
        limit=parse_limit(limit),
        page=parse_page(page),
        campaign_id=present(campaign_id),
        code=present(code),
        category=present(category),
        ids=tuple(parse_list(ids)) or None,
        created_before=parse_datetime("created_at[before]", created.get("before")),
        created_after=parse_datetime("created_at[after]", created.get("after")),
        updated_before=parse_datetime("updated_at[before]", updated.get("before")),
        updated_after=parse_datetime("updated_at[after]", updated.get("after")),
        order=order_value.removeprefix("-"),
        descending=order_value.startswith("-"),
    )
    found = await service.list_vouchers(
        storage(request), ctx, query, campaign=present(campaign), customer=present(customer)
    )
    return page_response("vouchers", found, voucher_object)


def _range(params: dict[str, Any], name: str) -> dict[str, Any]:
    """``name[before]`` / ``name[after]`` from the bracket-parsed query."""
    value = params.get(name)
    return value if isinstance(value, dict) else {}


@router.post(
    "/{code}", summary="Create a voucher with a chosen code", openapi_extra=body_docs(VoucherBody)
)
async def create_with_code(code: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, VoucherBody)
    created = await service.create_voucher(storage(request), ctx, code, body.sent())
    return json_response(voucher_object(created))


@router.get("/{code}", summary="Get a voucher")
async def get_voucher(code: str, request: Request) -> Response:
    found = await service.get_voucher(storage(request), await context(request), code)
    return json_response(voucher_object(found))


@router.put("/{code}", summary="Update a voucher", openapi_extra=body_docs(VoucherUpdateBody))
async def update_voucher(code: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, VoucherUpdateBody)
    updated = await service.update_voucher(storage(request), ctx, code, body.sent())
    return json_response(voucher_object(updated))


@router.delete("/{code}", status_code=204, summary="Delete a voucher")
async def delete_voucher(code: str, request: Request) -> Response:
    await service.delete_voucher(storage(request), await context(request), code)
    return no_content()


@router.post("/{code}/enable", summary="Enable a voucher")
async def enable_voucher(code: str, request: Request) -> Response:
    ctx = await context(request)
    return json_response(
        voucher_object(await service.set_voucher_active(storage(request), ctx, code, True))
    )


@router.post("/{code}/disable", summary="Disable a voucher")
async def disable_voucher(code: str, request: Request) -> Response:
    ctx = await context(request)
    return json_response(
        voucher_object(await service.set_voucher_active(storage(request), ctx, code, False))
    )


@router.post(
    "/{code}/balance",
    summary="Add or remove gift credits or loyalty points",
    openapi_extra=body_docs(BalanceBody),
)
async def update_balance(code: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, BalanceBody)
    update = await balances.update_balance(
        storage(request), ctx, code, body.amount, source_id=body.source_id, reason=body.reason
    )
    return json_response(update.change.as_object(update.voucher.voucher.id))


@router.get("/{code}/transactions", summary="A voucher's credit or point changes (cursor)")
async def list_transactions(
    code: str,
    request: Request,
    limit: Q = None,
    order: Annotated[str | None, Query(description="id or -id (default)")] = None,
    starting_after_id: Q = None,
) -> Response:
    cursor = CursorQuery(limit=limit, order=order, starting_after_id=starting_after_id)
    return await transactions_response(request, code, cursor)


async def transactions_response(request: Request, code: str, cursor: CursorQuery) -> Response:
    """A card's transactions as a cursor list (vouchers' and loyalty members' routes)."""
    ctx = await context(request)
    query = transaction_query(cursor)
    found = await balances.list_transactions(storage(request), ctx, code, query)
    return cursor_response(found, transaction_object)


def transaction_query(cursor: CursorQuery) -> TransactionQuery:
    """The transactions a cursor listing asks for."""
    size, descending, after = cursor.parse()
    return TransactionQuery(limit=size, descending=descending, starting_after_id=after)
