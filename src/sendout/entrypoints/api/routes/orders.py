"""``/v1/orders``: what customers buy; order events fire distributions."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.orders import OrderOrder, OrderQuery, order_object
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage, wake_worker
from sendout.entrypoints.api.query import (
    Q,
    parse_limit,
    parse_order,
    parse_page,
)
from sendout.entrypoints.api.responses import (
    json_response,
    page_response,
)
from sendout.entrypoints.api.routes.campaigns import async_accepted
from sendout.entrypoints.api.schemas.orders import OrderBody, OrdersImportBody
from sendout.services.promotions import order_import
from sendout.services.promotions import orders as service

router = APIRouter(prefix="/v1/orders", tags=["Orders"])


@router.post(
    "",
    summary="Create an order, or update the one with that id or source_id",
    openapi_extra=body_docs(OrderBody),
)
async def upsert_order(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, OrderBody)
    order = await service.upsert_order(storage(request), ctx, body.to_draft())
    return json_response(order_object(order))


@router.post(
    "/import",
    summary="Import historical orders in the background (they record no events)",
    openapi_extra=body_docs(OrdersImportBody),
)
async def import_orders(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, OrdersImportBody)
    action = await order_import.import_orders(storage(request), ctx, body.to_drafts())
    wake_worker(request)
    return async_accepted(action)


@router.get("", summary="List orders (newest first; order by created_at or updated_at)")
async def list_orders(
    request: Request, limit: Q = None, page: Q = None, order: Q = None
) -> Response:
    ctx = await context(request)
    field, descending = parse_order(order, OrderOrder, OrderOrder.CREATED_AT)
    query = OrderQuery(
        limit=parse_limit(limit), page=parse_page(page), order=field, descending=descending
    )
    found = await service.list_orders(storage(request), ctx, query)
    return page_response("orders", found, order_object)


@router.get("/{order_id}", summary="Get an order by id or source_id")
async def get_order(order_id: str, request: Request) -> Response:
    found = await service.get_order(storage(request), await context(request), order_id)
    return json_response(order_object(found))


@router.put(
    "/{order_id}",
    summary="Update an order (fields not sent stay as they are)",
    openapi_extra=body_docs(OrderBody),
)
async def update_order(order_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, OrderBody)
    updated = await service.update_order(storage(request), ctx, order_id, body.to_draft())
    return json_response(order_object(updated))
