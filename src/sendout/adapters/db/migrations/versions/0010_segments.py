"""Segments and their members.

Revision ID: 0010
Revises: 0009
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0010"
down_revision = "0009"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "segments",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("filter", JSONDocument),
        sa.Column("initial_sync_status", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_segments"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_segments_project_id_projects"
        ),
    )
    op.create_index("ix_segments_project_type", "segments", ["project_id", "type"])
    op.create_table(
        "segment_members",
        sa.Column("segment_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("joined_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("segment_id", "customer_id", name="pk_segment_members"),
    )
    op.create_index("ix_segment_members_customer", "segment_members", ["project_id", "customer_id"])


def downgrade() -> None:
    op.drop_table("segment_members")
    op.drop_table("segments")
