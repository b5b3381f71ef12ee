"""Sample ``data`` for every distribution event: what the "Show output" panel renders when no
real event is chosen (``EventEntry.sample``). Values are made from key names (an ``email``
looks like an email, money is an integer of minor units, dates are ISO timestamps), so
previews read like real payloads.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

from sendout.domain.event_schemas import EventData
from sendout.domain.ids import IdPrefix

SAMPLE_TIME = "2024-01-01T11:11:11.111Z"

#: The prefix of the ids of each object a sample holds (by the object's name).
_PREFIX_OF: dict[str, str] = {
    "customer": IdPrefix.CUSTOMER,
    "referrer": IdPrefix.CUSTOMER,
    "holder": IdPrefix.CUSTOMER,
    "campaign": IdPrefix.CAMPAIGN,
    "voucher": IdPrefix.VOUCHER,
    "publication": IdPrefix.PUBLICATION,
    "order": IdPrefix.ORDER,
    "redemption": IdPrefix.REDEMPTION,
    "redemption_rollback": IdPrefix.REDEMPTION_ROLLBACK,
    "segment": IdPrefix.SEGMENT,
    "event": IdPrefix.EVENT,
    "custom_event": IdPrefix.EVENT,
    "customer_event": IdPrefix.EVENT,
    "promotion_tier": IdPrefix.PROMOTION_TIER,
    "loyalty_tier": IdPrefix.LOYALTY_TIER,
    "loyalty_tier_from": IdPrefix.LOYALTY_TIER,
    "loyalty_tier_to": IdPrefix.LOYALTY_TIER,
    "reward": IdPrefix.REWARD,
    "reward_assignment": IdPrefix.REWARD_ASSIGNMENT,
    "reward_redemption": IdPrefix.REWARD_REDEMPTION,
    "transaction": IdPrefix.TRANSACTION,
    "distribution": IdPrefix.DISTRIBUTION,
    "earning_rule": IdPrefix.EARNING_RULE,
    "pending_points": IdPrefix.PENDING_POINTS,
    "event_schema": IdPrefix.EVENT_SCHEMA,
    "promotion_stack": IdPrefix.PROMOTION_STACK,
}
_NAMES = {
    "customer": "John Smith",
    "referrer": "Jane Doe",
    "holder": "John Smith",
    "campaign": "Summer Sale",
    "segment": "VIP customers",
    "promotion_tier": "10% off orders over 100",
    "loyalty_tier": "Gold",
    "loyalty_tier_from": "Silver",
    "loyalty_tier_to": "Gold",
    "reward": "Free shipping",
    "event_schema": "signed_up",
    "distribution": "Welcome code",
}
_TEXT = {
    "email": "john.smith@example.com",
    "phone": "+1 555 0100",
    "source_id": "john-smith",
    "code": "SUMMER-2024-A7B9",
    "currency": "USD",
    "description": "Sample description",
    "banner": "Get 10% off your next order",
    "channel": "API",
    "result": "SUCCESS",
    "country": "US",
}
_STATUS = {"order": "PAID", "redemption": "SUCCEEDED", "publication": "SUCCESS"}
_MONEY_HINTS = frozenset({"amount", "total", "balance", "points", "price", "quantity", "count"})


def _value(owner: str, key: str, nested: Mapping[str, Sequence[str]]) -> Any:
    if key in nested:
        return {k: _value(key, k, {}) for k in nested[key]}
    if f"{key}[]" in nested:
        return [{k: _value(key, k, {}) for k in nested[f"{key}[]"]}]
    if key == "id":
        return f"{_PREFIX_OF.get(owner, owner[:4])}_0a1b2c3d4e5f6a7b8c9d0e1f"
    if key == "object":
        return {"holder": "customer", "referrer": "customer"}.get(owner, owner)
    if key == "name":
        return _NAMES.get(owner, f"Sample {owner.replace('_', ' ')}")
    if key == "type" and owner == "event":
        return "signed_up"
    if key in _TEXT:
        return _TEXT[key]
    if key == "status":
        return _STATUS.get(owner, "ACTIVE")
    if key.endswith("_id"):
        return f"{_PREFIX_OF.get(key[:-3], key[:4])}_0a1b2c3d4e5f6a7b8c9d0e1f"
    if key.endswith(("_at", "_date")) or key == "date":
        return SAMPLE_TIME
    if key in ("metadata", "system_metadata"):
        return {"source": "sample"}
    if key.startswith("is_") or key in ("active", "auto_join", "join_once", "stacked"):
        return key == "active"
    if any(part in _MONEY_HINTS for part in key.split("_")):
        return 12050
    return f"sample {key}"


def sample_data(spec: EventData, objects: set[str] | None = None) -> dict[str, Any]:
    """A realistic ``data`` of an event's schema holding ``objects`` (all of them by default)."""
    data: dict[str, Any] = {}
    for name, keys in spec.objects.items():
        if objects is not None and name not in objects:
            continue
        nested = spec.nested.get(name, {})
        data[name] = (
            {key: _value(name, key, nested) for key in keys} if keys else _value("event", name, {})
        )
    return data
