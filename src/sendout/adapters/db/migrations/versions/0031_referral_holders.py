"""Referral code holders: customers sharing a referral code besides its owner (issue 25).

Revision ID: 0031
Revises: 0030
Create Date: 2026-12-28
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0031"
down_revision = "0030"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "referral_holders",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("voucher_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("voucher_type", sa.String(32), nullable=False),
        sa.Column("metadata", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_referral_holders"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_referral_holders_project_id_projects"
        ),
        sa.UniqueConstraint(
            "project_id", "voucher_id", "customer_id", name="uq_referral_holders_code_customer"
        ),
    )


def downgrade() -> None:
    op.drop_table("referral_holders")
