"""Historical orders imported in bulk (``POST /v1/orders/import``), by the worker, one row per
step, with progress and a result per row.

An imported order records **no events** and runs no reactions of its own: no
``customer.order.*`` event, so no distribution, project webhook or earning rule on order
paid, and no referral conversion. The API reference says so of this endpoint (it is for
history; live orders go through ``POST /v1/orders``). What it does do is upsert the order's
customers as any request naming them would, and refresh their order summaries, so the
customers move in and out of segments (and what follows from that still happens).

Each row is upserted in a transaction of its own together with the action's progress: a row
that is refused leaves nothing behind, and its reason is recorded (in a transaction of its
own) beside the rows that made it.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import date, datetime
from typing import Any

from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import DomainError, InvalidPayload
from sendout.domain.orders import OrderStatus
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.services.context import Context
from sendout.services.promotions.campaigns import enqueue
from sendout.services.promotions.orders import OrderDraft, build_order, find_order, save_order

#: Rows one import may hold (Voucherify's limit per request).
MAX_IMPORT_ORDERS = 2000

_DATES = ("birthdate", "birthday")


async def import_orders(
    uow_factory: UnitOfWorkFactory, ctx: Context, drafts: Sequence[OrderDraft]
) -> AsyncAction:
    """Enqueue the import of ``drafts`` for the worker; the action to poll."""
    if not 1 <= len(drafts) <= MAX_IMPORT_ORDERS:
        raise InvalidPayload(details=f"Import 1 to {MAX_IMPORT_ORDERS} orders at a time")
    async with uow_factory() as uow:
        rows = [_row(d) for d in drafts]
        action = await enqueue(uow, ctx, AsyncActionType.ORDERS_IMPORT, {"orders": rows}, len(rows))
        await uow.commit()
        return action


async def import_next(uow: UnitOfWork, ctx: Context, action: AsyncAction) -> AsyncAction:
    """Upsert the next row, without its events; the action one row further."""
    draft = _draft(action.request["orders"][action.done])
    current = await find_order(uow, ctx, draft)
    order, _, referrer = await build_order(uow, ctx, current, draft)
    await save_order(uow, ctx, order, current, referrer, record=False)
    return _advance(action, {"status": "SUCCESS", "order_id": order.id})


def refuse_next(action: AsyncAction, refused: DomainError) -> AsyncAction:
    """The action one row further, that row refused (its writes were rolled back)."""
    return _advance(
        action,
        {"status": "FAILED", "reason": refused.key, "message": refused.details or str(refused)},
    )


def _advance(action: AsyncAction, outcome: Mapping[str, Any]) -> AsyncAction:
    index = action.done
    source_id = action.request["orders"][index].get("source_id")
    previous = dict(action.result or {"done_count": 0, "failed_count": 0, "orders": []})
    made = outcome["status"] == "SUCCESS"
    result = {
        "done_count": previous["done_count"] + made,
        "failed_count": previous["failed_count"] + (not made),
        "orders": [*previous["orders"], {"index": index, "source_id": source_id, **outcome}],
    }
    done = index + 1
    if done < action.total:
        return replace(action, done=done, result=result)
    finished = AsyncStatus.DONE if result["done_count"] else AsyncStatus.FAILED
    return replace(action, done=done, result=result, status=finished)


def _row(draft: OrderDraft) -> dict[str, Any]:
    """The draft as JSON, kept in the action's request (the worker may be another process)."""
    return {
        "id": draft.id,
        "source_id": draft.source_id,
        "status": None if draft.status is None else draft.status.value,
        "amount": draft.amount,
        "initial_amount": draft.initial_amount,
        "discount_amount": draft.discount_amount,
        "items": None if draft.items is None else [dict(i) for i in draft.items],
        "metadata": None if draft.metadata is None else dict(draft.metadata),
        "customer": _ref_row(draft.customer),
        "referrer": _ref_row(draft.referrer),
        "created_at": None if draft.created_at is None else draft.created_at.isoformat(),
        "sent": sorted(draft.sent),
    }


def _draft(row: Mapping[str, Any]) -> OrderDraft:
    created_at = row["created_at"]
    return OrderDraft(
        id=row["id"],
        source_id=row["source_id"],
        status=None if row["status"] is None else OrderStatus(row["status"]),
        amount=row["amount"],
        initial_amount=row["initial_amount"],
        discount_amount=row["discount_amount"],
        items=row["items"],
        metadata=row["metadata"],
        customer=_ref(row["customer"]),
        referrer=_ref(row["referrer"]),
        created_at=None if created_at is None else datetime.fromisoformat(created_at),
        sent=frozenset(row["sent"]),
    )


def _ref_row(ref: CustomerRef | None) -> dict[str, Any] | None:
    if ref is None:
        return None
    fields = {
        k: v.isoformat() if k in _DATES and isinstance(v, date) else v
        for k, v in ref.fields.items()
    }
    return {"id": ref.id, "source_id": ref.source_id, "fields": fields}


def _ref(row: Mapping[str, Any] | None) -> CustomerRef | None:
    if row is None:
        return None
    fields = {
        k: date.fromisoformat(v) if k in _DATES and isinstance(v, str) else v
        for k, v in row["fields"].items()
    }
    return CustomerRef(id=row["id"], source_id=row["source_id"], fields=fields)
