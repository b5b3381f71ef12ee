"""The voucher transactions store: a log per voucher, read newest or oldest first by id."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, filter_clause
from sendout.domain.balances import TransactionQuery, TransactionType, VoucherTransaction
from sendout.domain.ports import Page

_x = t.voucher_transactions.c


def _transaction(row: sa.Row[Any]) -> VoucherTransaction:
    m = dict(row._mapping)
    m["type"] = TransactionType(m["type"])
    return VoucherTransaction(**m)


class SqlVoucherTransactionStore(SqlStore):
    async def add(self, transaction: VoucherTransaction) -> None:
        await self._insert(
            t.voucher_transactions,
            {
                "id": transaction.id,
                "project_id": transaction.project_id,
                "voucher_id": transaction.voucher_id,
                "campaign_id": transaction.campaign_id,
                "type": transaction.type.value,
                "source_id": transaction.source_id,
                "source": transaction.source,
                "reason": transaction.reason,
                "details": dict(transaction.details),
                "related_transaction_id": transaction.related_transaction_id,
                "created_at": transaction.created_at,
            },
        )

    async def list_for_voucher(
        self, project_id: str, voucher_id: str, query: TransactionQuery
    ) -> Page[VoucherTransaction]:
        return await self._list([_x.project_id == project_id, _x.voucher_id == voucher_id], query)

    async def list_for_campaign(
        self, project_id: str, campaign_id: str, query: TransactionQuery
    ) -> Page[VoucherTransaction]:
        return await self._list([_x.project_id == project_id, _x.campaign_id == campaign_id], query)

    async def _list(
        self, conditions: list[sa.ColumnElement[bool]], query: TransactionQuery
    ) -> Page[VoucherTransaction]:
        if query.filters:
            conditions.append(
                filter_clause(query.filters, {"id": _x.id, "voucher_id": _x.voucher_id})
            )
        if query.starting_after_id is not None:
            after = query.starting_after_id
            conditions.append(_x.id < after if query.descending else _x.id > after)
        rows = list(
            await self._tx.execute(
                sa.select(t.voucher_transactions)
                .where(*conditions)
                .order_by(_x.id.desc() if query.descending else _x.id)
                .limit(query.limit + 1)
            )
        )
        items = [_transaction(row) for row in rows[: query.limit]]
        return Page(items=items, total=None, has_more=len(rows) > query.limit)
