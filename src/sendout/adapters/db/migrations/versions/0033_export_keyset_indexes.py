"""Indexes CSV exports page by: (project, created_at, id) of the vouchers, publications and
voucher transactions (issue 25). An export reads a project's rows 1,000 at a time past the
last one written; without them each batch sorted the project's whole table, so an export's
time grew with the square of its rows. Codes made in bulk share one creation time and
sortable ids, so the vouchers' index grows at its end (a cost to bulk generation, smaller
than the code's own random-order unique index).

Revision ID: 0033
Revises: 0032
Create Date: 2026-12-08
"""

from __future__ import annotations

from alembic import op

revision = "0033"
down_revision = "0032"
branch_labels = None
depends_on = None

_INDEXES = {
    "ix_vouchers_project_created": "vouchers",
    "ix_publications_project_created": "publications",
    "ix_voucher_transactions_project_created": "voucher_transactions",
}


def upgrade() -> None:
    for name, table in _INDEXES.items():
        op.create_index(name, table, ["project_id", "created_at", "id"])


def downgrade() -> None:
    for name, table in _INDEXES.items():
        op.drop_index(name, table)
