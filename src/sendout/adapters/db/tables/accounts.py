"""The tables of projects and their API keys, dashboard sessions, the in-app notifications."""

from __future__ import annotations

import sqlalchemy as sa

from sendout.adapters.db.tables.common import ID, metadata
from sendout.adapters.db.types import JSONDocument, UTCDateTime

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
