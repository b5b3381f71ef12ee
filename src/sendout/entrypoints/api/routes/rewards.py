"""``/v1/rewards`` and the reward routes of ``/v1/loyalties``: rewards, the programs offering
them (assignments), and members spending points on them."""

from __future__ import annotations

from collections.abc import Iterable

from fastapi import APIRouter
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.ports import Page
from sendout.domain.rewards import RewardAssignment, assignment_object, reward_object
from sendout.entrypoints.api.deps import body_docs, context, parse_body, storage
from sendout.entrypoints.api.query import (
    Q,
    parse_bool,
    parse_limit,
    parse_page,
)
from sendout.entrypoints.api.responses import json_response, list_envelope, no_content
from sendout.entrypoints.api.schemas.rewards import (
    AssignmentBody,
    AssignmentsBody,
    RewardBody,
    RewardRedemptionBody,
)
from sendout.services.loyalty import rewards as service
from sendout.services.loyalty.reward_redemptions import redeem_reward

router = APIRouter(prefix="/v1/rewards", tags=["Rewards"])
loyalty_router = APIRouter(prefix="/v1/loyalties", tags=["Loyalty"])


def _assignments(found: Page[RewardAssignment] | Iterable[RewardAssignment]) -> Response:
    if isinstance(found, Page):
        items, total = found.items, found.total
    else:
        items = list(found)
        total = len(items)
    return json_response(list_envelope("data", (assignment_object(a) for a in items), total=total))


@router.post("", summary="Create a reward", openapi_extra=body_docs(RewardBody))
async def create_reward(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, RewardBody)
    return json_response(
        reward_object(await service.create_reward(storage(request), ctx, body.sent()))
    )


@router.get("", summary="List rewards")
async def list_rewards(
    request: Request, limit: Q = None, page: Q = None, assignment_id: Q = None
) -> Response:
    ctx = await context(request)
    found = await service.list_rewards(
        storage(request), ctx, parse_limit(limit), parse_page(page), assignment_id
    )
    return json_response(
        list_envelope("data", (reward_object(r) for r in found.items), total=found.total)
    )


@router.get("/{reward_id}", summary="Get a reward")
async def get_reward(reward_id: str, request: Request) -> Response:
    ctx = await context(request)
    return json_response(reward_object(await service.get_reward(storage(request), ctx, reward_id)))


@router.put("/{reward_id}", summary="Update a reward", openapi_extra=body_docs(RewardBody))
async def update_reward(reward_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, RewardBody)
    updated = await service.update_reward(storage(request), ctx, reward_id, body.sent())
    return json_response(reward_object(updated))


@router.delete("/{reward_id}", status_code=204, summary="Delete a reward and its assignments")
async def delete_reward(reward_id: str, request: Request) -> Response:
    await service.delete_reward(storage(request), await context(request), reward_id)
    return no_content()


@router.post(
    "/{reward_id}/assignments",
    summary="Offer the reward in a loyalty program",
    openapi_extra=body_docs(AssignmentBody),
)
async def create_assignment(reward_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, AssignmentBody)
    made = await service.assign(storage(request), ctx, reward_id, body.program(), body.root)
    return json_response(assignment_object(made))


@router.get("/{reward_id}/assignments", summary="The programs offering a reward")
async def list_assignments(
    reward_id: str, request: Request, limit: Q = None, page: Q = None
) -> Response:
    ctx = await context(request)
    found = await service.list_assignments(
        storage(request), ctx, reward_id=reward_id, limit=parse_limit(limit), page=parse_page(page)
    )
    return _assignments(found)


