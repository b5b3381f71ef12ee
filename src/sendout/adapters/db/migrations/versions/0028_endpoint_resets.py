"""Endpoint resets: a person's "try now" per endpoint URL, read by every worker that holds
that endpoint's breaker open (issue 21 §3).

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import UTCDateTime

revision = "0028"
down_revision = "0027"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "endpoint_resets",
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("reset_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("url", name="pk_endpoint_resets"),
    )


def downgrade() -> None:
    op.drop_table("endpoint_resets")
