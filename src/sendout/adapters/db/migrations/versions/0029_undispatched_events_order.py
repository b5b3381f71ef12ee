"""The undispatched events' index keyed (dispatched_at, seq), so that the dispatcher's claim
can only be served by it (issue 23).

Keyed on ``seq`` alone, it gave PostgreSQL two equal ways to read the events in ``seq`` order:
it, or the primary key with a filter. When the statistics say most events are undispatched
(after a backlog was recorded while no worker ran, and autovacuum analyzed the table), the
planner took the primary key, which reads past every event dispatched since: each claim of a
drain read the whole table again. The claim now orders by (dispatched_at, seq), which only
this index gives (every entry's dispatched_at is NULL, so it is seq order).

Revision ID: 0029
Revises: 0028
Create Date: 2026-12-20
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0029"
down_revision = "0028"
branch_labels = None
depends_on = None

_UNDISPATCHED = sa.text("dispatched_at IS NULL")


def upgrade() -> None:
    op.drop_index("ix_events_undispatched", "events")
    op.create_index(
        "ix_events_undispatched",
        "events",
        ["dispatched_at", "seq"],
        sqlite_where=_UNDISPATCHED,
        postgresql_where=_UNDISPATCHED,
    )


def downgrade() -> None:
    op.drop_index("ix_events_undispatched", "events")
    op.create_index(
        "ix_events_undispatched",
        "events",
        ["seq"],
        sqlite_where=_UNDISPATCHED,
        postgresql_where=_UNDISPATCHED,
    )
