"""Vouchers (codes): what a code stores, what it inherits from its campaign, its status.

A code generated for a campaign stores only what makes it itself (id, code, holder, counters);
everything else (discount, gift, dates, quantity) it reads from the campaign's template until
the code is given a value of its own. A million codes then cost a million small rows.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.campaigns import Campaign, Validity, VoucherType
from sendout.domain.clock import iso, iso_or_none
from sendout.domain.event_schemas import SIMPLE_VOUCHER


class RedeemableStatus(StrEnum):
    ACTIVE = "ACTIVE"
    USED = "USED"
    DISABLED = "DISABLED"
    NOT_ACTIVE_YET = "NOT_ACTIVE_YET"
    EXPIRED = "EXPIRED"
    NO_BALANCE = "NO_BALANCE"


@dataclass(frozen=True, slots=True, kw_only=True)
class Voucher:
    id: str
    project_id: str
    code: str
    campaign_id: str | None = None
    type: VoucherType | None = None
    discount: Mapping[str, Any] | None = None
    gift: Mapping[str, Any] | None = None
    loyalty_card: Mapping[str, Any] | None = None
    redemption_quantity: int | None = None
    redeemed_quantity: int = 0
    active: bool | None = None
    start_date: datetime | None = None
    expiration_date: datetime | None = None
    validity: Validity | None = None
    additional_info: str | None = None
    metadata: Mapping[str, Any] | None = None
    category: str | None = None
    is_referral_code: bool | None = None
    holder_id: str | None = None
    published_at: datetime | None = None
    created_at: datetime
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class EffectiveVoucher:
    """A code with its campaign's template filled in: what the API shows and rules check."""

    voucher: Voucher
    campaign: Campaign | None

    def _template_value(self, name: str) -> Any:
        template = self.campaign.template if self.campaign else None
        return getattr(template, name) if template is not None else None

    @property
    def type(self) -> VoucherType:
        return self.voucher.type or self._template_value("type") or VoucherType.DISCOUNT_VOUCHER

    @property
    def discount(self) -> Mapping[str, Any] | None:
        return self.voucher.discount or self._template_value("discount")

    @property
    def gift(self) -> Mapping[str, Any] | None:
        return self.voucher.gift or self._template_value("gift")

    @property
    def loyalty_card(self) -> Mapping[str, Any] | None:
        return self.voucher.loyalty_card or self._template_value("loyalty_card")

    @property
    def expiration_rules(self) -> Mapping[str, Any] | None:
        """A loyalty card's program's rules for points expiring (None: they never do)."""
        rules = (self._template_value("loyalty_card") or {}).get("expiration_rules")
        return None if rules is None else dict(rules)

    @property
    def redemption_quantity(self) -> int | None:
        own = self.voucher.redemption_quantity
        return own if own is not None else self._template_value("redemption_quantity")

    @property
    def active(self) -> bool:
        own = self.voucher.active if self.voucher.active is not None else True
        return own and (self.campaign is None or self.campaign.active)

    @property
    def start_date(self) -> datetime | None:
        own = self.voucher.start_date
        return own if own is not None else (self.campaign.start_date if self.campaign else None)

    @property
    def expiration_date(self) -> datetime | None:
        own = self.voucher.expiration_date
        if own is not None:
            return own
        return self.campaign.expiration_date if self.campaign else None

    @property
    def validity(self) -> Validity:
        if self.voucher.validity is not None:
            return self.voucher.validity
        return self.campaign.validity if self.campaign else Validity()

    @property
    def is_referral_code(self) -> bool:
        own = self.voucher.is_referral_code
        return bool(own if own is not None else self._template_value("is_referral_code"))

    def status(self, now: datetime) -> RedeemableStatus:
        """The wallet status of the code at ``now`` (``GET /v1/customers/{id}/redeemables``)."""
        if not self.active:
            return RedeemableStatus.DISABLED
        if self.start_date is not None and now < self.start_date:
            return RedeemableStatus.NOT_ACTIVE_YET
        if self.expiration_date is not None and now > self.expiration_date:
            return RedeemableStatus.EXPIRED
        quantity = self.redemption_quantity
        if quantity is not None and self.voucher.redeemed_quantity >= quantity:
            return RedeemableStatus.USED
        if self.type is VoucherType.GIFT_VOUCHER and (self.gift or {}).get("balance", 0) <= 0:
            return RedeemableStatus.NO_BALANCE
        if (
            self.type is VoucherType.LOYALTY_CARD
            and (self.loyalty_card or {}).get("balance", 0) <= 0
        ):
            return RedeemableStatus.NO_BALANCE
        return RedeemableStatus.ACTIVE

    def usable_at(self, now: datetime) -> bool:
        """Active now, including the day-of-week rule (qualifications: "applies now")."""
        if self.status(now) is not RedeemableStatus.ACTIVE:
            return False
        days = self.validity.day_of_week
        # Python: Monday = 0; Voucherify: Sunday = 0.
        return days is None or (now.weekday() + 1) % 7 in days


