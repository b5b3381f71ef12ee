"""Earning rules on entering a segment: the segment.

Revision ID: 0015
Revises: 0014
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0015"
down_revision = "0014"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("earning_rules") as batch:
        batch.add_column(sa.Column("segment_id", sa.String(64)))


def downgrade() -> None:
    with op.batch_alter_table("earning_rules") as batch:
        batch.drop_column("segment_id")
