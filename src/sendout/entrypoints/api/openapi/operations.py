"""What each operation answers on success: the table the OpenAPI document is built from.

Routes answer with plain dicts (no per-request validation: it would cost the hot path), so
their success schemas are declared here, once per operation. ``document.py`` refuses to
build a schema for an operation missing here, so a new route cannot go undocumented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sendout.entrypoints.api.openapi.campaigns import (
    AsyncAction,
    Campaign,
    CampaignSummary,
    PromotionTier,
)
from sendout.entrypoints.api.openapi.common import AsyncActionStarted, Health, Readiness
from sendout.entrypoints.api.openapi.customers import (
    Customer,
    CustomerActivity,
    CustomerRedeemable,
    PermanentDeletion,
    Segment,
    TrackedEvent,
)
from sendout.entrypoints.api.openapi.distributions import Distribution, Preview, Recovery
from sendout.entrypoints.api.openapi.exports import Export
from sendout.entrypoints.api.openapi.integrations import ChannelKind, Integration
from sendout.entrypoints.api.openapi.loyalties import (
    EarningRule,
    LoyaltyTier,
    MemberReward,
    PendingPoints,
    PointsBucket,
    TierReward,
)
from sendout.entrypoints.api.openapi.notifications import (
    Notification,
    NotificationSettings,
    NotificationsRead,
)
from sendout.entrypoints.api.openapi.orders import Order
from sendout.entrypoints.api.openapi.redemptions import (
    QualificationResult,
    RedeemResult,
    Redemption,
    RedemptionRollback,
    StackedRollbackResult,
    ValidationResult,
)
from sendout.entrypoints.api.openapi.referrals import HoldersAdded, RedeemableHolder
from sendout.entrypoints.api.openapi.rewards import Reward, RewardAssignment
from sendout.entrypoints.api.openapi.sendouts import Sendout
from sendout.entrypoints.api.openapi.vouchers import Balance, Publication, Transaction, Voucher
from sendout.entrypoints.api.openapi.webhooks import ProjectWebhook, SigningSecret


@dataclass(frozen=True)
class Listing:
    """A Voucherify list envelope of ``item``s under ``data_ref``, named ``name``."""

    name: str
    data_ref: str
    item: Any


@dataclass(frozen=True)
class Many:
    """A bare JSON array of ``item``s (bulk creations)."""

    item: Any


@dataclass(frozen=True)
class OneOrMany:
    """One ``item`` when one was given, an array of them otherwise."""

    item: Any


@dataclass(frozen=True)
class Success:
    status: int
    #: a TypedDict, a Listing, Many, OneOrMany, or None for an empty answer
    body: Any


def ok(body: Any) -> Success:
    """A 200 answer with ``body``."""
    return Success(200, body)


NO_CONTENT = Success(204, None)

#: the list answers, each named once (several operations answer the same list)
PUBLICATION_LIST = Listing("PublicationList", "publications", Publication)
CUSTOMER_LIST = Listing("CustomerList", "customers", Customer)
CUSTOMER_REDEEMABLE_LIST = Listing("CustomerRedeemableList", "data", CustomerRedeemable)
CUSTOMER_ACTIVITY_LIST = Listing("CustomerActivityList", "data", CustomerActivity)
MEMBER_ACTIVITY_LIST = Listing("MemberActivityList", "data", CustomerActivity)
SEGMENT_LIST = Listing("SegmentList", "data", Segment)
VOUCHER_LIST = Listing("VoucherList", "vouchers", Voucher)
TRANSACTION_LIST = Listing("TransactionList", "data", Transaction)
CAMPAIGN_LIST = Listing("CampaignList", "campaigns", Campaign)
PROMOTION_TIER_LIST = Listing("PromotionTierList", "tiers", PromotionTier)
ASYNC_ACTION_LIST = Listing("AsyncActionList", "async_actions", AsyncAction)
DISTRIBUTION_LIST = Listing("DistributionList", "distributions", Distribution)
SENDOUT_LIST = Listing("SendoutList", "sendouts", Sendout)
NOTIFICATION_LIST = Listing("NotificationList", "notifications", Notification)
PROJECT_WEBHOOK_LIST = Listing("ProjectWebhookList", "webhooks", ProjectWebhook)
ORDER_LIST = Listing("OrderList", "orders", Order)
REDEMPTION_LIST = Listing("RedemptionList", "redemptions", Redemption)
VOUCHER_REDEMPTION_LIST = Listing("VoucherRedemptionList", "redemption_entries", Redemption)
MEMBER_REWARD_LIST = Listing("MemberRewardList", "data", MemberReward)
REWARD_ASSIGNMENT_LIST = Listing("RewardAssignmentList", "data", RewardAssignment)
PENDING_POINTS_LIST = Listing("PendingPointsList", "data", PendingPoints)
POINTS_BUCKET_LIST = Listing("PointsBucketList", "data", PointsBucket)
LOYALTY_TIER_LIST = Listing("LoyaltyTierList", "data", LoyaltyTier)
EARNING_RULE_LIST = Listing("EarningRuleList", "data", EarningRule)
TIER_REWARD_LIST = Listing("TierRewardList", "data", TierReward)
REWARD_LIST = Listing("RewardList", "data", Reward)
CHANNEL_KIND_LIST = Listing("ChannelKindList", "data", ChannelKind)
INTEGRATION_LIST = Listing("IntegrationList", "data", Integration)
HOLDER_LIST = Listing("RedeemableHolderList", "data", RedeemableHolder)
EXPORT_LIST = Listing("ExportList", "exports", Export)

SUCCESS: dict[tuple[str, str], Success] = {
    ("POST", "/v1/events"): ok(TrackedEvent),
    ("POST", "/v1/publications"): ok(Publication),
    ("GET", "/v1/publications"): ok(PUBLICATION_LIST),
    ("GET", "/v1/publications/create"): ok(Publication),
    ("POST", "/v1/customers"): ok(Customer),
    ("GET", "/v1/customers"): ok(CUSTOMER_LIST),
    ("GET", "/v1/customers/{customer_id}"): ok(Customer),
    ("PUT", "/v1/customers/{customer_id}"): ok(Customer),
    ("DELETE", "/v1/customers/{customer_id}"): NO_CONTENT,
    ("POST", "/v1/customers/{customer_id}/permanent-deletion"): ok(PermanentDeletion),
    ("GET", "/v1/customers/{customer_id}/redeemables"): ok(CUSTOMER_REDEEMABLE_LIST),
    ("GET", "/v1/customers/{customer_id}/activity"): ok(CUSTOMER_ACTIVITY_LIST),
    ("GET", "/v1/customers/{customer_id}/segments"): ok(SEGMENT_LIST),
    ("POST", "/v1/vouchers"): ok(Voucher),
    ("GET", "/v1/vouchers"): ok(VOUCHER_LIST),
    ("POST", "/v1/vouchers/{code}"): ok(Voucher),
    ("GET", "/v1/vouchers/{code}"): ok(Voucher),
    ("PUT", "/v1/vouchers/{code}"): ok(Voucher),
    ("DELETE", "/v1/vouchers/{code}"): NO_CONTENT,
    ("POST", "/v1/vouchers/{code}/enable"): ok(Voucher),
    ("POST", "/v1/vouchers/{code}/disable"): ok(Voucher),
    ("POST", "/v1/vouchers/{code}/balance"): ok(Balance),
    ("GET", "/v1/vouchers/{code}/transactions"): ok(TRANSACTION_LIST),
    ("POST", "/v1/campaigns"): ok(Campaign),
    ("GET", "/v1/campaigns"): ok(CAMPAIGN_LIST),
    ("GET", "/v1/campaigns/{campaign_id}"): ok(Campaign),
    ("GET", "/v1/campaigns/{campaign_id}/summary"): ok(CampaignSummary),
    ("GET", "/v1/campaigns/{campaign_id}/transactions"): ok(TRANSACTION_LIST),
    ("PUT", "/v1/campaigns/{campaign_id}"): ok(Campaign),
    ("DELETE", "/v1/campaigns/{campaign_id}"): ok(AsyncActionStarted),
    ("POST", "/v1/campaigns/{campaign_id}/enable"): ok(Campaign),
    ("POST", "/v1/campaigns/{campaign_id}/disable"): ok(Campaign),
    ("POST", "/v1/campaigns/{campaign_id}/vouchers"): ok(Voucher),
    ("POST", "/v1/campaigns/{campaign_id}/vouchers/{code}"): ok(Voucher),
    ("POST", "/v1/campaigns/{campaign_id}/import"): Success(202, AsyncActionStarted),
    ("GET", "/v1/promotions/tiers"): ok(PROMOTION_TIER_LIST),
    ("GET", "/v1/promotions/tiers/{promotion_tier_id}"): ok(PromotionTier),
    ("PUT", "/v1/promotions/tiers/{promotion_tier_id}"): ok(PromotionTier),
    ("DELETE", "/v1/promotions/tiers/{promotion_tier_id}"): NO_CONTENT,
    ("POST", "/v1/promotions/tiers/{promotion_tier_id}/enable"): ok(PromotionTier),
    ("POST", "/v1/promotions/tiers/{promotion_tier_id}/disable"): ok(PromotionTier),
    ("GET", "/v1/promotions/{campaign_id}/tiers"): ok(PROMOTION_TIER_LIST),
    ("POST", "/v1/promotions/{campaign_id}/tiers"): ok(PromotionTier),
    ("POST", "/v1/campaigns/{campaign_id}/importCSV"): Success(202, AsyncActionStarted),
    ("POST", "/v1/customers/bulk/async"): Success(202, AsyncActionStarted),
    ("POST", "/v1/customers/metadata/async"): Success(202, AsyncActionStarted),
    ("POST", "/v1/customers/importCSV"): Success(202, AsyncActionStarted),
    ("POST", "/v1/vouchers/import"): Success(202, AsyncActionStarted),
    ("POST", "/v1/vouchers/importCSV"): Success(202, AsyncActionStarted),
    ("POST", "/v1/vouchers/bulk/async"): Success(202, AsyncActionStarted),
    ("POST", "/v1/vouchers/metadata/async"): Success(202, AsyncActionStarted),
    ("POST", "/v1/qualifications"): ok(QualificationResult),
    ("GET", "/v1/async-actions"): ok(ASYNC_ACTION_LIST),
    ("GET", "/v1/async-actions/{async_action_id}"): ok(AsyncAction),
    ("POST", "/v1/distributions"): ok(Distribution),
    ("GET", "/v1/distributions"): ok(DISTRIBUTION_LIST),
    ("POST", "/v1/distributions/preview"): ok(Preview),
    ("GET", "/v1/distributions/{distribution_id}"): ok(Distribution),
    ("PUT", "/v1/distributions/{distribution_id}"): ok(Distribution),
    ("DELETE", "/v1/distributions/{distribution_id}"): NO_CONTENT,
    ("POST", "/v1/distributions/{distribution_id}/pause"): ok(Distribution),
    ("POST", "/v1/distributions/{distribution_id}/activate"): ok(Distribution),
    ("POST", "/v1/distributions/{distribution_id}/cancel"): ok(Distribution),
    ("POST", "/v1/distributions/{distribution_id}/recover"): ok(Recovery),
    ("GET", "/v1/distributions/{distribution_id}/channels/{channel_id}/secret"): ok(SigningSecret),
    ("POST", "/v1/distributions/{distribution_id}/channels/{channel_id}/secret/rotate"): ok(
        SigningSecret
    ),
    ("POST", "/v1/distributions/{distribution_id}/preview"): ok(Preview),
    ("GET", "/v1/sendouts"): ok(SENDOUT_LIST),
    ("GET", "/v1/sendouts/{sendout_id}"): ok(Sendout),
    ("POST", "/v1/sendouts/{sendout_id}/resend"): ok(Sendout),
    ("GET", "/v1/notifications"): ok(NOTIFICATION_LIST),
    ("POST", "/v1/notifications/read"): ok(NotificationsRead),
    ("GET", "/v1/notifications/settings"): ok(NotificationSettings),
    ("PUT", "/v1/notifications/settings"): ok(NotificationSettings),
    ("GET", "/v1/notifications/{notification_id}"): ok(Notification),
    ("POST", "/v1/notifications/{notification_id}/read"): ok(Notification),
    ("POST", "/v1/webhooks"): ok(ProjectWebhook),
    ("GET", "/v1/webhooks"): ok(PROJECT_WEBHOOK_LIST),
    ("GET", "/v1/webhooks/{webhook_id}"): ok(ProjectWebhook),
    ("PUT", "/v1/webhooks/{webhook_id}"): ok(ProjectWebhook),
    ("DELETE", "/v1/webhooks/{webhook_id}"): NO_CONTENT,
    ("POST", "/v1/webhooks/{webhook_id}/enable"): ok(ProjectWebhook),
    ("POST", "/v1/webhooks/{webhook_id}/disable"): ok(ProjectWebhook),
    ("GET", "/v1/webhooks/{webhook_id}/secret"): ok(SigningSecret),
    ("POST", "/v1/webhooks/{webhook_id}/secret/rotate"): ok(SigningSecret),
    ("POST", "/v1/orders"): ok(Order),
    ("POST", "/v1/orders/import"): Success(202, AsyncActionStarted),
    ("GET", "/v1/orders"): ok(ORDER_LIST),
    ("GET", "/v1/orders/{order_id}"): ok(Order),
    ("PUT", "/v1/orders/{order_id}"): ok(Order),
    ("POST", "/v1/segments"): ok(Segment),
    ("GET", "/v1/segments"): ok(SEGMENT_LIST),
    ("GET", "/v1/segments/{segment_id}"): ok(Segment),
    ("DELETE", "/v1/segments/{segment_id}"): NO_CONTENT,
    ("POST", "/v1/redemptions"): ok(RedeemResult),
    ("GET", "/v1/redemptions"): ok(REDEMPTION_LIST),
    ("POST", "/v1/validations"): ok(ValidationResult),
    ("DELETE", "/v1/vouchers/{code}/sessions/{session_key}"): NO_CONTENT,
    ("GET", "/v1/redemptions/{redemption_id}"): ok(Redemption),
    ("POST", "/v1/redemptions/{redemption_id}/rollback"): ok(RedemptionRollback),
    ("POST", "/v1/redemptions/{parent_id}/rollbacks"): ok(StackedRollbackResult),
    ("GET", "/v1/vouchers/{code}/redemption"): ok(VOUCHER_REDEMPTION_LIST),
    ("GET", "/v1/loyalties/members/{member_id}/rewards"): ok(MEMBER_REWARD_LIST),
    ("POST", "/v1/loyalties/members/{member_id}/redemption"): ok(Redemption),
    ("POST", "/v1/loyalties/{program_id}/members/{member_id}/redemption"): ok(Redemption),
    ("POST", "/v1/loyalties/{program_id}/rewards"): ok(OneOrMany(RewardAssignment)),
    ("GET", "/v1/loyalties/{program_id}/rewards"): ok(REWARD_ASSIGNMENT_LIST),
    ("GET", "/v1/loyalties/{program_id}/reward-assignments"): ok(REWARD_ASSIGNMENT_LIST),
    ("GET", "/v1/loyalties/{program_id}/rewards/{assignment_id}"): ok(RewardAssignment),
    ("PUT", "/v1/loyalties/{program_id}/rewards/{assignment_id}"): ok(RewardAssignment),
    ("DELETE", "/v1/loyalties/{program_id}/rewards/{assignment_id}"): NO_CONTENT,
    ("GET", "/v1/loyalties/{program_id}/reward-assignments/{assignment_id}"): ok(RewardAssignment),
    ("GET", "/v1/loyalties/{program_id}/reward-assignments/{assignment_id}/reward"): ok(Reward),
    ("GET", "/v1/loyalties/members/{member_id}/pending-points"): ok(PENDING_POINTS_LIST),
    ("POST", "/v1/loyalties/members/{member_id}/pending-points/{pending_id}/activate"): ok(Balance),
    ("POST", "/v1/loyalties/members/{member_id}/pending-points/{pending_id}/balance"): ok(Balance),
    ("POST", "/v1/loyalties/members/{member_id}/pending-points/{pending_id}/cancel"): NO_CONTENT,
    ("GET", "/v1/loyalties/{program_id}/members/{member_id}/pending-points"): ok(
        PENDING_POINTS_LIST
    ),
    ("GET", "/v1/loyalties/{program_id}/pending-points"): ok(PENDING_POINTS_LIST),
    ("GET", "/v1/loyalties/{program_id}/members/{member_id}/points-expiration"): ok(
        POINTS_BUCKET_LIST
    ),
    ("GET", "/v1/loyalties/members/{member_id}"): ok(Voucher),
    ("POST", "/v1/loyalties/members/{member_id}/balance"): ok(Balance),
    ("GET", "/v1/loyalties/members/{member_id}/transactions"): ok(TRANSACTION_LIST),
    ("GET", "/v1/loyalties/members/{member_id}/tiers"): ok(LOYALTY_TIER_LIST),
    ("GET", "/v1/loyalties/members/{member_id}/activity"): ok(MEMBER_ACTIVITY_LIST),
    ("GET", "/v1/loyalties/{program_id}/members/{member_id}/activity"): ok(MEMBER_ACTIVITY_LIST),
    ("POST", "/v1/loyalties/{program_id}/members/{member_id}/transfers"): ok(Voucher),
    ("POST", "/v1/loyalties"): ok(Campaign),
    ("GET", "/v1/loyalties"): ok(CAMPAIGN_LIST),
    ("GET", "/v1/loyalties/{program_id}"): ok(Campaign),
    ("PUT", "/v1/loyalties/{program_id}"): ok(Campaign),
    ("DELETE", "/v1/loyalties/{program_id}"): ok(AsyncActionStarted),
    ("POST", "/v1/loyalties/{program_id}/members"): ok(Voucher),
    ("GET", "/v1/loyalties/{program_id}/members"): ok(VOUCHER_LIST),
    ("GET", "/v1/loyalties/{program_id}/members/{member_id}"): ok(Voucher),
    ("POST", "/v1/loyalties/{program_id}/members/{member_id}/balance"): ok(Balance),
    ("GET", "/v1/loyalties/{program_id}/members/{member_id}/transactions"): ok(TRANSACTION_LIST),
    ("POST", "/v1/loyalties/{program_id}/tiers"): ok(Many(LoyaltyTier)),
    ("GET", "/v1/loyalties/{program_id}/tiers"): ok(LOYALTY_TIER_LIST),
    ("GET", "/v1/loyalties/{program_id}/transactions"): ok(TRANSACTION_LIST),
    ("GET", "/v1/loyalties/{program_id}/tiers/{tier_id}/earning-rules"): ok(EARNING_RULE_LIST),
    ("GET", "/v1/loyalties/{program_id}/tiers/{tier_id}/rewards"): ok(TIER_REWARD_LIST),
    ("GET", "/v1/loyalties/{program_id}/tiers/{tier_id}"): ok(LoyaltyTier),
    ("POST", "/v1/loyalties/{program_id}/earning-rules"): ok(Many(EarningRule)),
    ("GET", "/v1/loyalties/{program_id}/earning-rules"): ok(EARNING_RULE_LIST),
    ("GET", "/v1/loyalties/{program_id}/earning-rules/{rule_id}"): ok(EarningRule),
    ("PUT", "/v1/loyalties/{program_id}/earning-rules/{rule_id}"): ok(EarningRule),
    ("DELETE", "/v1/loyalties/{program_id}/earning-rules/{rule_id}"): NO_CONTENT,
    ("POST", "/v1/loyalties/{program_id}/earning-rules/{rule_id}/enable"): ok(EarningRule),
    ("POST", "/v1/loyalties/{program_id}/earning-rules/{rule_id}/disable"): ok(EarningRule),
    ("POST", "/v1/rewards"): ok(Reward),
    ("GET", "/v1/rewards"): ok(REWARD_LIST),
    ("GET", "/v1/rewards/{reward_id}"): ok(Reward),
    ("PUT", "/v1/rewards/{reward_id}"): ok(Reward),
    ("DELETE", "/v1/rewards/{reward_id}"): NO_CONTENT,
    ("POST", "/v1/rewards/{reward_id}/assignments"): ok(RewardAssignment),
    ("GET", "/v1/rewards/{reward_id}/assignments"): ok(REWARD_ASSIGNMENT_LIST),
    ("GET", "/v1/rewards/{reward_id}/assignments/{assignment_id}"): ok(RewardAssignment),
    ("PUT", "/v1/rewards/{reward_id}/assignments/{assignment_id}"): ok(RewardAssignment),
    ("DELETE", "/v1/rewards/{reward_id}/assignments/{assignment_id}"): NO_CONTENT,
    ("POST", "/v1/referrals/members/{member_id}/holders"): ok(HoldersAdded),
    ("GET", "/v1/referrals/members/{member_id}/holders"): ok(HOLDER_LIST),
    ("DELETE", "/v1/referrals/members/{member_id}/holders/{holder_id}"): NO_CONTENT,
    ("POST", "/v1/referrals/{campaign_id}/members/{member_id}/holders"): ok(HoldersAdded),
    ("GET", "/v1/referrals/{campaign_id}/members/{member_id}/holders"): ok(HOLDER_LIST),
    ("DELETE", "/v1/referrals/{campaign_id}/members/{member_id}/holders/{holder_id}"): NO_CONTENT,
    ("GET", "/v1/channels"): ok(CHANNEL_KIND_LIST),
    ("GET", "/v1/integrations"): ok(INTEGRATION_LIST),
    ("GET", "/v1/integrations/{provider}"): ok(Integration),
    ("PUT", "/v1/integrations/{provider}"): ok(Integration),
    ("DELETE", "/v1/integrations/{provider}"): NO_CONTENT,
    ("POST", "/v1/exports"): ok(Export),
    ("GET", "/v1/exports"): ok(EXPORT_LIST),
    ("GET", "/v1/exports/{export_id}"): ok(Export),
    ("DELETE", "/v1/exports/{export_id}"): NO_CONTENT,
    ("POST", "/v1/orders/export"): ok(Export),
    ("POST", "/v1/vouchers/{code}/transactions/export"): ok(Export),
    ("POST", "/v1/campaigns/{campaign_id}/transactions/export"): ok(Export),
    ("POST", "/v1/loyalties/members/{member_id}/transactions/export"): ok(Export),
    ("POST", "/v1/loyalties/{program_id}/members/{member_id}/transactions/export"): ok(Export),
    ("POST", "/v1/loyalties/{program_id}/transactions/export"): ok(Export),
    ("POST", "/v1/loyalties/{program_id}/points-expiration/export"): ok(Export),
    ("GET", "/healthz"): ok(Health),
    ("GET", "/readyz"): ok(Readiness),
}
