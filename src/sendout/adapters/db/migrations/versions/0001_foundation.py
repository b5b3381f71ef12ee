"""Foundation: projects, key pairs, customers, the event outbox, custom event schemas.

Revision ID: 0001
Revises:
Create Date: 2026-11-22
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

from sendout.adapters.db.types import JSONDocument, SequenceKey, UTCDateTime

revision = "0001"
down_revision = None
branch_labels = None
depends_on = None

ID = sa.String(64)


def upgrade() -> None:
    op.create_table(
        "projects",
        sa.Column("id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_projects"),
    )
    op.create_table(
        "api_keys",
        sa.Column("app_id", sa.String(128), nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("token_hash", sa.String(64), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("app_id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_api_keys_project_id_projects"
        ),
    )
    op.create_index("ix_api_keys_project_id", "api_keys", ["project_id"])
    op.create_table(
        "customers",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("source_id", sa.String(255)),
        sa.Column("name", sa.Text),
        sa.Column("description", sa.Text),
        sa.Column("email", sa.String(320)),
        sa.Column("phone", sa.String(64)),
        sa.Column("birthdate", sa.Date),
        sa.Column("birthday", sa.Date),
        sa.Column("address", JSONDocument),
        sa.Column("metadata", JSONDocument, nullable=False),
        sa.Column("system_metadata", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("updated_at", UTCDateTime),
        sa.PrimaryKeyConstraint("id", name="pk_customers"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_customers_project_id_projects"
        ),
        sa.UniqueConstraint("project_id", "source_id", name="uq_customers_project_source_id"),
    )
    op.create_index("ix_customers_project_created", "customers", ["project_id", "created_at"])
    op.create_index("ix_customers_project_email", "customers", ["project_id", "email"])
    op.create_table(
        "events",
        sa.Column("seq", SequenceKey, autoincrement=True, nullable=False),
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("type", sa.String(100), nullable=False),
        sa.Column("customer_id", ID),
        sa.Column("entity_id", ID),
        sa.Column("group_id", sa.String(64), nullable=False),
        sa.Column("source", JSONDocument, nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.Column("data", JSONDocument, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_events"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_events_project_id_projects"
        ),
        sa.UniqueConstraint("id", name="uq_events_id"),
    )
    op.create_index(
        "ix_events_project_customer_seq", "events", ["project_id", "customer_id", "seq"]
    )
    op.create_table(
        "custom_event_schemas",
        sa.Column("id", ID, nullable=False),
        sa.Column("project_id", ID, nullable=False),
        sa.Column("name", sa.String(255), nullable=False),
        sa.Column("created_at", UTCDateTime, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_custom_event_schemas"),
        sa.ForeignKeyConstraint(
            ["project_id"], ["projects.id"], name="fk_custom_event_schemas_project_id_projects"
        ),
        sa.UniqueConstraint("project_id", "name", name="uq_custom_event_schemas_project_name"),
    )


def downgrade() -> None:
    op.drop_table("custom_event_schemas")
    op.drop_table("events")
    op.drop_table("customers")
    op.drop_table("api_keys")
    op.drop_table("projects")
