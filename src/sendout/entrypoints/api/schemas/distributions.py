"""Bodies of ``/v1/distributions``: the trigger, action, channels and recipients."""

from __future__ import annotations

from typing import Any

from pydantic import ConfigDict, Field

from sendout.domain.distribution_checks import MAX_HEADERS
from sendout.domain.distributions import ActionSpec, DistributionStatus, ManualPlan, Trigger
from sendout.domain.errors import InvalidPayload
from sendout.domain.event_catalogue import Action
from sendout.domain.webhook_channels import parse_retry
from sendout.entrypoints.api.schemas.common import (
    Body,
    NullMeansUnset,
    Timestamp,
)
from sendout.services.pipeline.distributions import (
    AnyChannelDraft,
    ChannelDraft,
    DistributionDraft,
    MessageChannelDraft,
)


class AttributeBody(Body):
    path: str = Field(min_length=1, max_length=200)
    key: str | None = Field(default=None, min_length=1, max_length=200)


class ChannelBody(NullMeansUnset):
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


class TriggerBody(NullMeansUnset):
    model_config = ConfigDict(strict=True, extra="allow")

    event: str = Field(min_length=1)

    def to_trigger(self, conditions: dict[str, Any] | None) -> Trigger:
        parameters = dict(self.model_extra or {})
        if any(not isinstance(v, str) for v in parameters.values()):
            raise InvalidPayload(
                details="trigger parameters are strings", key="invalid_distribution"
            )
        return Trigger(event=self.event, parameters=parameters, conditions=conditions or {})


class ActionBody(NullMeansUnset):
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


class RecipientsBody(NullMeansUnset):
    customer_ids: list[str] | None = None
    #: the members of a segment (short for ``filter: {segment_id}``)
    segment_id: str | None = None
    filter: dict[str, str] | None = None

    def customer_filter(self) -> dict[str, str] | None:
        if self.segment_id is None:
            return self.filter
        return {**(self.filter or {}), "segment_id": self.segment_id}


class DistributionBody(NullMeansUnset):
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


class PreviewBody(NullMeansUnset):
    trigger: TriggerBody
    conditions: dict[str, Any] | None = None
    action: ActionBody
    channels: list[ChannelBody] | None = Field(default=None, min_length=1, max_length=10)
    channel: ChannelBody | None = None
    event_id: str | None = None


class DistributionPreviewBody(NullMeansUnset):
    event_id: str | None = None


class RecoverBody(Body):
    #: every send-out that failed and was created at or after this moment is queued again
    since: Timestamp
