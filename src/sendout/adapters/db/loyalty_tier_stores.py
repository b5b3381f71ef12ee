"""The loyalty tiers store."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, param
from sendout.domain.loyalty_tiers import LoyaltyTier, MemberTier

_l = t.loyalty_tiers.c
_OF_CAMPAIGN = (
    sa.select(t.loyalty_tiers)
    .where(_l.project_id == param("project_id"), _l.campaign_id == param("campaign_id"))
    .order_by(_l.points_from)
)


_m = t.member_tiers.c
_HELD = sa.select(t.member_tiers).where(
    _m.project_id == param("project_id"), _m.voucher_id == param("voucher_id")
)
_EXPIRED = (
    sa.select(_m.project_id, _m.voucher_id)
    .where(_m.expiration_date < param("today"))
    .order_by(_m.expiration_date)
    .limit(param("limit"))
)


def _tier(row: sa.Row[Any]) -> LoyaltyTier:
    return LoyaltyTier(**row._mapping)


class SqlLoyaltyTierStore(SqlStore):
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

    async def held(self, project_id: str, voucher_id: str) -> MemberTier | None:
        row = await self._one(_HELD, project_id=project_id, voucher_id=voucher_id)
        return None if row is None else MemberTier(**row._mapping)

    async def hold(self, held: MemberTier) -> None:
        """Record the member's tier (the card's row is locked by the caller)."""
        values = {
            "campaign_id": held.campaign_id,
            "customer_id": held.customer_id,
            "tier_id": held.tier_id,
            "start_date": held.start_date,
            "expiration_date": held.expiration_date,
            "updated_at": held.updated_at,
        }
        result = await self._tx.execute(
            t.member_tiers.update()
            .where(_m.project_id == held.project_id, _m.voucher_id == held.voucher_id)
            .values(**values)
        )
        if int(result.rowcount) == 0:  # type: ignore[attr-defined]
            await self._insert(
                t.member_tiers,
                {
                    **values,
                    "project_id": held.project_id,
                    "voucher_id": held.voucher_id,
                    "created_at": held.created_at,
                },
            )

    async def release(self, project_id: str, voucher_id: str) -> None:
        await self._tx.execute(
            t.member_tiers.delete().where(_m.project_id == project_id, _m.voucher_id == voucher_id)
        )

    async def expired(self, today: date, limit: int) -> list[tuple[str, str]]:
        rows = await self._tx.execute(_EXPIRED, {"today": today, "limit": limit})
        return [(str(row.project_id), str(row.voucher_id)) for row in rows]
