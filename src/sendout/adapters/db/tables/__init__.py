"""The schema, as SQLAlchemy Core tables, one module per area. Migrations (``migrations/``)
create exactly this. ``metadata`` and every table are named here (``tables.vouchers``).
"""

from __future__ import annotations

from sendout.adapters.db.tables.accounts import (
    api_keys,
    dashboard_sessions,
    notifications,
    projects,
)
from sendout.adapters.db.tables.common import ID, metadata
from sendout.adapters.db.tables.customers import (
    customers,
    segment_members,
    segments,
)
from sendout.adapters.db.tables.loyalty import (
    earning_rules,
    loyalty_tiers,
    member_tiers,
    pending_points,
    points_buckets,
    reward_assignments,
    rewards,
)
from sendout.adapters.db.tables.pipeline import (
    custom_event_schemas,
    distributions,
    endpoint_resets,
    events,
    integrations,
    sendout_attempts,
    sendouts,
    webhooks,
)
from sendout.adapters.db.tables.promotions import (
    async_actions,
    campaigns,
    orders,
    promotion_tiers,
    publications,
    redemptions,
    referral_holders,
    referrals,
    validation_sessions,
    voucher_transactions,
    vouchers,
)

__all__ = [
    "ID",
    "api_keys",
    "async_actions",
    "campaigns",
    "custom_event_schemas",
    "customers",
    "dashboard_sessions",
    "distributions",
    "earning_rules",
    "endpoint_resets",
    "events",
    "integrations",
    "loyalty_tiers",
    "member_tiers",
    "metadata",
    "notifications",
    "orders",
    "pending_points",
    "points_buckets",
    "projects",
    "promotion_tiers",
    "publications",
    "redemptions",
    "referral_holders",
    "referrals",
    "reward_assignments",
    "rewards",
    "segment_members",
    "segments",
    "sendout_attempts",
    "sendouts",
    "validation_sessions",
    "voucher_transactions",
    "vouchers",
    "webhooks",
]
