"""The campaign summary's tallies: a few aggregate reads over the rows of one campaign created
in a window (redemptions, their orders, codes, publications, transactions, referrals)."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, created_within
from sendout.domain.balances import TransactionType
from sendout.domain.campaign_summary import CampaignFigures, RedemptionTally, SummaryWindow
from sendout.domain.redemptions import STACK_PARENT, RedemptionStatus

_r = t.redemptions.c
_o = t.orders.c
_x = t.voucher_transactions.c


def _of(table: sa.Table, project_id: str, campaign_id: str, window: SummaryWindow) -> list[Any]:
    c = table.c
    return [
        c.project_id == project_id,
        c.campaign_id == campaign_id,
        *created_within(c.created_at, window.after, window.before),
    ]


class SqlCampaignFiguresStore(SqlStore):
    async def figures(
        self, project_id: str, campaign_id: str, window: SummaryWindow
    ) -> CampaignFigures:
        redeemed = [*_of(t.redemptions, project_id, campaign_id, window)]
        redeemed.append(_r.related_object_type != STACK_PARENT)
        rows = await self._tx.execute(
            sa.select(
                _r.status, sa.func.count(), sa.func.sum(_r.amount), sa.func.sum(_r.gift_amount)
            )
            .where(*redeemed)
            .group_by(_r.status)
        )
        tallies: dict[RedemptionStatus, RedemptionTally] = {}
        for row in rows:
            status, count, amount, credits = tuple(row)
            tallies[RedemptionStatus(status)] = RedemptionTally(
                count=int(count), amount=int(amount or 0), gift_credits=int(credits or 0)
            )
        return CampaignFigures(
            redemptions=tallies,
            orders_amount=await self._orders(redeemed, None),
            orders_rolledback_amount=await self._orders(redeemed, RedemptionStatus.ROLLED_BACK),
            vouchers_created=await self._count(t.vouchers, project_id, campaign_id, window),
            publications=await self._count(t.publications, project_id, campaign_id, window),
            transactions=await self._moves(project_id, campaign_id, window),
            referred_customers=await self._count(t.referrals, project_id, campaign_id, window),
        )

    async def _orders(self, redeemed: list[Any], status: RedemptionStatus | None) -> int:
        """The amount of the orders redeemed on (successfully, or ``status``), each once."""
        wanted = [*redeemed, _r.order_id.is_not(None)]
        if status is None:
            wanted.append(_r.status != RedemptionStatus.FAILED.value)
        else:
            wanted.append(_r.status == status.value)
        orders = sa.select(_r.order_id).where(*wanted)
        return await self._number(
            sa.select(sa.func.sum(sa.func.coalesce(_o.amount, _o.total_amount))).where(
                _o.id.in_(orders)
            )
        )

    async def _count(
        self, table: sa.Table, project_id: str, campaign_id: str, window: SummaryWindow
    ) -> int:
        wanted = _of(table, project_id, campaign_id, window)
        return await self._number(sa.select(sa.func.count()).where(*wanted))

    async def _number(self, statement: sa.Select[Any]) -> int:
        ((value,),) = list(await self._tx.execute(statement))
        return int(value or 0)

    async def _moves(
        self, project_id: str, campaign_id: str, window: SummaryWindow
    ) -> dict[TransactionType, int]:
        # loyalty cards log ``points``, gift cards ``amount`` (and cards logged before the
        # split, ``amount`` for points too)
        balance = _x.details["balance"]
        moved = sa.func.sum(
            sa.func.coalesce(balance["points"].as_integer(), balance["amount"].as_integer())
        )
        rows = await self._tx.execute(
            sa.select(_x.type, moved)
            .where(*_of(t.voucher_transactions, project_id, campaign_id, window))
            .group_by(_x.type)
        )
        moves: dict[TransactionType, int] = {}
        for row in rows:
            kind, total = tuple(row)
            moves[TransactionType(kind)] = int(total or 0)
        return moves
