"""Distribution rules: the seed's matrix, trigger parameters, matching, envelopes, samples."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest

from sendout.domain.channels import ChannelCatalog
from sendout.domain.distribution_checks import check_action, check_distribution
from sendout.domain.distributions import ActionSpec, Distribution, DistributionStatus, Trigger
from sendout.domain.errors import InvalidPayload
from sendout.domain.event_catalogue import (
    ACTIONS_BY_TRIGGER,
    BY_TYPE,
    DISTRIBUTION_EVENT_TYPES,
    PARAMETERS,
    Action,
    schema_for,
)
from sendout.domain.event_schemas import EVENT_DATA
from sendout.domain.listeners import Listeners, matches
from sendout.domain.templates import parse_template
from sendout.domain.webhook_channels import EnvelopeContext, WebhookChannel, channel_body

PLAIN_ONLY_IN_SEED = {
    "customer.voucher.gift.balance_added",
    "customer.voucher.loyalty_card.points_added",
    "customer.voucher.loyalty_card.points_expired",
    "customer.voucher.loyalty_card.pending_points.added",
    "customer.voucher.loyalty_card.pending_points.updated",
    "customer.voucher.loyalty_card.pending_points.activated",
    "customer.voucher.loyalty_card.pending_points.canceled",
    "customer.redemption.succeeded",
    "customer.redemption.rollback.succeeded",
    "customer.reward_redemptions.completed",
    "customer.publication.succeeded",
    "customer.loyalty.tier.joined",
    "customer.loyalty.tier.left",
    "customer.loyalty.tier.upgraded",
    "customer.loyalty.tier.downgraded",
    "customer.loyalty.tier.prolonged",
    "customer.rewarded.loyalty_points",
    "customer.rewarded",
    "customer.referred",
}


def parameters_for(event: str) -> dict[str, str]:
    spec = PARAMETERS.get(event)
    return {} if spec is None else {p.value: "x_1" for p in spec.required}


def action(kind: Action) -> ActionSpec:
    return ActionSpec(
        type=kind,
        campaign_id=None if kind is Action.PLAIN else "camp_1",
        promotion_tier_id="promo_1" if kind is Action.NOTIFY else None,
    )


def test_the_matrix_covers_exactly_the_27_distribution_events() -> None:
    assert set(ACTIONS_BY_TRIGGER) == DISTRIBUTION_EVENT_TYPES


@pytest.mark.parametrize("event", sorted(DISTRIBUTION_EVENT_TYPES))
@pytest.mark.parametrize("kind", list(Action))
def test_the_whole_matrix(event: str, kind: Action) -> None:
    if event in PLAIN_ONLY_IN_SEED:
        allowed = kind is Action.PLAIN
    elif event == "manual_distribution_schedule":
        allowed = kind is not Action.PLAIN  # no plain message through webhooks
    else:
        allowed = True
    trigger = Trigger(event=event, parameters=parameters_for(event))
    if allowed:
        check_action(trigger, action(kind))
    else:
        with pytest.raises(InvalidPayload, match="not available"):
            check_action(trigger, action(kind))


@pytest.mark.parametrize("event", sorted(DISTRIBUTION_EVENT_TYPES))
def test_every_events_sample_renders_every_key_it_offers(event: str) -> None:
    kind = Action.PLAIN if Action.PLAIN in ACTIONS_BY_TRIGGER[event] else Action.PUBLISH
    schema = schema_for(event, kind)
    paths = [f"{o}.{k}" for o, keys in schema.objects.items() for k in keys] or list(schema.objects)
    template = "{" + ", ".join(f'"k{n}": {{{{{p}}}}}' for n, p in enumerate(paths)) + "}"
    channel = WebhookChannel(
        id="ch_1", event_name="e", url="https://x.io", payload=template, secret="whsec_x"
    )
    check_distribution(
        Trigger(event=event, parameters=parameters_for(event)),
        action(kind),
        [channel],
        catalog=ChannelCatalog(),
    )
    data = BY_TYPE[event].sample(set(schema.objects))
    context = EnvelopeContext(
        sendout_id="whs_1",
        project_id="proj_1",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        distribution_id="distr_1",
        event={"id": "evcus_1", "type": event},
    )
    body = json.loads(json.dumps(channel_body(channel, data, context)))
    assert len(body["data"]) == len(paths)
    assert any(value is not None for value in body["data"].values())
    assert set(schema.objects) <= set(EVENT_DATA[event].objects)


@pytest.mark.parametrize(
    ("trigger", "data", "fires"),
    [
        (Trigger(event="customer.custom_event"), {}, True),
        (
            Trigger(event="customer.custom_event", parameters={"custom_event": "a"}),
            {"event": {"type": "a"}},
            True,
        ),
        (
            Trigger(event="customer.custom_event", parameters={"custom_event": "a"}),
            {"event": {"type": "b"}},
            False,
        ),
        (
            Trigger(event="customer.segment.entered", parameters={"segment_id": "s"}),
            {"segment": {"id": "s"}},
            True,
        ),
        (
            Trigger(event="customer.order.paid", conditions={"order.status": "PAID"}),
            {"order": {"status": "PAID"}},
            True,
        ),
        (
            Trigger(event="customer.order.paid", conditions={"order.amount": 5}),
            {"order": {"amount": 6}},
            False,
        ),
        (Trigger(event="customer.order.paid"), {}, True),
    ],
)
def test_matching(trigger: Trigger, data: dict[str, object], fires: bool) -> None:
    assert matches(trigger, trigger.event, data) is fires
    assert not matches(trigger, "customer.other", data)


def test_listeners_fire_exactly_what_matching_fires_in_their_order() -> None:
    triggers = [
        Trigger(event="customer.custom_event", parameters={"custom_event": "a"}),
        Trigger(event="customer.custom_event"),
        Trigger(event="customer.custom_event", parameters={"custom_event": "b"}),
        Trigger(event="customer.custom_event", parameters={"custom_event": "a"}),
        Trigger(
            event="customer.custom_event",
            parameters={"custom_event": "a"},
            conditions={"customer.name": "Ann"},
        ),
        Trigger(event="customer.custom_event", conditions={"event.type": "b"}),
    ]
    distributions = [
        Distribution(
            id=f"distr_{n}",
            project_id="proj_1",
            name=f"d{n}",
            status=DistributionStatus.ACTIVE,
            trigger=trigger,
            action=ActionSpec(type=Action.PLAIN),
            channels=(),
            created_at=datetime(2026, 1, 1, tzinfo=UTC),
        )
        for n, trigger in enumerate(triggers)
    ]
    listeners = Listeners(distributions)
    events: list[dict[str, object]] = [
        {"event": {"type": "a"}},
        {"event": {"type": "b"}},
        {"event": {"type": "a"}, "customer": {"name": "Ann"}},
        {"event_schema": {"name": "a"}},  # the parameter's other place in the data
        {"event": {"type": ["a"]}},
        {},
    ]
    for data in events:
        expected = [d for d in distributions if matches(d.trigger, "customer.custom_event", data)]
        assert listeners.fired_by("customer.custom_event", data) == expected
        assert listeners.fired_by("customer.order.paid", data) == []
    assert [d.id for d in listeners.fired_by("customer.custom_event", events[0])] == [
        "distr_0",
        "distr_1",
        "distr_3",
    ]
    assert [
        d.id for d in listeners.without("distr_3").fired_by("customer.custom_event", events[0])
    ] == ["distr_0", "distr_1"]


def test_no_template_sends_every_object_and_raw_sends_the_render_alone() -> None:
    context = EnvelopeContext(
        sendout_id="whs_1",
        project_id="proj_1",
        created_at=datetime(2026, 1, 1, tzinfo=UTC),
        distribution_id="distr_1",
        event={"id": "evcus_1"},
    )
    data = {"customer": {"name": "Ann"}}
    plain = WebhookChannel(id="c", event_name="e", url="https://x.io", secret="s")
    body = channel_body(plain, data, context)
    assert body["data"] == data
    assert body["source"] == {
        "id": "distr_1",
        "object": "distribution",
        "target_url": "https://x.io",
    }
    raw = WebhookChannel(
        id="c",
        event_name="e",
        url="https://x.io",
        secret="s",
        payload='{"n": "{{customer.name}}"}',
        raw_payload=True,
    )
    assert channel_body(raw, data, context) == {"n": "Ann"}
    assert parse_template('{"n": 1}').compile()({}) == {"n": 1}
