"""Project webhooks' secrets as text: sealed with SENDOUT_ENCRYPTION_KEY, a secret no longer
fits 128 characters.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-01
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0026"
down_revision = "0025"
branch_labels = None
depends_on = None


def upgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.alter_column("secret", type_=sa.Text, existing_nullable=False)
        batch.alter_column("previous_secret", type_=sa.Text, existing_nullable=True)


def downgrade() -> None:
    with op.batch_alter_table("webhooks") as batch:
        batch.alter_column("previous_secret", type_=sa.String(128), existing_nullable=True)
        batch.alter_column("secret", type_=sa.String(128), existing_nullable=False)