@router.get("/{reward_id}/assignments/{assignment_id}", summary="Get a reward assignment")
async def get_assignment(reward_id: str, assignment_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await service.get_assignment(storage(request), ctx, assignment_id, reward_id=reward_id)
    return json_response(assignment_object(found))


@router.put(
    "/{reward_id}/assignments/{assignment_id}",
    summary="Change a reward's price in a program",
    openapi_extra=body_docs(AssignmentBody),
)
async def update_assignment(reward_id: str, assignment_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, AssignmentBody)
    updated = await service.update_assignment(
        storage(request), ctx, assignment_id, body.root, reward_id=reward_id
    )
    return json_response(assignment_object(updated))


@router.delete(
    "/{reward_id}/assignments/{assignment_id}",
    status_code=204,
    summary="Stop offering a reward in a program",
)
async def delete_assignment(reward_id: str, assignment_id: str, request: Request) -> Response:
    ctx = await context(request)
    await service.unassign(storage(request), ctx, assignment_id, reward_id=reward_id)
    return no_content()


# --- /v1/loyalties ---------------------------------------------------------------------------


@loyalty_router.get("/members/{member_id}/rewards", summary="The rewards a member can get")
async def member_rewards(member_id: str, request: Request, affordable_only: Q = None) -> Response:
    ctx = await context(request)
    affordable = parse_bool("affordable_only", affordable_only) or False
    found = await service.member_rewards(storage(request), ctx, member_id, affordable)
    items = (
        {
            "reward": reward_object(reward),
            "assignment": assignment_object(assignment),
            "object": "loyalty_reward",
        }
        for reward, assignment in found
    )
    return json_response(list_envelope("data", items, total=len(found)))


@loyalty_router.post(
    "/members/{member_id}/redemption",
    summary="Spend a member's points on a reward",
    openapi_extra=body_docs(RewardRedemptionBody),
)
async def redeem(member_id: str, request: Request) -> Response:
    return await _redeem(request, member_id, None)


@loyalty_router.post(
    "/{program_id}/members/{member_id}/redemption",
    summary="Spend a member's points on a reward",
    openapi_extra=body_docs(RewardRedemptionBody),
)
async def redeem_in_program(program_id: str, member_id: str, request: Request) -> Response:
    return await _redeem(request, member_id, program_id)


async def _redeem(request: Request, member_id: str, program_id: str | None) -> Response:
    ctx = await context(request)
    body = await parse_body(request, RewardRedemptionBody)
    done = await redeem_reward(storage(request), ctx, member_id, program_id, body.to_request())
    return json_response(done.as_object())


@loyalty_router.post(
    "/{program_id}/rewards",
    summary="Offer rewards in the program (a JSON array; the answer is one too)",
    openapi_extra=body_docs(AssignmentsBody),
)
async def create_program_assignments(program_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, AssignmentsBody)
    made = await service.assign_many(storage(request), ctx, program_id, body.root)
    # The SDK reads one assignment for one given, a list for several.
    if len(made) == 1:
        return json_response(assignment_object(made[0]))
    return json_response([assignment_object(a) for a in made])


async def _program_assignments(
    request: Request,
    program_id: str,
    limit: str | None,
    page: str | None,
    assignment_id: str | None,
) -> Response:
    ctx = await context(request)
    if assignment_id is not None:
        one = await service.get_assignment(
            storage(request), ctx, assignment_id, program_id=program_id
        )
        return _assignments([one])
    found = await service.list_assignments(
        storage(request),
        ctx,
        program_id=program_id,
        limit=parse_limit(limit),
        page=parse_page(page),
    )
    return _assignments(found)


@loyalty_router.get("/{program_id}/rewards", summary="The rewards a program offers")
async def list_program_rewards(
    program_id: str, request: Request, limit: Q = None, page: Q = None, assignment_id: Q = None
) -> Response:
    return await _program_assignments(request, program_id, limit, page, assignment_id)


@loyalty_router.get("/{program_id}/reward-assignments", summary="The rewards a program offers")
async def list_program_assignments(
    program_id: str, request: Request, limit: Q = None, page: Q = None, assignment_id: Q = None
) -> Response:
    return await _program_assignments(request, program_id, limit, page, assignment_id)


@loyalty_router.get("/{program_id}/rewards/{assignment_id}", summary="Get a reward assignment")
async def get_program_assignment(program_id: str, assignment_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await service.get_assignment(
        storage(request), ctx, assignment_id, program_id=program_id
    )
    return json_response(assignment_object(found))


@loyalty_router.get(
    "/{program_id}/reward-assignments/{assignment_id}", summary="Get a reward assignment"
)
async def get_program_assignment_alias(
    program_id: str, assignment_id: str, request: Request
) -> Response:
    return await get_program_assignment(program_id, assignment_id, request)


@loyalty_router.get(
    "/{program_id}/reward-assignments/{assignment_id}/reward",
    summary="The reward of an assignment",
)
async def get_assignment_reward(program_id: str, assignment_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await service.get_assignment(
        storage(request), ctx, assignment_id, program_id=program_id
    )
    reward = await service.get_reward(storage(request), ctx, found.reward_id)
    return json_response(reward_object(reward))


@loyalty_router.put(
    "/{program_id}/rewards/{assignment_id}",
    summary="Change a reward's price in the program",
    openapi_extra=body_docs(AssignmentBody),
)
async def update_program_assignment(
    program_id: str, assignment_id: str, request: Request
) -> Response:
    ctx = await context(request)
    body = await parse_body(request, AssignmentBody)
    updated = await service.update_assignment(
        storage(request), ctx, assignment_id, body.root, program_id=program_id
    )
    return json_response(assignment_object(updated))


@loyalty_router.delete(
    "/{program_id}/rewards/{assignment_id}",
    status_code=204,
    summary="Stop offering a reward in the program",
)
async def delete_program_assignment(
    program_id: str, assignment_id: str, request: Request
) -> Response:
    ctx = await context(request)
    await service.unassign(storage(request), ctx, assignment_id, program_id=program_id)
    return no_content()
