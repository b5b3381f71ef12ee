"""Earning rules on moves between loyalty tiers: the tier.

Revision ID: 0018
Revises: 0017
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0018"
down_revision = "0017"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("earning_rules") as batch:
        batch.add_column(sa.Column("loyalty_tier_id", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("earning_rules") as batch:
        batch.drop_column("loyalty_tier_id")
