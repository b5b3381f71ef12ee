"""Distributions.

Revision ID: 0003
Revises: 0002
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "distributions",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("trigger_event", sa.String(100), nullable=False),
        sa.Column("trigger", JSONDocument, nullable=False),
        sa.Column("action", JSONDocument, nullable=False),
        sa.Column("channels", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_distributions"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_distributions_project_id_projects"
        ),
    )
    op.create_index(
        "ix_distributions_project_event",
        "distributions",
        ["project_id", "trigger_event", "status"],
    )


def downgrade() -> None:
    op.drop_table("distributions")
