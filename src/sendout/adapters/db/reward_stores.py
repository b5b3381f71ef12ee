"""The rewards store: rewards and their assignments to loyalty programs."""

from __future__ import annotations

from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import SqlStore, param, select_by_id
from sendout.domain.ports import Page
from sendout.domain.rewards import Reward, RewardAssignment, RewardType

_w = t.rewards.c
_a = t.reward_assignments.c
_REWARD = select_by_id(t.rewards)
_ASSIGNMENT = select_by_id(t.reward_assignments)
_OFFER = sa.select(t.reward_assignments).where(
    _a.project_id == param("project_id"),
    _a.campaign_id == param("campaign_id"),
    _a.reward_id == param("reward_id"),
)
#: one more given, unless the stock is out (atomic: two members cannot take the last unit)
_TAKE = (
    t.rewards.update()
    .where(
        _w.project_id == param("b_project_id"),
        _w.id == param("b_id"),
        sa.or_(_w.stock.is_(None), _w.redeemed < _w.stock),
    )
    .values(redeemed=_w.redeemed + 1)
)


def _reward_values(reward: Reward) -> dict[str, Any]:
    return {
        "id": reward.id,
        "project_id": reward.project_id,
        "name": reward.name,
        "type": reward.type.value,
        "parameters": {k: dict(v) for k, v in reward.parameters.items()},
        "stock": reward.stock,
        "redeemed": reward.redeemed,
        "attributes": dict(reward.attributes),
        "metadata": dict(reward.metadata),
        "created_at": reward.created_at,
        "updated_at": reward.updated_at,
    }


def _reward(row: sa.Row[Any]) -> Reward:
    m = dict(row._mapping)
    m["type"] = RewardType(m["type"])
    return Reward(**m)


def _assignment(row: sa.Row[Any]) -> RewardAssignment:
    return RewardAssignment(**row._mapping)


def _assignment_values(a: RewardAssignment) -> dict[str, Any]:
    return {
        "id": a.id,
        "project_id": a.project_id,
        "reward_id": a.reward_id,
        "campaign_id": a.campaign_id,
        "points": a.points,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
    }


class SqlRewardStore(SqlStore):
    async def add(self, reward: Reward) -> None:
        await self._insert(t.rewards, _reward_values(reward))

    async def update(self, reward: Reward) -> None:
        values = _reward_values(reward)
        del values["id"], values["project_id"], values["created_at"], values["redeemed"]
        await self._tx.execute(t.rewards.update().where(_w.id == reward.id).values(**values))

    async def remove(self, project_id: str, reward_id: str) -> None:
        await self._tx.execute(
            t.reward_assignments.delete().where(
                _a.project_id == project_id, _a.reward_id == reward_id
            )
        )
        await self._tx.execute(
            t.rewards.delete().where(_w.project_id == project_id, _w.id == reward_id)
        )

    async def get(self, project_id: str, reward_id: str) -> Reward | None:
        row = await self._one(_REWARD, project_id=project_id, id=reward_id)
        return None if row is None else _reward(row)

    async def list(self, project_id: str, limit: int, page: int) -> Page[Reward]:
        return await self._paged(
            t.rewards,
            [_w.project_id == project_id],
            (_w.created_at, _w.id),
            limit,
            page,
            _reward,
        )

    async def take_one(self, project_id: str, reward_id: str) -> bool:
        """Count one more given; False when none is left in stock."""
        result = await self._tx.execute(_TAKE, {"b_project_id": project_id, "b_id": reward_id})
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def add_assignment(self, assignment: RewardAssignment) -> None:
        await self._write(
            t.reward_assignments.insert(), _assignment_values(assignment), "reward_assignments"
        )

    async def update_assignment(self, assignment: RewardAssignment) -> None:
        await self._tx.execute(
            t.reward_assignments.update()
            .where(_a.id == assignment.id)
            .values(points=assignment.points, updated_at=assignment.updated_at)
        )

    async def remove_assignment(self, project_id: str, assignment_id: str) -> None:
        await self._tx.execute(
            t.reward_assignments.delete().where(_a.project_id == project_id, _a.id == assignment_id)
        )

    async def get_assignment(self, project_id: str, assignment_id: str) -> RewardAssignment | None:
        row = await self._one(_ASSIGNMENT, project_id=project_id, id=assignment_id)
        return None if row is None else _assignment(row)

    async def offer(
        self, project_id: str, campaign_id: str, reward_id: str
    ) -> RewardAssignment | None:
        """The assignment by which the program offers the reward, if it does."""
        row = await self._one(
            _OFFER, project_id=project_id, campaign_id=campaign_id, reward_id=reward_id
        )
        return None if row is None else _assignment(row)

    async def assignments(
        self,
        project_id: str,
        *,
        reward_id: str | None = None,
        campaign_id: str | None = None,
        limit: int = 100,
        page: int = 1,
    ) -> Page[RewardAssignment]:
        conditions = [_a.project_id == project_id]
        if reward_id is not None:
            conditions.append(_a.reward_id == reward_id)
        if campaign_id is not None:
            conditions.append(_a.campaign_id == campaign_id)
        return await self._paged(
            t.reward_assignments, conditions, (_a.created_at, _a.id), limit, page, _assignment
        )
