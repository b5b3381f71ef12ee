"""The tables of customers and their segments."""

from __future__ import annotations

import sqlalchemy as sa

from sendout.adapters.db.tables.common import ID, metadata
from sendout.adapters.db.types import JSONDocument, UTCDateTime

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
