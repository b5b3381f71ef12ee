"""Referral code holders (``domain.referral_holders``): customers added to a referral code
(created or updated from the request, all of them or none), listed, removed. They are added
as referees, as Voucherify adds them (the SDK: "adds new holders to a referral code as
referees"; a referrer is added by publishing the code): a holder who converts with the code
rewards its owner (``referrals.convert``)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sendout.domain.campaigns import CampaignType
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.referral_holders import (
    MAX_HOLDERS_PER_CODE,
    MAX_HOLDERS_PER_REQUEST,
    HolderRole,
    ReferralHolder,
)
from sendout.domain.vouchers import EffectiveVoucher
from sendout.services.context import Context
from sendout.services.customers.customers import resolve_customer
from sendout.services.promotions.voucher_lookup import effective
from sendout.services.retries import retry_on_conflict


async def referral_code(
    uow: UnitOfWork, ctx: Context, member_id: str, campaign_id: str | None
) -> EffectiveVoucher:
    """The referral code ``member_id`` names (its code, else its voucher id), of the campaign
    ``campaign_id`` (its id or name) when the path gives one."""
    voucher = await uow.vouchers.get_by_code(ctx.project_id, member_id)
    if voucher is None and member_id.startswith(f"{IdPrefix.VOUCHER.value}_"):
        voucher = next(iter(await uow.vouchers.get_many(ctx.project_id, [member_id])), None)
    if voucher is None:
        raise NotFound.of("voucher", member_id)
    (code,) = await effective(uow, ctx, [voucher])
    campaign = code.campaign
    if campaign is None or campaign.campaign_type is not CampaignType.REFERRAL_PROGRAM:
        raise NotFound.of("referral code", member_id)
    if campaign_id is not None:
        named = await uow.campaigns.get(ctx.project_id, campaign_id)
        if named is None:
            raise NotFound.of("campaign", campaign_id)
        if named.id != campaign.id:
            raise NotFound.of("referral code", member_id)
    return code


async def add_holders(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    member_id: str,
    customers: Sequence[CustomerRef],
    metadata: Mapping[str, Any],
    campaign_id: str | None = None,
) -> list[ReferralHolder]:
    """Each customer (upserted) holds the code: one holder each, in the order given; a
    customer already holding it keeps their holder, which is answered again."""
    if not 1 <= len(customers) <= MAX_HOLDERS_PER_REQUEST:
        raise InvalidPayload(details=f"holders: 1 to {MAX_HOLDERS_PER_REQUEST} customers")

    async def attempt() -> list[ReferralHolder]:
        async with uow_factory() as uow:
            code = await referral_code(uow, ctx, member_id, campaign_id)
            # One request at a time per code: the count below stays true.
            await uow.vouchers.lock(ctx.project_id, code.voucher.id)
            held = {
                h.customer_id: h
                for h in await uow.referral_holders.of_code(ctx.project_id, code.voucher.id)
            }
            answered = []
            for ref in customers:
                customer = await resolve_customer(uow, ctx, ref)
                if customer.id == code.voucher.holder_id:
                    raise InvalidPayload(
                        details=f"Customer {customer.id} owns referral code {code.voucher.code}",
                        key="invalid_customer",
                    )
                if customer.id not in held:
                    held[customer.id] = await _add(uow, ctx, code, customer.id, metadata)
                answered.append(held[customer.id])
            if len(held) > MAX_HOLDERS_PER_CODE:
                raise InvalidPayload(
                    details=f"A referral code has at most {MAX_HOLDERS_PER_CODE} holders"
                )
            await uow.commit()
            return answered

    return await retry_on_conflict(attempt)


async def _add(
    uow: UnitOfWork,
    ctx: Context,
    code: EffectiveVoucher,
    customer_id: str,
    metadata: Mapping[str, Any],
) -> ReferralHolder:
    assert code.campaign is not None  # referral_code checked it
    holder = ReferralHolder(
        id=ctx.new_sortable_id(IdPrefix.REFERRAL_HOLDER),
        project_id=ctx.project_id,
        voucher_id=code.voucher.id,
        campaign_id=code.campaign.id,
        customer_id=customer_id,
        role=HolderRole.REFEREE,
        voucher_type=code.type.value,
        metadata=dict(metadata),
        created_at=ctx.now(),
    )
    await uow.referral_holders.add(holder)
    return holder


async def list_holders(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    member_id: str,
    *,
    campaign_id: str | None = None,
    limit: int = 10,
    descending: bool = True,
    starting_after_id: str | None = None,
) -> Page[ReferralHolder]:
    async with uow_factory(read_only=True) as uow:
        code = await referral_code(uow, ctx, member_id, campaign_id)
        return await uow.referral_holders.list(
            ctx.project_id,
            code.voucher.id,
            limit=limit,
            descending=descending,
            starting_after_id=starting_after_id,
        )


async def remove_holder(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    member_id: str,
    holder_id: str,
    campaign_id: str | None = None,
) -> None:
    """The holder stops holding the code: later conversions no longer reward them."""
    async with uow_factory() as uow:
        code = await referral_code(uow, ctx, member_id, campaign_id)
        if not await uow.referral_holders.remove(ctx.project_id, code.voucher.id, holder_id):
            raise NotFound.of("redeemable_holder", holder_id)
        await uow.commit()
