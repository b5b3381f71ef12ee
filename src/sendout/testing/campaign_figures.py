"""The in-memory campaign summary tallies: ``adapters/db/campaign_figure_stores.py`` over the
promotions' and loyalty's rows."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime
from typing import Protocol, TypeVar

from sendout.domain.balances import TransactionType
from sendout.domain.campaign_summary import CampaignFigures, RedemptionTally, SummaryWindow
from sendout.domain.redemptions import STACK_PARENT, RedemptionStatus
from sendout.testing.loyalty import LoyaltyData
from sendout.testing.promotions import PromotionsData


class _Row(Protocol):
    @property
    def project_id(self) -> str: ...
    @property
    def campaign_id(self) -> str | None: ...
    @property
    def created_at(self) -> datetime: ...


R = TypeVar("R", bound=_Row)


def _within(window: SummaryWindow, created_at: datetime) -> bool:
    return (window.after is None or created_at >= window.after) and (
        window.before is None or created_at < window.before
    )


class FakeCampaignFiguresStore:
    def __init__(self, promotions: PromotionsData, loyalty: LoyaltyData) -> None:
        self.promotions = promotions
        self.loyalty = loyalty

    async def figures(
        self, project_id: str, campaign_id: str, window: SummaryWindow
    ) -> CampaignFigures:
        def mine(rows: Iterable[R]) -> list[R]:
            return [
                r
                for r in rows
                if r.project_id == project_id
                and r.campaign_id == campaign_id
                and _within(window, r.created_at)
            ]

        data = self.promotions
        redeemed = [
            r for r in mine(data.redemptions.values()) if r.related_object_type != STACK_PARENT
        ]
        tallies: dict[RedemptionStatus, RedemptionTally] = {}
        for r in redeemed:
            was = tallies.get(r.status, RedemptionTally())
            tallies[r.status] = RedemptionTally(
                count=was.count + 1,
                amount=was.amount + r.amount,
                gift_credits=was.gift_credits + r.gift_amount,
            )

        def orders(*statuses: RedemptionStatus) -> int:
            ids = {r.order_id for r in redeemed if r.order_id and r.status in statuses}
            found = (data.orders[i] for i in ids if i in data.orders)
            return sum(o.amount if o.amount is not None else o.total_amount for o in found)

        moves: dict[TransactionType, int] = {}
        for x in mine(self.loyalty.transactions.values()):
            balance = x.details.get("balance") or {}
            moved = int(balance.get("points", balance.get("amount")) or 0)
            moves[x.type] = moves.get(x.type, 0) + moved
        rolled = RedemptionStatus.ROLLED_BACK
        return CampaignFigures(
            redemptions=tallies,
            orders_amount=orders(RedemptionStatus.SUCCEEDED, rolled),
            orders_rolledback_amount=orders(rolled),
            vouchers_created=len(mine(data.vouchers.values())),
            publications=len(mine(data.publications)),
            transactions=moves,
            referred_customers=len(mine(data.referrals.values())),
        )
