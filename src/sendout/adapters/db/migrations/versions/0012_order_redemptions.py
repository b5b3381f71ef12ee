"""What redemptions applied to an order: the amounts and the redemptions themselves.

Revision ID: 0012
Revises: 0011
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument

revision = "0012"
down_revision = "0011"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.add_column(
            sa.Column("applied_discount_amount", sa.BigInteger, nullable=False, server_default="0")
        )
        batch.add_column(sa.Column("redemptions", JSONDocument))


def downgrade() -> None:
    with op.batch_alter_table("orders") as batch:
        batch.drop_column("redemptions")
        batch.drop_column("applied_discount_amount")
