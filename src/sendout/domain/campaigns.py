"""Campaigns: types, the voucher template their codes share, promotion tiers, and how the API
shows them. A create request is read and checked in ``campaign_drafts.py``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso, iso_or_none
from sendout.domain.codes import CodeConfig
from sendout.domain.event_schemas import SIMPLE_CAMPAIGN
from sendout.domain.referrals import referral_program_object


class CampaignType(StrEnum):
    DISCOUNT_COUPONS = "DISCOUNT_COUPONS"
    GIFT_VOUCHERS = "GIFT_VOUCHERS"
    LOYALTY_PROGRAM = "LOYALTY_PROGRAM"
    REFERRAL_PROGRAM = "REFERRAL_PROGRAM"
    PROMOTION = "PROMOTION"


class CampaignKind(StrEnum):
    """``type`` of a campaign: whether codes are added on demand."""

    #: a fresh code is generated whenever a publication finds none left
    AUTO_UPDATE = "AUTO_UPDATE"
    #: a fixed pool of codes
    STATIC = "STATIC"
    #: a campaign of one code
    STANDALONE = "STANDALONE"


class VoucherType(StrEnum):
    DISCOUNT_VOUCHER = "DISCOUNT_VOUCHER"
    GIFT_VOUCHER = "GIFT_VOUCHER"
    LOYALTY_CARD = "LOYALTY_CARD"


class GenerationStatus(StrEnum):
    DONE = "DONE"
    IN_PROGRESS = "IN_PROGRESS"
    FAILED = "FAILED"
    DRAFT = "DRAFT"
    MODIFYING = "MODIFYING"


VOUCHER_TYPE_OF: dict[CampaignType, VoucherType] = {
    CampaignType.DISCOUNT_COUPONS: VoucherType.DISCOUNT_VOUCHER,
    CampaignType.REFERRAL_PROGRAM: VoucherType.DISCOUNT_VOUCHER,
    CampaignType.GIFT_VOUCHERS: VoucherType.GIFT_VOUCHER,
    CampaignType.LOYALTY_PROGRAM: VoucherType.LOYALTY_CARD,
}


@dataclass(frozen=True, slots=True, kw_only=True)
class VoucherTemplate:
    """What every code of a campaign shares unless the code overrides it."""

    type: VoucherType
    discount: Mapping[str, Any] | None = None
    gift: Mapping[str, Any] | None = None
    loyalty_card: Mapping[str, Any] | None = None
    redemption_quantity: int | None = None
    code_config: CodeConfig = field(default_factory=CodeConfig)
    is_referral_code: bool = False

    def as_object(self) -> dict[str, Any]:
        body: dict[str, Any] = {"type": self.type.value}
        if self.discount is not None:
            body["discount"] = dict(self.discount)
        if self.gift is not None:
            body["gift"] = dict(self.gift)
        if self.loyalty_card is not None:
            body["loyalty_card"] = dict(self.loyalty_card)
        body["redemption"] = {"quantity": self.redemption_quantity}
        body["code_config"] = self.code_config.as_object()
        body["is_referral_code"] = self.is_referral_code
        return body


@dataclass(frozen=True, slots=True, kw_only=True)
class Validity:
    """When a campaign or a code may be used, beyond its start and expiration dates."""

    timeframe: Mapping[str, Any] | None = None
    day_of_week: tuple[int, ...] | None = None
    hours: Mapping[str, Any] | None = None

    def as_fields(self) -> dict[str, Any]:
        return {
            "validity_timeframe": None if self.timeframe is None else dict(self.timeframe),
            "validity_day_of_week": None if self.day_of_week is None else list(self.day_of_week),
            "validity_hours": None if self.hours is None else dict(self.hours),
        }


@dataclass(frozen=True, slots=True, kw_only=True)
class PromotionTier:
    id: str
    project_id: str
    campaign_id: str
    name: str
    banner: str | None = None
    action: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    active: bool = True
    hierarchy: int = 1
    created_at: datetime
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True, kw_only=True)
class Campaign:
    id: str
    project_id: str
    name: str
    campaign_type: CampaignType
    kind: CampaignKind = CampaignKind.AUTO_UPDATE
    description: str | None = None
    join_once: bool = False
    auto_join: bool = False
    active: bool = True
    start_date: datetime | None = None
    expiration_date: datetime | None = None
    validity: Validity = field(default_factory=Validity)
    activity_duration_after_publishing: str | None = None
    category: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    template: VoucherTemplate | None = None
    #: REFERRAL_PROGRAM campaigns: how referees convert and how both sides are rewarded
    referral_program: Mapping[str, Any] | None = None
    #: LOYALTY_PROGRAM campaigns with expiring tiers (``loyalty_tiers.parse_tiers_expiration``)
    loyalty_tiers_expiration: Mapping[str, Any] | None = None
    creation_status: GenerationStatus = GenerationStatus.DONE
    vouchers_generation_status: GenerationStatus = GenerationStatus.DONE
    vouchers_count: int = 0
    created_at: datetime
    updated_at: datetime | None = None
    deleted_at: datetime | None = None

    def is_active_at(self, now: datetime) -> bool:
        return (
            self.active
            and (self.start_date is None or self.start_date <= now)
            and (self.expiration_date is None or now <= self.expiration_date)
        )


def campaign_object(campaign: Campaign, tiers: list[PromotionTier] | None = None) -> dict[str, Any]:
    body: dict[str, Any] = {
        "id": campaign.id,
        "name": campaign.name,
        "description": campaign.description,
        "campaign_type": campaign.campaign_type.value,
        "type": campaign.kind.value,
        "voucher": None if campaign.template is None else campaign.template.as_object(),
        "auto_join": campaign.auto_join,
        "join_once": campaign.join_once,
        "use_voucher_metadata_schema": False,
        **campaign.validity.as_fields(),
        "activity_duration_after_publishing": campaign.activity_duration_after_publishing,
        "vouchers_count": campaign.vouchers_count,
        "start_date": iso_or_none(campaign.start_date),
        "expiration_date": iso_or_none(campaign.expiration_date),
        "active": campaign.active,
        "metadata": dict(campaign.metadata),
        "created_at": iso(campaign.created_at),
        "updated_at": iso_or_none(campaign.updated_at),
        "category": campaign.category,
        "creation_status": campaign.creation_status.value,
        "vouchers_generation_status": campaign.vouchers_generation_status.value,
        "readonly": False,
        "protected": False,
        "category_id": None,
        "categories": [],
        "object": "campaign",
    }
    if campaign.referral_program is not None:
        body["referral_program"] = referral_program_object(campaign.referral_program)
    if campaign.loyalty_tiers_expiration is not None:
        body["loyalty_tiers_expiration"] = dict(campaign.loyalty_tiers_expiration)
    if campaign.campaign_type is CampaignType.PROMOTION:
        items = [promotion_tier_object(t, campaign) for t in tiers or []]
        body["promotion"] = {
            "object": "list",
            "data_ref": "tiers",
            "tiers": items,
            "total": len(items),
            "has_more": False,
        }
    return body


def simple_campaign(campaign: Campaign) -> dict[str, Any]:
    """``SimpleCampaign``: the campaign as event ``data`` objects carry it."""
    full = campaign_object(campaign)
    keys = [k for k in SIMPLE_CAMPAIGN if k not in ("is_referral_code", "referral_program")]
    simple = {key: full[key] for key in keys}
    simple["is_referral_code"] = bool(campaign.template and campaign.template.is_referral_code)
    simple["referral_program"] = full.get("referral_program")
    return simple


def promotion_tier_object(tier: PromotionTier, campaign: Campaign) -> dict[str, Any]:
    return {
        "id": tier.id,
        "name": tier.name,
        "banner": tier.banner,
        "action": dict(tier.action),
        "metadata": dict(tier.metadata),
        "hierarchy": tier.hierarchy,
        "active": tier.active,
        "created_at": iso(tier.created_at),
        "updated_at": iso_or_none(tier.updated_at),
        "campaign": {
            "id": campaign.id,
            "start_date": iso_or_none(campaign.start_date),
            "expiration_date": iso_or_none(campaign.expiration_date),
            "active": campaign.active,
            "object": "campaign",
        },
        "campaign_id": campaign.id,
        "object": "promotion_tier",
    }


@dataclass(frozen=True, slots=True, kw_only=True)
class CampaignQuery:
    limit: int = 10
    page: int = 1
    campaign_type: CampaignType | None = None
    #: ``campaign_status``: the creation status
    creation_status: GenerationStatus | None = None
    #: referral programs only (True), or all but them (False)
    is_referral_code: bool | None = None
    descending: bool = True
    order_by_updated: bool = False
