"""Rewards: what loyalty members spend points on (reference §1b Loyalty, ``/v1/rewards``).

A reward's kind follows from its ``parameters``: ``campaign`` (a code of another campaign, or
gift credits or points added from it: CAMPAIGN), ``coin`` (points that pay part of an order:
COIN, "pay with points"), ``product`` (a physical item: MATERIAL). A reward is offered by a
loyalty program through an *assignment* that sets its price in points.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from decimal import ROUND_CEILING, Decimal, InvalidOperation
from enum import StrEnum
from typing import Any

from sendout.domain.clock import iso, iso_or_none
from sendout.domain.errors import InvalidPayload

MAX_POINTS = 10**9
MAX_STOCK = 10**9


class RewardType(StrEnum):
    CAMPAIGN = "CAMPAIGN"
    COIN = "COIN"
    MATERIAL = "MATERIAL"


#: which ``parameters`` key makes which kind of reward
PARAMETER_KINDS = {
    "campaign": RewardType.CAMPAIGN,
    "coin": RewardType.COIN,
    "product": RewardType.MATERIAL,
}


def bad_reward(details: str, key: str = "invalid_payload") -> InvalidPayload:
    error = InvalidPayload(details=details, key=key)
    error.resource_type = "reward"
    return error


@dataclass(frozen=True, slots=True, kw_only=True)
class Reward:
    id: str
    project_id: str
    name: str
    type: RewardType
    #: ``{campaign: {id, balance, type}}``, ``{coin: {exchange_ratio, points_ratio}}`` or
    #: ``{product: {id, sku_id}}``
    parameters: Mapping[str, Any]
    #: units left to give (MATERIAL); None: no limit
    stock: int | None = None
    redeemed: int = 0
    attributes: Mapping[str, Any] = field(default_factory=dict)
    metadata: Mapping[str, Any] = field(default_factory=dict)
    created_at: datetime
    updated_at: datetime | None = None

    @property
    def campaign_id(self) -> str | None:
        campaign = self.parameters.get("campaign")
        return None if campaign is None else str(campaign["id"])

    @property
    def in_stock(self) -> bool:
        return self.stock is None or self.redeemed < self.stock

    def coin_value(self, points: int) -> int:
        """What ``points`` pay, in minor units: ``exchange_ratio`` (a cash amount) for every
        ``points_ratio`` points."""
        return int(self._minor_units_per_point() * points)

    def coin_points_for(self, amount: int) -> int:
        """The fewest points that pay ``amount`` minor units."""
        exact = Decimal(amount) / self._minor_units_per_point()
        return int(exact.to_integral_value(rounding=ROUND_CEILING))

    def _minor_units_per_point(self) -> Decimal:
        coin = self.parameters["coin"]
        return Decimal(str(coin["exchange_ratio"])) * 100 / int(coin["points_ratio"])


@dataclass(frozen=True, slots=True, kw_only=True)
class RewardAssignment:
    id: str
    project_id: str
    reward_id: str
    #: the loyalty program offering the reward
    campaign_id: str
    #: its price; None for COIN rewards (the member chooses how many points to spend)
    points: int | None = None
    created_at: datetime
    updated_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RewardSpec:
    """What a create or update request says a reward is."""

    name: str
    type: RewardType
    parameters: dict[str, Any]
    stock: int | None
    attributes: dict[str, Any]
    metadata: dict[str, Any]


def _whole(value: Any, where: str, low: int, high: int) -> int:
    if not isinstance(value, int) or isinstance(value, bool) or not low <= value <= high:
        raise bad_reward(f"{where}: a whole number from {low} to {high}")
    return value


def parse_reward(raw: Mapping[str, Any]) -> RewardSpec:
    """A reward of a request. A CAMPAIGN reward's campaign is checked by the caller, which
    also fills in its ``type``."""
    name = raw.get("name")
    if not isinstance(name, str) or not 1 <= len(name) <= 200:
        raise bad_reward("name: 1 to 200 characters")
    parameters = raw.get("parameters")
    # A kind sent as null is not sent (the official SDK sends null for the kinds left out).
    kinds = [
        k
        for k in PARAMETER_KINDS
        if isinstance(parameters, Mapping) and parameters.get(k) is not None
    ]
    if len(kinds) != 1:
        raise bad_reward("parameters: exactly one of campaign, coin or product")
    assert isinstance(parameters, Mapping)
    kind = kinds[0]
    given = parameters[kind]
    if not isinstance(given, Mapping):
        raise bad_reward(f"parameters.{kind}: an object")
    if kind == "campaign":
        campaign_id = given.get("id")
        if not isinstance(campaign_id, str) or not campaign_id:
            raise bad_reward("parameters.campaign.id: the campaign whose code or credits it gives")
        balance = given.get("balance")
        if balance is not None:
            balance = _whole(balance, "parameters.campaign.balance", 1, MAX_POINTS)
        checked: dict[str, Any] = {"id": campaign_id, "balance": balance}
    elif kind == "coin":
        try:
            ratio = Decimal(str(given.get("exchange_ratio")))
        except InvalidOperation:
            ratio = Decimal(0)
        if isinstance(given.get("exchange_ratio"), bool) or not ratio > 0:
            raise bad_reward("parameters.coin.exchange_ratio: a cash amount above 0")
        where = "parameters.coin.points_ratio"
        points_ratio = given.get("points_ratio")
        if points_ratio is None:  # not sent, or sent as null: one point per unit
            points_ratio = 1
        if isinstance(points_ratio, str) and points_ratio.isdecimal():
            points_ratio = int(points_ratio)  # the SDK's create request sends it as a string
        points_ratio = _whole(points_ratio, where, 1, 10**6)
        checked = {"exchange_ratio": given["exchange_ratio"], "points_ratio": points_ratio}
    else:
        product_id = given.get("id")
        if not isinstance(product_id, str) or not product_id:
            raise bad_reward("parameters.product.id: the product given")
        sku = given.get("sku_id")
        if sku is not None and not isinstance(sku, str):
            raise bad_reward("parameters.product.sku_id: a string")
        checked = {"id": product_id, "sku_id": sku}
    stock = raw.get("stock")
    if stock is not None:
        stock = _whole(stock, "stock", 0, MAX_STOCK)
    attributes = raw.get("attributes") or {}
    metadata = raw.get("metadata") or {}
    if not isinstance(attributes, Mapping) or not isinstance(metadata, Mapping):
        raise bad_reward("attributes and metadata: objects")
    return RewardSpec(
        name=name,
        type=PARAMETER_KINDS[kind],
        parameters={kind: checked},
        stock=stock,
        attributes={k: attributes.get(k) for k in ("image_url", "description")},
        metadata=dict(metadata),
    )


def parse_points(raw: Mapping[str, Any], kind: RewardType) -> int | None:
    """An assignment's ``parameters.loyalty.points``: the price, which every reward but COIN
    needs (a COIN reward is paid with as many points as the member chooses)."""
    parameters = raw.get("parameters") or {}
    loyalty = parameters.get("loyalty") if isinstance(parameters, Mapping) else None
    points = loyalty.get("points") if isinstance(loyalty, Mapping) else None
    if points is None and kind is RewardType.COIN:
        return None
    return _whole(points, "parameters.loyalty.points", 1, MAX_POINTS)


def reward_object(reward: Reward) -> dict[str, Any]:
    return {
        "id": reward.id,
        "name": reward.name,
        "stock": reward.stock,
        "redeemed": reward.redeemed,
        "attributes": dict(reward.attributes),
        "metadata": dict(reward.metadata),
        "type": reward.type.value,
        "parameters": {k: dict(v) for k, v in reward.parameters.items()},
        "created_at": iso(reward.created_at),
        "updated_at": iso_or_none(reward.updated_at),
        "object": "reward",
    }


def assignment_object(assignment: RewardAssignment) -> dict[str, Any]:
    return {
        "id": assignment.id,
        "reward_id": assignment.reward_id,
        "created_at": iso(assignment.created_at),
        "updated_at": iso_or_none(assignment.updated_at),
        "object": "reward_assignment",
        "related_object_id": assignment.campaign_id,
        "related_object_type": "campaign",
        "parameters": {"loyalty": {"points": assignment.points}},
    }


def product_object(parameters: Mapping[str, Any]) -> dict[str, Any]:
    """The product of a MATERIAL reward, as far as Sendout knows it (it keeps no catalogue)."""
    return {
        "id": parameters["id"],
        "source_id": None,
        "name": None,
        "price": None,
        "attributes": [],
        "metadata": {},
        "object": "product",
    }


def reward_result(
    reward: Reward,
    assignment: RewardAssignment,
    *,
    customer: Mapping[str, Any] | None,
    voucher: Mapping[str, Any] | None,
) -> dict[str, Any]:
    """``SimpleRedemptionRewardResult``: the reward as a redemption and its events show it."""
    product = reward.parameters.get("product")
    return {
        "customer": None if customer is None else dict(customer),
        "assignment_id": assignment.id,
        "voucher": None if voucher is None else dict(voucher),
        "product": None if product is None else product_object(product),
        "sku": None,
        "loyalty_tier_id": None,
        "id": reward.id,
        "name": reward.name,
        "object": "reward",
        "created_at": iso(reward.created_at),
        "updated_at": iso_or_none(reward.updated_at),
        "parameters": {k: dict(v) for k, v in reward.parameters.items()},
        "metadata": dict(reward.metadata),
        "type": reward.type.value,
    }
