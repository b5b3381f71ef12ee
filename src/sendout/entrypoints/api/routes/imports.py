"""The bulk and import routes of customers, vouchers and campaigns: each records an async
action of rows for the worker and answers ``202 {async_action_id}`` (progress and the rows
that failed: ``GET /v1/async-actions/{id}``).

Included before the resources' own routers: ``/v1/vouchers/import`` must reach the import,
never ``POST /v1/vouchers/{code}`` (and no code may be such a word: ``domain/codes.py``).
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.async_actions import AsyncAction, AsyncActionType
from sendout.entrypoints.api.csv_upload import read_csv
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage, wake_worker
from sendout.entrypoints.api.routes.campaigns import async_accepted
from sendout.entrypoints.api.schemas.campaigns import ImportItem
from sendout.entrypoints.api.schemas.customers import CustomerBody
from sendout.entrypoints.api.schemas.imports import (
    CustomersBulkBody,
    CustomersMetadataBody,
    VouchersBulkBody,
    VouchersImportBody,
    VouchersMetadataBody,
    csv_items,
    customer_data,
    customer_object,
    voucher_data,
    voucher_object,
)
from sendout.services.customers import customer_bulk
from sendout.services.promotions import voucher_bulk

router = APIRouter()

#: the request body of the ``importCSV`` routes, as the OpenAPI document describes it
CSV_BODY: dict[str, Any] = {
    "requestBody": {
        "required": True,
        "description": "A CSV file (UTF-8, headers on the first line, at most 10000 rows); "
        "columns no field takes become metadata.",
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "properties": {"file": {"type": "string", "format": "binary"}},
                    "required": ["file"],
                }
            }
        },
    }
}


def started(request: Request, action: AsyncAction) -> Response:
    """202 ``{async_action_id}``, the worker told there is work."""
    wake_worker(request)
    return async_accepted(action)


@router.post(
    "/v1/customers/bulk/async",
    tags=["Customers"],
    summary="Create or update many customers by source_id (in the background)",
    openapi_extra=body_docs(CustomersBulkBody),
)
async def update_customers_in_bulk(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, CustomersBulkBody)
    action = await customer_bulk.upsert_customers(storage(request), ctx, body.rows())
    return started(request, action)


@router.post(
    "/v1/customers/metadata/async",
    tags=["Customers"],
    summary="Merge the same metadata into many customers (in the background)",
    openapi_extra=body_docs(CustomersMetadataBody),
)
async def update_customers_metadata(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, CustomersMetadataBody)
    action = await customer_bulk.update_customers_metadata(
        storage(request), ctx, body.source_ids, body.metadata
    )
    return started(request, action)


@router.post(
    "/v1/customers/importCSV",
    tags=["Customers"],
    summary="Create or update customers from a CSV file (in the background)",
    openapi_extra=CSV_BODY,
)
async def import_customers_csv(request: Request) -> Response:
    ctx = await context(request)
    items = csv_items(await read_csv(request), customer_object, CustomerBody, customer_data)
    action = await customer_bulk.upsert_customers(
        storage(request), ctx, items, AsyncActionType.CUSTOMERS_IMPORT_CSV
    )
    return started(request, action)


@router.post(
    "/v1/vouchers/import",
    tags=["Vouchers"],
    summary="Import standalone codes (in the background)",
    openapi_extra=body_docs(VouchersImportBody),
)
async def import_vouchers(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, VouchersImportBody)
    action = await voucher_bulk.import_vouchers(storage(request), ctx, body.rows())
    return started(request, action)


@router.post(
    "/v1/vouchers/importCSV",
    tags=["Vouchers"],
    summary="Import standalone codes from a CSV file (in the background)",
    openapi_extra=CSV_BODY,
)
async def import_vouchers_csv(request: Request) -> Response:
    ctx = await context(request)
    items = csv_items(await read_csv(request), voucher_object, ImportItem, voucher_data)
    action = await voucher_bulk.import_vouchers(
        storage(request), ctx, items, AsyncActionType.STANDALONE_VOUCHERS_IMPORT_CSV
    )
    return started(request, action)


@router.post(
    "/v1/vouchers/bulk/async",
    tags=["Vouchers"],
    summary="Merge each code's own metadata into it (in the background)",
    openapi_extra=body_docs(VouchersBulkBody),
)
async def update_vouchers_in_bulk(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, VouchersBulkBody)
    action = await voucher_bulk.update_vouchers(storage(request), ctx, body.updates())
    return started(request, action)


@router.post(
    "/v1/vouchers/metadata/async",
    tags=["Vouchers"],
    summary="Merge the same metadata into many codes (in the background)",
    openapi_extra=body_docs(VouchersMetadataBody),
)
async def update_vouchers_metadata(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, VouchersMetadataBody)
    action = await voucher_bulk.update_vouchers_metadata(
        storage(request), ctx, body.codes, body.metadata
    )
    return started(request, action)


@router.post(
    "/v1/campaigns/{campaign_id}/importCSV",
    tags=["Campaigns"],
    summary="Import chosen codes into a campaign from a CSV file (in the background)",
    openapi_extra=CSV_BODY,
)
async def import_campaign_vouchers_csv(campaign_id: str, request: Request) -> Response:
    ctx = await context(request)
    items = csv_items(await read_csv(request), voucher_object, ImportItem, voucher_data)
    action = await voucher_bulk.import_campaign_vouchers(storage(request), ctx, campaign_id, items)
    return started(request, action)
