"""Response schemas: campaigns (documentation only, never validated per request)."""

from __future__ import annotations

from typing import Any, Literal, NotRequired

# pydantic reads TypedDicts from typing_extensions on Python < 3.12
from typing_extensions import TypedDict


class Campaign(TypedDict):
    """A campaign (``camp_...``): discount coupons, gift vouchers, loyalty program,
    referral program or promotion."""

    id: str
    name: NotRequired[str | None]
    description: NotRequired[str | None]
    campaign_type: NotRequired[str | None]
    type: NotRequired[str | None]
    voucher: NotRequired[dict[str, Any] | None]
    auto_join: NotRequired[bool]
    join_once: NotRequired[bool]
    use_voucher_metadata_schema: NotRequired[bool]
    validity_timeframe: NotRequired[dict[str, Any] | None]
    validity_day_of_week: NotRequired[Any]
    validity_hours: NotRequired[Any]
    activity_duration_after_publishing: NotRequired[str | None]
    vouchers_count: NotRequired[int | None]
    start_date: str | None
    expiration_date: str | None
    active: bool
    metadata: NotRequired[dict[str, Any] | None]
    created_at: NotRequired[str]
    updated_at: NotRequired[str | None]
    category: NotRequired[str | None]
    creation_status: NotRequired[str | None]
    vouchers_generation_status: NotRequired[str | None]
    readonly: NotRequired[bool]
    protected: NotRequired[bool]
    category_id: NotRequired[str | None]
    categories: NotRequired[list[Any]]
    object: Literal["campaign"]
    referral_program: NotRequired[dict[str, Any] | None]
    promotion: NotRequired[dict[str, Any] | None]
    is_referral_code: NotRequired[bool]


class PromotionTier(TypedDict):
    """A promotion tier (``promo_...``) of a promotion campaign."""

    id: str
    name: str | None
    banner: str | None
    action: NotRequired[dict[str, Any] | None]
    metadata: dict[str, Any] | None
    hierarchy: NotRequired[int | None]
    active: NotRequired[bool]
    created_at: str
    updated_at: NotRequired[str | None]
    campaign: NotRequired[dict[str, Any] | None]
    campaign_id: str | None
    object: Literal["promotion_tier"]
    result: NotRequired[dict[str, Any] | None]
    applicable_to: NotRequired[dict[str, Any] | None]
    inapplicable_to: NotRequired[dict[str, Any] | None]
    categories: NotRequired[list[Any]]
    campaign_name: NotRequired[str | None]


class AsyncAction(TypedDict):
    """A background job (``aa_...``) and its progress and result."""

    id: str
    type: str | None
    status: str | None
    operation_status: str | None
    created_at: str
    updated_at: str | None
    processing_time: int | None
    progress: int | None
    result: dict[str, Any] | None
    object: Literal["async_action"]


class CampaignSummary(TypedDict):
    """A campaign's figures (``GET /v1/campaigns/{id}/summary``): counts, and amounts in
    cents; what Sendout does not keep (validations, failed publications) is 0."""

    object: Literal["campaign_summary"]
    campaign: Campaign
    redemptions: int
    redemptions_succeeded: int
    redemptions_failed: int
    rollbacks: int
    rollbacks_succeeded: int
    rollbacks_failed: int
    validations: int
    validations_succeeded: int
    validations_failed: int
    orders_amount: int
    orders_rolledback_amount: int
    vouchers_created: int
    vouchers_deleted: int
    publications: int
    publications_succeeded: int
    publications_failed: int
    discounted_amount: int
    rolledback_discounted_amount: int
    created_vouchers_amount: int
    amount_added: int
    amount_deleted: int
    amount_redeemed: int
    amount_rolledback: int
    amount_subtracted: int
    created_vouchers_points: int
    points_deleted: int
    points_subtracted: int
    points_added: int
    points_rewarded: int
    points_redeemed: int
    points_rolledback: int
    points_expired: int
    points_transferred_out: int
    points_transferred_in: int
    pending_points_added: int
    pending_points_subtracted: int
    pending_points_activated: int
    pending_points_canceled: int
    referred_customers: int
