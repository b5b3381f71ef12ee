"""An earning rule's ``source.banner`` (issue 25): the text a shop displays for the rule, which
Voucherify keeps and answers back; it was dropped at creation.

Revision ID: 0030
Revises: 0029
Create Date: 2026-12-08
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0030"
down_revision = "0029"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("earning_rules", sa.Column("banner", sa.Text))


def downgrade() -> None:
    with op.batch_alter_table("earning_rules") as batch:
        batch.drop_column("banner")
