"""Projects' provider configurations for message channels (SMTP, SMS, CRMs).

Revision ID: 0022
Revises: 0021
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0022"
down_revision = "0021"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "integrations",
        sa.Column("project_id", sa.String(64), nullable=False),
        sa.Column("provider", sa.String(64), nullable=False),
        sa.Column("settings", JSONDocument, nullable=False),
        sa.Column("secrets", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("project_id", "provider", name="pk_integrations"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_integrations_project_id_projects"
        ),
    )


def downgrade() -> None:
    op.drop_table("integrations")
