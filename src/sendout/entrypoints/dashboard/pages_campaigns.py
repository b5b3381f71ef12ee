"""Campaigns: each one's type, whether it is active, its code pool, the codes customers hold
and the codes left, and how its code generation stands."""

from __future__ import annotations

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.entrypoints.dashboard.page_helpers import PER_PAGE, page_number, pager
from sendout.entrypoints.dashboard.web import PREFIX, container, render, signed_in
from sendout.services.accounts.dashboard_queries import campaign_codes

router = APIRouter(prefix=PREFIX, include_in_schema=False)


@router.get("/campaigns")
async def campaigns(request: Request) -> Response:
    page = await signed_in(request)
    number = page_number(request)
    found = await campaign_codes(container(request).uow_factory, page.ctx, PER_PAGE, number)
    previous, following = pager({}, number, found.has_more)
    return render(
        request,
        "campaigns.html",
        page,
        rows=found.items,
        total=found.total,
        previous=previous,
        following=following,
        notice=request.query_params.get("notice"),
    )
