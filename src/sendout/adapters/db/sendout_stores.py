"""The send-outs store: the log the API reads (what the sender does with them is in
``delivery_stores.py``).

Every status written here comes from a transition of ``domain/sendout_lifecycle.py``.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import (
    Observed,
    created_within,
    matching,
    select_by_id,
)
from sendout.domain.ports import Page
from sendout.domain.sendouts import (
    Sendout,
    SendoutQuery,
    SendoutStatus,
    SourceKind,
    SourceRef,
)

_s = t.sendouts.c
_SENDOUT_BY_ID = select_by_id(t.sendouts)


_SENDOUT_FIELDS = tuple(t.sendouts.columns.keys())
STATUSES = {status.value: status for status in SendoutStatus}  # faster than SendoutStatus(…)
_KINDS = {kind.value: kind for kind in SourceKind}


def sendout_of(row: Sequence[Any]) -> Sendout:
    """A send-out from its row (the columns of ``select(t.sendouts)``, in order)."""
    m = dict(zip(_SENDOUT_FIELDS, row, strict=True))
    m["status"] = STATUSES[m["status"]]
    m["body"] = bytes(m["body"])
    m["source"] = SourceRef(_KINDS[m.pop("source_kind")], m.pop("distribution_id"))
    return Sendout(**m)


#: the columns ``_sendout_row`` fills, in its order (named here, not taken from the table's
#: order, so a column added to the table cannot shift the values into the wrong columns)
_SENDOUT_ROW_FIELDS = (
    "id",
    "project_id",
    "distribution_id",
    "source_kind",
    "channel_id",
    "channel",
    "event_id",
    "customer_id",
    "status",
    "url",
    "headers",
    "body",
    "reason",
    "attempts_count",
    "next_attempt_at",
    "created_at",
    "updated_at",
    "event_type",
)


def _sendout_row(sendout: Sendout) -> tuple[Any, ...]:
    """A send-out's values in the order of ``_SENDOUT_ROW_FIELDS``."""
    return (
        sendout.id,
        sendout.project_id,
        sendout.source.id,
        sendout.source.kind.value,
        sendout.channel_id,
        sendout.channel,
        sendout.event_id,
        sendout.customer_id,
        sendout.status.value,
        sendout.url,
        orjson.dumps(dict(sendout.headers)).decode(),
        sendout.body,
        sendout.reason,
        sendout.attempts_count,
        sendout.next_attempt_at,
        sendout.created_at,
        sendout.updated_at,
        sendout.event_type,
    )


class SqlSendoutStore(Observed):
    async def add_many(self, sendouts: Sequence[Sendout]) -> None:
        if not sendouts:
            return
        if self.facts is not None:
            self.facts.created.extend(sendouts)
        self._tx.signal_work()  # a delivery lane somewhere has a send-out to claim
        await self._tx.insert_many(
            t.sendouts, _SENDOUT_ROW_FIELDS, [_sendout_row(sendout) for sendout in sendouts]
        )

    async def get(self, project_id: str, sendout_id: str) -> Sendout | None:
        row = await self._one(_SENDOUT_BY_ID, project_id=project_id, id=sendout_id)
        return None if row is None else sendout_of(row)

    async def list(self, project_id: str, query: SendoutQuery) -> Page[Sendout]:
        conditions = [
            _s.project_id == project_id,
            *matching(
                (_s.distribution_id, query.distribution_id),
                (_s.status, None if query.status is None else query.status.value),
                (_s.customer_id, query.customer_id),
                (_s.event_type, query.event_type),
            ),
            *created_within(_s.created_at, query.created_after, query.created_before),
        ]
        return await self._paged(
            t.sendouts,
            conditions,
            (_s.created_at.desc(), _s.id.desc()),
            query.limit,
            query.page,
            sendout_of,
        )

    async def counts(
        self, project_id: str, distribution_ids: Sequence[str]
    ) -> dict[str, dict[str, int]]:
        found: dict[str, dict[str, int]] = {d: {} for d in distribution_ids}
        if not distribution_ids:
            return found
        rows = await self._tx.execute(
            sa.select(_s.distribution_id, _s.status, sa.func.count())
            .where(_s.project_id == project_id, _s.distribution_id.in_(list(distribution_ids)))
            .group_by(_s.distribution_id, _s.status)
        )
        for row in rows:
            distribution_id, status, count = tuple(row)
            found[str(distribution_id)][str(status)] = int(count)
        return found
