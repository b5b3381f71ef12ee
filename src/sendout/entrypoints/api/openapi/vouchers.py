"""Response schemas: vouchers (documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class Voucher(TypedDict):
    """A code: discount voucher, gift card or loyalty card (``v_...``). Fields beyond the
    required ones depend on the type and on where it appears (validations add ``result``)."""

    id: str
    code: NotRequired[str | None]
    campaign: NotRequired[str | None]
    campaign_id: str | None
    category: NotRequired[str | None]
    category_id: NotRequired[str | None]
    categories: NotRequired[list[Any]]
    type: NotRequired[str | None]
    discount: NotRequired[dict[str, Any] | None]
    gift: NotRequired[dict[str, Any] | None]
    loyalty_card: NotRequired[dict[str, Any] | None]
    start_date: NotRequired[str | None]
    expiration_date: NotRequired[str | None]
    validity_timeframe: NotRequired[dict[str, Any] | None]
    validity_day_of_week: NotRequired[Any]
    validity_hours: NotRequired[Any]
    active: NotRequired[bool]
    additional_info: NotRequired[str | None]
    metadata: dict[str, Any] | None
    is_referral_code: NotRequired[bool]
    holder_id: NotRequired[str | None]
    referrer_id: NotRequired[str | None]
    created_at: NotRequired[str]
    updated_at: NotRequired[str | None]
    publish: NotRequired[dict[str, Any] | None]
    redemption: NotRequired[dict[str, Any] | None]
    object: Literal["voucher"]
    result: NotRequired[dict[str, Any] | None]
    name: NotRequired[str | None]
    applicable_to: NotRequired[dict[str, Any] | None]
    inapplicable_to: NotRequired[dict[str, Any] | None]
    campaign_name: NotRequired[str | None]
    status: NotRequired[str | None]
    order: NotRequired[dict[str, Any] | None]


class Balance(TypedDict):
    """A gift card's or loyalty card's balance after an adjustment."""

    points: NotRequired[int | None]
    total: int | None
    object: Literal["balance"]
    related_object: dict[str, Any] | None
    operation_type: str | None
    balance: NotRequired[int | None]
    type: NotRequired[str | None]
    amount: NotRequired[int | None]


class Transaction(TypedDict):
    """One change of a gift card's or loyalty card's balance."""

    id: str
    source_id: str | None
    voucher_id: str | None
    campaign_id: str | None
    source: str | None
    reason: str | None
    type: str | None
    details: dict[str, Any] | None
    related_transaction_id: str | None
    created_at: str


class Publication(TypedDict):
    """A code published to a customer (``pub_...``)."""

    id: str
    object: Literal["publication"]
    created_at: str
    customer_id: str | None
    tracking_id: str | None
    metadata: dict[str, Any] | None
    channel: str | None
    source_id: str | None
    result: str | None
    customer: dict[str, Any] | None
    vouchers_id: list[str]
    voucher: NotRequired[dict[str, Any] | None]


class Product(TypedDict):
    """A product a material reward hands out."""

    id: str
    source_id: str | None
    name: str | None
    price: int | None
    attributes: list[Any]
    metadata: dict[str, Any] | None
    object: Literal["product"]
