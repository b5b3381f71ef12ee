"""Referral conversions (``domain.referrals``): a referee redeems a referrer's code, or is named
with it in a custom event; once per referee and program, in the caller's transaction, the
conversion records ``customer.referred`` and rewards both sides (``customer.rewarded``). The
referrers are the code's owner and its REFERRER holders (``domain.referral_holders``; the
holders API adds referees): each gets the referrer reward and counts the referee."""

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
from sendout.domain.referral_holders import HolderRole
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
    if campaign is None or not _converts(campaign, how, event_names):
        return None
    referrer_ids = await _referrer_ids(uow, ctx, code)
    if not referrer_ids or referee.id in referrer_ids:
        return None  # nobody to reward, or a referrer using the code they share
    # One conversion per referee and program, even for two requests at once.
    await uow.customers.lock(ctx.project_id, referee.id)
    if await uow.referrals.of_referee(ctx.project_id, campaign.id, referee.id) is not None:
        return None
    found = [await uow.customers.get(ctx.project_id, i) for i in referrer_ids]
    referrers = [c for c in found if c is not None]
    if not referrers:
        return None
    referral = Referral(
        id=ctx.new_id(IdPrefix.REFERRAL),
        project_id=ctx.project_id,
        campaign_id=campaign.id,
        # the owner when the code has one: the referee's ``referrals`` name them
        referrer_id=referrers[0].id,
        referee_id=referee.id,
        voucher_id=code.voucher.id,
        source_type=how,
        source_id=source_id,
        created_at=ctx.now(),
    )
    await uow.referrals.add(referral)
    referee, referrers = await _count(uow, ctx, referral, referee, referrers)
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
            "referrer": simple_customer(referrers[0]),
            "voucher": simple_voucher(code),
            **shown,
        },
    )
    program = campaign.referral_program
    assert program is not None  # _converts checked it
    rewarded = [("referee_reward", referee), *(("referrer_reward", r) for r in referrers)]
    for side, who in rewarded:
        if program.get(side) is not None:
            await _reward(uow, ctx, referral, program[side], side, who, shown)
    return referral


async def _referrer_ids(uow: UnitOfWork, ctx: Context, code: EffectiveVoucher) -> list[str]:
    """The code's owner (if published), then its referrer holders, oldest first."""
    holders = await uow.referral_holders.of_code(ctx.project_id, code.voucher.id)
    ids = [
        code.voucher.holder_id,
        *(h.customer_id for h in holders if h.role is HolderRole.REFERRER),
    ]
    return [i for i in dict.fromkeys(ids) if i is not None]


async def _count(
    uow: UnitOfWork,
    ctx: Context,
    referral: Referral,
    referee: Customer,
    referrers: list[Customer],
) -> tuple[Customer, list[Customer]]:
    """The referee's ``referrals`` gain the program; each referrer's ``referred_customers``
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
    await uow.customers.update(referee)
    # Two referees converting at once both count: each referrer's row is read under its lock,
    # taken after the referee's and in id order, so two conversions never wait on each other
    # in a circle.
    counted = {}
    for referrer in sorted(referrers, key=lambda r: r.id):
        await uow.customers.lock(ctx.project_id, referrer.id)
        current = await uow.customers.get(ctx.project_id, referrer.id) or referrer
        counted[referrer.id] = replace(
            current, referred_customers=current.referred_customers + 1, updated_at=now
        )
        await uow.customers.update(counted[referrer.id])
    return referee, [counted[r.id] for r in referrers]


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
