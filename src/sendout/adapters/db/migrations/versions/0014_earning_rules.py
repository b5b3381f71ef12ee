"""Earning rules of loyalty programs.

Revision ID: 0014
Revises: 0013
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0014"
down_revision = "0013"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "earning_rules",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("event", sa.String(64), nullable=False),
        sa.Column("custom_event", sa.String(255)),
        sa.Column("loyalty", JSONDocument, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("metadata", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_earning_rules"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_earning_rules_project_id_projects"
        ),
    )
    op.create_index("ix_earning_rules_event", "earning_rules", ["project_id", "event"])


def downgrade() -> None:
    op.drop_table("earning_rules")
