"""The queues' figures for the metrics, read when Prometheus scrapes (``adapters/metrics.py``).

Every statement reads an index, never a table: the undispatched events through the partial
index the dispatcher claims from (``ix_events_undispatched``), the due send-outs through the
index the sender claims from (``ix_sendouts_due``: status, next attempt), the async actions
through ``ix_async_actions_status``. Counts stop at ``COUNT_CAP`` so a scrape during a backlog
of millions reads at most that many index entries; the oldest entries are the first of their
index, found at once.
"""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import Database
from sendout.domain.async_actions import AsyncStatus
from sendout.domain.observations import QueueFigures
from sendout.domain.sendouts import SendoutStatus

COUNT_CAP = 100_000

_e, _s, _a = t.events.c, t.sendouts.c, t.async_actions.c
_UNDISPATCHED = _e.dispatched_at.is_(None)
_WAITING = sa.select(sa.func.count()).select_from(
    sa.select(_e.seq)
    .where(_UNDISPATCHED)
    .order_by(_e.dispatched_at, _e.seq)
    .limit(COUNT_CAP)
    .subquery()
)
_OLDEST_WAITING = (
    sa.select(_e.created_at).where(_UNDISPATCHED).order_by(_e.dispatched_at, _e.seq).limit(1)
)


def _due(now: sa.BindParameter[datetime]) -> sa.ColumnElement[bool]:
    return sa.and_(_s.status == SendoutStatus.PENDING.value, _s.next_attempt_at <= now)


_NOW = sa.bindparam("now", type_=t.sendouts.c.next_attempt_at.type)
_DUE = sa.select(sa.func.count()).select_from(
    sa.select(_s.id).where(_due(_NOW)).limit(COUNT_CAP).subquery()
)
_OLDEST_DUE = sa.select(_s.next_attempt_at).where(_due(_NOW)).order_by(_s.next_attempt_at).limit(1)
_ASYNC_RUNNING = (
    sa.select(sa.func.count())
    .select_from(t.async_actions)
    .where(_a.status.in_([AsyncStatus.ENQUEUED.value, AsyncStatus.IN_PROGRESS.value]))
)


async def queue_figures(database: Database, now: datetime) -> QueueFigures:
    tx = await database.begin(read_only=True)
    try:
        waiting = (await tx.execute(_WAITING)).scalar_one()
        oldest_waiting = (await tx.execute(_OLDEST_WAITING)).scalar_one_or_none()
        due = (await tx.execute(_DUE, {"now": now})).scalar_one()
        oldest_due = (await tx.execute(_OLDEST_DUE, {"now": now})).scalar_one_or_none()
        running = (await tx.execute(_ASYNC_RUNNING)).scalar_one()
    finally:
        await tx.close()
    return QueueFigures(
        undispatched_events=int(waiting),
        oldest_undispatched_at=oldest_waiting,
        due_sendouts=int(due),
        oldest_due_at=oldest_due,
        async_actions_in_progress=int(running),
    )
