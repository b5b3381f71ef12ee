"""Fencing tokens on every leased claim (send-outs, async actions, alert emails), and a
send-out's source kind stored instead of told apart by its id's prefix.

The backfill reads the prefix one last time: project webhooks' ids are ``wh_…``,
distributions' ``distr_…``.

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-07
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0027"
down_revision = "0026"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("sendouts", sa.Column("source_kind", sa.String(16)))
    op.add_column("sendouts", sa.Column("lease_token", sa.String(32)))
    # "_" is a LIKE wildcard: compared as a prefix instead.
    op.execute(
        "UPDATE sendouts SET source_kind = CASE WHEN substr(distribution_id, 1, 3) = 'wh_' "
        "THEN 'webhook' ELSE 'distribution' END"
    )
    with op.batch_alter_table("sendouts") as batch:
        batch.alter_column("source_kind", existing_type=sa.String(16), nullable=False)
    op.add_column("async_actions", sa.Column("lease_token", sa.String(32)))
    op.add_column("notifications", sa.Column("email_lease_token", sa.String(32)))


def downgrade() -> None:
    op.drop_column("notifications", "email_lease_token")
    op.drop_column("async_actions", "lease_token")
    with op.batch_alter_table("sendouts") as batch:
        batch.drop_column("lease_token")
        batch.drop_column("source_kind")
