"""Response schemas: redemptions (documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class Redemption(TypedDict):
    """A redemption (``r_...``) of a voucher, a promotion tier or a loyalty reward."""

    id: str
    object: Literal["redemption"]
    date: str | None
    customer_id: str | None
    tracking_id: str | None
    metadata: NotRequired[dict[str, Any] | None]
    amount: int | None
    redemption: NotRequired[str | None]
    result: str | None
    status: str | None
    related_redemptions: NotRequired[dict[str, Any] | None]
    failure_code: str | None
    failure_message: NotRequired[str | None]
    order: NotRequired[dict[str, Any] | None]
    channel: NotRequired[dict[str, Any] | None]
    customer: NotRequired[dict[str, Any] | None]
    related_object_type: str | None
    related_object_id: str | None
    voucher: NotRequired[dict[str, Any] | None]
    reward: NotRequired[dict[str, Any] | None]
    loyalty_card: NotRequired[dict[str, Any] | None]
    promotion_tier: NotRequired[dict[str, Any] | None]


class RedemptionRollback(TypedDict):
    """A rollback (``rr_...``) of a redemption."""

    id: str
    object: Literal["redemption_rollback"]
    date: str | None
    customer_id: str | None
    tracking_id: str | None
    metadata: dict[str, Any] | None
    amount: int | None
    redemption: str | None
    result: str | None
    status: str | None
    related_redemptions: dict[str, Any] | None
    failure_code: str | None
    failure_message: str | None
    order: dict[str, Any] | None
    channel: dict[str, Any] | None
    customer: dict[str, Any] | None
    related_object_type: str | None
    related_object_id: str | None
    voucher: dict[str, Any] | None
    reason: str | None


class RedeemResult(TypedDict):
    """The result of a stacked redemption: each redemption and their parent."""

    redemptions: list[dict[str, Any]]
    parent_redemption: dict[str, Any] | None
    order: dict[str, Any] | None
    inapplicable_redeemables: list[Any]
    skipped_redeemables: list[Any]


class ValidationResult(TypedDict):
    """Whether redeemables apply, each with its ``result``, without redeeming them."""

    valid: bool
    redeemables: list[dict[str, Any]]
    inapplicable_redeemables: list[Any]
    skipped_redeemables: list[Any]
    order: dict[str, Any] | None
    tracking_id: str | None
    #: the validation session opened (a request with ``session``): key, type, ttl, ttl_unit
    session: NotRequired[dict[str, Any]]
    stacking_rules: dict[str, Any] | None


class QualificationResult(TypedDict):
    """The redeemables a customer (and order) qualifies for."""

    redeemables: dict[str, Any] | None
    tracking_id: str | None
    order: dict[str, Any] | None
    stacking_rules: dict[str, Any] | None


class StackedRollbackResult(TypedDict):
    """The rollback of every redemption of a stacked request, and of their parent."""

    rollbacks: list[RedemptionRollback]
    parent_rollback: dict[str, Any]
    order: dict[str, Any] | None
