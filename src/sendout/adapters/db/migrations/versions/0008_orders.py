"""Orders, and the customer's order summary.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "orders",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("source_id", sa.String(255)),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("amount", sa.BigInteger),
        sa.Column("initial_amount", sa.BigInteger),
        sa.Column("discount_amount", sa.BigInteger),
        sa.Column("total_amount", sa.BigInteger, nullable=False),
        sa.Column("items", JSONDocument, nullable=False),
        sa.Column("metadata", JSONDocument, nullable=False),
        sa.Column("customer_id", ID),
        sa.Column("referrer_id", ID),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_orders"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_orders_project_id_projects"
        ),
        sa.UniqueConstraint("project_id", "source_id", name="uq_orders_project_id"),
    )
    op.create_index("ix_orders_project_created", "orders", ["project_id", "created_at"])
    op.create_index("ix_orders_project_customer", "orders", ["project_id", "customer_id"])
    with op.batch_alter_table("customers") as batch:
        batch.add_column(sa.Column("orders_summary", JSONDocument))


def downgrade() -> None:
    with op.batch_alter_table("customers") as batch:
        batch.drop_column("orders_summary")
    op.drop_table("orders")