def _own(
    vtype: VoucherType, kind: VoucherType, value: Mapping[str, Any] | None
) -> dict[str, Any] | None:
    """The type-specific object of a code, shown only on codes of that type."""
    return dict(value) if vtype is kind and value else None


def voucher_object(effective: EffectiveVoucher) -> dict[str, Any]:
    """The Voucherify voucher object (integers for money and points, as the SDK requires)."""
    v, campaign = effective.voucher, effective.campaign
    vtype = effective.type
    quantity = effective.redemption_quantity
    return {
        "id": v.id,
        "code": v.code,
        "campaign": campaign.name if campaign else None,
        "campaign_id": v.campaign_id,
        "category": v.category,
        "category_id": None,
        "categories": [],
        "type": vtype.value,
        "discount": dict(effective.discount)
        if vtype is VoucherType.DISCOUNT_VOUCHER and effective.discount
        else None,
        "gift": dict(effective.gift)
        if vtype is VoucherType.GIFT_VOUCHER and effective.gift
        else None,
        "loyalty_card": (
            dict(effective.loyalty_card)
            if vtype is VoucherType.LOYALTY_CARD and effective.loyalty_card
            else None
        ),
        "start_date": iso_or_none(effective.start_date),
        "expiration_date": iso_or_none(effective.expiration_date),
        **effective.validity.as_fields(),
        "active": effective.active,
        "additional_info": v.additional_info,
        "metadata": dict(v.metadata or {}),
        "is_referral_code": effective.is_referral_code,
        "holder_id": v.holder_id,
        "referrer_id": None,
        "created_at": iso(v.created_at),
        "updated_at": iso_or_none(v.updated_at),
        "publish": {
            "object": "list",
            "count": 1 if v.holder_id else 0,
            "url": f"/v1/vouchers/{v.code}/publications",
        },
        "redemption": {
            "quantity": quantity,
            "redeemed_quantity": v.redeemed_quantity,
            "redeemed_points": 0,
            "object": "list",
            "url": f"/v1/vouchers/{v.code}/redemptions",
        },
        "object": "voucher",
    }


def simple_voucher(effective: EffectiveVoucher) -> dict[str, Any]:
    """``SimpleVoucher``: the code as event ``data`` objects carry it."""
    full = voucher_object(effective)
    keys = SIMPLE_VOUCHER
    simple = {key: full[key] for key in keys}
    simple["redemption"] = {
        "quantity": full["redemption"]["quantity"],
        "redeemed_quantity": full["redemption"]["redeemed_quantity"],
    }
    return simple


@dataclass(frozen=True, slots=True, kw_only=True)
class VoucherQuery:
    """Filters of ``GET /v1/vouchers``."""

    limit: int = 10
    page: int = 1
    campaign_id: str | None = None
    holder_id: str | None = None
    code: str | None = None
    ids: tuple[str, ...] | None = None
    category: str | None = None
    created_before: datetime | None = None
    created_after: datetime | None = None
    updated_before: datetime | None = None
    updated_after: datetime | None = None
    order: str = "created_at"
    descending: bool = True


@dataclass(frozen=True, slots=True, kw_only=True)
class WalletQuery:
    """Cursor paging of a customer's codes (``GET /v1/customers/{id}/redeemables``)."""

    limit: int = 10
    descending: bool = False
    starting_after_id: str | None = None
