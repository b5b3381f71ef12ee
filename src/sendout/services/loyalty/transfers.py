"""Points moved between loyalty cards (``POST /v1/loyalties/{id}/members/{code}/transfers``).

One transaction for the whole transfer: every source card gives its points
(``POINTS_TRANSFER_OUT``) and the destination receives them (``POINTS_TRANSFER_IN``, one per
source, naming the other side as its ``related_transaction_id``), or nothing changes. Each
side is an ordinary balance change (``balances.change_balance_in``), so a transfer records
what a change by hand records: the destination's ``customer.voucher.loyalty_card.points_added``
event and, on both sides, the ``BalanceChanged`` fact that tiers follow; the points received
expire by the destination program's rules, and the points given leave the source's buckets
that expire first.
"""

from __future__ import annotations

from collections.abc import Sequence

from sendout.domain.balances import PointsTransfer, TransactionType, check_transfers
from sendout.domain.campaigns import CampaignType
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.vouchers import EffectiveVoucher, Voucher, simple_voucher
from sendout.services.context import Context
from sendout.services.loyalty.balances import change_balance_in
from sendout.services.loyalty.loyalties import get_program
from sendout.services.promotions.voucher_lookup import effective
from sendout.services.retries import retry_on_conflict


async def transfer_points(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    program_id: str,
    member_id: str,
    transfers: Sequence[PointsTransfer],
) -> EffectiveVoucher:
    """Move each source's points to the program's card ``member_id``; the destination card
    as it is afterwards. Refused as a whole (400) when a source lacks the points or a card
    has no holder; 404 when a card is not a loyalty card (the destination: of the program)."""
    sources = tuple(transfers)
    check_transfers(member_id, sources)
    program = await get_program(uow_factory, ctx, program_id)

    async def attempt() -> EffectiveVoucher:
        async with uow_factory() as uow:
            moved = await _transfer(uow, ctx, program.id, member_id, sources)
            await uow.commit()
            return moved

    return await retry_on_conflict(attempt)


async def _transfer(
    uow: UnitOfWork,
    ctx: Context,
    program_id: str,
    member_id: str,
    sources: tuple[PointsTransfer, ...],
) -> EffectiveVoucher:
    cards = await _cards(uow, ctx, [member_id, *(s.code for s in sources)])
    if cards[member_id].voucher.campaign_id != program_id:
        raise NotFound.of("loyalty card", member_id)
    # Every card locked up front, in one order, so two crossing transfers cannot deadlock.
    for card in sorted(cards.values(), key=lambda c: c.voucher.id):
        await uow.vouchers.lock(ctx.project_id, card.voucher.id)
    cards = await _cards(uow, ctx, list(cards))
    destination = cards[member_id]
    for card in cards.values():
        if card.voucher.holder_id is None:
            unheld = f"Loyalty card {card.voucher.code} has no holder"
            raise InvalidPayload(unheld, details=unheld, key="invalid_voucher")
    for source in sources:
        balance = int((cards[source.code].loyalty_card or {}).get("balance") or 0)
        if source.points > balance:
            short = f"Loyalty card {source.code} has {balance} points, not {source.points}"
            raise InvalidPayload(short, details=short, key="loyalty_card_points_exceeded")
    for source in sources:
        given = await change_balance_in(
            uow,
            ctx,
            source.code,
            -source.points,
            source_id=source.source_id,
            reason=source.reason,
            details={"destination_voucher": simple_voucher(destination)},
            transaction_type=TransactionType.POINTS_TRANSFER_OUT,
        )
        received = await change_balance_in(
            uow,
            ctx,
            member_id,
            source.points,
            source_id=source.source_id,
            reason=source.reason,
            details={"source_voucher": simple_voucher(cards[source.code])},
            transaction_type=TransactionType.POINTS_TRANSFER_IN,
            related_transaction_id=given.transaction.id,
        )
        destination = received.voucher
    return destination


async def _cards(uow: UnitOfWork, ctx: Context, codes: list[str]) -> dict[str, EffectiveVoucher]:
    """The loyalty cards named, by code; 404 naming the first that is not one."""
    found: list[Voucher] = []
    for code in codes:
        voucher = await uow.vouchers.get_by_code(ctx.project_id, code)
        if voucher is None:
            raise NotFound.of("loyalty card", code)
        found.append(voucher)
    cards = {c.voucher.code: c for c in await effective(uow, ctx, found)}
    for code in codes:
        campaign = cards[code].campaign
        if campaign is None or campaign.campaign_type is not CampaignType.LOYALTY_PROGRAM:
            raise NotFound.of("loyalty card", code)
    return cards
