"""Validation sessions: what each session (``session: {type: "LOCK"}``) holds back of a code,
until it expires.

Revision ID: 0032
Revises: 0031
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import UTCDateTime

revision = "0032"
down_revision = "0031"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "validation_sessions",
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("key", sa.String(200), nullable=False),
        sa.Column("voucher_id", sa.String(64), nullable=False),
        sa.Column("credits", sa.BigInteger, nullable=False),
        sa.Column("ttl", sa.Float, nullable=False),
        sa.Column("ttl_unit", sa.String(16), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("expires_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("project_id", "key", "voucher_id", name="pk_validation_sessions"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_validation_sessions_project_id_projects"
        ),
    )
    op.create_index(
        "ix_validation_sessions_voucher",
        "validation_sessions",
        ["project_id", "voucher_id", "expires_at"],
    )


def downgrade() -> None:
    op.drop_table("validation_sessions")
