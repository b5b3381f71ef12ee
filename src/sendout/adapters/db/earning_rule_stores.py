"""The earning rules store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import DriverStatement, columns_sql
from sendout.adapters.db.store_helpers import SqlStore, param
from sendout.domain.earning_rules import EarningEvent, EarningRule

_e = t.earning_rules.c
_OF_CAMPAIGN = (
    sa.select(t.earning_rules)
    .where(_e.project_id == param("project_id"), _e.campaign_id == param("campaign_id"))
    .order_by(_e.created_at, _e.id)
)
# Asked by every event tracked and order paid: straight through the driver.
_ACTIVE_FOR = DriverStatement(
    f"SELECT {columns_sql(t.earning_rules)} FROM earning_rules "
    "WHERE project_id = ? AND event = ? AND active = 1",
    f"SELECT {columns_sql(t.earning_rules)} FROM earning_rules "
    "WHERE project_id = $1 AND event = $2 AND active",
    returns=list(t.earning_rules.columns),
)
_RULE_FIELDS = tuple(t.earning_rules.columns.keys())


def _values(rule: EarningRule) -> dict[str, Any]:
    return {
        "id": rule.id,
        "project_id": rule.project_id,
        "campaign_id": rule.campaign_id,
        "event": rule.event.value,
        "custom_event": rule.custom_event,
        "segment_id": rule.segment_id,
        "loyalty_tier_id": rule.loyalty_tier_id,
        "loyalty": dict(rule.loyalty),
        "pending_points": None if rule.pending_points is None else dict(rule.pending_points),
        "active": rule.active,
        "metadata": dict(rule.metadata),
        "banner": rule.banner,
        "created_at": rule.created_at,
        "updated_at": rule.updated_at,
    }


def _rule(row: sa.Row[Any]) -> EarningRule:
    return _rule_of(dict(row._mapping))


def _rule_of(m: dict[str, Any]) -> EarningRule:
    m["event"] = EarningEvent(m["event"])
    return EarningRule(**m)


class SqlEarningRuleStore(SqlStore):
    async def add_many(self, rules: Sequence[EarningRule]) -> None:
        await self._write(t.earning_rules.insert(), [_values(r) for r in rules], "earning_rules")

    async def update(self, rule: EarningRule) -> None:
        values = _values(rule)
        del values["id"], values["project_id"], values["created_at"]
        await self._tx.execute(t.earning_rules.update().where(_e.id == rule.id).values(**values))

    async def remove(self, project_id: str, rule_id: str) -> None:
        await self._tx.execute(
            t.earning_rules.delete().where(_e.project_id == project_id, _e.id == rule_id)
        )

    async def of_campaign(self, project_id: str, campaign_id: str) -> list[EarningRule]:
        rows = await self._tx.execute(
            _OF_CAMPAIGN, {"project_id": project_id, "campaign_id": campaign_id}
        )
        return [_rule(row) for row in rows]

    async def active_for(self, project_id: str, event: EarningEvent) -> list[EarningRule]:
        rows = await self._tx.fetch(_ACTIVE_FOR, project_id, event.value)
        return [_rule_of(dict(zip(_RULE_FIELDS, row, strict=True))) for row in rows]
