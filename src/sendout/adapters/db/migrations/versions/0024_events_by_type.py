"""A project's latest events of a type (the dashboard designer's examples).

Revision ID: 0024
Revises: 0023
Create Date: 2026-11-22
"""

from __future__ import annotations

from alembic import op

revision = "0024"
down_revision = "0023"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_index(
        "ix_events_project_type_created", "events", ["project_id", "type", "created_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_events_project_type_created", "events")
