"""The referrals store: the referees each referral program converted."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, param
from sendout.domain.referrals import ConversionEvent, Referral

_r = t.referrals.c
_OF_REFEREE = sa.select(t.referrals).where(
    _r.project_id == param("project_id"),
    _r.campaign_id == param("campaign_id"),
    _r.referee_id == param("referee_id"),
)
_OF_REFERRER = (
    sa.select(t.referrals)
    .where(_r.project_id == param("project_id"), _r.referrer_id == param("referrer_id"))
    .order_by(_r.created_at, _r.id)
)


def _referral(row: sa.Row[Any]) -> Referral:
    m = dict(row._mapping)
    m["source_type"] = ConversionEvent(m["source_type"])
    return Referral(**m)


class SqlReferralStore(SqlStore):
    async def add(self, referral: Referral) -> None:
        await self._insert(
            t.referrals,
            {
                "id": referral.id,
                "project_id": referral.project_id,
                "campaign_id": referral.campaign_id,
                "referrer_id": referral.referrer_id,
                "referee_id": referral.referee_id,
                "voucher_id": referral.voucher_id,
                "source_type": referral.source_type.value,
                "source_id": referral.source_id,
                "created_at": referral.created_at,
            },
        )

    async def of_referee(
        self, project_id: str, campaign_id: str, referee_id: str
    ) -> Referral | None:
        row = await self._one(
            _OF_REFEREE, project_id=project_id, campaign_id=campaign_id, referee_id=referee_id
        )
        return None if row is None else _referral(row)

    async def of_referrer(self, project_id: str, referrer_id: str) -> list[Referral]:
        rows = await self._tx.execute(
            _OF_REFERRER, {"project_id": project_id, "referrer_id": referrer_id}
        )
        return [_referral(row) for row in rows]
