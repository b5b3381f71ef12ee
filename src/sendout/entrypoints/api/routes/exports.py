"""``/v1/exports``: CSV exports the worker writes and the API serves; and the export routes
nested under vouchers, campaigns, orders and loyalty programs.

``GET /v1/exports/{id}`` is two operations, as the SDK calls them: the export (JSON), or,
with ``?token=`` (the official SDK's ``download_export``), its CSV file.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Any

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import FileResponse, Response

from sendout.domain.async_actions import AsyncAction
from sendout.domain.exports import ExportedObject, export_object
from sendout.domain.ports import ExportFiles, UnitOfWorkFactory
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage, wake_worker
from sendout.entrypoints.api.query import Q, parse_limit, parse_page
from sendout.entrypoints.api.responses import json_response, list_envelope, no_content
from sendout.entrypoints.api.schemas.exports import ExportBody, NestedExportBody
from sendout.services import exports as service
from sendout.services.context import Context

router = APIRouter(tags=["Exports"])


def _files(request: Request) -> ExportFiles:
    files: ExportFiles = request.app.state.container.export_files
    return files


def _render(request: Request, export: AsyncAction) -> dict[str, object]:
    url = request.url_for("get_export", export_id=export.id)
    return export_object(export, f"{url}?token={export.request.get('token', '')}")


def _started(request: Request, export: AsyncAction) -> Response:
    wake_worker(request)
    return json_response(_render(request, export))


@router.post(
    "/v1/exports", summary="Export to CSV (SCHEDULED)", openapi_extra=body_docs(ExportBody)
)
async def create_export(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, ExportBody)
    params = body.parameters.as_request()
    export = await service.create_export(storage(request), ctx, body.exported_object, params)
    return _started(request, export)


@router.get("/v1/exports", summary="List exports (newest first; order=created_at: oldest)")
async def list_exports(
    request: Request, limit: Q = None, page: Q = None, order: Q = None
) -> Response:
    ctx = await context(request)
    newest = order != "created_at"
    found = await service.list_exports(
        storage(request), ctx, parse_limit(limit), parse_page(page), newest
    )
    items = (_render(request, e) for e in found.items)
    return json_response(list_envelope("exports", items, total=found.total))


@router.get(
    "/v1/exports/{export_id}",
    summary="Get an export; with ?token= (its result.url), download its CSV",
)
async def get_export(export_id: str, request: Request, token: Q = None) -> Response:
    ctx = await context(request)
    if token is not None:
        path = await service.export_file(storage(request), _files(request), ctx, export_id, token)
        # The official SDK reads text/plain only (its Accept); who asks for text/csv gets it.
        csv = "text/csv" in request.headers.get("accept", "")
        media_type = "text/csv" if csv else "text/plain"
        return FileResponse(path, media_type=media_type, filename=f"{export_id}.csv")
    return json_response(
        _render(request, await service.get_export(storage(request), ctx, export_id))
    )


@router.delete("/v1/exports/{export_id}", summary="Delete an export and its file")
async def delete_export(export_id: str, request: Request) -> Response:
    ctx = await context(request)
    await service.delete_export(storage(request), _files(request), ctx, export_id)
    return no_content()


#: a use case starting a nested export: (storage, context, parameters) -> the export
Start = Callable[[UnitOfWorkFactory, Context, dict[str, Any]], Awaitable[AsyncAction]]


async def _nested(request: Request, start: Start) -> Response:
    """A nested route: its body is the parameters alone, its use case sets the rest."""
    ctx = await context(request)
    body = await parse_body(request, NestedExportBody)
    export = await start(storage(request), ctx, body.parameters.as_request())
    return _started(request, export)


_NESTED = body_docs(NestedExportBody)


@router.post("/v1/orders/export", summary="Export orders to CSV", openapi_extra=_NESTED)
async def export_orders(request: Request) -> Response:
    order = ExportedObject.ORDER.value
    return await _nested(request, lambda u, c, p: service.create_export(u, c, order, p))


@router.post(
    "/v1/vouchers/{code}/transactions/export",
    summary="Export a voucher's transactions to CSV",
    openapi_extra=_NESTED,
)
async def export_voucher_transactions(code: str, request: Request) -> Response:
    return await _nested(
        request, lambda u, c, p: service.export_voucher_transactions(u, c, code, p)
    )


@router.post(
    "/v1/campaigns/{campaign_id}/transactions/export",
    summary="Export a campaign's transactions to CSV",
    openapi_extra=_NESTED,
)
async def export_campaign_transactions(campaign_id: str, request: Request) -> Response:
    return await _nested(
        request, lambda u, c, p: service.export_campaign_transactions(u, c, campaign_id, p)
    )


@router.post(
    "/v1/loyalties/members/{member_id}/transactions/export",
    summary="Export a loyalty card's transactions to CSV",
    openapi_extra=_NESTED,
)
async def export_member_transactions(member_id: str, request: Request) -> Response:
    return await _nested(
        request, lambda u, c, p: service.export_member_transactions(u, c, member_id, None, p)
    )


@router.post(
    "/v1/loyalties/{program_id}/members/{member_id}/transactions/export",
    summary="Export a program member's transactions to CSV",
    openapi_extra=_NESTED,
)
async def export_program_member_transactions(
    program_id: str, member_id: str, request: Request
) -> Response:
    return await _nested(
        request,
        lambda u, c, p: service.export_member_transactions(u, c, member_id, program_id, p),
    )


@router.post(
    "/v1/loyalties/{program_id}/transactions/export",
    summary="Export a loyalty program's transactions to CSV",
    openapi_extra=_NESTED,
)
async def export_program_transactions(program_id: str, request: Request) -> Response:
    kind = ExportedObject.VOUCHER_TRANSACTIONS
    return await _nested(
        request, lambda u, c, p: service.export_of_program(u, c, program_id, kind, p)
    )


@router.post(
    "/v1/loyalties/{program_id}/points-expiration/export",
    summary="Export a loyalty program's point expirations to CSV",
    openapi_extra=_NESTED,
)
async def export_points_expirations(program_id: str, request: Request) -> Response:
    kind = ExportedObject.POINTS_EXPIRATION
    return await _nested(
        request, lambda u, c, p: service.export_of_program(u, c, program_id, kind, p)
    )
