"""Bodies of ``/v1/rewards`` and the reward routes of ``/v1/loyalties``."""

from __future__ import annotations

from typing import Any

from pydantic import Field, RootModel

from sendout.entrypoints.api.bounds import PositiveInt64
from sendout.entrypoints.api.schemas.common import (
    NullMeansUnset,
)
from sendout.entrypoints.api.schemas.orders import OrderBody
from sendout.services.loyalty.reward_redemptions import RewardRedemptionRequest


class RewardBody(RootModel[dict[str, Any]]):
    """``POST``/``PUT /v1/rewards``: ``{name, parameters: {campaign | coin | product}, stock,
    attributes, metadata}`` (checked by the domain; ``null`` fields count as not sent)."""

    def sent(self) -> dict[str, Any]:
        return {key: value for key, value in self.root.items() if value is not None}


class AssignmentBody(RootModel[dict[str, Any]]):
    """A reward assignment: ``{campaign | reward, parameters: {loyalty: {points}}}``."""

    def program(self) -> str:
        """The program (``campaign``) the reward is offered in; ``""`` when it is not a
        name, which the use case refuses as an unknown program."""
        program = self.root.get("campaign")
        return program if isinstance(program, str) else ""


class AssignmentsBody(RootModel[list[dict[str, Any]]]):
    """``POST /v1/loyalties/{id}/rewards``: a JSON array of ``{reward, parameters}``."""


class RewardChoiceBody(NullMeansUnset):
    id: str = Field(min_length=1, max_length=64)
    points: PositiveInt64 | None = None


class RewardRedemptionBody(NullMeansUnset):
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
