"""Campaigns, promotion tiers, vouchers, publications, async actions.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, SequenceKey, UTCDateTime

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

ID = sa.String(64)


def _project_fk(table: str) -> sa.ForeignKeyConstraint:
    return sa.ForeignKeyConstraint(
        ["project_id"], ["projects.id"], name=f"fk_{table}_project_id_projects"
    )


def upgrade() -> None:
    op.create_table(
        "campaigns",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("campaign_type", sa.String(32), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("description", sa.Text),
        sa.Column("join_once", sa.Boolean, nullable=False),
        sa.Column("auto_join", sa.Boolean, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("start_date", UTCDateTime),
        sa.Column("expiration_date", UTCDateTime),
        sa.Column("validity", JSONDocument),
        sa.Column("activity_duration_after_publishing", sa.String(64)),
        sa.Column("category", sa.String(255)),
        sa.Column("metadata", JSONDocument, nullable=False),
        sa.Column("template", JSONDocument),
        sa.Column("creation_status", sa.String(16), nullable=False),
        sa.Column("vouchers_generation_status", sa.String(16), nullable=False),
        sa.Column("vouchers_count", sa.BigInteger, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.Column("deleted_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_campaigns"),
        _project_fk("campaigns"),
    )
    op.create_index("ix_campaigns_project_created", "campaigns", ["project_id", "created_at"])
    op.create_index(
        "uq_campaigns_project_name_live",
        "campaigns",
        ["project_id", "name"],
        unique=True,
        sqlite_where=sa.text("deleted_at IS NULL"),
        postgresql_where=sa.text("deleted_at IS NULL"),
    )
    op.create_table(
        "promotion_tiers",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("campaign_id", ID, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("banner", sa.Text),
        sa.Column("action", JSONDocument, nullable=False),
        sa.Column("metadata", JSONDocument, nullable=False),
        sa.Column("active", sa.Boolean, nullable=False),
        sa.Column("hierarchy", sa.Integer, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_promotion_tiers"),
        _project_fk("promotion_tiers"),
        sa.ForeignKeyConstraint(
            ["campaign_id"], ["campaigns.id"], name="fk_promotion_tiers_campaign_id_campaigns"
        ),
    )
    op.create_index("ix_promotion_tiers_campaign_id", "promotion_tiers", ["campaign_id"])
    op.create_table(
        "vouchers",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("code", sa.String(128), nullable=False),
        sa.Column("campaign_id", ID),
        sa.Column("type", sa.String(32)),
        sa.Column("discount", JSONDocument),
        sa.Column("gift", JSONDocument),
        sa.Column("loyalty_card", JSONDocument),
        sa.Column("redemption_quantity", sa.Integer),
        sa.Column("redeemed_quantity", sa.Integer, nullable=False, server_default="0"),
        sa.Column("active", sa.Boolean),
        sa.Column("start_date", UTCDateTime),
        sa.Column("expiration_date", UTCDateTime),
        sa.Column("validity", JSONDocument),
        sa.Column("additional_info", sa.Text),
        sa.Column("metadata", JSONDocument),
        sa.Column("category", sa.String(255)),
        sa.Column("is_referral_code", sa.Boolean),
        sa.Column("holder_id", ID),
        sa.Column("published_at", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_vouchers"),
        _project_fk("vouchers"),
        sa.UniqueConstraint("project_id", "code", name="uq_vouchers_project_code"),
    )
    op.create_index(
        "ix_vouchers_free",
        "vouchers",
        ["campaign_id"],
        sqlite_where=sa.text("holder_id IS NULL"),
        postgresql_where=sa.text("holder_id IS NULL"),
    )
    op.create_index(
        "ix_vouchers_held",
        "vouchers",
        ["project_id", "holder_id"],
        sqlite_where=sa.text("holder_id IS NOT NULL"),
        postgresql_where=sa.text("holder_id IS NOT NULL"),
    )
    op.create_table(
        "publications",
        sa.Column("seq", SequenceKey, autoincrement=True, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("customer_id", ID, nullable=False),
        sa.Column("campaign_id", ID),
        sa.Column("voucher_ids", JSONDocument, nullable=False),
        sa.Column("codes", JSONDocument, nullable=False),
        sa.Column("source_id", sa.String(255)),
        sa.Column("channel", sa.String(64), nullable=False),
        sa.Column("metadata", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_publications"),
        _project_fk("publications"),
        sa.UniqueConstraint("id", name="uq_publications_id"),
        sa.UniqueConstraint("project_id", "source_id", name="uq_publications_project_source_id"),
    )
    op.create_index(
        "ix_publications_customer_campaign",
        "publications",
        ["project_id", "customer_id", "campaign_id"],
    )
    op.create_table(
        "async_actions",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("type", sa.String(64), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("request", JSONDocument, nullable=False),
        sa.Column("done", sa.BigInteger, nullable=False),
        sa.Column("total", sa.BigInteger, nullable=False),
        sa.Column("result", JSONDocument),
        sa.Column("lease_until", UTCDateTime),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_async_actions"),
        _project_fk("async_actions"),
    )
    op.create_index("ix_async_actions_status", "async_actions", ["status", "created_at"])
    op.create_index(
        "ix_async_actions_project_created", "async_actions", ["project_id", "created_at"]
    )


def downgrade() -> None:
    for table in ("async_actions", "publications", "vouchers", "promotion_tiers", "campaigns"):
        op.drop_table(table)
