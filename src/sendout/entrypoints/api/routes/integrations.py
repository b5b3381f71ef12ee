"""``/v1/integrations``: the providers a project's message channels send through, and
``/v1/channels``: the kinds of channel this installation offers."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.channels import config_object, spec_object
from sendout.entrypoints.api.deps import body_docs, channels, context, parse_body, storage
from sendout.entrypoints.api.responses import json_response, list_envelope, no_content
from sendout.entrypoints.api.schemas.integrations import IntegrationBody
from sendout.services.pipeline import integrations as service

router = APIRouter(tags=["Channels"])


@router.get("/v1/channels", summary="The kinds of channel a distribution can send through")
async def list_channel_kinds(request: Request) -> Response:
    await context(request)
    catalog = channels(request)
    kinds = [spec_object(s) for t in catalog.types if (s := catalog.spec(t)) is not None]
    return json_response(list_envelope("data", kinds, total=len(kinds)))


@router.get("/v1/integrations", summary="The project's configured providers")
async def list_integrations(request: Request) -> Response:
    ctx = await context(request)
    found = await service.list_integrations(storage(request), ctx, channels(request))
    items = [config_object(spec, config) for spec, config in found]
    return json_response(list_envelope("data", items, total=len(items)))


@router.get("/v1/integrations/{provider}", summary="A provider's configuration (no secrets)")
async def get_integration(provider: str, request: Request) -> Response:
    ctx = await context(request)
    spec, config = await service.get_integration(storage(request), ctx, channels(request), provider)
    return json_response(config_object(spec, config))


@router.put(
    "/v1/integrations/{provider}",
    summary="Set a provider's configuration (secrets are write-only)",
    openapi_extra=body_docs(IntegrationBody),
)
async def put_integration(provider: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, IntegrationBody)
    spec, config = await service.put_integration(
        storage(request), ctx, channels(request), provider, body.root
    )
    return json_response(config_object(spec, config))


@router.delete("/v1/integrations/{provider}", status_code=204, summary="Remove a configuration")
async def delete_integration(provider: str, request: Request) -> Response:
    ctx = await context(request)
    await service.delete_integration(storage(request), ctx, channels(request), provider)
    return no_content()
