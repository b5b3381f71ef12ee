"""The values campaigns and codes share, as rows store them: validity and code templates."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sendout.domain.campaigns import (
    Validity,
    VoucherTemplate,
    VoucherType,
)
from sendout.domain.codes import CodeConfig


def validity_value(validity: Validity | None) -> dict[str, Any] | None:
    if validity is None:
        return None
    return {
        "timeframe": None if validity.timeframe is None else dict(validity.timeframe),
        "day_of_week": None if validity.day_of_week is None else list(validity.day_of_week),
        "hours": None if validity.hours is None else dict(validity.hours),
    }


def validity_of(raw: Mapping[str, Any] | None) -> Validity | None:
    if raw is None:
        return None
    days = raw.get("day_of_week")
    return Validity(
        timeframe=raw.get("timeframe"),
        day_of_week=None if days is None else tuple(days),
        hours=raw.get("hours"),
    )


def template_value(template: VoucherTemplate | None) -> dict[str, Any] | None:
    if template is None:
        return None
    config = template.code_config
    return {
        "type": template.type.value,
        "discount": None if template.discount is None else dict(template.discount),
        "gift": None if template.gift is None else dict(template.gift),
        "loyalty_card": None if template.loyalty_card is None else dict(template.loyalty_card),
        "redemption_quantity": template.redemption_quantity,
        "code_config": {
            "pattern": config.pattern,
            "charset": config.charset,
            "prefix": config.prefix,
            "postfix": config.postfix,
        },
        "is_referral_code": template.is_referral_code,
    }


def template_of(raw: Mapping[str, Any] | None) -> VoucherTemplate | None:
    if raw is None:
        return None
    return VoucherTemplate(
        type=VoucherType(raw["type"]),
        discount=raw.get("discount"),
        gift=raw.get("gift"),
        loyalty_card=raw.get("loyalty_card"),
        redemption_quantity=raw.get("redemption_quantity"),
        code_config=CodeConfig(**raw["code_config"]),
        is_referral_code=bool(raw.get("is_referral_code")),
    )
