"""Referral programs: a campaign's referral program, and the referees converted.

Revision ID: 0019
Revises: 0018
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0019"
down_revision = "0018"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    with op.batch_alter_table("campaigns") as batch:
        batch.add_column(sa.Column("referral_program", JSONDocument))
    op.create_table(
        "referrals",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("referrer_id", ID, nullable=False),
        sa.Column("referee_id", ID, nullable=False),
        sa.Column("voucher_id", ID, nullable=False),
        sa.Column("source_type", sa.String(16), nullable=False),
        sa.Column("source_id", ID, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_referrals"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_referrals_project_id_projects"
        ),
        sa.UniqueConstraint(
            "project_id", "campaign_id", "referee_id", name="uq_referrals_project_campaign_referee"
        ),
    )
    op.create_index("ix_referrals_referrer", "referrals", ["project_id", "referrer_id"])


def downgrade() -> None:
    op.drop_table("referrals")
    with op.batch_alter_table("campaigns") as batch:
        batch.drop_column("referral_program")
