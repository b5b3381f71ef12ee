"""A campaign as a create request describes it, validated: its voucher template (discount,
gift, loyalty card, code pattern), its validity, its promotion tiers and its dates."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sendout.domain.bounds import INT64_MAX, MAX_REDEMPTION_QUANTITY
from sendout.domain.campaigns import (
    VOUCHER_TYPE_OF,
    CampaignKind,
    CampaignType,
    Validity,
    VoucherTemplate,
    VoucherType,
)
from sendout.domain.codes import CodeConfig
from sendout.domain.errors import InvalidPayload
from sendout.domain.points import parse_expiration_rules

DISCOUNT_TYPES = ("AMOUNT", "PERCENT", "UNIT", "FIXED")
DISCOUNT_EFFECTS = (
    "APPLY_TO_ORDER",
    "APPLY_TO_ITEMS",
    "APPLY_TO_ITEMS_PROPORTIONALLY",
    "APPLY_TO_ITEMS_PROPORTIONALLY_BY_QUANTITY",
    "APPLY_TO_ITEMS_BY_QUANTITY",
    "ADD_MISSING_ITEMS",
    "ADD_NEW_ITEMS",
    "ADD_MANY_ITEMS",
    "ADD_SAME_ITEMS",
)
GIFT_EFFECTS = ("APPLY_TO_ORDER", "APPLY_TO_ITEMS")


def _bad(details: str, key: str = "invalid_payload") -> InvalidPayload:
    return InvalidPayload(details=details, key=key)


def _int(value: Any, name: str, *, minimum: int = 0, maximum: int = INT64_MAX) -> int:
    """Money and points are whole numbers: ``10.0`` is refused as the SDK would refuse it."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise _bad(f"{name} must be an integer (minor units)")
    if value < minimum:
        raise _bad(f"{name} must be at least {minimum}")
    if value > maximum:
        raise _bad(f"{name} must be at most {maximum}")
    return value


def validate_discount(raw: Any, where: str = "discount") -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _bad(f"{where} must be an object")
    kind = raw.get("type")
    if kind not in DISCOUNT_TYPES:
        raise _bad(f"{where}.type must be one of {', '.join(DISCOUNT_TYPES)}")
    discount = dict(raw)
    effect = discount.get("effect")
    if effect is not None and effect not in DISCOUNT_EFFECTS:
        raise _bad(f"{where}.effect must be one of {', '.join(DISCOUNT_EFFECTS)}")
    if kind == "AMOUNT":
        if discount.get("amount_off_formula") is None:
            _int(discount.get("amount_off"), f"{where}.amount_off")
        discount.setdefault("effect", "APPLY_TO_ORDER")
    elif kind == "PERCENT":
        percent = discount.get("percent_off")
        if discount.get("percent_off_formula") is None:
            if isinstance(percent, bool) or not isinstance(percent, int | float):
                raise _bad(f"{where}.percent_off must be a number")
            if not 0 <= percent <= 100:
                raise _bad(f"{where}.percent_off must be between 0 and 100")
        if discount.get("amount_limit") is not None:
            _int(discount["amount_limit"], f"{where}.amount_limit")
        discount.setdefault("effect", "APPLY_TO_ORDER")
    elif kind == "FIXED":
        if discount.get("fixed_amount_formula") is None:
            _int(discount.get("fixed_amount"), f"{where}.fixed_amount")
        discount.setdefault("effect", "APPLY_TO_ORDER")
    else:  # UNIT
        if discount.get("units") is None:
            if discount.get("unit_off_formula") is None:
                _int(discount.get("unit_off"), f"{where}.unit_off")
            if not isinstance(discount.get("unit_type"), str):
                raise _bad(f"{where}.unit_type must name the product or SKU")
        discount.setdefault("effect", "ADD_MISSING_ITEMS")
    return discount


