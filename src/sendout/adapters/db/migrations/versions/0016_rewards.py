"""Rewards, their assignments to loyalty programs, and rewards on redemptions.

Revision ID: 0016
Revises: 0015
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, UTCDateTime

revision = "0016"
down_revision = "0015"
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "rewards",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("type", sa.String(16), nullable=False),
        sa.Column("parameters", JSONDocument, nullable=False),
        sa.Column("stock", sa.BigInteger),
        sa.Column("redeemed", sa.BigInteger, nullable=False),
        sa.Column("attributes", JSONDocument, nullable=False),
        sa.Column("metadata", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_rewards"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_rewards_project_id_projects"
        ),
    )
    op.create_index("ix_rewards_project_created", "rewards", ["project_id", "created_at"])
    op.create_table(
        "reward_assignments",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("reward_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("points", sa.BigInteger),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_reward_assignments"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_reward_assignments_project_id_projects"
        ),
        sa.UniqueConstraint(
            "reward_id", "campaign_id", name="uq_reward_assignments_reward_campaign"
        ),
    )
    op.create_index(
        "ix_reward_assignments_campaign", "reward_assignments", ["project_id", "campaign_id"]
    )
    with op.batch_alter_table("redemptions") as batch:
        batch.add_column(sa.Column("reward", JSONDocument))
        batch.add_column(sa.Column("points", sa.BigInteger))


def downgrade() -> None:
    with op.batch_alter_table("redemptions") as batch:
        batch.drop_column("points")
        batch.drop_column("reward")
    op.drop_table("reward_assignments")
    op.drop_table("rewards")
