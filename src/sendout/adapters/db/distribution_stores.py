"""The distributions store (their send-outs are in ``sendout_stores.py``, their delivery in
``delivery_stores.py``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.channel_rows import channel_of, channel_value
from sendout.adapters.db.crypto import PLAIN, SecretBox
from sendout.adapters.db.engine import DriverStatement, Transaction, columns_sql
from sendout.adapters.db.store_helpers import SqlStore, param, update_by_id
from sendout.domain.distributions import (
    PAUSED_DELIVERY_FAILED,
    ActionSpec,
    Distribution,
    DistributionQuery,
    DistributionStatus,
    ManualPlan,
    Trigger,
)
from sendout.domain.event_catalogue import MANUAL, Action
from sendout.domain.ports import Page

_d = t.distributions.c
_DISTRIBUTION_COLUMNS = columns_sql(t.distributions)
# Read by every claim of the delivery lane (the send-outs' sources) and every dispatch batch.
_BY_ID = DriverStatement(
    f"SELECT {_DISTRIBUTION_COLUMNS} FROM distributions WHERE project_id = ? AND id = ?",
    f"SELECT {_DISTRIBUTION_COLUMNS} FROM distributions WHERE project_id = $1 AND id = $2",
    returns=list(t.distributions.columns),
)
_UPDATE = update_by_id(t.distributions)
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
_DELETE = t.distributions.delete().where(_d.project_id == param("project_id"), _d.id == param("id"))


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
        "resume_after": None
        if plan.resume_after is None
        else [plan.resume_after[0].isoformat(), plan.resume_after[1]],
    }


def _manual(raw: Mapping[str, Any] | None, live_at: datetime | None) -> ManualPlan | None:
    if raw is None:
        return None
    ids = raw.get("customer_ids")
    after = raw.get("resume_after")
    return ManualPlan(
        customer_ids=None if ids is None else tuple(ids),
        customer_filter=raw.get("customer_filter"),
        set_live_at=live_at,
        done=raw["done"],
        total=raw.get("total"),
        resume_after=None if after is None else (datetime.fromisoformat(after[0]), after[1]),
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


class SqlDistributionStore(SqlStore):
    def __init__(self, tx: Transaction, box: SecretBox = PLAIN) -> None:
        super().__init__(tx)
        self._box = box

    def _distribution(self, row: Sequence[Any]) -> Distribution:
        return _distribution(row, self._box)

    async def add(self, distribution: Distribution) -> None:
        await self._insert(t.distributions, _values(distribution, self._box))

    async def update(self, distribution: Distribution) -> None:
        await self._update(_UPDATE, _values(distribution, self._box), "distributions")

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
