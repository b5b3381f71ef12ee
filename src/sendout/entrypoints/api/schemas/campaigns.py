"""Bodies of ``/v1/campaigns`` (loyalty programs too): a campaign, its program
notifications, and the codes added or imported into it."""

from __future__ import annotations

from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import Field, RootModel

from sendout.domain.campaign_drafts import (
    CampaignDraft,
    build_template,
    build_tiers,
    validate_day_of_week,
)
from sendout.domain.campaigns import CampaignKind, CampaignType, Validity
from sendout.domain.codes import parse_code_config
from sendout.domain.errors import InvalidPayload
from sendout.domain.loyalty_tiers import parse_tiers_expiration
from sendout.domain.referrals import parse_referral_program
from sendout.entrypoints.api.bounds import Int64
from sendout.entrypoints.api.schemas.common import (
    NullMeansUnset,
    RedemptionBody,
    ValidityFields,
)
from sendout.entrypoints.api.schemas.distributions import ChannelBody
from sendout.services.loyalty.program_notifications import NotificationRequest


class CampaignUpdateBody(ValidityFields):
    NOT_CLEARABLE = frozenset(
        {"type", "join_once", "auto_join", "discount", "gift", "loyalty_card"}
    )

    description: str | None = None
    activity_duration_after_publishing: str | None = None
    category: str | None = None
    metadata: dict[str, Any] | None = None
    join_once: bool | None = None
    auto_join: bool | None = None
    type: str | None = None
    discount: dict[str, Any] | None = None
    gift: dict[str, Any] | None = None
    loyalty_card: dict[str, Any] | None = None


class NotificationBody(NullMeansUnset):
    """A program notification: the moment (``on``) and the webhook channels it sends to."""

    on: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=255)
    channels: list[ChannelBody] = Field(min_length=1, max_length=10)

    def to_request(self) -> NotificationRequest:
        return NotificationRequest(
            on=self.on, name=self.name, channels=tuple(c.to_draft() for c in self.channels)
        )


class CampaignBody(ValidityFields, NullMeansUnset):
    name: str = Field(min_length=1, max_length=255)
    description: str | None = None
    campaign_type: str = CampaignType.DISCOUNT_COUPONS.value
    type: str = CampaignKind.AUTO_UPDATE.value
    join_once: bool = False
    auto_join: bool = False
    vouchers_count: Annotated[Int64, Field(ge=0)] = 0
    activity_duration_after_publishing: str | None = None
    category: str | None = None
    metadata: dict[str, Any] | None = None
    voucher: dict[str, Any] | None = None
    promotion: dict[str, Any] | None = None
    referral_program: dict[str, Any] | None = None
    loyalty_tiers_expiration: dict[str, Any] | None = None
    #: loyalty and referral programs: distributions attached as the program is created
    notifications: list[NotificationBody] = Field(default_factory=list, max_length=20)

    def notification_requests(self) -> list[NotificationRequest]:
        return [n.to_request() for n in self.notifications]

    def to_draft(self) -> CampaignDraft:
        campaign_type = _enum(CampaignType, self.campaign_type, "campaign_type")
        kind = _enum(CampaignKind, self.type, "type")
        config_raw = (self.voucher or {}).get("code_config")
        template = build_template(campaign_type, self.voucher, parse_code_config(config_raw))
        days = validate_day_of_week(self.validity_day_of_week)
        return CampaignDraft(
            name=self.name,
            campaign_type=campaign_type,
            kind=kind,
            description=self.description,
            join_once=self.join_once,
            auto_join=self.auto_join,
            start_date=self.start_date,
            expiration_date=self.expiration_date,
            validity=Validity(
                timeframe=self.validity_timeframe,
                day_of_week=None if days is None else tuple(days),
                hours=self.validity_hours,
            ),
            activity_duration_after_publishing=self.activity_duration_after_publishing,
            category=self.category,
            metadata=self.metadata or {},
            template=template,
            tiers=build_tiers(self.promotion) if campaign_type is CampaignType.PROMOTION else (),
            vouchers_count=self.vouchers_count,
            referral_program=(
                parse_referral_program(self.referral_program)
                if campaign_type is CampaignType.REFERRAL_PROGRAM
                else None
            ),
            loyalty_tiers_expiration=(
                parse_tiers_expiration(self.loyalty_tiers_expiration)
                if campaign_type is CampaignType.LOYALTY_PROGRAM
                else None
            ),
        )


E = TypeVar("E", bound=StrEnum)


def _enum(kind: type[E], value: str, name: str) -> E:
    try:
        return kind(value)
    except ValueError:
        raise InvalidPayload(
            details=f"{name} must be one of {', '.join(kind)}", key="invalid_campaign_params"
        ) from None


class CodesBody(ValidityFields, NullMeansUnset):
    """Per-code values for codes added to a campaign."""

    code_config: dict[str, Any] | None = None
    category: str | None = None
    metadata: dict[str, Any] | None = None
    redemption: RedemptionBody | None = None
    additional_info: str | None = None


class ImportItem(CodesBody):
    code: str = Field(min_length=1, max_length=128)
    type: str | None = None
    active: bool | None = None
    discount: dict[str, Any] | None = None
    gift: dict[str, Any] | None = None
    loyalty_card: dict[str, Any] | None = None


class ImportBody(RootModel[list[ImportItem]]):
    # (No docstring: it would become the body's description in the OpenAPI document.)

    def items(self) -> list[dict[str, Any]]:
        """Each code's sent fields, its ``code`` included."""
        return [item.sent() | {"code": item.code} for item in self.root]
