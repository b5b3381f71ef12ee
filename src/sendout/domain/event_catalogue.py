"""The event catalogue: every recorded event type and what Sendout knows about it, in one table.

One ``EventEntry`` per ``EventType`` says which distribution actions the type allows as a
trigger (seed 001's matrix; none: it triggers no distribution), which trigger parameters
narrow it, which ``data`` objects the event itself carries (the others of its schema come
with a distribution's action), which project-webhook event it is sent as, and which earning
rules listen to it. Its schema (``data``) and its sample are read from the entry too. Every
other module reads these facts here, so adding a trigger is adding one entry.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from sendout.domain.earning_rules import EarningEvent
from sendout.domain.event_schemas import EVENT_DATA, EventData
from sendout.domain.events import EventType
from sendout.domain.samples import sample_data
from sendout.domain.template_paths import PathSchema


class Action(StrEnum):
    #: notify customers about a promotion: data gains campaign and promotion_tier
    NOTIFY = "NOTIFY"
    #: send and publish a unique code from a campaign: data gains campaign, voucher, publication
    PUBLISH = "PUBLISH"
    #: send a plain message: the event's own objects
    PLAIN = "PLAIN"


#: Objects each action adds to the event's data (reference/event-schemas.json).
ACTION_OBJECTS: dict[Action, tuple[str, ...]] = {
    Action.NOTIFY: ("campaign", "promotion_tier"),
    Action.PUBLISH: ("campaign", "voucher", "publication"),
    Action.PLAIN: (),
}


class TriggerParameter(StrEnum):
    SEGMENT = "segment_id"
    CUSTOM_EVENT = "custom_event"
    CAMPAIGN = "campaign_id"
    LOYALTY_TIER = "loyalty_tier_id"


#: Where each trigger parameter is found in an event's data (the first path holding it wins).
PARAMETER_PATHS: dict[TriggerParameter, tuple[str, ...]] = {
    TriggerParameter.SEGMENT: ("segment.id",),
    TriggerParameter.CUSTOM_EVENT: ("event.type", "event_schema.name"),
    TriggerParameter.CAMPAIGN: (
        "campaign.id",
        "voucher.campaign_id",
        "redemption.voucher.campaign_id",
    ),
    TriggerParameter.LOYALTY_TIER: ("loyalty_tier.id", "loyalty_tier_to.id"),
}


@dataclass(frozen=True, slots=True)
class ParameterSpec:
    required: frozenset[TriggerParameter] = frozenset()
    optional: frozenset[TriggerParameter] = frozenset()

    @property
    def allowed(self) -> frozenset[TriggerParameter]:
        return self.required | self.optional


@dataclass(frozen=True, slots=True, kw_only=True)
class EventEntry:
    """What one event type is to distributions, project webhooks and earning rules."""

    type: EventType
    #: the actions a distribution triggered by this type may take (none: not a trigger)
    actions: frozenset[Action] = frozenset()
    #: the parameters that narrow a trigger on this type
    parameters: ParameterSpec = ParameterSpec()
    #: the ``data`` objects the event itself carries
    own: frozenset[str] = frozenset()
    #: its name in a project webhook subscription (None: not sent to project webhooks)
    project_event: str | None = None
    #: the event earning rules name it by (None: no rule earns on it)
    earning: EarningEvent | None = None

    @property
    def data(self) -> EventData:
        """All the ``data`` objects of its schema (triggers only: the others have none)."""
        return EVENT_DATA[self.type.value]

    def objects_for(self, action: Action) -> frozenset[str]:
        """The objects a distribution with ``action`` sends for this event."""
        return self.own | frozenset(ACTION_OBJECTS[action])

    def sample(self, objects: set[str] | None = None) -> dict[str, Any]:
        """Sample ``data`` holding ``objects`` (all of its schema's by default)."""
        return sample_data(self.data, objects)


_ALL = frozenset(Action)
_PLAIN = frozenset({Action.PLAIN})
_SEGMENT = ParameterSpec(required=frozenset({TriggerParameter.SEGMENT}))
_CAMPAIGN = ParameterSpec(optional=frozenset({TriggerParameter.CAMPAIGN}))
_TIER = ParameterSpec(
    required=frozenset({TriggerParameter.CAMPAIGN}),
    optional=frozenset({TriggerParameter.LOYALTY_TIER}),
)
_SEGMENT_OWN = frozenset({"customer", "segment"})
_ORDER_OWN = frozenset({"customer", "order", "redemption", "referrer"})
_PENDING_OWN = frozenset(
    {"campaign", "customer", "order", "pending_points", "voucher", "voucher_pending_points_balance"}
)
_TIER_OWN = frozenset({"campaign", "created_at", "customer", "loyalty_tier"})
_TIER_MOVE_OWN = frozenset(
    {"campaign", "created_at", "customer", "loyalty_tier_from", "loyalty_tier_to"}
)
# Project webhook names are Voucherify's, spelled as its API spells them (four say "aded").
_POINTS = "voucher.loyalty_card"


def _entries(*entries: EventEntry) -> dict[EventType, EventEntry]:
    return {entry.type: entry for entry in entries}


#: Every event type Sendout records, in the seed's order of triggers.
CATALOGUE: Mapping[EventType, EventEntry] = _entries(
    EventEntry(
        type=EventType.SEGMENT_ENTERED,
        actions=_ALL,
        parameters=_SEGMENT,
        own=_SEGMENT_OWN,
        earning=EarningEvent.SEGMENT_ENTERED,
    ),
    EventEntry(type=EventType.SEGMENT_LEFT, actions=_ALL, parameters=_SEGMENT, own=_SEGMENT_OWN),
    EventEntry(type=EventType.ORDER_UPDATED, actions=_ALL, own=_ORDER_OWN),
    EventEntry(
        type=EventType.ORDER_PAID, actions=_ALL, own=_ORDER_OWN, earning=EarningEvent.ORDER_PAID
    ),
    EventEntry(type=EventType.ORDER_CREATED, actions=_ALL, own=_ORDER_OWN),
    EventEntry(type=EventType.ORDER_CANCELED, actions=_ALL, own=_ORDER_OWN),
    EventEntry(
        type=EventType.CUSTOMER_CUSTOM_EVENT,
        actions=_ALL,
        parameters=ParameterSpec(required=frozenset({TriggerParameter.CUSTOM_EVENT})),
        own=frozenset({"customer", "event", "event_schema", "loyalty", "referral"}),
        earning=EarningEvent.CUSTOM_EVENT,
    ),
    EventEntry(
        type=EventType.GIFT_BALANCE_ADDED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=frozenset({"balance", "customer", "transaction"}),
        project_event="voucher.gift.balance_aded",
    ),
    EventEntry(
        type=EventType.LOYALTY_POINTS_ADDED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=frozenset({"balance", "campaign", "customer", "transaction", "voucher"}),
        project_event=f"{_POINTS}.points_aded",
    ),
    EventEntry(
        type=EventType.LOYALTY_POINTS_EXPIRED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=frozenset({"buckets", "campaign", "customer", "points", "transaction", "voucher"}),
        project_event=f"{_POINTS}.points_expired",
    ),
    EventEntry(
        type=EventType.PENDING_POINTS_ADDED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=_PENDING_OWN,
        project_event=f"{_POINTS}.pending_points.aded",
    ),
    EventEntry(
        type=EventType.PENDING_POINTS_UPDATED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=_PENDING_OWN,
        project_event=f"{_POINTS}.pending_points.updated",
    ),
    EventEntry(
        type=EventType.PENDING_POINTS_ACTIVATED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=frozenset(
            {"balance", "campaign", "customer", "order", "pending_points", "transaction", "voucher"}
        ),
        project_event=f"{_POINTS}.pending_points.activated",
    ),
    EventEntry(
        type=EventType.PENDING_POINTS_CANCELED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=_PENDING_OWN,
        project_event=f"{_POINTS}.pending_points.canceled",
    ),
    EventEntry(
        type=EventType.REDEMPTION_SUCCEEDED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=frozenset({"customer", "holder", "order", "promotion_stack", "redemption"}),
        project_event="redemption.succeeded",
    ),
    EventEntry(
        type=EventType.REDEMPTION_ROLLBACK_SUCCEEDED,
        actions=_PLAIN,
        own=frozenset(
            {"customer", "holder", "order", "promotion_stack", "redemption", "redemption_rollback"}
        ),
        project_event="redemption.rollback.succeeded",
    ),
    EventEntry(
        type=EventType.REWARD_REDEMPTION_COMPLETED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=frozenset(
            {
                "balance",
                "campaign",
                "customer",
                "holder",
                "reward",
                "reward_assignment",
                "reward_redemption",
                "source",
                "voucher",
            }
        ),
    ),
    EventEntry(
        type=EventType.PUBLICATION_SUCCEEDED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=frozenset({"campaign", "customer", "publication", "voucher"}),
        project_event="publication.succeeded",
    ),
    EventEntry(
        type=EventType.TIER_JOINED,
        actions=_PLAIN,
        parameters=_TIER,
        own=_TIER_OWN,
        earning=EarningEvent.TIER_JOINED,
    ),
    EventEntry(
        type=EventType.TIER_LEFT,
        actions=_PLAIN,
        parameters=_TIER,
        own=_TIER_OWN,
        earning=EarningEvent.TIER_LEFT,
    ),
    EventEntry(
        type=EventType.TIER_UPGRADED,
        actions=_PLAIN,
        parameters=_TIER,
        own=_TIER_MOVE_OWN,
        earning=EarningEvent.TIER_UPGRADED,
    ),
    EventEntry(
        type=EventType.TIER_DOWNGRADED,
        actions=_PLAIN,
        parameters=_TIER,
        own=_TIER_MOVE_OWN,
        earning=EarningEvent.TIER_DOWNGRADED,
    ),
    EventEntry(
        type=EventType.TIER_PROLONGED,
        actions=_PLAIN,
        parameters=_TIER,
        own=_TIER_OWN,
        earning=EarningEvent.TIER_PROLONGED,
    ),
    EventEntry(
        type=EventType.REWARDED_LOYALTY_POINTS,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=frozenset(
            {
                "balance",
                "campaign",
                "customer",
                "earning_rule",
                "event",
                "holder",
                "loyalty_tier",
                "order",
                "voucher",
            }
        ),
        project_event="customer.rewarded.loyalty_points",
    ),
    EventEntry(
        type=EventType.REWARDED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=frozenset(
            {
                "balance",
                "campaign",
                "custom_event",
                "customer",
                "customer_event",
                "holder",
                "redemption",
                "referral_tier",
                "reward",
                "voucher",
            }
        ),
        project_event="customer.rewarded",
    ),
    EventEntry(
        type=EventType.CUSTOMER_REFERRED,
        actions=_PLAIN,
        parameters=_CAMPAIGN,
        own=frozenset(
            {"campaign", "custom_event", "customer", "redemption", "referrer", "voucher"}
        ),
    ),
    # "One or bulk messages": a plain message is not available for webhook channels.
    EventEntry(
        type=EventType.MANUAL_DISTRIBUTION_SCHEDULE,
        actions=frozenset({Action.NOTIFY, Action.PUBLISH}),
        own=frozenset({"customer", "distribution"}),
    ),
    EventEntry(type=EventType.CUSTOMER_CREATED, project_event="customer.created"),
    EventEntry(type=EventType.CUSTOMER_UPDATED),
    EventEntry(type=EventType.CUSTOMER_DELETED, project_event="customer.deleted"),
)

#: The catalogue by type string, as events and requests name their type.
BY_TYPE: Mapping[str, EventEntry] = {t.value: entry for t, entry in CATALOGUE.items()}

MANUAL = EventType.MANUAL_DISTRIBUTION_SCHEDULE.value

# Views of the catalogue for the places that ask one question of every entry.
#: The seed's table: which actions each trigger allows.
ACTIONS_BY_TRIGGER: Mapping[str, frozenset[Action]] = {
    t: entry.actions for t, entry in BY_TYPE.items() if entry.actions
}
#: The 27 event types a distribution can be triggered by (seed 001, DESIGN.md §4).
DISTRIBUTION_EVENT_TYPES: frozenset[str] = frozenset(ACTIONS_BY_TRIGGER)
#: Which parameters narrow each trigger (the rest accept none).
PARAMETERS: Mapping[str, ParameterSpec] = {
    t: entry.parameters for t, entry in BY_TYPE.items() if entry.parameters.allowed
}
#: Which recorded event is which project webhook event. Project events not listed here are
#: accepted in subscriptions and sent once Sendout records them (campaign and voucher
#: lifecycle events come with their issues).
PROJECT_EVENT_OF: Mapping[str, str] = {
    t: entry.project_event for t, entry in BY_TYPE.items() if entry.project_event is not None
}


def schema_for(event: str, action: Action) -> PathSchema:
    """What a template of a channel on ``event`` with ``action`` may read."""
    entry = BY_TYPE[event]
    names = entry.objects_for(action)
    objects = {k: v for k, v in entry.data.objects.items() if k in names}
    return PathSchema(objects=objects, nested=entry.data.nested)


#: The customer as message channels see it: the whole customer (phone, address, summary), as
#: segment events carry it, since an email or an SMS needs an address an event's
#: ``SimpleCustomer`` does not hold.
FULL_CUSTOMER = CATALOGUE[EventType.SEGMENT_ENTERED]


def message_schema_for(event: str, action: Action) -> PathSchema:
    """What a message channel's templates on ``event`` with ``action`` may read."""
    schema = schema_for(event, action)
    if "customer" not in schema.objects:
        return schema
    objects = {**schema.objects, "customer": FULL_CUSTOMER.data.objects["customer"]}
    nested = {**schema.nested, "customer": FULL_CUSTOMER.data.nested["customer"]}
    return PathSchema(objects=objects, nested=nested)
