"""``/v1/async-actions``: progress of background work."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.async_actions import async_action_object
from sendout.entrypoints.api.deps import context, storage
from sendout.entrypoints.api.query import (
    Q,
    parse_datetime,
    parse_limit,
)
from sendout.entrypoints.api.responses import json_response, list_envelope
from sendout.services import async_actions as service

router = APIRouter(prefix="/v1/async-actions", tags=["Async actions"])


@router.get("", summary="List async actions, newest first")
async def list_async_actions(request: Request, limit: Q = None, end_date: Q = None) -> Response:
    ctx = await context(request)
    actions = await service.list_actions(
        storage(request), ctx, parse_limit(limit), parse_datetime("end_date", end_date)
    )
    return json_response(list_envelope("async_actions", (async_action_object(a) for a in actions)))


@router.get("/{async_action_id}", summary="Get an async action: status and progress")
async def get_async_action(async_action_id: str, request: Request) -> Response:
    action = await service.get_action(storage(request), await context(request), async_action_id)
    return json_response(async_action_object(action))
