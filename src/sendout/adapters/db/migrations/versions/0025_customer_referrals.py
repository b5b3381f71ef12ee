"""Customers' referrals (as referees) and the number of referees their codes converted.

Revision ID: 0025
Revises: 0024
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument

revision = "0025"
down_revision = "0024"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("referrals", JSONDocument))
        batch.add_column(
            sa.Column("referred_customers", sa.Integer, nullable=False, server_default="0")
        )


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("referred_customers")
        batch.drop_column("referrals")
