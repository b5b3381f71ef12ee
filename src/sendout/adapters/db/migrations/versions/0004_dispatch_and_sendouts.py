"""Dispatch state of events, and send-outs.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    with op.batch_alter_table("events") as batch:
        batch.add_column(sa.Column("dispatched_at", UTCDateTime))
    op.create_index(
        "ix_events_undispatched",
        "events",
        ["seq"],
        sqlite_where=sa.text("dispatched_at IS NULL"),
        postgresql_where=sa.text("dispatched_at IS NULL"),
    )
    op.create_table(
        "sendouts",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_sendouts"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_sendouts_project_id_projects"
        ),
        sa.UniqueConstraint(
            "event_id",
            "distribution_id",
            "channel_id",
            name="uq_sendouts_event_distribution_channel",
        ),
    )
    op.create_index(
        "ix_sendouts_project_distribution",
        "sendouts",
        ["project_id", "distribution_id", "created_at"],
    )
    op.create_index("ix_sendouts_due", "sendouts", ["status", "next_attempt_at"])


def downgrade() -> None:
    op.drop_table("sendouts")
    op.drop_index("ix_events_undispatched", "events")
    with op.batch_alter_table("events") as batch:
        batch.drop_column("dispatched_at")
