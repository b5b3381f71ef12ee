"""Referral conversions (``domain.referrals``): a referee redeems a referrer's code, or is named
with it in a custom event; once per referee and program, in the caller's transaction, the
conversion records ``customer.referred`` and rewards both sides (``customer.rewarded``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

from sendout.domain.campaigns import Campaign, CampaignType, simple_campaign
from sendout.domain.clock import iso
from sendout.domain.customers import Customer, simple_customer
from sendout.domain.events import EventType
from sendout.domain.facts import ReferralCodeUsed
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import UnitOfWork
from sendout.domain.referrals import (
    REWARD_CAMPAIGN_TYPES,
    ConversionEvent,
    Referral,
)
from sendout.domain.vouchers import EffectiveVoucher, simple_voucher
from sendout.services.context import Context
from sendout.services.promotions.giving import give_from_campaign
from sendout.services.recording import record_event


def _converts(
    campaign: Campaign | None, how: ConversionEvent, event_names: tuple[str, ...]
) -> bool:
    program = None if campaign is None else campaign.referral_program
    if program is None or program["conversion_event_type"] != how.value:
        return False
    if how is ConversionEvent.CUSTOM_EVENT:
        return (program.get("custom_event") or {}).get("name") in event_names
    return True


async def convert(
    uow: UnitOfWork,
    ctx: Context,
    code: EffectiveVoucher,
    referee: Customer,
    how: ConversionEvent,
    source_id: str,
    *,
    event_names: tuple[str, ...] = (),
    evidence: Mapping[str, Any] | None = None,
) -> Referral | None:
    """Convert ``referee`` with the referral ``code`` if its program converts on ``how`` (a
    custom event: one of ``event_names``, its name or schema id) and they were not converted
    in it before. ``evidence``: the ``redemption`` or ``custom_event`` object, for the events."""
    campaign = code.campaign
    referrer_id = code.voucher.holder_id
    if (
        campaign is None
        or referrer_id is None
        or referrer_id == referee.id
        or not _converts(campaign, how, event_names)
    ):
        return None
    # One conversion per referee and program, even for two requests at once.
    await uow.customers.lock(ctx.project_id, referee.id)
    if await uow.referrals.of_referee(ctx.project_id, campaign.id, referee.id) is not None:
        return None
    referrer = await uow.customers.get(ctx.project_id, referrer_id)
    if referrer is None:
        return None
    referral = Referral(
        id=ctx.new_id(IdPrefix.REFERRAL),
        project_id=ctx.project_id,
        campaign_id=campaign.id,
        referrer_id=referrer.id,
        referee_id=referee.id,
        voucher_id=code.voucher.id,
        source_type=how,
        source_id=source_id,
        created_at=ctx.now(),
    )
    await uow.referrals.add(referral)
    referee, referrer = await _count(uow, ctx, referral, referee, referrer)
    shown = {
        "campaign": simple_campaign(campaign),
        "custom_event": None,
        "redemption": None,
        **(evidence or {}),
    }
    await record_event(
        uow,
        ctx,
        type=EventType.CUSTOMER_REFERRED.value,
        customer_id=referee.id,
        entity_id=referral.id,
        data={
            "customer": simple_customer(referee),
            "referrer": simple_customer(referrer),
            "voucher": simple_voucher(code),
            **shown,
        },
    )
    program = campaign.referral_program
    assert program is not None  # _converts checked it
    for side, who in (("referee_reward", referee), ("referrer_reward", referrer)):
        if program.get(side) is not None:
            await _reward(uow, ctx, referral, program[side], side, who, shown)
    return referral


async def _count(
    uow: UnitOfWork, ctx: Context, referral: Referral, referee: Customer, referrer: Customer
) -> tuple[Customer, Customer]:
    """The referee's ``referrals`` gain the program; the referrer's ``referred_customers``
    one more."""
    known = dict(referee.referrals or {"total": 0, "campaigns": []})
    campaigns = [
        *known.get("campaigns", []),
        {
            "campaign_id": referral.campaign_id,
            "referrer_id": referral.referrer_id,
            "related_object_id": referral.voucher_id,
            "related_object_type": "voucher",
            "date": iso(referral.created_at),
        },
    ]
    now = ctx.now()
    referee = replace(
        referee, referrals={"total": len(campaigns), "campaigns": campaigns}, updated_at=now
    )
    # Two referees converting at once both count: the referrer's row is read under its lock
    # (always after the referee's, so two conversions never wait on each other in a circle).
    await uow.customers.lock(ctx.project_id, referrer.id)
    current = await uow.customers.get(ctx.project_id, referrer.id) or referrer
    referrer = replace(current, referred_customers=current.referred_customers + 1, updated_at=now)
    await uow.customers.update(referee)
    await uow.customers.update(referrer)
    return referee, referrer


async def _reward(
    uow: UnitOfWork,
    ctx: Context,
    referral: Referral,
    reward: Mapping[str, Any],
    side: str,
    who: Customer,
    shown: Mapping[str, Any],
) -> None:
    given = await give_from_campaign(
        uow,
        ctx,
        reward["related_object_parent"]["id"],
        CampaignType(REWARD_CAMPAIGN_TYPES[reward["type"]]),
        reward.get("amount"),
        who,
        source={"source_type": "referral", "source_id": referral.id},
        reason=f"referral {referral.id}",
    )
    added = given.added
    await record_event(
        uow,
        ctx,
        type=EventType.REWARDED.value,
        customer_id=who.id,
        entity_id=referral.id,
        data={
            "customer": simple_customer(who),
            "holder": simple_customer(who),
            "voucher": simple_voucher(given.voucher),
            "reward": None,
            "referral_tier": {
                "id": f"{referral.campaign_id}:{side}",
                "campaign_id": referral.campaign_id,
                "banner": None,
                "parameters": dict(reward),
            },
            "balance": (
                None
                if added is None
                else {
                    "amount": added.change.delta,
                    "points": added.change.delta,
                    "balance": added.change.balance,
                    "type": added.change.as_object(given.voucher.voucher.id)["type"],
                }
            ),
            "customer_event": None,
            **shown,
        },
    )


async def on_code_used(uow: UnitOfWork, ctx: Context, fact: ReferralCodeUsed) -> None:
    await convert(
        uow,
        ctx,
        fact.code,
        fact.customer,
        fact.how,
        fact.source_id,
        event_names=fact.names,
        evidence=fact.evidence,
    )
