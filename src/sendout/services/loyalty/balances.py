"""Gift credits and loyalty points changed by hand, and the voucher transaction log."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from sendout.domain.balances import (
    BalanceChange,
    TransactionQuery,
    TransactionType,
    VoucherTransaction,
    change_balance,
    transaction_object,
)
from sendout.domain.campaigns import VoucherType, simple_campaign
from sendout.domain.customers import simple_customer
from sendout.domain.events import EventType
from sendout.domain.facts import BalanceChanged
from sendout.domain.ids import IdPrefix
from sendout.domain.points import PROGRAM_RULES, Expiration
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.vouchers import EffectiveVoucher, simple_voucher
from sendout.services.bus import publish
from sendout.services.context import Context
from sendout.services.loyalty import point_buckets
from sendout.services.promotions.voucher_lookup import effective, require_voucher
from sendout.services.recording import record_event


@dataclass(frozen=True, slots=True, kw_only=True)
class BalanceUpdate:
    voucher: EffectiveVoucher
    change: BalanceChange
    transaction: VoucherTransaction


async def update_balance(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    code: str,
    amount: Any,
    *,
    source_id: str | None = None,
    reason: str | None = None,
    expiration: Expiration = PROGRAM_RULES,
) -> BalanceUpdate:
    """``POST /v1/vouchers/{code}/balance``: add (positive) or remove (negative) credits or
    points, record the transaction and, for additions to a held card, the customer event."""
    async with uow_factory() as uow:
        result = await change_balance_in(
            uow, ctx, code, amount, source_id=source_id, reason=reason, expiration=expiration
        )
        await uow.commit()
    return result


async def change_balance_in(
    uow: UnitOfWork,
    ctx: Context,
    code: str,
    amount: Any,
    *,
    source_id: str | None = None,
    reason: str | None = None,
    details: Mapping[str, Any] | None = None,
    transaction_type: TransactionType | None = None,
    expiration: Expiration = PROGRAM_RULES,
    related_transaction_id: str | None = None,
) -> BalanceUpdate:
    """Change a card's balance in the caller's transaction (the card's row locked), log the
    transaction (``transaction_type``: why, when not a manual addition or removal;
    ``related_transaction_id``: the other side of a transfer), and record the event of an
    addition; a loyalty card's change is a ``BalanceChanged`` fact."""
    found = await require_voucher(uow, ctx, code)
    # Two changes at once must not both read the old balance.
    await uow.vouchers.lock(ctx.project_id, found.id)
    voucher = await require_voucher(uow, ctx, code)
    (current,) = await effective(uow, ctx, [voucher])
    change = change_balance(current, amount)
    if change.kind is VoucherType.LOYALTY_CARD:
        dated = await point_buckets.track(
            uow, ctx, current, change.delta, transaction_type, expiration
        )
        if dated:
            change = replace(change, card={**change.card, **dated})
    now = ctx.now()
    updated = (
        replace(voucher, gift=change.card, updated_at=now)
        if change.kind is VoucherType.GIFT_VOUCHER
        else replace(voucher, loyalty_card=change.card, updated_at=now)
    )
    await uow.vouchers.update(updated)
    transaction = VoucherTransaction(
        id=ctx.new_sortable_id(IdPrefix.TRANSACTION),
        project_id=ctx.project_id,
        voucher_id=voucher.id,
        campaign_id=voucher.campaign_id,
        type=transaction_type or change.transaction_type,
        source_id=source_id,
        source=ctx.source.channel.value,
        reason=reason,
        details={**(details or {}), "balance": change.as_object(voucher.id, change.card_delta_key)},
        related_transaction_id=related_transaction_id,
        created_at=now,
    )
    await uow.transactions.add(transaction)
    result = BalanceUpdate(
        voucher=replace(current, voucher=updated), change=change, transaction=transaction
    )
    if change.delta > 0 and voucher.holder_id is not None:
        await _record_addition(uow, ctx, result)
    if change.kind is VoucherType.LOYALTY_CARD:
        before = int((current.loyalty_card or {}).get("balance") or 0)
        await publish(uow, ctx, BalanceChanged(card=result.voucher, before=before))
    return result


async def _record_addition(uow: UnitOfWork, ctx: Context, update: BalanceUpdate) -> None:
    holder_id = update.voucher.voucher.holder_id
    assert holder_id is not None
    holder = await uow.customers.get(ctx.project_id, holder_id)
    if holder is None:
        return
    gift = update.change.kind is VoucherType.GIFT_VOUCHER
    campaign = update.voucher.campaign
    await record_event(
        uow,
        ctx,
        type=(EventType.GIFT_BALANCE_ADDED if gift else EventType.LOYALTY_POINTS_ADDED).value,
        customer_id=holder.id,
        entity_id=update.voucher.voucher.id,
        data={
            "customer": simple_customer(holder),
            "campaign": None if campaign is None else simple_campaign(campaign),
            "voucher": simple_voucher(update.voucher),
            "balance": update.change.as_object(
                update.voucher.voucher.id, update.change.card_delta_key
            ),
            "transaction": transaction_object(update.transaction),
        },
    )


async def list_transactions(
    uow_factory: UnitOfWorkFactory, ctx: Context, code: str, query: TransactionQuery
) -> Page[VoucherTransaction]:
    async with uow_factory() as uow:
        voucher = await require_voucher(uow, ctx, code)
        return await uow.transactions.list_for_voucher(ctx.project_id, voucher.id, query)
