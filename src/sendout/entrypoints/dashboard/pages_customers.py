"""Customers: a search (exact id or source_id, email or name), and one customer's facts, the
codes they hold (the pull view) and their recent events."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import urlencode

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.activity import ActivityQuery
from sendout.domain.campaigns import VoucherType
from sendout.domain.errors import DomainError
from sendout.domain.events import Event
from sendout.domain.vouchers import EffectiveVoucher, WalletQuery
from sendout.entrypoints.dashboard.page_helpers import (
    PER_PAGE,
    page_number,
    pager,
    refusal,
    refused_page,
)
from sendout.entrypoints.dashboard.web import PREFIX, container, render, signed_in
from sendout.services.accounts.dashboard_queries import search_customers
from sendout.services.customers import customers as service
from sendout.services.promotions import wallet

router = APIRouter(prefix=PREFIX, include_in_schema=False)

CODES_SHOWN = 50
EVENTS_SHOWN = 20

#: What a short summary of an event shows, where its data has it.
_SUMMARY_PATHS: tuple[tuple[str, str], ...] = (
    ("event", "event.type"),
    ("code", "voucher.code"),
    ("campaign", "campaign.name"),
    ("order", "order.id"),
    ("amount", "order.amount"),
    ("redemption", "redemption.id"),
    ("segment", "segment.name"),
    ("tier", "loyalty_tier.name"),
    ("reward", "reward.name"),
    ("points", "balance.points"),
    ("balance", "balance.balance"),
)


def _read(data: Mapping[str, Any], dotted: str) -> Any:
    current: Any = data
    for part in dotted.split("."):
        if not isinstance(current, Mapping):
            return None
        current = current.get(part)
    return current


def event_summary(event: Event) -> str:
    """A line about an event from the fields its data carries (plain text: autoescaped)."""
    parts = []
    for label, dotted in _SUMMARY_PATHS:
        value = _read(event.data, dotted)
        if value is not None and not isinstance(value, Mapping | list):
            parts.append(f"{label} {value}")
    return " · ".join(parts[:4])


def balance_of(voucher: EffectiveVoucher) -> str | None:
    """A gift card's balance (amounts are hundredths) or a loyalty card's points."""
    if voucher.type is VoucherType.GIFT_VOUCHER:
        balance = (voucher.gift or {}).get("balance")
        return None if balance is None else f"{balance / 100:.2f}"
    if voucher.type is VoucherType.LOYALTY_CARD:
        points = (voucher.loyalty_card or {}).get("balance")
        return None if points is None else f"{points} points"
    return None


@router.get("/customers")
async def customers(request: Request) -> Response:
    page = await signed_in(request)
    text = request.query_params.get("q", "").strip()
    number = page_number(request)
    found = await search_customers(
        container(request).uow_factory, page.ctx, text or None, PER_PAGE, number
    )
    previous, following = pager({"q": text} if text else {}, number, found.has_more)
    return render(
        request,
        "customers.html",
        page,
        customers=found.items,
        q=text,
        previous=previous,
        following=following,
        notice=request.query_params.get("notice"),
    )


@router.get("/customers/{customer_id}")
async def customer(request: Request, customer_id: str) -> Response:
    page = await signed_in(request)
    box = container(request)
    try:
        found = await service.get_customer(box.uow_factory, page.ctx, customer_id)
    except DomainError as refused:
        return refused_page(request, page, refused, "Customer not found")
    after = request.query_params.get("codes_after") or None
    error: str | None = None
    codes: list[wallet.WalletEntry] = []
    more_codes: str | None = None
    events: list[Event] = []
    try:
        _, held = await wallet.customer_redeemables(
            box.uow_factory,
            page.ctx,
            found.id,
            WalletQuery(limit=CODES_SHOWN, starting_after_id=after),
        )
        codes = list(held.items)
        if held.has_more and codes:
            more_codes = "?" + urlencode({"codes_after": codes[-1].voucher.voucher.id})
        activity = await service.list_activity(
            box.uow_factory, page.ctx, found.id, ActivityQuery(limit=EVENTS_SHOWN)
        )
        events = list(activity.items)
    except DomainError as refused:
        error = refusal(refused)
    return render(
        request,
        "customer.html",
        page,
        customer=found,
        codes=codes,
        codes_after=after,
        more_codes=more_codes,
        balance_of=balance_of,
        events=events,
        summary_of=event_summary,
        error=error,
    )
