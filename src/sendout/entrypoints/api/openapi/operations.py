"""What each operation answers on success: the table the OpenAPI document is built from.

Routes answer with plain dicts (no per-request validation: it would cost the hot path), so
their success schemas are declared here, once per operation. ``document.py`` refuses to
build a schema for an operation missing here, so a new route cannot go undocumented.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sendout.entrypoints.api.openapi.campaigns import AsyncAction, Campaign
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


SUCCESS: dict[tuple[str, str], Success] = {
    ("POST", "/v1/events"): Success(200, TrackedEvent),
    ("POST", "/v1/publications"): Success(200, Publication),
    ("GET", "/v1/publications"): Success(
        200, Listing("PublicationList", "publications", Publication)
    ),
    ("GET", "/v1/publications/create"): Success(200, Publication),
    ("POST", "/v1/customers"): Success(200, Customer),
    ("GET", "/v1/customers"): Success(200, Listing("CustomerList", "customers", Customer)),
    ("GET", "/v1/customers/{customer_id}"): Success(200, Customer),
    ("PUT", "/v1/customers/{customer_id}"): Success(200, Customer),
    ("DELETE", "/v1/customers/{customer_id}"): Success(204, None),
    ("POST", "/v1/customers/{customer_id}/permanent-deletion"): Success(200, PermanentDeletion),
    ("GET", "/v1/customers/{customer_id}/redeemables"): Success(
        200, Listing("CustomerRedeemableList", "data", CustomerRedeemable)
    ),
    ("GET", "/v1/customers/{customer_id}/activity"): Success(
        200, Listing("CustomerActivityList", "data", CustomerActivity)
    ),
    ("GET", "/v1/customers/{customer_id}/segments"): Success(
        200, Listing("SegmentList", "data", Segment)
    ),
    ("POST", "/v1/vouchers"): Success(200, Voucher),
    ("GET", "/v1/vouchers"): Success(200, Listing("VoucherList", "vouchers", Voucher)),
    ("POST", "/v1/vouchers/{code}"): Success(200, Voucher),
    ("GET", "/v1/vouchers/{code}"): Success(200, Voucher),
    ("PUT", "/v1/vouchers/{code}"): Success(200, Voucher),
    ("DELETE", "/v1/vouchers/{code}"): Success(204, None),
    ("POST", "/v1/vouchers/{code}/enable"): Success(200, Voucher),
    ("POST", "/v1/vouchers/{code}/disable"): Success(200, Voucher),
    ("POST", "/v1/vouchers/{code}/balance"): Success(200, Balance),
    ("GET", "/v1/vouchers/{code}/transactions"): Success(
        200, Listing("TransactionList", "data", Transaction)
    ),
    ("POST", "/v1/campaigns"): Success(200, Campaign),
    ("GET", "/v1/campaigns"): Success(200, Listing("CampaignList", "campaigns", Campaign)),
    ("GET", "/v1/campaigns/{campaign_id}"): Success(200, Campaign),
    ("PUT", "/v1/campaigns/{campaign_id}"): Success(200, Campaign),
    ("DELETE", "/v1/campaigns/{campaign_id}"): Success(200, AsyncActionStarted),
    ("POST", "/v1/campaigns/{campaign_id}/enable"): Success(200, Campaign),
    ("POST", "/v1/campaigns/{campaign_id}/disable"): Success(200, Campaign),
    ("POST", "/v1/campaigns/{campaign_id}/vouchers"): Success(200, Voucher),
    ("POST", "/v1/campaigns/{campaign_id}/vouchers/{code}"): Success(200, Voucher),
    ("POST", "/v1/campaigns/{campaign_id}/import"): Success(202, AsyncActionStarted),
    ("POST", "/v1/qualifications"): Success(200, QualificationResult),
    ("GET", "/v1/async-actions"): Success(
        200, Listing("AsyncActionList", "async_actions", AsyncAction)
    ),
    ("GET", "/v1/async-actions/{async_action_id}"): Success(200, AsyncAction),
    ("POST", "/v1/distributions"): Success(200, Distribution),
    ("GET", "/v1/distributions"): Success(
        200, Listing("DistributionList", "distributions", Distribution)
    ),
    ("POST", "/v1/distributions/preview"): Success(200, Preview),
    ("GET", "/v1/distributions/{distribution_id}"): Success(200, Distribution),
    ("PUT", "/v1/distributions/{distribution_id}"): Success(200, Distribution),
    ("DELETE", "/v1/distributions/{distribution_id}"): Success(204, None),
    ("POST", "/v1/distributions/{distribution_id}/pause"): Success(200, Distribution),
    ("POST", "/v1/distributions/{distribution_id}/activate"): Success(200, Distribution),
    ("POST", "/v1/distributions/{distribution_id}/cancel"): Success(200, Distribution),
    ("POST", "/v1/distributions/{distribution_id}/recover"): Success(200, Recovery),
    ("GET", "/v1/distributions/{distribution_id}/channels/{channel_id}/secret"): Success(
        200, SigningSecret
    ),
    ("POST", "/v1/distributions/{distribution_id}/channels/{channel_id}/secret/rotate"): Success(
        200, SigningSecret
    ),
    ("POST", "/v1/distributions/{distribution_id}/preview"): Success(200, Preview),
    ("GET", "/v1/sendouts"): Success(200, Listing("SendoutList", "sendouts", Sendout)),
    ("GET", "/v1/sendouts/{sendout_id}"): Success(200, Sendout),
    ("POST", "/v1/sendouts/{sendout_id}/resend"): Success(200, Sendout),
    ("GET", "/v1/notifications"): Success(
        200, Listing("NotificationList", "notifications", Notification)
    ),
    ("POST", "/v1/notifications/read"): Success(200, NotificationsRead),
    ("GET", "/v1/notifications/settings"): Success(200, NotificationSettings),
    ("PUT", "/v1/notifications/settings"): Success(200, NotificationSettings),
    ("GET", "/v1/notifications/{notification_id}"): Success(200, Notification),
    ("POST", "/v1/notifications/{notification_id}/read"): Success(200, Notification),
    ("POST", "/v1/webhooks"): Success(200, ProjectWebhook),
    ("GET", "/v1/webhooks"): Success(
        200, Listing("ProjectWebhookList", "webhooks", ProjectWebhook)
    ),
    ("GET", "/v1/webhooks/{webhook_id}"): Success(200, ProjectWebhook),
    ("PUT", "/v1/webhooks/{webhook_id}"): Success(200, ProjectWebhook),
    ("DELETE", "/v1/webhooks/{webhook_id}"): Success(204, None),
    ("POST", "/v1/webhooks/{webhook_id}/enable"): Success(200, ProjectWebhook),
    ("POST", "/v1/webhooks/{webhook_id}/disable"): Success(200, ProjectWebhook),
    ("GET", "/v1/webhooks/{webhook_id}/secret"): Success(200, SigningSecret),
    ("POST", "/v1/webhooks/{webhook_id}/secret/rotate"): Success(200, SigningSecret),
    ("POST", "/v1/orders"): Success(200, Order),
    ("GET", "/v1/orders"): Success(200, Listing("OrderList", "orders", Order)),
    ("GET", "/v1/orders/{order_id}"): Success(200, Order),
    ("PUT", "/v1/orders/{order_id}"): Success(200, Order),
    ("POST", "/v1/segments"): Success(200, Segment),
    ("GET", "/v1/segments"): Success(200, Listing("SegmentList", "data", Segment)),
    ("GET", "/v1/segments/{segment_id}"): Success(200, Segment),
    ("DELETE", "/v1/segments/{segment_id}"): Success(204, None),
    ("POST", "/v1/redemptions"): Success(200, RedeemResult),
    ("GET", "/v1/redemptions"): Success(200, Listing("RedemptionList", "redemptions", Redemption)),
    ("POST", "/v1/validations"): Success(200, ValidationResult),
    ("GET", "/v1/redemptions/{redemption_id}"): Success(200, Redemption),
    ("POST", "/v1/redemptions/{redemption_id}/rollback"): Success(200, RedemptionRollback),
    ("POST", "/v1/redemptions/{parent_id}/rollbacks"): Success(200, StackedRollbackResult),
    ("GET", "/v1/vouchers/{code}/redemption"): Success(
        200, Listing("VoucherRedemptionList", "redemption_entries", Redemption)
    ),
    ("GET", "/v1/loyalties/members/{member_id}/rewards"): Success(
        200, Listing("MemberRewardList", "data", MemberReward)
    ),
    ("POST", "/v1/loyalties/members/{member_id}/redemption"): Success(200, Redemption),
    ("POST", "/v1/loyalties/{program_id}/members/{member_id}/redemption"): Success(200, Redemption),
    ("POST", "/v1/loyalties/{program_id}/rewards"): Success(200, OneOrMany(RewardAssignment)),
    ("GET", "/v1/loyalties/{program_id}/rewards"): Success(
        200, Listing("RewardAssignmentList", "data", RewardAssignment)
    ),
    ("GET", "/v1/loyalties/{program_id}/reward-assignments"): Success(
        200, Listing("RewardAssignmentList", "data", RewardAssignment)
    ),
    ("GET", "/v1/loyalties/{program_id}/rewards/{assignment_id}"): Success(200, RewardAssignment),
    ("PUT", "/v1/loyalties/{program_id}/rewards/{assignment_id}"): Success(200, RewardAssignment),
    ("DELETE", "/v1/loyalties/{program_id}/rewards/{assignment_id}"): Success(204, None),
    ("GET", "/v1/loyalties/{program_id}/reward-assignments/{assignment_id}"): Success(
        200, RewardAssignment
    ),
    ("GET", "/v1/loyalties/{program_id}/reward-assignments/{assignment_id}/reward"): Success(
        200, Reward
    ),
    ("GET", "/v1/loyalties/members/{member_id}/pending-points"): Success(
        200, Listing("PendingPointsList", "data", PendingPoints)
    ),
    ("POST", "/v1/loyalties/members/{member_id}/pending-points/{pending_id}/activate"): Success(
        200, Balance
    ),
    ("POST", "/v1/loyalties/members/{member_id}/pending-points/{pending_id}/balance"): Success(
        200, Balance
    ),
    ("POST", "/v1/loyalties/members/{member_id}/pending-points/{pending_id}/cancel"): Success(
        204, None
    ),
    ("GET", "/v1/loyalties/{program_id}/members/{member_id}/pending-points"): Success(
        200, Listing("PendingPointsList", "data", PendingPoints)
    ),
    ("GET", "/v1/loyalties/{program_id}/pending-points"): Success(
        200, Listing("PendingPointsList", "data", PendingPoints)
    ),
    ("GET", "/v1/loyalties/{program_id}/members/{member_id}/points-expiration"): Success(
        200, Listing("PointsBucketList", "data", PointsBucket)
    ),
    ("GET", "/v1/loyalties/members/{member_id}"): Success(200, Voucher),
    ("POST", "/v1/loyalties/members/{member_id}/balance"): Success(200, Balance),
    ("GET", "/v1/loyalties/members/{member_id}/transactions"): Success(
        200, Listing("TransactionList", "data", Transaction)
    ),
    ("GET", "/v1/loyalties/members/{member_id}/tiers"): Success(
        200, Listing("LoyaltyTierList", "data", LoyaltyTier)
    ),
    ("POST", "/v1/loyalties"): Success(200, Campaign),
    ("GET", "/v1/loyalties"): Success(200, Listing("CampaignList", "campaigns", Campaign)),
    ("GET", "/v1/loyalties/{program_id}"): Success(200, Campaign),
    ("PUT", "/v1/loyalties/{program_id}"): Success(200, Campaign),
    ("DELETE", "/v1/loyalties/{program_id}"): Success(200, AsyncActionStarted),
    ("POST", "/v1/loyalties/{program_id}/members"): Success(200, Voucher),
    ("GET", "/v1/loyalties/{program_id}/members"): Success(
        200, Listing("VoucherList", "vouchers", Voucher)
    ),
    ("GET", "/v1/loyalties/{program_id}/members/{member_id}"): Success(200, Voucher),
    ("POST", "/v1/loyalties/{program_id}/members/{member_id}/balance"): Success(200, Balance),
    ("GET", "/v1/loyalties/{program_id}/members/{member_id}/transactions"): Success(
        200, Listing("TransactionList", "data", Transaction)
    ),
    ("POST", "/v1/loyalties/{program_id}/tiers"): Success(200, Many(LoyaltyTier)),
    ("GET", "/v1/loyalties/{program_id}/tiers"): Success(
        200, Listing("LoyaltyTierList", "data", LoyaltyTier)
    ),
    ("GET", "/v1/loyalties/{program_id}/transactions"): Success(
        200, Listing("TransactionList", "data", Transaction)
    ),
    ("GET", "/v1/loyalties/{program_id}/tiers/{tier_id}/earning-rules"): Success(
        200, Listing("EarningRuleList", "data", EarningRule)
    ),
    ("GET", "/v1/loyalties/{program_id}/tiers/{tier_id}/rewards"): Success(
        200, Listing("TierRewardList", "data", TierReward)
    ),
    ("GET", "/v1/loyalties/{program_id}/tiers/{tier_id}"): Success(200, LoyaltyTier),
    ("POST", "/v1/loyalties/{program_id}/earning-rules"): Success(200, Many(EarningRule)),
    ("GET", "/v1/loyalties/{program_id}/earning-rules"): Success(
        200, Listing("EarningRuleList", "data", EarningRule)
    ),
    ("GET", "/v1/loyalties/{program_id}/earning-rules/{rule_id}"): Success(200, EarningRule),
    ("PUT", "/v1/loyalties/{program_id}/earning-rules/{rule_id}"): Success(200, EarningRule),
    ("DELETE", "/v1/loyalties/{program_id}/earning-rules/{rule_id}"): Success(204, None),
    ("POST", "/v1/loyalties/{program_id}/earning-rules/{rule_id}/enable"): Success(
        200, EarningRule
    ),
    ("POST", "/v1/loyalties/{program_id}/earning-rules/{rule_id}/disable"): Success(
        200, EarningRule
    ),
    ("POST", "/v1/rewards"): Success(200, Reward),
    ("GET", "/v1/rewards"): Success(200, Listing("RewardList", "data", Reward)),
    ("GET", "/v1/rewards/{reward_id}"): Success(200, Reward),
    ("PUT", "/v1/rewards/{reward_id}"): Success(200, Reward),
    ("DELETE", "/v1/rewards/{reward_id}"): Success(204, None),
    ("POST", "/v1/rewards/{reward_id}/assignments"): Success(200, RewardAssignment),
    ("GET", "/v1/rewards/{reward_id}/assignments"): Success(
        200, Listing("RewardAssignmentList", "data", RewardAssignment)
    ),
    ("GET", "/v1/rewards/{reward_id}/assignments/{assignment_id}"): Success(200, RewardAssignment),
    ("PUT", "/v1/rewards/{reward_id}/assignments/{assignment_id}"): Success(200, RewardAssignment),
    ("DELETE", "/v1/rewards/{reward_id}/assignments/{assignment_id}"): Success(204, None),
    ("GET", "/v1/channels"): Success(200, Listing("ChannelKindList", "data", ChannelKind)),
    ("GET", "/v1/integrations"): Success(200, Listing("IntegrationList", "data", Integration)),
    ("GET", "/v1/integrations/{provider}"): Success(200, Integration),
    ("PUT", "/v1/integrations/{provider}"): Success(200, Integration),
    ("DELETE", "/v1/integrations/{provider}"): Success(204, None),
    ("GET", "/healthz"): Success(200, Health),
    ("GET", "/readyz"): Success(200, Readiness),
}
