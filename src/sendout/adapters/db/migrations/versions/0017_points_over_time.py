"""Pending points, expiring point buckets, and the pending period of earning rules.

Revision ID: 0017
Revises: 0016
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0017"
down_revision = "0016"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    with op.batch_alter_table("earning_rules") as batch:
        batch.add_column(sa.Column("pending_points", JSONDocument))
    op.create_table(
        "pending_points",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("voucher_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("order_id", ID),
        sa.Column("points", sa.BigInteger, nullable=False),
        sa.Column("activates_at", sa.Date, nullable=False),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_pending_points"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_pending_points_project_id_projects"
        ),
    )
    op.create_index("ix_pending_points_voucher", "pending_points", ["project_id", "voucher_id"])
    op.create_index("ix_pending_points_campaign", "pending_points", ["project_id", "campaign_id"])
    op.create_index("ix_pending_points_activates_at", "pending_points", ["activates_at"])
    op.create_table(
        "points_buckets",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("voucher_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("total_points", sa.BigInteger, nullable=False),
        sa.Column("points_left", sa.BigInteger, nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("expires_at", sa.Date, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_points_buckets"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_points_buckets_project_id_projects"
        ),
    )
    op.create_index(
        "ix_points_buckets_voucher", "points_buckets", ["project_id", "voucher_id", "status"]
    )
    op.create_index("ix_points_buckets_due", "points_buckets", ["status", "expires_at"])


def downgrade() -> None:
    op.drop_table("points_buckets")
    op.drop_table("pending_points")
    with op.batch_alter_table("earning_rules") as batch:
        batch.drop_column("pending_points")
