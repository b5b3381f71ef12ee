"""The distributions store."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.channel_rows import channel_of, channel_value
from sendout.adapters.db.crypto import PLAIN, SecretBox
from sendout.adapters.db.engine import DriverStatement, Transaction, columns_sql
from sendout.adapters.db.stores import _param, _Store
from sendout.domain.distributions import (
    MANUAL,
    PAUSED_DELIVERY_FAILED,
    Action,
    ActionSpec,
    Distribution,
    DistributionQuery,
    DistributionStatus,
    ManualPlan,
    Trigger,
)
from sendout.domain.ports import Attempt, Page, Requeue
from sendout.domain.sendouts import Sendout, SendoutQuery, SendoutStatus

_d = t.distributions.c
_DISTRIBUTION_COLUMNS = columns_sql(t.distributions)
# Read by every claim of the delivery lane (the send-outs' sources) and every dispatch batch.
_BY_ID = DriverStatement(
    f"SELECT {_DISTRIBUTION_COLUMNS} FROM distributions WHERE project_id = ? AND id = ?",
    f"SELECT {_DISTRIBUTION_COLUMNS} FROM distributions WHERE project_id = $1 AND id = $2",
    returns=list(t.distributions.columns),
)
_UPDATE = t.distributions.update().where(
    _d.project_id == _param("where_project_id"), _d.id == _param("where_id")
)
# Paused by a delivery failure: events still make send-outs, which wait (HELD).
_LISTENING = (
    f"(status = '{DistributionStatus.ACTIVE.value}' OR (status = "
    f"'{DistributionStatus.PAUSED.value}' AND paused_reason = '{PAUSED_DELIVERY_FAILED}'))"
)
_ACTIVE_FOR = DriverStatement(
    f"SELECT {_DISTRIBUTION_COLUMNS} FROM distributions "
    f"WHERE project_id = ? AND trigger_event = ? AND {_LISTENING}",
    f"SELECT {_DISTRIBUTION_COLUMNS} FROM distributions "
    f"WHERE project_id = $1 AND trigger_event = $2 AND {_LISTENING}",
    returns=list(t.distributions.columns),
)
# Asked on every cycle of the worker's main lane, between dispatch batches.
_MANUAL_DUE = DriverStatement(
    f"SELECT {_DISTRIBUTION_COLUMNS} FROM distributions WHERE trigger_event = ? AND status = ? "
    "AND (live_at IS NULL OR live_at <= ?) ORDER BY created_at LIMIT 1",
    f"SELECT {_DISTRIBUTION_COLUMNS} FROM distributions WHERE trigger_event = $1 "
    "AND status = $2 AND (live_at IS NULL OR live_at <= $3) ORDER BY created_at LIMIT 1 "
    "FOR UPDATE SKIP LOCKED",
    returns=list(t.distributions.columns),
)
_DELETE = t.distributions.delete().where(
    _d.project_id == _param("project_id"), _d.id == _param("id")
)


def _values(d: Distribution, box: SecretBox) -> dict[str, Any]:
    return {
        "id": d.id,
        "project_id": d.project_id,
        "name": d.name,
        "status": d.status.value,
        "trigger_event": d.trigger.event,
        "trigger": {
            "event": d.trigger.event,
            "parameters": dict(d.trigger.parameters),
            "conditions": dict(d.trigger.conditions),
        },
        "action": d.action.as_object(),
        "channels": [channel_value(c, box) for c in d.channels],
        "created_at": d.created_at,
        "updated_at": d.updated_at,
        "manual": None if d.manual is None else _manual_value(d.manual),
        "live_at": None if d.manual is None else d.manual.set_live_at,
        "paused_reason": d.paused_reason,
    }


def _manual_value(plan: ManualPlan) -> dict[str, Any]:
    return {
        "customer_ids": None if plan.customer_ids is None else list(plan.customer_ids),
        "customer_filter": None if plan.customer_filter is None else dict(plan.customer_filter),
        "done": plan.done,
        "total": plan.total,
    }


def _manual(raw: Mapping[str, Any] | None, live_at: datetime | None) -> ManualPlan | None:
    if raw is None:
        return None
    ids = raw.get("customer_ids")
    return ManualPlan(
        customer_ids=None if ids is None else tuple(ids),
        customer_filter=raw.get("customer_filter"),
        set_live_at=live_at,
        done=raw["done"],
        total=raw.get("total"),
    )


_DISTRIBUTION_FIELDS = tuple(t.distributions.columns.keys())


def _distribution(row: Sequence[Any], box: SecretBox) -> Distribution:
    """A distribution from its row (the columns of ``select(t.distributions)``, in order)."""
    m = dict(zip(_DISTRIBUTION_FIELDS, row, strict=True))
    action = m["action"]
    return Distribution(
        id=m["id"],
        project_id=m["project_id"],
        name=m["name"],
        status=DistributionStatus(m["status"]),
        trigger=Trigger(
            event=m["trigger"]["event"],
            parameters=m["trigger"]["parameters"],
            conditions=m["trigger"]["conditions"],
        ),
        action=ActionSpec(
            type=Action(action["type"]),
            campaign_id=action.get("campaign_id"),
            promotion_tier_id=action.get("promotion_tier_id"),
        ),
        channels=tuple(channel_of(c, box) for c in m["channels"]),
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        manual=_manual(m["manual"], m["live_at"]),
        paused_reason=m["paused_reason"],
    )


class SqlDistributionStore(_Store):
    def __init__(self, tx: Transaction, box: SecretBox = PLAIN) -> None:
        super().__init__(tx)
        self._box = box

    def _distribution(self, row: Sequence[Any]) -> Distribution:
        return _distribution(row, self._box)

    async def add(self, distribution: Distribution) -> None:
        await self._insert(t.distributions, _values(distribution, self._box))

    async def update(self, distribution: Distribution) -> None:
        values = _values(distribution, self._box)
        del values["id"], values["project_id"], values["created_at"]
        values.update(where_project_id=distribution.project_id, where_id=distribution.id)
        await self._write(_UPDATE, values, "distributions")

    async def get(self, project_id: str, distribution_id: str) -> Distribution | None:
        rows = await self._tx.fetch(_BY_ID, project_id, distribution_id)
        return self._distribution(rows[0]) if rows else None

    async def remove(self, project_id: str, distribution_id: str) -> None:
        await self._tx.execute(_DELETE, {"project_id": project_id, "id": distribution_id})

    async def next_manual_due(self, now: datetime) -> Distribution | None:
        rows = await self._tx.fetch(_MANUAL_DUE, MANUAL, DistributionStatus.TO_SEND.value, now)
        return self._distribution(rows[0]) if rows else None

    async def active_for(self, project_id: str, event_type: str) -> list[Distribution]:
        rows = await self._tx.fetch(_ACTIVE_FOR, project_id, event_type)
        return [self._distribution(row) for row in rows]

    async def list(self, project_id: str, query: DistributionQuery) -> Page[Distribution]:
        conditions: list[sa.ColumnElement[bool]] = [_d.project_id == project_id]
        if query.status is not None:
            conditions.append(_d.status == query.status.value)
        if query.trigger_event is not None:
            conditions.append(_d.trigger_event == query.trigger_event)
        return await self._paged(
            t.distributions,
            conditions,
            (_d.created_at.desc(), _d.id.desc()),
            query.limit,
            query.page,
            self._distribution,
        )


_s = t.sendouts.c
_SENDOUT_BY_ID = sa.select(t.sendouts).where(
    _s.project_id == _param("project_id"), _s.id == _param("id")
)


_SENDOUT_FIELDS = tuple(t.sendouts.columns.keys())
_STATUSES = {status.value: status for status in SendoutStatus}  # faster than SendoutStatus(…)


def _sendout(row: Sequence[Any]) -> Sendout:
    """A send-out from its row (the columns of ``select(t.sendouts)``, in order)."""
    m = dict(zip(_SENDOUT_FIELDS, row, strict=True))
    m["status"] = _STATUSES[m["status"]]
    m["body"] = bytes(m["body"])
    return Sendout(**m)


#: the columns ``_sendout_row`` fills, in its order (named here, not taken from the table's
#: order, so a column added to the table cannot shift the values into the wrong columns)
_SENDOUT_ROW_FIELDS = (
    "id",
    "project_id",
    "distribution_id",
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
        sendout.distribution_id,
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


class SqlSendoutStore(_Store):
    async def add_many(self, sendouts: Sequence[Sendout]) -> None:
        if not sendouts:
            return
        self._tx.signal_work()  # a delivery lane somewhere has a send-out to claim
        await self._tx.insert_many(
            t.sendouts, _SENDOUT_ROW_FIELDS, [_sendout_row(sendout) for sendout in sendouts]
        )

    async def get(self, project_id: str, sendout_id: str) -> Sendout | None:
        row = await self._one(_SENDOUT_BY_ID, project_id=project_id, id=sendout_id)
        return None if row is None else _sendout(row)

    async def list(self, project_id: str, query: SendoutQuery) -> Page[Sendout]:
        conditions: list[sa.ColumnElement[bool]] = [_s.project_id == project_id]
        if query.distribution_id is not None:
            conditions.append(_s.distribution_id == query.distribution_id)
        if query.status is not None:
            conditions.append(_s.status == query.status.value)
        if query.customer_id is not None:
            conditions.append(_s.customer_id == query.customer_id)
        if query.event_type is not None:
            conditions.append(_s.event_type == query.event_type)
        if query.created_after is not None:
            conditions.append(_s.created_at >= query.created_after)
        if query.created_before is not None:
            conditions.append(_s.created_at < query.created_before)
        return await self._paged(
            t.sendouts,
            conditions,
            (_s.created_at.desc(), _s.id.desc()),
            query.limit,
            query.page,
            _sendout,
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


_a = t.sendout_attempts.c
_SENDOUT_COLUMNS = columns_sql(t.sendouts)
# Endpoints at their concurrency limit or behind an open breaker wait their turn (excluded).
_PENDING = SendoutStatus.PENDING.value
_DUE = DriverStatement(
    f"SELECT {_SENDOUT_COLUMNS} FROM sendouts WHERE status = '{_PENDING}' "
    "AND next_attempt_at <= ? AND url NOT IN (SELECT value FROM json_each(?)) "
    "ORDER BY next_attempt_at LIMIT ?",
    f"SELECT {_SENDOUT_COLUMNS} FROM sendouts WHERE status = '{_PENDING}' "
    "AND next_attempt_at <= $1 AND url <> ALL($2::text[]) "
    "ORDER BY next_attempt_at LIMIT $3 FOR UPDATE SKIP LOCKED",
    returns=list(t.sendouts.columns),
)
_DEFER = DriverStatement(
    f"UPDATE sendouts SET next_attempt_at = ? WHERE status = '{_PENDING}' "
    "AND next_attempt_at <= ? AND url = ?",
    f"UPDATE sendouts SET next_attempt_at = $1 WHERE status = '{_PENDING}' "
    "AND next_attempt_at <= $2 AND url = $3",
)
_LEASE = DriverStatement(
    "UPDATE sendouts SET next_attempt_at = ? WHERE id IN (SELECT value FROM json_each(?))",
    "UPDATE sendouts SET next_attempt_at = $1 WHERE id = ANY($2::text[])",
)
_SENDOUT_UPDATE = DriverStatement(
    "UPDATE sendouts SET status = ?, reason = ?, attempts_count = ?, next_attempt_at = ?, "
    "updated_at = ? WHERE id = ?",
    "UPDATE sendouts SET status = $1, reason = $2, attempts_count = $3, next_attempt_at = $4, "
    "updated_at = $5 WHERE id = $6",
)
_ATTEMPT_FIELDS = (
    "sendout_id",
    "project_id",
    "started_at",
    "duration_ms",
    "status_code",
    "response_headers",
    "response_excerpt",
    "error",
)
_ATTEMPTS_OF = (
    sa.select(t.sendout_attempts)
    .where(_a.project_id == _param("project_id"), _a.sendout_id == _param("sendout_id"))
    .order_by(_a.seq)
)


class SqlDeliveryStore(_Store):
    """What the sender needs: due send-outs under a lease, their updates, their attempts."""

    async def due(
        self, now: datetime, limit: int, exclude_urls: Collection[str] = ()
    ) -> list[Sendout]:
        rows = await self._tx.fetch(_DUE, now, list(exclude_urls), limit)
        return [_sendout(row) for row in rows]

    async def lease(self, sendout_ids: Collection[str], until: datetime) -> None:
        """Push the send-outs' next attempt to ``until``: another worker takes them over only
        if this one never reports back."""
        if sendout_ids:
            await self._tx.run(_LEASE, until, list(sendout_ids))

    async def defer(self, url: str, now: datetime, until: datetime) -> None:
        await self._tx.run(_DEFER, until, now, url)

    async def requeue(self, project_id: str, selection: Requeue, now: datetime) -> int:
        self._tx.signal_work()
        conditions: list[sa.ColumnElement[bool]] = [
            _s.project_id == project_id,
            _s.status.in_([status.value for status in selection.statuses]),
        ]
        if selection.sendout_id is not None:
            conditions.append(_s.id == selection.sendout_id)
        if selection.distribution_id is not None:
            conditions.append(_s.distribution_id == selection.distribution_id)
        if selection.since is not None:
            conditions.append(_s.created_at >= selection.since)
        if selection.attempted:
            conditions.append(_s.attempts_count > 0)
        result = await self._tx.execute(
            t.sendouts.update()
            .where(*conditions)
            .values(
                status=SendoutStatus.PENDING.value,
                next_attempt_at=now,
                reason=selection.reason,
                updated_at=now,
            )
        )
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def update_many(self, sendouts: Sequence[Sendout]) -> None:
        if not sendouts:
            return
        await self._tx.run_many(
            _SENDOUT_UPDATE,
            [
                (
                    sendout.status.value,
                    sendout.reason,
                    sendout.attempts_count,
                    sendout.next_attempt_at,
                    sendout.updated_at,
                    sendout.id,
                )
                for sendout in sendouts
            ],
        )

    async def add_attempts(self, attempts: Sequence[Attempt]) -> None:
        if not attempts:
            return
        await self._tx.insert_many(
            t.sendout_attempts,
            _ATTEMPT_FIELDS,
            [
                (
                    sendout.id,
                    sendout.project_id,
                    started_at,
                    result.duration_ms,
                    result.status_code,
                    orjson.dumps(dict(result.response_headers)).decode(),
                    result.response_excerpt,
                    result.error,
                )
                for sendout, started_at, result in attempts
            ],
        )

    async def attempts(self, project_id: str, sendout_id: str) -> list[dict[str, Any]]:
        rows = await self._tx.execute(
            _ATTEMPTS_OF, {"project_id": project_id, "sendout_id": sendout_id}
        )
        return [
            {
                "started_at": row.started_at,
                "duration_ms": row.duration_ms,
                "status_code": row.status_code,
                "response_headers": row.response_headers,
                "response_excerpt": row.response_excerpt,
                "error": row.error,
            }
            for row in rows
        ]
