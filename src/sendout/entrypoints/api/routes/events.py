"""``POST /v1/events``: track a custom event."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.customers import simple_customer
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.direct_route import DirectRoute
from sendout.entrypoints.api.responses import json_response
from sendout.entrypoints.api.schemas.events import EventBody
from sendout.services.customers.events import track_custom_event

router = APIRouter(prefix="/v1/events", tags=["Events"], route_class=DirectRoute)


@router.post(
    "",
    summary="Track a custom event (the customer is created or updated inline)",
    openapi_extra=body_docs(EventBody),
)
async def track_event(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, EventBody)
    tracked = await track_custom_event(
        storage(request),
        ctx,
        name=body.event,
        customer=body.customer.to_ref(),
        metadata=body.metadata or {},
        referral=body.referral.to_ref() if body.referral else None,
        loyalty=body.loyalty.to_ref() if body.loyalty else None,
    )
    return json_response(
        {
            "object": "event",
            "type": tracked.name,
            "customer": simple_customer(tracked.customer),
            "referral": (
                None
                if tracked.referral is None
                else {"code": tracked.referral.code, "referrer_id": tracked.referral.referrer_id}
            ),
            "loyalty": None if tracked.loyalty is None else {"code": tracked.loyalty.code},
            "metadata": dict(tracked.metadata),
        }
    )
