"""Pending points activated: moved from a card's ledger into its balance, with their event.

Apart from ``pending_ledger`` because activating changes the balance (``balances``), which
holding points does not: earning holds points without reaching the balances through here.
"""

from __future__ import annotations

from sendout.domain.balances import TransactionType, transaction_object
from sendout.domain.events import EventType
from sendout.domain.points import PendingPoints, pending_points_object
from sendout.domain.ports import UnitOfWork
from sendout.services.context import Context
from sendout.services.loyalty.balances import BalanceUpdate, change_balance_in
from sendout.services.loyalty.pending_ledger import announce, card_of


async def activate_in(uow: UnitOfWork, ctx: Context, pending: PendingPoints) -> BalanceUpdate:
    """Move pending points into the card's balance (the card locked by the caller)."""
    voucher = await card_of(uow, ctx, pending)
    assert voucher is not None
    await uow.points.remove_pending(ctx.project_id, pending.id)
    update = await change_balance_in(
        uow,
        ctx,
        voucher.code,
        pending.points,
        reason="pending points activated",
        details={"pending_points": pending_points_object(pending)},
        transaction_type=TransactionType.PENDING_POINTS_ACTIVATION,
    )
    await announce(
        uow,
        ctx,
        EventType.PENDING_POINTS_ACTIVATED,
        pending,
        -pending.points,
        {
            "balance": update.change.as_object(voucher.id, "points"),
            "transaction": transaction_object(update.transaction),
        },
    )
    return update
