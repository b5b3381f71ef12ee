"""Rewards (``/v1/rewards``) and the loyalty programs that offer them (assignments)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from sendout.domain.campaigns import CampaignType
from sendout.domain.errors import Duplicate, NotFound
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.rewards import (
    Reward,
    RewardAssignment,
    RewardSpec,
    bad_reward,
    parse_points,
    parse_reward,
)
from sendout.services.context import Context
from sendout.services.loyalty.loyalties import get_member, get_program
from sendout.services.promotions.campaigns import require_campaign

#: the campaigns a CAMPAIGN reward can give from (Voucherify's ``parameters.campaign.type``)
GIVING_CAMPAIGNS = (
    CampaignType.DISCOUNT_COUPONS,
    CampaignType.GIFT_VOUCHERS,
    CampaignType.LOYALTY_PROGRAM,
)


async def _checked_parameters(
    uow: UnitOfWork, ctx: Context, parameters: Mapping[str, Any]
) -> dict[str, Any]:
    """A CAMPAIGN reward's campaign exists and can give: its id and type are filled in; gift
    and loyalty campaigns need the ``balance`` to add."""
    given = parameters.get("campaign")
    if given is None:
        return dict(parameters)
    campaign = await require_campaign(uow, ctx, given["id"])
    if campaign.campaign_type not in GIVING_CAMPAIGNS:
        raise bad_reward("parameters.campaign: a discount, gift card or loyalty campaign")
    if campaign.campaign_type is not CampaignType.DISCOUNT_COUPONS and not given["balance"]:
        raise bad_reward("parameters.campaign.balance: the credits or points the reward adds")
    return {
        "campaign": {
            "id": campaign.id,
            "balance": given["balance"],
            "type": campaign.campaign_type.value,
        }
    }


async def _spec_fields(uow: UnitOfWork, ctx: Context, spec: RewardSpec) -> dict[str, Any]:
    """The fields a reward takes from its (parsed) spec, whether new or changed."""
    return {
        "name": spec.name,
        "parameters": await _checked_parameters(uow, ctx, spec.parameters),
        "stock": spec.stock,
        "attributes": spec.attributes,
        "metadata": spec.metadata,
    }


async def create_reward(
    uow_factory: UnitOfWorkFactory, ctx: Context, raw: Mapping[str, Any]
) -> Reward:
    spec = parse_reward(raw)
    async with uow_factory() as uow:
        reward = Reward(
            id=ctx.new_id(IdPrefix.REWARD),
            project_id=ctx.project_id,
            type=spec.type,
            created_at=ctx.now(),
            **await _spec_fields(uow, ctx, spec),
        )
        await uow.rewards.add(reward)
        await uow.commit()
    return reward


async def require_reward(uow: UnitOfWork, ctx: Context, reward_id: str) -> Reward:
    reward = await uow.rewards.get(ctx.project_id, reward_id)
    if reward is None:
        raise NotFound.of("reward", reward_id)
    return reward


async def get_reward(uow_factory: UnitOfWorkFactory, ctx: Context, reward_id: str) -> Reward:
    async with uow_factory() as uow:
        return await require_reward(uow, ctx, reward_id)


async def list_rewards(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    limit: int,
    page: int,
    assignment_id: str | None = None,
) -> Page[Reward]:
    async with uow_factory() as uow:
        if assignment_id is None:
            return await uow.rewards.list(ctx.project_id, limit, page)
        assignment = await uow.rewards.get_assignment(ctx.project_id, assignment_id)
        reward = (
            None
            if assignment is None
            else await uow.rewards.get(ctx.project_id, assignment.reward_id)
        )
        found = [] if reward is None else [reward]
        return Page(items=found, total=len(found), has_more=False)


async def update_reward(
    uow_factory: UnitOfWorkFactory, ctx: Context, reward_id: str, changes: Mapping[str, Any]
) -> Reward:
    """``PUT``: name, parameters (of the same kind), stock, attributes, metadata."""
    async with uow_factory() as uow:
        current = await require_reward(uow, ctx, reward_id)
        spec = parse_reward(
            {
                "name": current.name,
                "parameters": current.parameters,
                "stock": current.stock,
                "attributes": current.attributes,
                "metadata": current.metadata,
                **changes,
            }
        )
        if spec.type is not current.type:
            raise bad_reward(f"parameters: a {current.type.value} reward stays one")
        updated = replace(current, updated_at=ctx.now(), **await _spec_fields(uow, ctx, spec))
        await uow.rewards.update(updated)
        await uow.commit()
    return updated


async def delete_reward(uow_factory: UnitOfWorkFactory, ctx: Context, reward_id: str) -> None:
    async with uow_factory() as uow:
        await require_reward(uow, ctx, reward_id)
        await uow.rewards.remove(ctx.project_id, reward_id)
        await uow.commit()


# --- assignments -----------------------------------------------------------------------------


async def assign(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    reward_id: str,
    program_id: str,
    raw: Mapping[str, Any],
) -> RewardAssignment:
    """Offer the reward in the loyalty program at a price in points."""
    program = await get_program(uow_factory, ctx, program_id)
    async with uow_factory() as uow:
        reward = await require_reward(uow, ctx, reward_id)
        if await uow.rewards.offer(ctx.project_id, program.id, reward.id) is not None:
            raise Duplicate(
                details=f"Reward {reward.id} is already assigned to campaign {program.id}",
                key="duplicate_found",
            )
        assignment = RewardAssignment(
            id=ctx.new_id(IdPrefix.REWARD_ASSIGNMENT),
            project_id=ctx.project_id,
            reward_id=reward.id,
            campaign_id=program.id,
            points=parse_points(raw, reward.type),
            created_at=ctx.now(),
        )
        await uow.rewards.add_assignment(assignment)
        await uow.commit()
    return assignment


async def assign_many(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str, raws: Sequence[Any]
) -> list[RewardAssignment]:
    """``POST /v1/loyalties/{id}/rewards``: a list of ``{reward, parameters}``."""
    if not 1 <= len(raws) <= 20 or not all(isinstance(r, Mapping) for r in raws):
        raise bad_reward("give a list of 1 to 20 assignments {reward, parameters}")
    made = []
    for raw in raws:
        reward_id = raw.get("reward")
        if not isinstance(reward_id, str) or not reward_id:
            raise bad_reward("reward: the id of the reward to assign")
        made.append(await assign(uow_factory, ctx, reward_id, program_id, raw))
    return made


async def require_assignment(
    uow: UnitOfWork,
    ctx: Context,
    assignment_id: str,
    *,
    reward_id: str | None = None,
    program_id: str | None = None,
) -> RewardAssignment:
    found = await uow.rewards.get_assignment(ctx.project_id, assignment_id)
    if (
        found is None
        or (reward_id is not None and found.reward_id != reward_id)
        or (program_id is not None and found.campaign_id != program_id)
    ):
        raise NotFound.of("reward_assignment", assignment_id)
    return found


async def get_assignment(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    assignment_id: str,
    *,
    reward_id: str | None = None,
    program_id: str | None = None,
) -> RewardAssignment:
    if program_id is not None:
        program_id = (await get_program(uow_factory, ctx, program_id)).id
    async with uow_factory() as uow:
        return await require_assignment(
            uow, ctx, assignment_id, reward_id=reward_id, program_id=program_id
        )


async def list_assignments(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    *,
    reward_id: str | None = None,
    program_id: str | None = None,
    limit: int = 10,
    page: int = 1,
) -> Page[RewardAssignment]:
    if program_id is not None:
        program_id = (await get_program(uow_factory, ctx, program_id)).id
    async with uow_factory() as uow:
        if reward_id is not None:
            await require_reward(uow, ctx, reward_id)
        return await uow.rewards.assignments(
            ctx.project_id, reward_id=reward_id, campaign_id=program_id, limit=limit, page=page
        )


async def update_assignment(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    assignment_id: str,
    raw: Mapping[str, Any],
    *,
    reward_id: str | None = None,
    program_id: str | None = None,
) -> RewardAssignment:
    current = await get_assignment(
        uow_factory, ctx, assignment_id, reward_id=reward_id, program_id=program_id
    )
    async with uow_factory() as uow:
        reward = await require_reward(uow, ctx, current.reward_id)
        updated = replace(current, points=parse_points(raw, reward.type), updated_at=ctx.now())
        await uow.rewards.update_assignment(updated)
        await uow.commit()
    return updated


async def unassign(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    assignment_id: str,
    *,
    reward_id: str | None = None,
    program_id: str | None = None,
) -> None:
    await get_assignment(
        uow_factory, ctx, assignment_id, reward_id=reward_id, program_id=program_id
    )
    async with uow_factory() as uow:
        await uow.rewards.remove_assignment(ctx.project_id, assignment_id)
        await uow.commit()


async def program_rewards(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str
) -> list[tuple[Reward, RewardAssignment]]:
    """Every reward the program offers, with its assignment."""
    program = await get_program(uow_factory, ctx, program_id)
    return await _offers(uow_factory, ctx, program.id)


async def _offers(
    uow_factory: UnitOfWorkFactory, ctx: Context, program_id: str
) -> list[tuple[Reward, RewardAssignment]]:
    found = []
    async with uow_factory() as uow:
        offered = await uow.rewards.assignments(ctx.project_id, campaign_id=program_id, limit=1000)
        for assignment in offered.items:
            reward = await uow.rewards.get(ctx.project_id, assignment.reward_id)
            if reward is not None:
                found.append((reward, assignment))
    return found


async def member_rewards(
    uow_factory: UnitOfWorkFactory, ctx: Context, member_id: str, affordable_only: bool
) -> list[tuple[Reward, RewardAssignment]]:
    """The rewards the member's program offers (``affordable_only``: those their balance
    pays for), with their assignments."""
    card = await get_member(uow_factory, ctx, member_id)
    assert card.campaign is not None
    balance = int((card.loyalty_card or {}).get("balance") or 0)
    return [
        (reward, assignment)
        for reward, assignment in await _offers(uow_factory, ctx, card.campaign.id)
        if not affordable_only or ((assignment.points or 1) <= balance and reward.in_stock)
    ]
