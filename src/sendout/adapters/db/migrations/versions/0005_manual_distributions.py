"""Manual distributions: recipients, progress, start time.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("distributions") as batch:
        batch.add_column(sa.Column("manual", JSONDocument))
        batch.add_column(sa.Column("live_at", UTCDateTime))


def downgrade() -> None:
    with op.batch_alter_table("distributions") as batch:
        batch.drop_column("live_at")
        batch.drop_column("manual")
