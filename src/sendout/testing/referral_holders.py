"""In-memory referral code holders, as ``adapters/db/referral_holder_stores.py`` keeps them:
a customer holds a code once (``Conflict`` otherwise), listed in id order with their total."""

from __future__ import annotations

from collections.abc import Sequence

from sendout.domain.ports import Page
from sendout.domain.referral_holders import ReferralHolder
from sendout.testing.promotions import PromotionsData, by_cursor, duplicate


class FakeReferralHolderStore:
    def __init__(self, data: PromotionsData) -> None:
        self.data = data

    async def add(self, holder: ReferralHolder) -> None:
        held = await self.of_code(holder.project_id, holder.voucher_id)
        if holder.id in self.data.referral_holders or any(
            h.customer_id == holder.customer_id for h in held
        ):
            raise duplicate("referral_holders")
        self.data.referral_holders[holder.id] = holder

    async def of_code(self, project_id: str, voucher_id: str) -> Sequence[ReferralHolder]:
        found = [
            h
            for h in self.data.referral_holders.values()
            if (h.project_id, h.voucher_id) == (project_id, voucher_id)
        ]
        return sorted(found, key=lambda h: h.id)

    async def list(
        self,
        project_id: str,
        voucher_id: str,
        *,
        limit: int,
        descending: bool,
        starting_after_id: str | None,
    ) -> Page[ReferralHolder]:
        held = await self.of_code(project_id, voucher_id)
        page = by_cursor(held, lambda h: h.id, starting_after_id, limit, descending)
        return Page(items=page.items, total=len(held), has_more=page.has_more)

    async def remove(self, project_id: str, voucher_id: str, holder_id: str) -> bool:
        holder = self.data.referral_holders.get(holder_id)
        if holder is None or (holder.project_id, holder.voucher_id) != (project_id, voucher_id):
            return False
        del self.data.referral_holders[holder_id]
        return True
