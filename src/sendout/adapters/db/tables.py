"""The schema, as SQLAlchemy Core tables. Migrations (``migrations/``) create exactly this."""

from __future__ import annotations

import sqlalchemy as sa

from sendout.adapters.db.types import JSONDocument, SequenceKey, UTCDateTime

ID = sa.String(64)

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

projects = sa.Table(
    "projects",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("app_id", sa.String(128), primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False, index=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("token_hash", sa.String(64), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

customers = sa.Table(
    "customers",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
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
    sa.UniqueConstraint("project_id", "source_id", name="uq_customers_project_source_id"),
    sa.Index("ix_customers_project_created", "project_id", "created_at"),
    sa.Index("ix_customers_project_email", "project_id", "email"),
)

#: The outbox: one row per customer event, written in the state change's transaction.
events = sa.Table(
    "events",
    metadata,
    sa.Column("seq", SequenceKey, primary_key=True, autoincrement=True),
    sa.Column("id", ID, nullable=False, unique=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("type", sa.String(100), nullable=False),
    sa.Column("customer_id", ID),
    sa.Column("entity_id", ID),
    sa.Column("group_id", sa.String(64), nullable=False),
    sa.Column("source", JSONDocument, nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("data", JSONDocument, nullable=False),
    sa.Index("ix_events_project_customer_seq", "project_id", "customer_id", "seq"),
)

custom_event_schemas = sa.Table(
    "custom_event_schemas",
    metadata,
    sa.Column("id", ID, primary_key=True),
    sa.Column("project_id", ID, sa.ForeignKey("projects.id"), nullable=False),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("project_id", "name", name="uq_custom_event_schemas_project_name"),
)
