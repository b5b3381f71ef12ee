"""Delivery attempts of send-outs.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, SequenceKey, UTCDateTime

revision = "0006"
down_revision = "0005"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "sendout_attempts",
        sa.Column("seq", SequenceKey, autoincrement=True, nullable=False),
        sa.Column("sendout_id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("started_at", UTCDateTime, nullable=False),
        sa.Column("duration_ms", sa.Integer, nullable=False),
        sa.Column("status_code", sa.Integer),
        sa.Column("response_headers", JSONDocument, nullable=False),
        sa.Column("response_excerpt", sa.Text, nullable=False),
        sa.Column("error", sa.String(200)),
        sa.PrimaryKeyConstraint("seq", name="pk_sendout_attempts"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_sendout_attempts_project_id_projects"
        ),
    )
    op.create_index("ix_sendout_attempts_sendout_id", "sendout_attempts", ["sendout_id"])


def downgrade() -> None:
    op.drop_table("sendout_attempts")
