"""The tables of promotions: campaigns and their tiers, codes, publications, balances' transactions,
redemptions, validation sessions, orders, referrals and referral code holders, async actions."""

from __future__ import annotations

import sqlalchemy as sa

from sendout.adapters.db.tables.common import ID, metadata
from sendout.adapters.db.types import JSONDocument, SequenceKey, UTCDateTime

campaigns = sa.Table(
    "campaigns",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("campaign_type", sa.String(32), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("description", sa.Text),
    sa.Column("join_once", sa.Boolean, nullable=False),
    sa.Column("auto_join", sa.Boolean, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("start_date", UTCDateTime),
    sa.Column("expiration_date", UTCDateTime),
    sa.Column("validity", JSONDocument),
    sa.Column("activity_duration_after_publishing", sa.String(64)),
    sa.Column("category", sa.String(255)),
    sa.Column("metadata", JSONDocument, nullable=False),
    sa.Column("template", JSONDocument),
    sa.Column("referral_program", JSONDocument),
    sa.Column("loyalty_tiers_expiration", JSONDocument),
    sa.Column("creation_status", sa.String(16), nullable=False),
    sa.Column("vouchers_generation_status", sa.String(16), nullable=False),
    sa.Column("vouchers_count", sa.BigInteger, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    sa.Column("deleted_at", UTCDateTime),
    sa.Index("ix_campaigns_project_created", "project_id", "created_at"),
    # Names are unique among a project's live campaigns (a deleted one frees its name).
    sa.Index(
        "uq_campaigns_project_name_live",
        "project_id",
        "name",
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    ),
)


promotion_tiers = sa.Table(
    "promotion_tiers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("campaign_id", ID, sa.ForeignKey("campaigns.id"), nullable=False, index=True),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("banner", sa.Text),
    sa.Column("action", JSONDocument, nullable=False),
    sa.Column("metadata", JSONDocument, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("hierarchy", sa.Integer, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
)


#: A code. Columns left NULL are read from the campaign's template (see domain/vouchers.py).
vouchers = sa.Table(
    "vouchers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("code", sa.String(128), nullable=False),
    sa.Column("campaign_id", ID),
    sa.Column("type", sa.String(32)),
    sa.Column("discount", JSONDocument),
    sa.Column("gift", JSONDocument),
    sa.Column("loyalty_card", JSONDocument),
    sa.Column("redemption_quantity", sa.Integer),
    sa.Column("redeemed_quantity", sa.Integer, nullable=False, server_default="0"),
    sa.Column("active", sa.Boolean),
    sa.Column("start_date", UTCDateTime),
    sa.Column("expiration_date", UTCDateTime),
    sa.Column("validity", JSONDocument),
    sa.Column("additional_info", sa.Text),
    sa.Column("metadata", JSONDocument),
    sa.Column("category", sa.String(255)),
    sa.Column("is_referral_code", sa.Boolean),
    sa.Column("holder_id", ID),
    sa.Column("published_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    sa.UniqueConstraint("project_id", "code", name="uq_vouchers_project_code"),
    # Partial indexes: a campaign's free codes, and a customer's codes. A code generated
    # enters only the first (ids are time-ordered, so that is an append), which keeps bulk
    # generation at one random-order index (the code's uniqueness).
    sa.Index(
        "ix_vouchers_free",
        "campaign_id",
        sqlite_where=sa.text("holder_id IS NULL"),
        postgresql_where=sa.text("holder_id IS NULL"),
    ),
    sa.Index(
        "ix_vouchers_held",
        "project_id",
        "holder_id",
        sqlite_where=sa.text("holder_id IS NOT NULL"),
        postgresql_where=sa.text("holder_id IS NOT NULL"),
    ),
    # CSV exports page a project's codes by (created_at, id).
    sa.Index("ix_vouchers_project_created", "project_id", "created_at", "id"),
)


publications = sa.Table(
    "publications",
    metadata,
    sa.Column("seq", SequenceKey, primary_key=True, autoincrement=True),
    sa.Column("id", ID, nullable=False, unique=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("customer_id", ID, nullable=False),
    sa.Column("campaign_id", ID),
    sa.Column("voucher_ids", JSONDocument, nullable=False),
    sa.Column("codes", JSONDocument, nullable=False),
    sa.Column("source_id", sa.String(255)),
    sa.Column("channel", sa.String(64), nullable=False),
    sa.Column("metadata", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("project_id", "source_id", name="uq_publications_project_source_id"),
    sa.Index("ix_publications_customer_campaign", "project_id", "customer_id", "campaign_id"),
    sa.Index("ix_publications_project_created", "project_id", "created_at", "id"),
)


#: Every change of a gift card's credits or a loyalty card's points (ids sort by time).
voucher_transactions = sa.Table(
    "voucher_transactions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("voucher_id", ID, nullable=False),
    sa.Column("campaign_id", ID),
    sa.Column("type", sa.String(32), nullable=False),
    sa.Column("source_id", sa.String(255)),
    sa.Column("source", sa.String(64)),
    sa.Column("reason", sa.Text),
    sa.Column("details", JSONDocument, nullable=False),
    sa.Column("related_transaction_id", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_voucher_transactions_voucher", "voucher_id", "id"),
    # A loyalty program's transactions, newest first by id.
    sa.Index("ix_voucher_transactions_campaign", "campaign_id", "id"),
    sa.Index("ix_voucher_transactions_project_created", "project_id", "created_at", "id"),
)


#: One row per redeemable of a request, and one parent row per request (stacking).
redemptions = sa.Table(
    "redemptions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("parent_id", ID, index=True),
    sa.Column("customer_id", ID),
    sa.Column("tracking_id", sa.String(255)),
    sa.Column("metadata", JSONDocument, nullable=False),
    sa.Column("amount", sa.BigInteger, nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("failure_code", sa.String(64)),
    sa.Column("failure_message", sa.Text),
    sa.Column("order_id", ID),
    sa.Column("related_object_type", sa.String(32), nullable=False),
    sa.Column("related_object_id", ID, nullable=False),
    sa.Column("voucher_id", ID),
    sa.Column("voucher_code", sa.String(128)),
    sa.Column("campaign_id", ID),
    sa.Column("gift_amount", sa.BigInteger, nullable=False),
    sa.Column("discount", JSONDocument),
    sa.Column("rollback_id", ID),
    # a reward bought with a loyalty card's points: what it gave, and the points spent
    sa.Column("reward", JSONDocument),
    sa.Column("points", sa.BigInteger),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Index("ix_redemptions_project_created", "project_id", "created_at"),
    sa.Index("ix_redemptions_voucher", "project_id", "voucher_id"),
    sa.Index("ix_redemptions_customer", "project_id", "customer_id"),
)


#: What each validation session holds back of a code, until it expires.
validation_sessions = sa.Table(
    "validation_sessions",
    metadata,
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("key", sa.String(200), nullable=False),
    sa.Column("voucher_id", ID, nullable=False),
    sa.Column("credits", sa.BigInteger, nullable=False),
    sa.Column("ttl", sa.Float, nullable=False),
    sa.Column("ttl_unit", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.PrimaryKeyConstraint("project_id", "key", "voucher_id"),
    sa.Index("ix_validation_sessions_voucher", "project_id", "voucher_id", "expires_at"),
)


orders = sa.Table(
    "orders",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("source_id", sa.String(255)),
    sa.Column("status", sa.String(16), nullable=False),
    #: as sent (None: the items' sum)
    sa.Column("amount", sa.BigInteger),
    sa.Column("initial_amount", sa.BigInteger),
    sa.Column("discount_amount", sa.BigInteger),
    #: derived, kept for the customers' order summaries
    sa.Column("total_amount", sa.BigInteger, nullable=False),
    #: the part of ``discount_amount`` redemptions applied, and the redemptions themselves
    sa.Column("applied_discount_amount", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("redemptions", JSONDocument),
    sa.Column("items", JSONDocument, nullable=False),
    sa.Column("metadata", JSONDocument, nullable=False),
    sa.Column("customer_id", ID),
    sa.Column("referrer_id", ID),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    sa.UniqueConstraint("project_id", "source_id", name="uq_orders_project_id"),
    sa.Index("ix_orders_project_created", "project_id", "created_at"),
    sa.Index("ix_orders_project_customer", "project_id", "customer_id"),
)


referrals = sa.Table(
    "referrals",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("campaign_id", ID, nullable=False),
    sa.Column("referrer_id", ID, nullable=False),
    sa.Column("referee_id", ID, nullable=False),
    sa.Column("voucher_id", ID, nullable=False),
    sa.Column("source_type", sa.String(16), nullable=False),
    sa.Column("source_id", ID, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # A referee converts once per program, whatever races.
    sa.UniqueConstraint(
        "project_id", "campaign_id", "referee_id", name="uq_referrals_project_campaign_referee"
    ),
    sa.Index("ix_referrals_referrer", "project_id", "referrer_id"),
)


referral_holders = sa.Table(
    "referral_holders",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("voucher_id", ID, nullable=False),
    sa.Column("campaign_id", ID, nullable=False),
    sa.Column("customer_id", ID, nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("voucher_type", sa.String(32), nullable=False),
    sa.Column("metadata", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    # A customer holds a code once, whatever races; the key also serves the code's listing.
    sa.UniqueConstraint(
        "project_id", "voucher_id", "customer_id", name="uq_referral_holders_code_customer"
    ),
)


async_actions = sa.Table(
    "async_actions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("request", JSONDocument, nullable=False),
    sa.Column("done", sa.BigInteger, nullable=False),
    sa.Column("total", sa.BigInteger, nullable=False),
    sa.Column("result", JSONDocument),
    sa.Column("lease_until", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    #: the fencing token of the worker's claim: a step commits only while it is current
    sa.Column("lease_token", sa.String(32)),
    sa.Index("ix_async_actions_status", "status", "created_at"),
    sa.Index("ix_async_actions_project_created", "project_id", "created_at"),
)
