"""Redemptions, and the customer's redemption summary.

Revision ID: 0011
Revises: 0010
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "redemptions",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("parent_id", ID),
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
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_redemptions"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_redemptions_project_id_projects"
        ),
    )
    op.create_index("ix_redemptions_project_created", "redemptions", ["project_id", "created_at"])
    op.create_index("ix_redemptions_voucher", "redemptions", ["project_id", "voucher_id"])
    op.create_index("ix_redemptions_customer", "redemptions", ["project_id", "customer_id"])
    op.create_index("ix_redemptions_parent_id", "redemptions", ["parent_id"])
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("redemptions_summary", JSONDocument))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("redemptions_summary")
    op.drop_table("redemptions")
