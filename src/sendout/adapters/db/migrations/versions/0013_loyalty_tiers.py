"""Loyalty tiers.

Revision ID: 0013
Revises: 0012
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0013"
down_revision = "0012"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "loyalty_tiers",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("points_from", sa.BigInteger, nullable=False),
        sa.Column("points_to", sa.BigInteger),
        sa.Column("metadata", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_loyalty_tiers"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_loyalty_tiers_project_id_projects"
        ),
    )
    op.create_index("ix_loyalty_tiers_campaign", "loyalty_tiers", ["project_id", "campaign_id"])


def downgrade() -> None:
    op.drop_table("loyalty_tiers")
