"""The referral holders store: the customers sharing each referral code."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, param
from sendout.domain.ports import Page
from sendout.domain.referral_holders import HolderRole, ReferralHolder

_h = t.referral_holders.c
_OF_CODE = (
    sa.select(t.referral_holders)
    .where(_h.project_id == param("project_id"), _h.voucher_id == param("voucher_id"))
    .order_by(_h.id)
)


def _holder(row: sa.Row[Any]) -> ReferralHolder:
    m = dict(row._mapping)
    m["role"] = HolderRole(m["role"])
    return ReferralHolder(**m)


class SqlReferralHolderStore(SqlStore):
    async def add(self, holder: ReferralHolder) -> None:
        await self._insert(
            t.referral_holders,
            {
                "id": holder.id,
                "project_id": holder.project_id,
                "voucher_id": holder.voucher_id,
                "campaign_id": holder.campaign_id,
                "customer_id": holder.customer_id,
                "role": holder.role.value,
                "voucher_type": holder.voucher_type,
                "metadata": dict(holder.metadata),
                "created_at": holder.created_at,
            },
        )

    async def of_code(self, project_id: str, voucher_id: str) -> list[ReferralHolder]:
        rows = await self._tx.execute(
            _OF_CODE, {"project_id": project_id, "voucher_id": voucher_id}
        )
        return [_holder(row) for row in rows]

    async def list(
        self,
        project_id: str,
        voucher_id: str,
        *,
        limit: int,
        descending: bool,
        starting_after_id: str | None,
    ) -> Page[ReferralHolder]:
        of_code = [_h.project_id == project_id, _h.voucher_id == voucher_id]
        count = sa.select(sa.func.count()).select_from(t.referral_holders).where(*of_code)
        total = int((await self._tx.execute(count)).scalar_one())
        conditions = list(of_code)
        if starting_after_id is not None:
            after = starting_after_id
            conditions.append(_h.id < after if descending else _h.id > after)
        rows = list(
            await self._tx.execute(
                sa.select(t.referral_holders)
                .where(*conditions)
                .order_by(_h.id.desc() if descending else _h.id)
                .limit(limit + 1)
            )
        )
        items = [_holder(row) for row in rows[:limit]]
        return Page(items=items, total=total, has_more=len(rows) > limit)

    async def remove(self, project_id: str, voucher_id: str, holder_id: str) -> bool:
        result = await self._tx.execute(
            t.referral_holders.delete().where(
                _h.project_id == project_id, _h.voucher_id == voucher_id, _h.id == holder_id
            )
        )
        return int(result.rowcount) > 0  # type: ignore[attr-defined]
