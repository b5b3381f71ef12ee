"""The tables of the pipeline: the event outbox, distributions, send-outs and their attempts,
endpoint resets, project webhooks, provider integrations."""

from __future__ import annotations

import sqlalchemy as sa

from sendout.adapters.db.tables.common import ID, metadata
from sendout.adapters.db.types import JSONDocument, SequenceKey, UTCDateTime

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
    #: the fencing token of the claim that holds it in flight (domain/sendouts.py)
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
