"""Response schemas: orders (documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class Order(TypedDict):
    """An order (``ord_...``) with its amounts in minor units and the redemptions applied."""

    id: str
    source_id: str | None
    created_at: str
    updated_at: str | None
    status: str | None
    amount: int | None
    initial_amount: int | None
    discount_amount: int | None
    items_discount_amount: int | None
    total_discount_amount: int | None
    total_amount: int | None
    applied_discount_amount: int | None
    items_applied_discount_amount: int | None
    total_applied_discount_amount: int | None
    items: list[Any]
    metadata: dict[str, Any] | None
    customer_id: str | None
    referrer_id: str | None
    object: Literal["order"]
    redemptions: dict[str, Any] | None
    customer: dict[str, Any] | None
    referrer: dict[str, Any] | None
