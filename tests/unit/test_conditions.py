"""Trigger conditions: operators, and the checks made when a distribution is saved."""

from __future__ import annotations

from typing import Any

import pytest

from sendout.domain.channels import ChannelCatalog
from sendout.domain.conditions import holds
from sendout.domain.distribution_checks import check_distribution
from sendout.domain.distributions import ActionSpec, Trigger
from sendout.domain.errors import InvalidPayload
from sendout.domain.event_catalogue import Action
from sendout.domain.listeners import matches
from sendout.domain.webhook_channels import WebhookChannel


@pytest.mark.parametrize(
    ("actual", "expected", "result"),
    [
        ("PAID", "PAID", True),
        ("PAID", "CANCELED", False),
        (5, {"$eq": 5}, True),
        (5, {"$ne": 5}, False),
        ("pro", {"$in": ["pro", "team"]}, True),
        ("free", {"$in": ["pro", "team"]}, False),
        ("free", {"$nin": ["pro", "team"]}, True),
        (12_000, {"$gte": 10_000}, True),
        (9_999, {"$gte": 10_000}, False),
        (9_999, {"$gt": 5_000, "$lt": 10_000}, True),  # every operator must hold
        (10_000, {"$gt": 5_000, "$lt": 10_000}, False),
        ("2026-11-22T10:00:00.000Z", {"$lt": "2026-12-01"}, True),
        ("10", {"$gt": 5}, False),  # a string is not compared with a number
        (True, {"$gt": 0}, False),  # nor is a boolean
        (None, {"$lt": 5}, False),
        (None, {"$exists": False}, True),
        ("x", {"$exists": True}, True),
        ("Hello Ann", {"$contains": "Ann"}, True),
        (["a", "b"], {"$contains": "b"}, True),
        (["a", "b"], {"$contains": "c"}, False),
        (5, {"$contains": "5"}, False),
        ({"a": 1}, {"a": 1}, True),  # an object without operators is compared whole
    ],
)
def test_operators(actual: Any, expected: Any, result: bool) -> None:
    assert holds(actual, expected) is result


def test_a_trigger_fires_only_when_every_condition_holds() -> None:
    trigger = Trigger(
        event="customer.order.paid",
        conditions={"order.amount": {"$gte": 10_000}, "order.status": "PAID"},
    )
    assert matches(trigger, trigger.event, {"order": {"amount": 12_000, "status": "PAID"}})
    assert not matches(trigger, trigger.event, {"order": {"amount": 9_000, "status": "PAID"}})
    assert not matches(trigger, trigger.event, {"order": {"amount": 12_000}})


CHANNEL = WebhookChannel(id="c", event_name="e", url="https://example.com/hook", secret="s")


def save(conditions: dict[str, Any], event: str = "customer.order.paid") -> None:
    check_distribution(
        Trigger(event=event, conditions=conditions),
        ActionSpec(type=Action.PLAIN),
        [CHANNEL],
        catalog=ChannelCatalog(),
    )


def test_known_paths_and_operators_are_accepted() -> None:
    save({"order.amount": {"$gte": 100}, "customer.metadata.tier": "gold", "order.status": "PAID"})


@pytest.mark.parametrize(
    ("conditions", "message"),
    [
        ({"order.amont": 5}, "nearest valid keys: order.amount"),
        ({"voucher.code": "X"}, "no 'voucher' in this event"),  # the action's, not the event's
        ({"order.amount": {"$between": [1, 2]}}, "unknown operator '$between'"),
        ({"order.amount": {"$in": 5}}, "$in takes a list"),
        ({"order.amount": {"$gt": [1]}}, "$gt takes a number or a string"),
        ({"order.amount": {"$exists": "yes"}}, "$exists takes true or false"),
        ({"": 5}, "a dotted path"),
        ({"order..amount": 5}, "a dotted path"),
        ({f"order.metadata.k{n}": n for n in range(21)}, "at most 20 conditions"),
    ],
)
def test_bad_conditions_are_refused_naming_the_condition(
    conditions: dict[str, Any], message: str
) -> None:
    with pytest.raises(InvalidPayload) as caught:
        save(conditions)
    assert message in str(caught.value.details)
    assert "conditions" in str(caught.value.details)
