"""The tables of loyalty programs: tiers and who holds them, earning rules, rewards, points
over time."""

from __future__ import annotations

import sqlalchemy as sa

from sendout.adapters.db.tables.common import ID, metadata
from sendout.adapters.db.types import JSONDocument, UTCDateTime

loyalty_tiers = sa.Table(
    "loyalty_tiers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("campaign_id", ID, nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("points_from", sa.BigInteger, nullable=False),
    sa.Column("points_to", sa.BigInteger),
    sa.Column("metadata", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    sa.Index("ix_loyalty_tiers_campaign", "project_id", "campaign_id"),
)


member_tiers = sa.Table(
    "member_tiers",
    metadata,
    # one row per loyalty card, for programs whose tiers expire
    sa.Column("voucher_id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("campaign_id", ID, nullable=False),
    sa.Column("customer_id", ID, nullable=False),
    sa.Column("tier_id", ID, nullable=False),
    sa.Column("start_date", sa.Date, nullable=False),
    sa.Column("expiration_date", sa.Date),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    # The scheduled job looks for tiers past their last day, in every project.
    sa.Index("ix_member_tiers_expiration", "expiration_date"),
)


earning_rules = sa.Table(
    "earning_rules",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("campaign_id", ID, nullable=False),
    sa.Column("event", sa.String(64), nullable=False),
    sa.Column("custom_event", sa.String(255)),
    sa.Column("segment_id", ID),
    sa.Column("loyalty_tier_id", ID),
    sa.Column("loyalty", JSONDocument, nullable=False),
    sa.Column("pending_points", JSONDocument),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("metadata", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    sa.Column("banner", sa.Text),
    # An order paid or a custom event looks up the project's rules for it.
    sa.Index("ix_earning_rules_event", "project_id", "event"),
)


rewards = sa.Table(
    "rewards",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("parameters", JSONDocument, nullable=False),
    sa.Column("stock", sa.BigInteger),
    sa.Column("redeemed", sa.BigInteger, nullable=False),
    sa.Column("attributes", JSONDocument, nullable=False),
    sa.Column("metadata", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    sa.Index("ix_rewards_project_created", "project_id", "created_at"),
)


reward_assignments = sa.Table(
    "reward_assignments",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("reward_id", ID, nullable=False),
    sa.Column("campaign_id", ID, nullable=False),
    sa.Column("points", sa.BigInteger),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    # A program offers a reward once (at one price).
    sa.UniqueConstraint("reward_id", "campaign_id", name="uq_reward_assignments_reward_campaign"),
    sa.Index("ix_reward_assignments_campaign", "project_id", "campaign_id"),
)


pending_points = sa.Table(
    "pending_points",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("voucher_id", ID, nullable=False),
    sa.Column("campaign_id", ID, nullable=False),
    sa.Column("customer_id", ID, nullable=False),
    sa.Column("order_id", ID),
    sa.Column("points", sa.BigInteger, nullable=False),
    sa.Column("activates_at", sa.Date, nullable=False),
    sa.Column("details", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    sa.Index("ix_pending_points_voucher", "project_id", "voucher_id"),
    sa.Index("ix_pending_points_campaign", "project_id", "campaign_id"),
    # The scheduled job looks for those due, in every project.
    sa.Index("ix_pending_points_activates_at", "activates_at"),
)


points_buckets = sa.Table(
    "points_buckets",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("voucher_id", ID, nullable=False),
    sa.Column("campaign_id", ID, nullable=False),
    sa.Column("total_points", sa.BigInteger, nullable=False),
    sa.Column("points_left", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("expires_at", sa.Date, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    sa.Index("ix_points_buckets_voucher", "project_id", "voucher_id", "status"),
    # The scheduled job looks for active buckets past their date, in every project.
    sa.Index("ix_points_buckets_due", "status", "expires_at"),
)