def validate_gift(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _bad("gift must be an object")
    amount = _int(raw.get("amount"), "gift.amount")
    balance = raw.get("balance", amount)
    balance = _int(balance, "gift.balance")
    effect = raw.get("effect", "APPLY_TO_ORDER")
    if effect not in GIFT_EFFECTS:
        raise _bad(f"gift.effect must be one of {', '.join(GIFT_EFFECTS)}")
    return {"amount": amount, "balance": balance, "effect": effect}


def validate_loyalty_card(raw: Any) -> dict[str, Any]:
    if not isinstance(raw, Mapping):
        raise _bad("loyalty_card must be an object")
    points = _int(raw.get("points"), "loyalty_card.points")
    card: dict[str, Any] = {
        "points": points,
        "balance": _int(raw.get("balance", points), "loyalty_card.balance"),
    }
    if raw.get("expiration_rules") is not None:
        card["expiration_rules"] = parse_expiration_rules(raw["expiration_rules"])
    return card


def validate_day_of_week(raw: Any) -> list[int] | None:
    if raw is None:
        return None
    # Any sequence: a request sends a list, a stored rule comes back as a tuple (an update
    # merges it with the change and checks it again). A string is a sequence, not of days.
    if (
        not isinstance(raw, Sequence)
        or isinstance(raw, str | bytes)
        or any(isinstance(d, bool) or not isinstance(d, int) or not 0 <= d <= 6 for d in raw)
    ):
        raise _bad("validity_day_of_week must list days 0 (Sunday) to 6 (Saturday)")
    return sorted(set(raw))


@dataclass(frozen=True, slots=True, kw_only=True)
class TierDraft:
    name: str
    banner: str | None = None
    action: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    active: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignDraft:
    """A campaign as a create request describes it, validated."""

    name: str
    campaign_type: CampaignType
    kind: CampaignKind
    description: str | None = None
    join_once: bool = False
    auto_join: bool = False
    start_date: datetime | None = None
    expiration_date: datetime | None = None
    validity: Validity = field(default_factory=Validity)
    activity_duration_after_publishing: str | None = None
    category: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    template: VoucherTemplate | None = None
    tiers: tuple[TierDraft, ...] = ()
    vouchers_count: int = 0
    referral_program: Mapping[str, Any] | None = None
    loyalty_tiers_expiration: Mapping[str, Any] | None = None


def build_template(
    campaign_type: CampaignType, raw: Mapping[str, Any] | None, code_config: CodeConfig
) -> VoucherTemplate | None:
    """The voucher template of a campaign of ``campaign_type`` from the request's ``voucher``."""
    if campaign_type is CampaignType.PROMOTION:
        if raw:
            raise _bad("PROMOTION campaigns have tiers, not a voucher", "invalid_campaign_params")
        return None
    raw = raw or {}
    expected = VOUCHER_TYPE_OF[campaign_type]
    declared = raw.get("type", expected.value)
    if declared != expected.value:
        raise _bad(
            f"voucher.type of a {campaign_type.value} campaign must be {expected.value}",
            "invalid_campaign_params",
        )
    redemption = raw.get("redemption") or {}
    quantity = redemption.get("quantity")
    if quantity is not None:
        _int(
            quantity,
            "voucher.redemption.quantity",
            minimum=1,
            maximum=MAX_REDEMPTION_QUANTITY,
        )
    discount = gift = loyalty_card = None
    if expected is VoucherType.DISCOUNT_VOUCHER:
        if raw.get("discount") is None:
            raise _bad("voucher.discount is required", "invalid_campaign_params")
        discount = validate_discount(raw["discount"], "voucher.discount")
    elif expected is VoucherType.GIFT_VOUCHER:
        gift = validate_gift(raw.get("gift"))
    else:
        loyalty_card = validate_loyalty_card(raw.get("loyalty_card"))
    return VoucherTemplate(
        type=expected,
        discount=discount,
        gift=gift,
        loyalty_card=loyalty_card,
        redemption_quantity=quantity,
        code_config=code_config,
        is_referral_code=campaign_type is CampaignType.REFERRAL_PROGRAM
        or bool(raw.get("is_referral_code")),
    )


def build_tiers(raw: Any) -> tuple[TierDraft, ...]:
    if raw is None:
        return ()
    tiers = raw.get("tiers") if isinstance(raw, Mapping) else None
    if not isinstance(tiers, list):
        raise _bad("promotion.tiers must be a list", "invalid_campaign_params")
    return tuple(tier_draft(tier, f"promotion.tiers[{n}].") for n, tier in enumerate(tiers))


def tier_draft(tier: Any, where: str = "") -> TierDraft:
    """One promotion tier of a request (``where``: its place in the request, for errors)."""
    if not isinstance(tier, Mapping) or not isinstance(tier.get("name"), str):
        raise _bad(f"{where}name is required", "invalid_campaign_params")
    return TierDraft(
        name=tier["name"],
        banner=tier.get("banner"),
        action=tier_action(tier.get("action"), where),
        metadata=dict(tier.get("metadata") or {}),
        active=bool(tier.get("active", True)),
    )


def tier_action(raw: Any, where: str = "") -> dict[str, Any]:
    """A tier's ``action``, its discount checked as a code's is."""
    if raw is not None and not isinstance(raw, Mapping):
        raise _bad(f"{where}action must be an object", "invalid_campaign_params")
    action = dict(raw or {})
    if action.get("discount") is not None:
        action["discount"] = validate_discount(action["discount"], f"{where}action.discount")
    return action


def check_dates(start: datetime | None, expiration: datetime | None) -> None:
    if start is not None and expiration is not None and expiration <= start:
        raise _bad("expiration_date must be after start_date", "invalid_campaign_params")
