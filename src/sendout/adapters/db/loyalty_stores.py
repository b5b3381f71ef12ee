"""The loyalty tiers store."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.stores import _param, _Store
from sendout.domain.loyalty_tiers import LoyaltyTier

_l = t.loyalty_tiers.c
_OF_CAMPAIGN = (
    sa.select(t.loyalty_tiers)
    .where(_l.project_id == _param("project_id"), _l.campaign_id == _param("campaign_id"))
    .order_by(_l.points_from)
)


def _tier(row: sa.Row[Any]) -> LoyaltyTier:
    return LoyaltyTier(**row._mapping)


class SqlLoyaltyTierStore(_Store):
    async def add_many(self, tiers: Sequence[LoyaltyTier]) -> None:
        await self._write(
            t.loyalty_tiers.insert(),
            [
                {
                    "id": tier.id,
                    "project_id": tier.project_id,
                    "campaign_id": tier.campaign_id,
                    "name": tier.name,
                    "points_from": tier.points_from,
                    "points_to": tier.points_to,
                    "metadata": dict(tier.metadata),
                    "created_at": tier.created_at,
                    "updated_at": tier.updated_at,
                }
                for tier in tiers
            ],
            "loyalty_tiers",
        )

    async def of_campaign(self, project_id: str, campaign_id: str) -> list[LoyaltyTier]:
        rows = await self._tx.execute(
            _OF_CAMPAIGN, {"project_id": project_id, "campaign_id": campaign_id}
        )
        return [_tier(row) for row in rows]
