"""``/v1/distributions``: triggers, actions, webhook channels, and the "Show output" preview."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.clock import iso
from sendout.domain.distributions import (
    Distribution,
    DistributionQuery,
    DistributionStatus,
    distribution_object,
)
from sendout.domain.sendouts import SendoutStatus
from sendout.entrypoints.api.deps import (
    body_docs,
    channels,
    context,
    parse_body,
    storage,
    target_probe,
)
from sendout.entrypoints.api.query import (
    Q,
    parse_enum,
    parse_limit,
    parse_page,
    present,
)
from sendout.entrypoints.api.responses import (
    json_response,
    no_content,
    page_response,
)
from sendout.entrypoints.api.schemas.distributions import (
    DistributionBody,
    DistributionPreviewBody,
    PreviewBody,
    RecoverBody,
)
from sendout.services.context import Context
from sendout.services.pipeline import channel_secrets, distribution_preview
from sendout.services.pipeline import distributions as service
from sendout.services.pipeline.distribution_preview import PreviewOutput
from sendout.services.pipeline.target_warnings import distribution_warnings

router = APIRouter(prefix="/v1/distributions", tags=["Distributions"])


def _previews(outputs: list[PreviewOutput], warnings: list[str]) -> dict[str, Any]:
    return {
        "outputs": [
            {
                "channel": {
                    "id": o.channel.id,
                    "type": o.channel.type,
                    "event_name": o.channel.event_name,
                },
                "body": o.body,
                "skipped": o.skipped,
            }
            for o in outputs
        ],
        "warnings": warnings,
    }


async def _counted(request: Request, ctx: Context, distribution: Distribution) -> dict[str, Any]:
    counts = await service.sendout_counts(storage(request), ctx, [distribution.id])
    return _with_statistics(distribution, counts[distribution.id])


async def _shown(request: Request, ctx: Context, distribution: Distribution) -> Response:
    return json_response(await _counted(request, ctx, distribution))


async def _saved(request: Request, ctx: Context, distribution: Distribution) -> Response:
    """A saved distribution, with a warning for each webhook channel that cannot be delivered
    to now (about now, not the object: never stored, so only in the save's answer; absent when
    there is none, so the answer is what a read gives)."""
    body = await _counted(request, ctx, distribution)
    warnings = await distribution_warnings(
        distribution, channels(request).targets, target_probe(request)
    )
    return json_response({**body, "warnings": warnings} if warnings else body)


def _with_statistics(distribution: Distribution, counts: dict[str, int]) -> dict[str, Any]:
    """The distribution with its send-outs by status (SKIPPED ones included)."""
    body = distribution_object(distribution)
    by_status = {status.value: counts.get(status.value, 0) for status in SendoutStatus}
    body["statistics"] = {"sendouts": {**by_status, "total": sum(by_status.values())}}
    return body


@router.post("", summary="Create a distribution", openapi_extra=body_docs(DistributionBody))
async def create_distribution(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, DistributionBody)
    created = await service.create_distribution(
        storage(request), ctx, body.to_draft(), catalog=channels(request)
    )
    return await _saved(request, ctx, created)


@router.get("", summary="List distributions (filter by status and trigger event)")
async def list_distributions(
    request: Request,
    limit: Q = None,
    page: Q = None,
    status: Q = None,
    trigger: Annotated[str | None, Query(description="trigger event type")] = None,
) -> Response:
    ctx = await context(request)
    query = DistributionQuery(
        limit=parse_limit(limit),
        page=parse_page(page),
        status=parse_enum("status", status, DistributionStatus),
        trigger_event=present(trigger),
    )
    found = await service.list_distributions(storage(request), ctx, query)
    counts = await service.sendout_counts(storage(request), ctx, [d.id for d in found.items])
    return page_response("distributions", found, lambda d: _with_statistics(d, counts[d.id]))


@router.post(
    "/preview",
    summary='Render what channels would send ("Show output"), with sample data or a real event',
    openapi_extra=body_docs(PreviewBody),
)
async def preview(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, PreviewBody)
    drafts = [*(body.channels or []), *([body.channel] if body.channel else [])]
    built = service.build_channels(ctx, [c.to_draft() for c in drafts])
    outputs, warnings = await distribution_preview.preview(
        storage(request),
        ctx,
        trigger=body.trigger.to_trigger(body.conditions),
        action=body.action.to_action(),
        channels=built,
        catalog=channels(request),
        event_id=body.event_id,
    )
    return json_response(_previews(outputs, warnings))


@router.get("/{distribution_id}", summary="Get a distribution")
async def get_distribution(distribution_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await service.get_distribution(storage(request), ctx, distribution_id)
    return await _shown(request, ctx, found)


@router.put(
    "/{distribution_id}",
    summary="Replace a distribution (channels keep their secrets by id)",
    openapi_extra=body_docs(DistributionBody),
)
async def update_distribution(distribution_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, DistributionBody)
    updated = await service.update_distribution(
        storage(request), ctx, distribution_id, body.to_draft(), catalog=channels(request)
    )
    return await _saved(request, ctx, updated)


@router.delete("/{distribution_id}", status_code=204, summary="Delete a distribution")
async def delete_distribution(distribution_id: str, request: Request) -> Response:
    await service.delete_distribution(storage(request), await context(request), distribution_id)
    return no_content()


async def _set_status(
    request: Request, distribution_id: str, status: DistributionStatus
) -> Response:
    ctx = await context(request)
    updated = await service.set_status(storage(request), ctx, distribution_id, status)
    return await _shown(request, ctx, updated)


@router.post("/{distribution_id}/pause", summary="Pause a distribution")
async def pause(distribution_id: str, request: Request) -> Response:
    return await _set_status(request, distribution_id, DistributionStatus.PAUSED)


@router.post("/{distribution_id}/activate", summary='Activate a distribution ("set live")')
async def activate(distribution_id: str, request: Request) -> Response:
    return await _set_status(request, distribution_id, DistributionStatus.ACTIVE)


@router.post("/{distribution_id}/cancel", summary="Cancel a manual distribution before it starts")
async def cancel(distribution_id: str, request: Request) -> Response:
    return await _set_status(request, distribution_id, DistributionStatus.CANCELED)


@router.post(
    "/{distribution_id}/recover",
    summary="Queue again every send-out that failed since a moment",
    openapi_extra=body_docs(RecoverBody),
)
async def recover(distribution_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, RecoverBody)
    count = await service.recover(storage(request), ctx, distribution_id, body.since)
    return json_response(
        {
            "object": "recovery",
            "distribution_id": distribution_id,
            "since": iso(body.since),
            "requeued": count,
        }
    )


@router.get(
    "/{distribution_id}/channels/{channel_id}/secret",
    summary="Read a webhook channel's signing secret",
)
async def channel_secret(distribution_id: str, channel_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await channel_secrets.channel_secret(storage(request), ctx, distribution_id, channel_id)
    return json_response(found.as_object())


@router.post(
    "/{distribution_id}/channels/{channel_id}/secret/rotate",
    summary="Rotate a webhook channel's secret (the old one keeps signing for 24 hours)",
)
async def rotate_channel_secret(
    distribution_id: str, channel_id: str, request: Request
) -> Response:
    ctx = await context(request)
    rotated = await channel_secrets.rotate_channel_secret(
        storage(request), ctx, distribution_id, channel_id
    )
    return json_response(rotated.as_object())


@router.post(
    "/{distribution_id}/preview",
    summary="Render what this distribution's channels would send",
    openapi_extra=body_docs(DistributionPreviewBody),
)
async def preview_distribution(distribution_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, DistributionPreviewBody)
    found = await service.get_distribution(storage(request), ctx, distribution_id)
    outputs, warnings = await distribution_preview.preview(
        storage(request),
        ctx,
        trigger=found.trigger,
        action=found.action,
        channels=found.channels,
        catalog=channels(request),
        distribution_id=found.id,
        event_id=body.event_id,
    )
    return json_response(_previews(outputs, warnings))
