"""Referral programs (reference §1b Referrals): a REFERRAL_PROGRAM campaign's codes are
published to referrers; a referee *converts* by redeeming one (``conversion_event_type:
redemption``) or by a custom event naming it (``custom_event``). A conversion is recorded once
per referee and program (``customer.referred``) and rewards both sides: the referee with
``referee_reward`` (Voucherify's), the referrer with ``referrer_reward`` (Sendout's; the hosted
product sets referrer rewards in its dashboard). A reward adds points to a loyalty card or
credits to a gift card of another campaign, or (referrer only) publishes a discount code.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.errors import InvalidPayload

MAX_AMOUNT = 10**12


class ConversionEvent(StrEnum):
    REDEMPTION = "redemption"
    CUSTOM_EVENT = "custom_event"


class ReferralRewardType(StrEnum):
    LOYALTY_CARD = "LOYALTY_CARD"
    GIFT_VOUCHER = "GIFT_VOUCHER"
    #: a code of a discount campaign (referrer rewards only: not Voucherify's referee enum)
    DISCOUNT_VOUCHER = "DISCOUNT_VOUCHER"


#: the type of campaign each kind of reward comes from (``CampaignType`` values)
REWARD_CAMPAIGN_TYPES = {
    ReferralRewardType.LOYALTY_CARD.value: "LOYALTY_PROGRAM",
    ReferralRewardType.GIFT_VOUCHER.value: "GIFT_VOUCHERS",
    ReferralRewardType.DISCOUNT_VOUCHER.value: "DISCOUNT_COUPONS",
}


def _bad(details: str) -> InvalidPayload:
    return InvalidPayload(details=f"referral_program.{details}", key="invalid_campaign_params")


def _reward(raw: Any, where: str, allowed: tuple[ReferralRewardType, ...]) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _bad(f"{where}: {{related_object_parent: {{id}}, type, amount}}")
    parent = raw.get("related_object_parent")
    campaign_id = parent.get("id") if isinstance(parent, Mapping) else None
    if not isinstance(campaign_id, str) or not campaign_id:
        raise _bad(f"{where}.related_object_parent.id: the campaign the reward comes from")
    try:
        kind = ReferralRewardType(str(raw.get("type")))
    except ValueError:
        kind = None
    if kind not in allowed:
        raise _bad(f"{where}.type: {' or '.join(allowed)}")
    amount = raw.get("amount")
    if isinstance(amount, str) and amount.isdecimal():
        amount = int(amount)  # the SDK sends it as a string
    if kind is ReferralRewardType.DISCOUNT_VOUCHER:
        amount = None
    elif not isinstance(amount, int) or isinstance(amount, bool) or not 1 <= amount <= MAX_AMOUNT:
        raise _bad(f"{where}.amount: the points or credits to add, 1 to {MAX_AMOUNT}")
    return {
        "related_object_parent": {"id": campaign_id, "name": None, "object": "CAMPAIGN"},
        "type": kind.value,
        "amount": amount,
    }


def parse_referral_program(raw: Any) -> dict[str, Any]:
    """A referral campaign's ``referral_program`` (reward campaigns are checked by the
    caller)."""
    if raw is None:
        raw = {}
    if not isinstance(raw, Mapping):
        raise _bad("an object")
    try:
        conversion = ConversionEvent(str(raw.get("conversion_event_type", "redemption")))
    except ValueError:
        raise _bad("conversion_event_type: redemption or custom_event") from None
    custom = raw.get("custom_event") or {}
    name = (custom.get("name") or custom.get("id")) if isinstance(custom, Mapping) else None
    if conversion is ConversionEvent.CUSTOM_EVENT and not (isinstance(name, str) and name):
        raise _bad("custom_event.name: the custom event that converts a referee")
    referee = raw.get("referee_reward")
    referrer = raw.get("referrer_reward")
    both = (ReferralRewardType.LOYALTY_CARD, ReferralRewardType.GIFT_VOUCHER)
    return {
        "conversion_event_type": conversion.value,
        "custom_event": (
            {"id": None, "name": name} if conversion is ConversionEvent.CUSTOM_EVENT else None
        ),
        "referee_reward": None if referee is None else _reward(referee, "referee_reward", both),
        "referrer_reward": (
            None
            if referrer is None
            else _reward(referrer, "referrer_reward", (*both, ReferralRewardType.DISCOUNT_VOUCHER))
        ),
    }


def referral_program_object(program: Mapping[str, Any]) -> dict[str, Any]:
    """As campaigns show it: Voucherify's ``amount`` is a string."""

    def shown(reward: Mapping[str, Any] | None) -> dict[str, Any] | None:
        if reward is None:
            return None
        amount = reward.get("amount")
        return {**reward, "amount": None if amount is None else str(amount)}

    return {
        "conversion_event_type": program["conversion_event_type"],
        "custom_event": program.get("custom_event"),
        "referee_reward": shown(program.get("referee_reward")),
        "referrer_reward": shown(program.get("referrer_reward")),
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class Referral:
    """One referee converted by one referrer's code, in one program (once ever)."""

    id: str
    project_id: str
    campaign_id: str
    referrer_id: str
    referee_id: str
    voucher_id: str
    #: what converted: ``redemption`` or ``custom_event``, and its id
    source_type: ConversionEvent
    source_id: str
    created_at: datetime
