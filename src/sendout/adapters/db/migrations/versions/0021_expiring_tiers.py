"""Expiring loyalty tiers: a program's tier expiration rules, and the tier each member holds.

Revision ID: 0021
Revises: 0020
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0021"
down_revision = "0020"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("loyalty_tiers_expiration", JSONDocument))
    op.create_table(
        "member_tiers",
        sa.Column("voucher_id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("tier_id", ID, nullable=False),
        sa.Column("start_date", sa.Date, nullable=False),
        sa.Column("expiration_date", sa.Date),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("voucher_id", name="pk_member_tiers"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_member_tiers_project_id_projects"
        ),
    )
    op.create_index("ix_member_tiers_expiration", "member_tiers", ["expiration_date"])


def downgrade() -> None:
    op.drop_table("member_tiers")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("loyalty_tiers_expiration")
