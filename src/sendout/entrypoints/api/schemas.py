"""Request bodies: the only place pydantic lives. Each model converts to domain values.

Models are strict (a number where a string belongs is a 400, not a silent conversion) and
ignore unknown keys, as Voucherify does.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from enum import StrEnum
from typing import Annotated, Any, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, RootModel, model_validator

from sendout.domain.bounds import MAX_REDEMPTION_QUANTITY
from sendout.domain.campaign_drafts import (
    CampaignDraft,
    build_template,
    build_tiers,
    validate_day_of_week,
)
from sendout.domain.campaigns import CampaignKind, CampaignType, Validity
from sendout.domain.codes import parse_code_config
from sendout.domain.custom_events import MAX_EVENT_NAME_LENGTH, LoyaltyRef, ReferralRef
from sendout.domain.customers import EDITABLE_FIELDS, CustomerRef
from sendout.domain.distribution_checks import MAX_HEADERS
from sendout.domain.distributions import ActionSpec, DistributionStatus, ManualPlan, Trigger
from sendout.domain.errors import InvalidPayload
from sendout.domain.event_catalogue import Action
from sendout.domain.loyalty_tiers import parse_tiers_expiration
from sendout.domain.orders import MAX_ITEMS, OrderStatus
from sendout.domain.publications import MAX_COUNT_PER_REQUEST
from sendout.domain.redemptions import MAX_REDEEMABLES
from sendout.domain.referrals import parse_referral_program
from sendout.domain.segments import SegmentType
from sendout.domain.webhook_channels import parse_retry
from sendout.entrypoints.api.bounds import Int64, PositiveInt64
from sendout.services.customers.segments import SegmentDraft
from sendout.services.loyalty.program_notifications import NotificationRequest
from sendout.services.loyalty.reward_redemptions import RewardRedemptionRequest
from sendout.services.pipeline.distributions import (
    AnyChannelDraft,
    ChannelDraft,
    DistributionDraft,
    MessageChannelDraft,
)
from sendout.services.pipeline.webhooks import WebhookDraft
from sendout.services.promotions.orders import OrderDraft
from sendout.services.promotions.publications import PublishRequest
from sendout.services.promotions.redemptions import RedeemableRef, RedemptionRequest


class _Body(BaseModel):
    model_config = ConfigDict(strict=True, extra="ignore")


class _NullMeansUnset(_Body):
    """A body whose ``null`` fields count as not sent: the official SDK sends ``null`` for a
    nullable field the caller set to ``None``. (Update bodies keep ``null`` = clear.)"""

    @model_validator(mode="before")
    @classmethod
    def _drop_nulls(cls, data: Any) -> Any:
        if isinstance(data, dict):
            return {key: value for key, value in data.items() if value is not None}
        return data


class AddressBody(_Body):
    city: str | None = None
    state: str | None = None
    line_1: str | None = None
    line_2: str | None = None
    country: str | None = None
    postal_code: str | None = None


class CustomerUpdateBody(_Body):
    """The editable customer fields; only those sent are changed."""

    name: str | None = Field(default=None, max_length=1000)
    description: str | None = Field(default=None, max_length=10_000)
    email: str | None = Field(default=None, max_length=320)
    phone: str | None = Field(default=None, max_length=64)
    # JSON has no date type: dates arrive as "YYYY-MM-DD" text, which strict mode refuses.
    birthdate: date | None = Field(default=None, strict=False)
    birthday: date | None = Field(
        default=None, strict=False, description="Deprecated: use birthdate."
    )
    address: AddressBody | None = None
    metadata: dict[str, Any] | None = None

    def changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name in self.model_fields_set & set(EDITABLE_FIELDS):
            value = getattr(self, name)
            if name == "address" and value is not None:
                value = value.model_dump(exclude_unset=True)
            elif name == "metadata" and value is None:
                value = {}
            changes[name] = value
        return changes


class CustomerBody(CustomerUpdateBody):
    """A customer by ``id`` or ``source_id``, with fields to create or update."""

    id: str | None = Field(default=None, min_length=1, max_length=64)
    source_id: str | None = Field(default=None, min_length=1, max_length=255)

    def to_ref(self) -> CustomerRef:
        return CustomerRef(id=self.id, source_id=self.source_id, fields=self.changes())


class ReferralBody(_Body):
    code: str = Field(min_length=1)
    referrer_id: str | None = None

    def to_ref(self) -> ReferralRef:
        return ReferralRef(code=self.code, referrer_id=self.referrer_id)


class LoyaltyBody(_Body):
    code: str = Field(min_length=1)

    def to_ref(self) -> LoyaltyRef:
        return LoyaltyRef(code=self.code)


class EventBody(_Body):
    event: str = Field(min_length=1, max_length=MAX_EVENT_NAME_LENGTH)
    customer: CustomerBody
    referral: ReferralBody | None = None
    loyalty: LoyaltyBody | None = None
    metadata: dict[str, Any] | None = None


def _as_utc(moment: datetime | None) -> datetime | None:
    if moment is None:
        return None
    return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)


#: An ISO 8601 timestamp (JSON text, so not strict); a missing zone means UTC.
Timestamp = Annotated[datetime, Field(strict=False), AfterValidator(_as_utc)]


class RedemptionBody(_Body):
    quantity: Annotated[Int64, Field(ge=1, le=MAX_REDEMPTION_QUANTITY)] | None = None


class _ValidityFields(_Body):
    start_date: Timestamp | None = None
    expiration_date: Timestamp | None = None
    validity_timeframe: dict[str, Any] | None = None
    validity_day_of_week: list[Int64] | None = None
    validity_hours: dict[str, Any] | None = None

    def sent(self) -> dict[str, Any]:
        """The fields the client sent, as plain values (nested models as dicts)."""
        return {
            name: value.model_dump(exclude_unset=True) if isinstance(value, BaseModel) else value
            for name in self.model_fields_set
            for value in [getattr(self, name)]
        }


class CampaignUpdateBody(_ValidityFields):
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


class CampaignBody(_ValidityFields, _NullMeansUnset):
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


class CodesBody(_ValidityFields, _NullMeansUnset):
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
    pass


class VoucherUpdateBody(_ValidityFields):
    category: str | None = None
    active: bool | None = None
    additional_info: str | None = None
    metadata: dict[str, Any] | None = None
    discount: dict[str, Any] | None = None
    gift: dict[str, Any] | None = None
    loyalty_card: dict[str, Any] | None = None
    redemption: RedemptionBody | None = None


class VoucherBody(VoucherUpdateBody, _NullMeansUnset):
    type: str | None = None
    campaign: str | None = None
    campaign_id: str | None = None
    code_config: dict[str, Any] | None = None


class PublicationCampaignBody(_NullMeansUnset):
    name: str = Field(min_length=1)
    count: Annotated[Int64, Field(ge=1, le=MAX_COUNT_PER_REQUEST)] = 1


class PublicationBody(_NullMeansUnset):
    voucher: str | None = None
    campaign: PublicationCampaignBody | None = None
    customer: CustomerBody
    source_id: str | None = Field(default=None, min_length=1, max_length=255)
    metadata: dict[str, Any] | None = None
    channel: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _campaign_by_name(cls, data: Any) -> Any:
        """``"campaign": "Name"`` is short for ``{"name": "Name"}`` (Voucherify accepts both)."""
        if isinstance(data, dict) and isinstance(data.get("campaign"), str):
            return {**data, "campaign": {"name": data["campaign"]}}
        return data

    def to_request(self, join_once: bool) -> PublishRequest:
        campaign = self.campaign
        return PublishRequest(
            customer=self.customer.to_ref(),
            voucher_code=self.voucher,
            campaign=None if campaign is None else campaign.name,
            count=1 if campaign is None else campaign.count,
            source_id=self.source_id,
            metadata=self.metadata or {},
            join_once=join_once,
        )


class QualificationOptions(_NullMeansUnset):
    limit: Annotated[Int64, Field(ge=1, le=50)] = 5
    starting_after: Timestamp | None = None
    filters: dict[str, Any] | None = None
    expand: list[str] | None = None
    sorting_rule: str | None = None


class QualificationBody(_NullMeansUnset):
    customer: CustomerBody | None = None
    order: dict[str, Any] | None = None
    scenario: str = "ALL"
    options: QualificationOptions | None = None
    tracking_id: str | None = None
    metadata: dict[str, Any] | None = None


class AttributeBody(_Body):
    path: str = Field(min_length=1, max_length=200)
    key: str | None = Field(default=None, min_length=1, max_length=200)


class ChannelBody(_NullMeansUnset):
    """A webhook channel (``url``, ``headers``, ``payload`` or ``attributes``), or a message
    channel of another ``type`` (``email``, ``sms``, a CRM) with its ``settings``."""

    type: str = Field(default="webhook", min_length=1, max_length=64)
    id: str | None = None
    event_name: str = Field(min_length=1, max_length=100)
    url: str | None = Field(default=None, min_length=1, max_length=2048)
    headers: dict[str, str] = Field(default_factory=dict)
    #: header names whose values are kept secret (shown masked), beyond Authorization, Cookie
    #: and names ending in -Key, -Token or -Secret, which always are
    secret_headers: list[str] = Field(default_factory=list, max_length=MAX_HEADERS)
    payload: str | None = None
    attributes: list[AttributeBody] = Field(default_factory=list)
    raw_payload: bool = False
    settings: dict[str, str] | None = None
    #: ``{max_retries, initial_delay_seconds, max_delay_seconds}``; unset: Voucherify's ladder
    retry: dict[str, Any] | None = None

    def to_draft(self) -> AnyChannelDraft:
        retry = parse_retry(self.retry, "channels.retry")
        if self.type != "webhook":
            webhook_only = [
                name
                for name, given in (
                    ("url", self.url is not None),
                    ("headers", bool(self.headers)),
                    ("secret_headers", bool(self.secret_headers)),
                    ("payload", self.payload is not None),
                    ("attributes", bool(self.attributes)),
                    ("raw_payload", self.raw_payload),
                )
                if given
            ]
            if webhook_only:
                raise InvalidPayload(
                    details=f"channels.{webhook_only[0]}: only webhook channels have it "
                    f"(a {self.type} channel is set up by its settings)",
                    key="invalid_distribution",
                )
            return MessageChannelDraft(
                id=self.id,
                type=self.type,
                event_name=self.event_name,
                settings=self.settings or {},
                retry=retry,
            )
        if self.url is None:
            raise InvalidPayload(
                details="channels.url: a webhook channel needs the URL it posts to",
                key="invalid_distribution",
            )
        if self.settings is not None:
            raise InvalidPayload(
                details="channels.settings: webhook channels have url, headers and payload",
                key="invalid_distribution",
            )
        return ChannelDraft(
            id=self.id,
            event_name=self.event_name,
            url=self.url,
            headers=self.headers,
            secret_headers=tuple(self.secret_headers),
            payload=self.payload,
            attributes=tuple((a.path, a.key) for a in self.attributes),
            raw_payload=self.raw_payload,
            retry=retry,
        )


class NotificationBody(_NullMeansUnset):
    """A program notification: the moment (``on``) and the webhook channels it sends to."""

    on: str = Field(min_length=1, max_length=64)
    name: str | None = Field(default=None, min_length=1, max_length=255)
    channels: list[ChannelBody] = Field(min_length=1, max_length=10)

    def to_request(self) -> NotificationRequest:
        return NotificationRequest(
            on=self.on, name=self.name, channels=tuple(c.to_draft() for c in self.channels)
        )


CampaignBody.model_rebuild()


class TriggerBody(_NullMeansUnset):
    model_config = ConfigDict(strict=True, extra="allow")

    event: str = Field(min_length=1)

    def to_trigger(self, conditions: dict[str, Any] | None) -> Trigger:
        parameters = dict(self.model_extra or {})
        if any(not isinstance(v, str) for v in parameters.values()):
            raise InvalidPayload(
                details="trigger parameters are strings", key="invalid_distribution"
            )
        return Trigger(event=self.event, parameters=parameters, conditions=conditions or {})


class ActionBody(_NullMeansUnset):
    type: str
    campaign_id: str | None = None
    promotion_tier_id: str | None = None

    def to_action(self) -> ActionSpec:
        try:
            kind = Action(self.type)
        except ValueError:
            raise InvalidPayload(
                details=f"action.type: one of {', '.join(Action)}", key="invalid_distribution"
            ) from None
        return ActionSpec(
            type=kind, campaign_id=self.campaign_id, promotion_tier_id=self.promotion_tier_id
        )


class RecipientsBody(_NullMeansUnset):
    customer_ids: list[str] | None = None
    #: the members of a segment (short for ``filter: {segment_id}``)
    segment_id: str | None = None
    filter: dict[str, str] | None = None

    def customer_filter(self) -> dict[str, str] | None:
        if self.segment_id is None:
            return self.filter
        return {**(self.filter or {}), "segment_id": self.segment_id}


class DistributionBody(_NullMeansUnset):
    name: str = Field(min_length=1, max_length=200)
    status: str = DistributionStatus.ACTIVE.value
    trigger: TriggerBody
    conditions: dict[str, Any] | None = None
    action: ActionBody
    channels: list[ChannelBody] = Field(min_length=1, max_length=10)
    recipients: RecipientsBody | None = None
    set_live_at: Timestamp | None = None

    def manual_plan(self) -> ManualPlan | None:
        if self.recipients is None:
            return None
        ids = self.recipients.customer_ids
        return ManualPlan(
            customer_ids=None if ids is None else tuple(ids),
            customer_filter=self.recipients.customer_filter(),
            set_live_at=self.set_live_at,
        )

    def to_draft(self) -> DistributionDraft:
        try:
            status = DistributionStatus(self.status)
        except ValueError:
            raise InvalidPayload(
                details="status: DRAFT or ACTIVE", key="invalid_distribution"
            ) from None
        return DistributionDraft(
            name=self.name,
            status=status,
            trigger=self.trigger.to_trigger(self.conditions),
            action=self.action.to_action(),
            channels=tuple(c.to_draft() for c in self.channels),
            manual=self.manual_plan(),
        )


class PreviewBody(_NullMeansUnset):
    trigger: TriggerBody
    conditions: dict[str, Any] | None = None
    action: ActionBody
    channels: list[ChannelBody] | None = Field(default=None, min_length=1, max_length=10)
    channel: ChannelBody | None = None
    event_id: str | None = None


class DistributionPreviewBody(_NullMeansUnset):
    event_id: str | None = None


class RecoverBody(_Body):
    #: every send-out that failed and was created at or after this moment is queued again
    since: Timestamp


class AlertSettingsBody(_NullMeansUnset):
    #: where alert emails go; null: the operator's default (SENDOUT_ALERT_EMAIL)
    alert_email: str | None = Field(default=None, max_length=254)


class MarkReadBody(_NullMeansUnset):
    #: the notifications to mark read; absent: every unread one
    ids: list[str] | None = Field(default=None, max_length=1000)


class WebhookBody(_NullMeansUnset):
    target_url: str = Field(min_length=1, max_length=2048)
    events: list[str] = Field(min_length=1)
    active: bool = True

    def to_draft(self) -> WebhookDraft:
        return WebhookDraft(target_url=self.target_url, events=self.events, active=self.active)


class OrderBody(_NullMeansUnset):
    """``POST /v1/orders`` and ``PUT /v1/orders/{id}``; items are checked by the domain."""

    id: str | None = Field(default=None, min_length=1, max_length=64)
    source_id: str | None = Field(default=None, min_length=1, max_length=255)
    status: OrderStatus | None = Field(default=None, strict=False)
    amount: Int64 | None = None
    initial_amount: Int64 | None = None
    discount_amount: Int64 | None = None
    items: list[dict[str, Any]] | None = Field(default=None, max_length=MAX_ITEMS)
    metadata: dict[str, Any] | None = None
    customer: CustomerBody | None = None
    referrer: CustomerBody | None = None
    referrer_id: str | None = None
    created_at: Timestamp | None = None

    def to_draft(self) -> OrderDraft:
        referrer = self.referrer.to_ref() if self.referrer is not None else None
        if referrer is None and self.referrer_id is not None:
            referrer = CustomerRef(id=self.referrer_id)
        return OrderDraft(
            id=self.id,
            source_id=self.source_id,
            status=self.status,
            amount=self.amount,
            initial_amount=self.initial_amount,
            discount_amount=self.discount_amount,
            items=self.items,
            metadata=self.metadata,
            customer=None if self.customer is None else self.customer.to_ref(),
            referrer=referrer,
            created_at=self.created_at,
            sent=frozenset(self.model_fields_set),
        )


class BalanceBody(_Body):
    """``POST /v1/vouchers/{code}/balance``: a negative amount removes credits or points."""

    amount: Int64
    source_id: str | None = Field(default=None, max_length=255)
    reason: str | None = Field(default=None, max_length=1000)


class SegmentBody(_NullMeansUnset):
    name: str = Field(min_length=1, max_length=200)
    type: SegmentType = Field(strict=False)
    #: static segments: the customers, by id or source_id
    customers: list[str] | None = None
    #: rule segments: ``{junction, <field>: {conditions: {$op: [values]}}}``
    filter: dict[str, Any] | None = None

    def to_draft(self) -> SegmentDraft:
        return SegmentDraft(
            name=self.name, type=self.type, customers=self.customers or (), filter=self.filter
        )


class GiftCreditsBody(_Body):
    credits: Int64 | None = None


class RedeemableBody(_NullMeansUnset):
    object: str = "voucher"
    id: str = Field(min_length=1, max_length=128)
    gift: GiftCreditsBody | None = None

    def to_ref(self) -> RedeemableRef:
        credits = None if self.gift is None else self.gift.credits
        return RedeemableRef(object=self.object, id=self.id, credits=credits)


class RedeemBody(_NullMeansUnset):
    """``POST /v1/redemptions`` and ``POST /v1/validations``."""

    redeemables: list[RedeemableBody] = Field(min_length=1, max_length=MAX_REDEEMABLES)
    order: OrderBody | None = None
    customer: CustomerBody | None = None
    tracking_id: str | None = Field(default=None, max_length=255)
    metadata: dict[str, Any] | None = None

    def to_request(self) -> RedemptionRequest:
        return RedemptionRequest(
            redeemables=[r.to_ref() for r in self.redeemables],
            order=None if self.order is None else self.order.to_draft(),
            customer=None if self.customer is None else self.customer.to_ref(),
            tracking_id=self.tracking_id,
            metadata=self.metadata,
        )


class RollbackBody(_NullMeansUnset):
    reason: str | None = Field(default=None, max_length=1000)
    tracking_id: str | None = None
    metadata: dict[str, Any] | None = None


class MemberBody(_NullMeansUnset):
    """``POST /v1/loyalties/{id}/members``: a card for a customer (a chosen code, or the next)."""

    customer: CustomerBody
    voucher: str | None = Field(default=None, min_length=1, max_length=128)
    source_id: str | None = Field(default=None, min_length=1, max_length=255)
    metadata: dict[str, Any] | None = None
    channel: str | None = None


class LoyaltyBalanceBody(_NullMeansUnset):
    """``POST /v1/loyalties/members/{id}/balance``: negative points remove."""

    points: Int64
    reason: str | None = Field(default=None, max_length=1000)
    source_id: str | None = Field(default=None, max_length=255)
    #: PROGRAM_RULES (the default), NON_EXPIRING or CUSTOM_DATE (with ``expiration_date``)
    expiration_type: str | None = None
    expiration_date: str | None = None


class TiersBody(RootModel[list[dict[str, Any]]]):
    """``POST /v1/loyalties/{id}/tiers``: a JSON array of ``{name, points: {from, to},
    metadata}`` (checked by the domain)."""


class EarningRulesBody(RootModel[list[dict[str, Any]]]):
    """``POST /v1/loyalties/{id}/earning-rules``: a JSON array of ``{event, loyalty,
    custom_event, active, metadata}`` (checked by the domain)."""


class EarningRuleUpdateBody(RootModel[dict[str, Any]]):
    """``PUT /v1/loyalties/{id}/earning-rules/{rule id}``: the fields to change."""


class RewardBody(RootModel[dict[str, Any]]):
    """``POST``/``PUT /v1/rewards``: ``{name, parameters: {campaign | coin | product}, stock,
    attributes, metadata}`` (checked by the domain; ``null`` fields count as not sent)."""

    def sent(self) -> dict[str, Any]:
        return {key: value for key, value in self.root.items() if value is not None}


class AssignmentBody(RootModel[dict[str, Any]]):
    """A reward assignment: ``{campaign | reward, parameters: {loyalty: {points}}}``."""


class AssignmentsBody(RootModel[list[dict[str, Any]]]):
    """``POST /v1/loyalties/{id}/rewards``: a JSON array of ``{reward, parameters}``."""


class RewardChoiceBody(_NullMeansUnset):
    id: str = Field(min_length=1, max_length=64)
    points: PositiveInt64 | None = None


class RewardRedemptionBody(_NullMeansUnset):
    """``POST /v1/loyalties/members/{id}/redemption``: spend points on a reward."""

    reward: RewardChoiceBody
    order: OrderBody | None = None
    metadata: dict[str, Any] | None = None

    def to_request(self) -> RewardRedemptionRequest:
        return RewardRedemptionRequest(
            reward_id=self.reward.id,
            points=self.reward.points,
            order=None if self.order is None else self.order.to_draft(),
            metadata=self.metadata or {},
        )


class PendingPointsBody(_Body):
    """``POST …/pending-points/{id}/balance``: points to add (negative: to take)."""

    points: Int64


class IntegrationBody(RootModel[dict[str, Any]]):
    """``PUT /v1/integrations/{provider}``: the provider's settings (checked against its
    fields; secrets may be left out to keep them)."""
