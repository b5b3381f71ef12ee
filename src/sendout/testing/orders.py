"""In-memory orders, redemptions, referrals and validation sessions' holds, as
``adapters/db/order_stores.py``, ``redemption_stores.py``, ``referral_stores.py`` and
``validation_session_stores.py`` keep them: a source id names one order of
a project, a referee converts once per program (``Conflict`` otherwise), a stacked request's
parent redemption only groups its children (lists and totals leave it out)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

from sendout.domain.orders import Order, OrderOrder, OrderQuery, OrdersSummary
from sendout.domain.ports import Page
from sendout.domain.redemptions import STACK_PARENT, Redemption, RedemptionQuery, RedemptionStatus
from sendout.domain.referrals import Referral
from sendout.domain.validation_sessions import SessionHold
from sendout.testing.promotions import PromotionsData, duplicate, nulls_first, paged


class FakeOrderStore:
    def __init__(self, data: PromotionsData) -> None:
        self.data = data

    def _check(self, order: Order) -> None:
        if order.source_id is None:
            return
        for other in self.data.orders.values():
            if (
                other.id != order.id
                and other.project_id == order.project_id
                and other.source_id == order.source_id
            ):
                raise duplicate("orders")

    async def add(self, order: Order) -> None:
        if order.id in self.data.orders:
            raise duplicate("orders")
        self._check(order)
        self.data.orders[order.id] = order

    async def update(self, order: Order) -> None:
        current = self.data.orders.get(order.id)
        if current is None:
            return
        self._check(order)
        self.data.orders[order.id] = replace(
            order, project_id=current.project_id, created_at=current.created_at
        )

    def _of(self, project_id: str) -> list[Order]:
        return [o for o in self.data.orders.values() if o.project_id == project_id]

    async def get(self, project_id: str, order_id: str) -> Order | None:
        found = self.data.orders.get(order_id)
        return found if found is not None and found.project_id == project_id else None

    async def get_by_source_id(self, project_id: str, source_id: str) -> Order | None:
        return next((o for o in self._of(project_id) if o.source_id == source_id), None)

    async def list(self, project_id: str, query: OrderQuery) -> Page[Order]:
        def order(o: Order) -> tuple[tuple[bool, Any], str]:
            column = o.created_at if query.order is OrderOrder.CREATED_AT else o.updated_at
            return nulls_first(column), o.id

        found = sorted(self._of(project_id), key=order, reverse=query.descending)
        return paged(found, query.limit, query.page)

    async def summary_of(self, project_id: str, customer_id: str) -> OrdersSummary:
        mine = [o for o in self._of(project_id) if o.customer_id == customer_id]
        last = max(mine, key=lambda o: (o.created_at, o.id), default=None)
        return OrdersSummary(
            total_count=len(mine),
            total_amount=sum(o.total_amount for o in mine),
            last_order_amount=None if last is None else last.total_amount,
            last_order_date=None if last is None else last.created_at,
        )


class FakeRedemptionStore:
    def __init__(self, data: PromotionsData) -> None:
        self.data = data

    async def add_many(self, redemptions: Sequence[Redemption]) -> None:
        ids = [r.id for r in redemptions]
        if len(set(ids)) != len(ids) or any(i in self.data.redemptions for i in ids):
            raise duplicate("redemptions")  # all or none, as one statement
        self.data.redemptions.update((r.id, r) for r in redemptions)

    async def mark_rolled_back(self, redemption_id: str, rollback_id: str) -> None:
        found = self.data.redemptions.get(redemption_id)
        if found is not None:
            self.data.redemptions[redemption_id] = replace(
                found, status=RedemptionStatus.ROLLED_BACK, rollback_id=rollback_id
            )

    def _of(self, project_id: str) -> list[Redemption]:
        return [r for r in self.data.redemptions.values() if r.project_id == project_id]

    async def get(self, project_id: str, redemption_id: str) -> Redemption | None:
        found = self.data.redemptions.get(redemption_id)
        return found if found is not None and found.project_id == project_id else None

    async def children(self, project_id: str, parent_id: str) -> Sequence[Redemption]:
        found = [r for r in self._of(project_id) if r.parent_id == parent_id]
        return sorted(found, key=lambda r: r.id)

    async def of_voucher(self, project_id: str, voucher_id: str) -> Sequence[Redemption]:
        found = [r for r in self._of(project_id) if r.voucher_id == voucher_id]
        return sorted(found, key=lambda r: (r.created_at, r.id), reverse=True)

    async def list(self, project_id: str, query: RedemptionQuery) -> Page[Redemption]:
        def keep(r: Redemption) -> bool:
            return (
                r.related_object_type != STACK_PARENT
                and (query.customer_id is None or r.customer_id == query.customer_id)
                and (query.status is None or r.status is query.status)
                and (query.voucher_id is None or r.voucher_id == query.voucher_id)
                and (query.created_after is None or r.created_at >= query.created_after)
                and (query.created_before is None or r.created_at < query.created_before)
            )

        found = sorted(
            filter(keep, self._of(project_id)), key=lambda r: (r.created_at, r.id), reverse=True
        )
        return paged(found, query.limit, query.page)

    async def totals_of(self, project_id: str, customer_id: str) -> dict[str, tuple[int, int]]:
        mine = [
            r
            for r in self._of(project_id)
            if r.customer_id == customer_id and r.related_object_type != STACK_PARENT
        ]
        counts = Counter(r.status.value for r in mine)
        return {
            status: (count, sum(r.gift_amount for r in mine if r.status.value == status))
            for status, count in counts.items()
        }


class FakeReferralStore:
    def __init__(self, data: PromotionsData) -> None:
        self.data = data

    async def add(self, referral: Referral) -> None:
        if referral.id in self.data.referrals:
            raise duplicate("referrals")
        known = await self.of_referee(
            referral.project_id, referral.campaign_id, referral.referee_id
        )
        if known is not None:
            raise duplicate("referrals")  # a referee converts once per program
        self.data.referrals[referral.id] = referral

    async def of_referee(
        self, project_id: str, campaign_id: str, referee_id: str
    ) -> Referral | None:
        return next(
            (
                r
                for r in self.data.referrals.values()
                if (r.project_id, r.campaign_id, r.referee_id)
                == (project_id, campaign_id, referee_id)
            ),
            None,
        )

    async def of_referrer(self, project_id: str, referrer_id: str) -> Sequence[Referral]:
        found = [
            r
            for r in self.data.referrals.values()
            if r.project_id == project_id and r.referrer_id == referrer_id
        ]
        return sorted(found, key=lambda r: (r.created_at, r.id))


class FakeValidationSessionStore:
    def __init__(self, data: PromotionsData) -> None:
        self.data = data

    async def holding(
        self, project_id: str, voucher_id: str, now: datetime
    ) -> Sequence[SessionHold]:
        return [
            h
            for h in self.data.validation_sessions.values()
            if h.project_id == project_id and h.voucher_id == voucher_id and h.expires_at > now
        ]

    async def put(self, hold: SessionHold) -> None:
        sessions = self.data.validation_sessions
        for at, other in list(sessions.items()):
            if other.voucher_id == hold.voucher_id and other.expires_at <= hold.created_at:
                del sessions[at]
        sessions[(hold.project_id, hold.key, hold.voucher_id)] = hold

    async def release(self, project_id: str, key: str, voucher_id: str) -> bool:
        return self.data.validation_sessions.pop((project_id, key, voucher_id), None) is not None
