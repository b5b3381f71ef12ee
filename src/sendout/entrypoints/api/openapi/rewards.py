"""Response schemas: rewards (documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class Reward(TypedDict):
    """A reward (``rew_...``): a campaign's credits, a coupon, or a material product."""

    customer: NotRequired[dict[str, Any] | None]
    assignment_id: NotRequired[str | None]
    voucher: NotRequired[dict[str, Any] | None]
    product: NotRequired[dict[str, Any] | None]
    sku: NotRequired[str | None]
    loyalty_tier_id: NotRequired[str | None]
    id: str
    name: str | None
    object: Literal["reward"]
    created_at: str
    updated_at: str | None
    parameters: dict[str, Any] | None
    metadata: dict[str, Any] | None
    type: str | None
    stock: NotRequired[int | None]
    redeemed: NotRequired[int | None]
    attributes: NotRequired[dict[str, Any] | None]


class RewardAssignment(TypedDict):
    """A reward's assignment to a loyalty program (``rewa_...``), with its price."""

    id: str
    reward_id: str | None
    created_at: str
    updated_at: str | None
    object: Literal["reward_assignment"]
    related_object_id: str | None
    related_object_type: str | None
    parameters: dict[str, Any] | None
