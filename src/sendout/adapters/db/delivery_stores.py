"""The deliveries store: what the sender needs from send-outs (due ones under a fenced lease,
their outcomes, their attempts).

Every status written here comes from a transition of ``domain/sendouts.py``; the statements
below only filter on statuses.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import DriverStatement, columns_sql
from sendout.adapters.db.sendout_stores import STATUSES, sendout_of
from sendout.adapters.db.store_helpers import (
    Observed,
    param,
)
from sendout.domain.ports import Attempt, Requeue
from sendout.domain.sendout_lifecycle import requeued
from sendout.domain.sendouts import ClaimState, Sendout, SendoutStatus

_s = t.sendouts.c
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
_LEASE = DriverStatement(
    "UPDATE sendouts SET next_attempt_at = ?, lease_token = ? "
    "WHERE id IN (SELECT value FROM json_each(?))",
    "UPDATE sendouts SET next_attempt_at = $1, lease_token = $2 WHERE id = ANY($3::text[])",
)
# The report's read: the rows stay locked until it commits (PostgreSQL; an SQLite write
# transaction holds the whole file), so no claim can slip in between its check and its write.
# In id order, so two reporters lock shared rows in one order and cannot deadlock.
_CLAIM_STATES = DriverStatement(
    "SELECT id, status, lease_token, attempts_count FROM sendouts "
    "WHERE id IN (SELECT value FROM json_each(?))",
    "SELECT id, status, lease_token, attempts_count FROM sendouts "
    "WHERE id = ANY($1::text[]) ORDER BY id FOR UPDATE",
)
# A report's outcomes, all in one statement on PostgreSQL (the rows are locked already, by
# _CLAIM_STATES in the same transaction).
_SENDOUT_UPDATE = DriverStatement(
    "UPDATE sendouts SET status = ?, reason = ?, attempts_count = ?, next_attempt_at = ?, "
    "updated_at = ?, lease_token = ? WHERE id = ?",
    "UPDATE sendouts SET status = u.status, reason = u.reason, "
    "attempts_count = u.attempts_count, next_attempt_at = u.next_attempt_at, "
    "updated_at = u.updated_at, lease_token = u.lease_token "
    "FROM unnest($1::text[], $2::text[], $3::int[], $4::timestamptz[], $5::timestamptz[], "
    "$6::text[], $7::text[]) "
    "AS u(status, reason, attempts_count, next_attempt_at, updated_at, lease_token, id) "
    "WHERE sendouts.id = u.id",
    arrays=True,
)
# Stale attempts happened (the receiver got them): counted, relative to what is stored now;
# one send-out may have two in one report (its earlier report failed and was kept).
_COUNT_ATTEMPT = DriverStatement(
    "UPDATE sendouts SET attempts_count = attempts_count + 1 WHERE id = ?",
    "UPDATE sendouts SET attempts_count = attempts_count + c.n "
    "FROM (SELECT id, count(*) AS n FROM unnest($1::text[]) AS u(id) GROUP BY id) AS c "
    "WHERE sendouts.id = c.id",
    arrays=True,
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
    .where(_a.project_id == param("project_id"), _a.sendout_id == param("sendout_id"))
    .order_by(_a.seq)
)


class SqlDeliveryStore(Observed):
    """What the sender needs: due send-outs under a lease, their updates, their attempts."""

    async def due(
        self, now: datetime, limit: int, exclude_urls: Collection[str] = ()
    ) -> list[Sendout]:
        rows = await self._tx.fetch(_DUE, now, list(exclude_urls), limit)
        return [sendout_of(row) for row in rows]

    async def lease(self, sendout_ids: Collection[str], until: datetime, token: str) -> None:
        """Push the send-outs' next attempt to ``until`` under the claim's ``token``: another
        worker takes them over only if this one never reports back."""
        if sendout_ids:
            await self._tx.run(_LEASE, until, token, list(sendout_ids))

    async def claim_states(self, sendout_ids: Collection[str]) -> dict[str, ClaimState]:
        rows = await self._tx.fetch(_CLAIM_STATES, sorted(sendout_ids))
        return {str(row[0]): ClaimState(STATUSES[row[1]], row[2], int(row[3])) for row in rows}

    async def count_attempts(self, sendout_ids: Sequence[str]) -> None:
        if sendout_ids:
            await self._tx.run_many(_COUNT_ATTEMPT, [(sendout_id,) for sendout_id in sendout_ids])

    async def requeue(self, project_id: str, selection: Requeue, now: datetime) -> list[str]:
        change = requeued(selection.statuses, selection.reason, now)
        self._tx.signal_work()
        conditions: list[sa.ColumnElement[bool]] = [
            _s.project_id == project_id,
            _s.status.in_([status.value for status in change.from_statuses]),
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
                status=change.status.value,
                next_attempt_at=change.next_attempt_at,
                reason=change.reason,
                updated_at=change.updated_at,
                # A person acted: whatever attempt is still out there reports too late.
                lease_token=None,
            )
            .returning(_s.url)
        )
        return [str(url) for (url,) in result]

    async def requeue_one(self, read: Sendout, requeued: Sendout) -> bool:
        self._tx.signal_work()
        result = await self._tx.execute(
            t.sendouts.update()
            .where(
                _s.id == read.id,
                _s.status == read.status.value,
                _s.lease_token.is_not_distinct_from(read.lease_token),
            )
            .values(
                status=requeued.status.value,
                next_attempt_at=requeued.next_attempt_at,
                reason=requeued.reason,
                updated_at=requeued.updated_at,
                lease_token=requeued.lease_token,
            )
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def update_many(self, sendouts: Sequence[Sendout]) -> None:
        if not sendouts:
            return
        if self.facts is not None:
            self.facts.moved.extend(sendouts)
        await self._tx.run_many(
            _SENDOUT_UPDATE,
            [
                (
                    sendout.status.value,
                    sendout.reason,
                    sendout.attempts_count,
                    sendout.next_attempt_at,
                    sendout.updated_at,
                    sendout.lease_token,
                    sendout.id,
                )
                for sendout in sendouts
            ],
        )

    async def add_attempts(self, attempts: Sequence[Attempt]) -> None:
        if not attempts:
            return
        if self.facts is not None:
            self.facts.attempts.extend((sendout, result) for sendout, _, result in attempts)
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
