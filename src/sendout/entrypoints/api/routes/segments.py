"""``/v1/segments``: groups of customers; rule segments fire entered and left events."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.segments import segment_object
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.query import (
    Q,
    parse_limit,
    parse_page,
)
from sendout.entrypoints.api.responses import (
    json_response,
    no_content,
    page_response,
)
from sendout.entrypoints.api.schemas.segments import SegmentBody
from sendout.services.customers import segments as service

router = APIRouter(prefix="/v1/segments", tags=["Segments"])


@router.post(
    "",
    summary="Create a static segment (customers) or a rule segment (filter)",
    openapi_extra=body_docs(SegmentBody),
)
async def create_segment(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, SegmentBody)
    created = await service.create_segment(storage(request), ctx, body.to_draft())
    return json_response(segment_object(created))


@router.get("", summary="List segments")
async def list_segments(request: Request, limit: Q = None, page: Q = None) -> Response:
    ctx = await context(request)
    found = await service.list_segments(storage(request), ctx, parse_limit(limit), parse_page(page))
    return page_response("data", found, segment_object)


@router.get("/{segment_id}", summary="Get a segment")
async def get_segment(segment_id: str, request: Request) -> Response:
    found = await service.get_segment(storage(request), await context(request), segment_id)
    return json_response(segment_object(found))


@router.delete("/{segment_id}", status_code=204, summary="Delete a segment")
async def delete_segment(segment_id: str, request: Request) -> Response:
    await service.delete_segment(storage(request), await context(request), segment_id)
    return no_content()
