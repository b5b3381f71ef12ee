"""The send-out log (filters, pager), one send-out with its request and attempts, sending one
again, and recovering a distribution's failed send-outs."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.distributions import Distribution
from sendout.domain.errors import DomainError
from sendout.domain.secret_headers import masked
from sendout.domain.sendouts import SendoutQuery, SendoutStatus, in_flight
from sendout.entrypoints.dashboard.page_helpers import (
    PER_PAGE,
    page_number,
    pager,
    parse_moment,
    refusal,
    refused_page,
)
from sendout.entrypoints.dashboard.web import (
    PREFIX,
    container,
    go,
    posted,
    query_of,
    render,
    signed_in,
)
from sendout.services.pipeline import distributions as distributions_service
from sendout.services.pipeline import sendouts as service

router = APIRouter(prefix=PREFIX, include_in_schema=False)

FILTERS = (
    "distribution_id",
    "status",
    "customer_id",
    "event_type",
    "created_after",
    "created_before",
)


@router.get("/sendouts")
async def sendouts(request: Request) -> Response:
    page = await signed_in(request)
    box = container(request)
    given = query_of(request)
    filters = {name: given[name] for name in FILTERS if name in given}
    number = page_number(request)
    error: str | None = None
    items: list[object] = []
    has_more = False
    total: int | None = 0
    distribution: Distribution | None = None
    try:
        status = filters.get("status")
        if status is not None and status not in SendoutStatus.__members__:
            raise ValueError(f"status: one of {', '.join(SendoutStatus)}, not {status!r}")
        query = SendoutQuery(
            limit=PER_PAGE,
            page=number,
            distribution_id=filters.get("distribution_id"),
            status=SendoutStatus(status) if status else None,
            customer_id=filters.get("customer_id"),
            event_type=filters.get("event_type"),
            created_after=parse_moment("created after", filters.get("created_after")),
            created_before=parse_moment("created before", filters.get("created_before")),
        )
        found = await service.list_sendouts(box.uow_factory, page.ctx, query)
        items, has_more, total = list(found.items), found.has_more, found.total
    except ValueError as bad:
        error = str(bad)
    except DomainError as refused:
        error = refusal(refused)
    if "distribution_id" in filters:
        try:
            distribution = await distributions_service.get_distribution(
                box.uow_factory, page.ctx, filters["distribution_id"]
            )
        except DomainError:
            distribution = None  # a project webhook's send-outs, or an unknown id
    previous, following = pager(filters, number, has_more)
    return render(
        request,
        "sendouts.html",
        page,
        sendouts=items,
        total=total,
        filters=filters,
        statuses=[s.value for s in SendoutStatus],
        distribution=distribution,
        previous=previous,
        following=following,
        notice=request.query_params.get("notice"),
        error=error or request.query_params.get("error"),
    )


@router.get("/sendouts/{sendout_id}")
async def sendout(request: Request, sendout_id: str) -> Response:
    page = await signed_in(request)
    box = container(request)
    try:
        found = await service.get_sendout(box.uow_factory, page.ctx, sendout_id)
    except DomainError as refused:
        return refused_page(request, page, refused, "Send-out not found")
    sent = found.sendout
    return render(
        request,
        "sendout.html",
        page,
        # Recorded masked since secret headers exist; masked again for rows from before.
        sendout=replace(sent, headers=masked(sent.headers)),
        body=sent.body.decode("utf-8", errors="replace"),
        attempts=found.attempts,
        # Waiting for a retry may be sent now too; only an attempt in flight may not.
        resendable=not in_flight(sent, page.ctx.now()),
        notice=request.query_params.get("notice"),
        error=request.query_params.get("error"),
    )


@router.post("/sendouts/{sendout_id}/resend")
async def resend(request: Request, sendout_id: str) -> Response:
    page = await signed_in(request)
    await posted(request, page)
    try:
        await service.resend(container(request).uow_factory, page.ctx, sendout_id)
    except DomainError as refused:
        return go(f"/sendouts/{sendout_id}", error=f"Not resent: {refusal(refused)}")
    return go(f"/sendouts/{sendout_id}", "Send-out queued again: it goes out now")


@router.post("/distributions/{distribution_id}/recover")
async def recover(request: Request, distribution_id: str) -> Response:
    page = await signed_in(request)
    fields = await posted(request, page)
    back = {"distribution_id": distribution_id}
    try:
        since: datetime | None = parse_moment("since", fields.get("since"))
    except ValueError as bad:
        return go("/sendouts", error=str(bad), **back)
    if since is None:
        return go("/sendouts", error="since: choose when the failures to send again began", **back)
    try:
        count = await distributions_service.recover(
            container(request).uow_factory, page.ctx, distribution_id, since
        )
    except DomainError as refused:
        return go("/sendouts", error=f"Not recovered: {refusal(refused)}", **back)
    noun = "send-out" if count == 1 else "send-outs"
    return go("/sendouts", f"{count} {noun} queued again", **back)
