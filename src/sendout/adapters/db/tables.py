"""The schema, as SQLAlchemy Core tables. Migrations (``migrations/``) create exactly this."""

from __future__ import annotations

import sqlalchemy as sa

from sendout.adapters.db.types import JSONDocument, SequenceKey, UTCDateTime

ID = sa.String(64)

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    #: where alert emails go (None: SENDOUT_ALERT_EMAIL)
    sa.Column("alert_email", sa.String(254)),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("app_id", sa.String(128), primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("source_id", sa.String(255)),
    sa.Column("name", sa.Text),
    sa.Column("description", sa.Text),
    sa.Column("email", sa.String(320)),
    sa.Column("phone", sa.String(64)),
    sa.Column("birthdate", sa.Date),
    sa.Column("birthday", sa.Date),
    sa.Column("address", JSONDocument),
    sa.Column("metadata", JSONDocument, nullable=False),
    sa.Column("system_metadata", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    #: count, total and last order (``summary.orders``), kept with each order written
    sa.Column("orders_summary", JSONDocument),
    #: ``summary.redemptions``, kept with each redemption and rollback
    sa.Column("redemptions_summary", JSONDocument),
    sa.Column("referrals", JSONDocument),
    sa.Column("referred_customers", sa.Integer, nullable=False, server_default="0"),
    sa.UniqueConstraint("project_id", "source_id", name="uq_customers_project_source_id"),
    sa.Index("ix_customers_project_created", "project_id", "created_at"),
    sa.Index("ix_customers_project_email", "project_id", "email"),
)

#: The outbox: one row per customer event, written in the state change's transaction.
events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", SequenceKey, primary_key=True, autoincrement=True),
    sa.Column("id", ID, nullable=False, unique=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("customer_id", ID),
    sa.Column("entity_id", ID),
    sa.Column("group_id", sa.String(64), nullable=False),
    sa.Column("source", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("data", JSONDocument, nullable=False),
    #: set when the dispatcher has handled the event (in the transaction of its send-outs)
    sa.Column("dispatched_at", UTCDateTime),
    sa.Index("ix_events_project_customer_seq", "project_id", "customer_id", "seq"),
    # The designer's "a real recent event" list: a project's latest events of a type.
    sa.Index("ix_events_project_type_created", "project_id", "type", "created_at"),
    # (dispatched_at, seq), not seq alone: the claim orders by both, which only this index
    # gives, so the planner cannot take the primary key instead (migration 0029).
    sa.Index(
        "ix_events_undispatched",
        "dispatched_at",
        "seq",
        sqlite_where=sa.text("dispatched_at IS NULL"),
        postgresql_where=sa.text("dispatched_at IS NULL"),
    ),
)

custom_event_schemas = sa.Table(
    "custom_event_schemas",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("project_id", "name", name="uq_custom_event_schemas_project_name"),
)

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

distributions = sa.Table(
    "distributions",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("trigger_event", sa.String(100), nullable=False),
    sa.Column("trigger", JSONDocument, nullable=False),
    sa.Column("action", JSONDocument, nullable=False),
    sa.Column("channels", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    #: manual distributions: recipients and progress; when to start
    sa.Column("manual", JSONDocument),
    sa.Column("live_at", UTCDateTime),
    sa.Column("paused_reason", sa.String(64)),
    # The dispatcher looks up a project's active distributions of one event type.
    sa.Index("ix_distributions_project_event", "project_id", "trigger_event", "status"),
)

sendouts = sa.Table(
    "sendouts",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("distribution_id", ID, nullable=False),
    sa.Column("channel_id", ID, nullable=False),
    sa.Column("channel", sa.String(100), nullable=False),
    sa.Column("event_id", ID, nullable=False),
    sa.Column("customer_id", ID),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("headers", JSONDocument, nullable=False),
    sa.Column("body", sa.LargeBinary, nullable=False),
    sa.Column("reason", sa.Text),
    sa.Column("attempts_count", sa.Integer, nullable=False),
    sa.Column("next_attempt_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    sa.Column("event_type", sa.String(100)),
    #: what ``distribution_id`` names: a distribution or a project webhook (SourceKind)
    sa.Column("source_kind", sa.String(16), nullable=False),
    #: the fencing token of the claim that holds it in flight (domain/sendout_lifecycle.py)
    sa.Column("lease_token", sa.String(32)),
    # One send-out per (event, distribution, channel), whatever re-dispatches.
    sa.UniqueConstraint(
        "event_id", "distribution_id", "channel_id", name="uq_sendouts_event_distribution_channel"
    ),
    sa.Index("ix_sendouts_project_distribution", "project_id", "distribution_id", "created_at"),
    sa.Index("ix_sendouts_due", "status", "next_attempt_at"),
    sa.Index("ix_sendouts_project_created", "project_id", "created_at"),
    sa.Index("ix_sendouts_project_customer", "project_id", "customer_id"),
)

#: A person's latest "try now" per endpoint (set live, enabling a project webhook, resend,
#: recover): workers close their breaker for the URL if it was failing before ``reset_at``.
endpoint_resets = sa.Table(
    "endpoint_resets",
    metadata,
    sa.Column("url", sa.Text, primary_key=True),
    sa.Column("reset_at", UTCDateTime, nullable=False),
)

#: One row per delivery attempt of a send-out.
sendout_attempts = sa.Table(
    "sendout_attempts",
    metadata,
    sa.Column("seq", SequenceKey, primary_key=True, autoincrement=True),
    sa.Column("sendout_id", ID, nullable=False, index=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("duration_ms", sa.Integer, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("response_headers", JSONDocument, nullable=False),
    sa.Column("response_excerpt", sa.Text, nullable=False),
    sa.Column("error", sa.String(200)),
)

notifications = sa.Table(
    "notifications",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("title", sa.String(200), nullable=False),
    sa.Column("message", sa.Text, nullable=False),
    sa.Column("resource_type", sa.String(64), nullable=False),
    sa.Column("resource_id", ID, nullable=False),
    sa.Column("details", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("read_at", UTCDateTime),
    sa.Column("email_status", sa.String(16), nullable=False),
    sa.Column("email_attempts", sa.Integer, nullable=False),
    sa.Column("email_error", sa.Text),
    sa.Column("email_next_at", UTCDateTime),
    #: the fencing token of the mailer's claim: its report counts only while it is current
    sa.Column("email_lease_token", sa.String(32)),
    sa.Index("ix_notifications_project_created", "project_id", "created_at"),
    # "Is an unread one already saying this?" before raising another.
    sa.Index("ix_notifications_resource", "project_id", "resource_id", "type"),
    # The mailer's queue.
    sa.Index("ix_notifications_email", "email_status", "email_next_at"),
)

#: Project webhooks (seed 002): URLs subscribed to event types, v2024-01-01 payloads.
webhooks = sa.Table(
    "webhooks",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False, index=True),
    sa.Column("target_url", sa.Text, nullable=False),
    sa.Column("events", JSONDocument, nullable=False),
    sa.Column("active", sa.Boolean, nullable=False),
    sa.Column("disabled_reason", sa.String(64)),
    # Text: sealed (``crypto.py``), a secret is several times its own length
    sa.Column("secret", sa.Text, nullable=False),
    sa.Column("previous_secret", sa.Text),
    sa.Column("secret_rotated_at", UTCDateTime),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
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
)

segments = sa.Table(
    "segments",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("type", sa.String(16), nullable=False),
    sa.Column("filter", JSONDocument),
    sa.Column("initial_sync_status", sa.String(16), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
    # A customer's change re-evaluates the project's rule segments.
    sa.Index("ix_segments_project_type", "project_id", "type"),
)

segment_members = sa.Table(
    "segment_members",
    metadata,
    sa.Column("segment_id", ID, primary_key=True),
    sa.Column("customer_id", ID, primary_key=True),
    sa.Column("project_id", ID, nullable=False),
    sa.Column("joined_at", UTCDateTime, nullable=False),
    sa.Index("ix_segment_members_customer", "project_id", "customer_id"),
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

integrations = sa.Table(
    "integrations",
    metadata,
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), primary_key=True),
    sa.Column("provider", sa.String(64), primary_key=True),
    sa.Column("settings", JSONDocument, nullable=False),
    # API keys and passwords: read by the senders, never returned by the API
    sa.Column("secrets", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime),
)

dashboard_sessions = sa.Table(
    "dashboard_sessions",
    metadata,
    # the SHA-256 of the cookie's token: the token itself is never stored
    sa.Column("token_hash", sa.String(64), primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("admin", sa.Boolean, nullable=False),
    sa.Column("csrf_token", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("expires_at", UTCDateTime, nullable=False),
    sa.Index("ix_dashboard_sessions_expires", "expires_at"),
)
