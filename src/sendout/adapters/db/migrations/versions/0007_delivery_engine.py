"""Delivery engine: held send-outs, the send-out log's filters, notifications, project
webhooks.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    with op.batch_alter_table("distributions") as batch:
        batch.add_column(sa.Column("paused_reason", sa.String(64)))
    with op.batch_alter_table("projects") as batch:
        batch.add_column(sa.Column("alert_email", sa.String(254)))
    with op.batch_alter_table("sendouts") as batch:
        batch.add_column(sa.Column("event_type", sa.String(100)))
    op.execute(
        "UPDATE sendouts SET event_type = "
        "(SELECT events.type FROM events WHERE events.id = sendouts.event_id)"
    )
    op.create_index("ix_sendouts_project_created", "sendouts", ["project_id", "created_at"])
    op.create_index("ix_sendouts_project_customer", "sendouts", ["project_id", "customer_id"])
    op.create_table(
        "notifications",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
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
        sa.PrimaryKeyConstraint("id", name="pk_notifications"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_notifications_project_id_projects"
        ),
    )
    op.create_index(
        "ix_notifications_project_created", "notifications", ["project_id", "created_at"]
    )
    op.create_index(
        "ix_notifications_resource", "notifications", ["project_id", "resource_id", "type"]
    )
    op.create_index("ix_notifications_email", "notifications", ["email_status", "email_next_at"])
    op.create_table(
        "webhooks",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("target_url", sa.Text, nullable=False),
        sa.Column("events", JSONDocument, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("disabled_reason", sa.String(64)),
        sa.Column("secret", sa.String(128), nullable=False),
        sa.Column("previous_secret", sa.String(128)),
        sa.Column("secret_rotated_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_webhooks"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_webhooks_project_id_projects"
        ),
    )
    op.create_index("ix_webhooks_project_id", "webhooks", ["project_id"])


def downgrade() -> None:
    op.drop_table("webhooks")
    op.drop_table("notifications")
    op.drop_index("ix_sendouts_project_customer", "sendouts")
    op.drop_index("ix_sendouts_project_created", "sendouts")
    with op.batch_alter_table("sendouts") as batch:
        batch.drop_column("event_type")
    with op.batch_alter_table("projects") as batch:
        batch.drop_column("alert_email")
    with op.batch_alter_table("distributions") as batch:
        batch.drop_column("paused_reason")
