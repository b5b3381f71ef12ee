"""A loyalty program's transactions, listed by campaign.

Revision ID: 0020
Revises: 0019
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0020"
down_revision = "0019"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_voucher_transactions_campaign", "voucher_transactions", ["campaign_id", "id"]
    )


def downgrade() -> None:
    op.drop_index("ix_voucher_transactions_campaign", "voucher_transactions")
