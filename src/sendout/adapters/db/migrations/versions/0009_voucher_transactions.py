"""Voucher transactions: every change of a gift card's credits or a loyalty card's points.

Revision ID: 0009
Revises: 0008
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0009"
down_revision = "0008"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "voucher_transactions",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("voucher_id", ID, nullable=False),
        sa.Column("campaign_id", ID),
        sa.Column("type", sa.String(32), nullable=False),
        sa.Column("source_id", sa.String(255)),
        sa.Column("source", sa.String(64)),
        sa.Column("reason", sa.Text),
        sa.Column("details", JSONDocument, nullable=False),
        sa.Column("related_transaction_id", ID),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_voucher_transactions"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_voucher_transactions_project_id_projects"
        ),
    )
    op.create_index("ix_voucher_transactions_voucher", "voucher_transactions", ["voucher_id", "id"])


def downgrade() -> None:
    op.drop_table("voucher_transactions")
