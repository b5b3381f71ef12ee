"""``/v1/loyalties``: loyalty programs, their members (cards) and the members' points."""

from __future__ import annotations

from typing import Annotated

from fastapi import APIRouter, Query
from starlette.requests import Request
from starlette.responses import Response

from sendout.domain.balances import transaction_object
from sendout.domain.campaigns import CampaignType, campaign_object
from sendout.domain.earning_rules import earning_rule_object
from sendout.domain.loyalty_tiers import loyalty_tier_object
from sendout.domain.points import parse_expiration
from sendout.domain.rewards import assignment_object, reward_object
from sendout.domain.vouchers import VoucherQuery, voucher_object
from sendout.entrypoints.api.deps import (
    body_docs,
    channels,
    context,
    parse_body,
    storage,
    wake_worker,
)
from sendout.entrypoints.api.query import (
    Cursor,
    CursorQuery,
    Q,
    parse_limit,
    parse_page,
    present,
)
from sendout.entrypoints.api.responses import (
    all_response,
    cursor_response,
    json_response,
    list_envelope,
    no_content,
    page_response,
)
from sendout.entrypoints.api.routes.campaigns import async_accepted, with_notifications
from sendout.entrypoints.api.routes.vouchers import transaction_query, transactions_response
from sendout.entrypoints.api.schemas.campaigns import CampaignBody, CampaignUpdateBody
from sendout.entrypoints.api.schemas.loyalties import (
    EarningRulesBody,
    EarningRuleUpdateBody,
    LoyaltyBalanceBody,
    MemberBody,
    TiersBody,
)
from sendout.services.loyalty import balances, program_notifications, rewards
from sendout.services.loyalty import earning_rules as earning
from sendout.services.loyalty import loyalties as service

router = APIRouter(prefix="/v1/loyalties", tags=["Loyalty"])


# Member routes first: "/members/{id}" must not be read as a program id.


@router.get("/members/{member_id}", summary="Get a member (their loyalty card)")
async def get_member(member_id: str, request: Request) -> Response:
    card = await service.get_member(storage(request), await context(request), member_id)
    return json_response(voucher_object(card))


@router.post(
    "/members/{member_id}/balance",
    summary="Add or remove a member's points",
    openapi_extra=body_docs(LoyaltyBalanceBody),
)
async def member_balance(member_id: str, request: Request) -> Response:
    return await _balance(request, member_id, None)


@router.get("/members/{member_id}/transactions", summary="A member's point moves (cursor)")
async def member_transactions(
    member_id: str,
    request: Request,
    cursor: Cursor,
) -> Response:
    return await _transactions(request, member_id, None, cursor)


@router.get("/members/{member_id}/tiers", summary="The tier a member is in")
async def member_tiers(member_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await service.member_tiers(storage(request), ctx, member_id)
    return json_response(
        list_envelope("data", (loyalty_tier_object(t, h) for t, h in found), total=len(found))
    )


@router.post("", summary="Create a loyalty program", openapi_extra=body_docs(CampaignBody))
async def create_program(request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, CampaignBody)
    made = await program_notifications.create_campaign(
        storage(request),
        ctx,
        body.to_draft(),
        body.notification_requests(),
        channels(request),
        only=CampaignType.LOYALTY_PROGRAM,
    )
    if body.vouchers_count:
        wake_worker(request)
    return json_response(with_notifications(campaign_object(made.campaign), made.notifications))


@router.get("", summary="List loyalty programs")
async def list_programs(request: Request, limit: Q = None, page: Q = None) -> Response:
    ctx = await context(request)
    found = await service.list_programs(storage(request), ctx, parse_limit(limit), parse_page(page))
    return page_response("campaigns", found, campaign_object)


@router.get("/{program_id}", summary="Get a loyalty program")
async def get_program(program_id: str, request: Request) -> Response:
    program = await service.get_program(storage(request), await context(request), program_id)
    return json_response(campaign_object(program))


@router.put(
    "/{program_id}", summary="Update a loyalty program", openapi_extra=body_docs(CampaignUpdateBody)
)
async def update_program(program_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, CampaignUpdateBody)
    program = await service.update_program(storage(request), ctx, program_id, body.sent())
    return json_response(campaign_object(program))


@router.delete("/{program_id}", summary="Delete a loyalty program (its cards go in the background)")
async def delete_program(program_id: str, request: Request) -> Response:
    action = await service.delete_program(storage(request), await context(request), program_id)
    wake_worker(request)
    return async_accepted(action, 200)


@router.post(
    "/{program_id}/members",
    summary="Give a customer a loyalty card of the program",
    openapi_extra=body_docs(MemberBody),
)
async def add_member(program_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, MemberBody)
    card = await service.add_member(
        storage(request),
        ctx,
        program_id,
        body.customer.to_ref(),
        card=body.voucher,
        source_id=body.source_id,
        metadata=body.metadata,
    )
    return json_response(voucher_object(card))


@router.get("/{program_id}/members", summary="List a program's members (cards)")
async def list_members(
    program_id: str,
    request: Request,
    limit: Q = None,
    page: Q = None,
    customer: Annotated[str | None, Query(description="member: customer id or source_id")] = None,
) -> Response:
    ctx = await context(request)
    query = VoucherQuery(limit=parse_limit(limit), page=parse_page(page))
    found = await service.list_members(
        storage(request), ctx, program_id, query, customer=present(customer)
    )
    return page_response("vouchers", found, voucher_object)


@router.get("/{program_id}/members/{member_id}", summary="Get a member of the program")
async def get_program_member(program_id: str, member_id: str, request: Request) -> Response:
    ctx = await context(request)
    card = await service.get_member(storage(request), ctx, member_id, program_id)
    return json_response(voucher_object(card))


@router.post(
    "/{program_id}/members/{member_id}/balance",
    summary="Add or remove a member's points",
    openapi_extra=body_docs(LoyaltyBalanceBody),
)
async def program_member_balance(program_id: str, member_id: str, request: Request) -> Response:
    return await _balance(request, member_id, program_id)


@router.get(
    "/{program_id}/members/{member_id}/transactions", summary="A member's point moves (cursor)"
)
async def program_member_transactions(
    program_id: str,
    member_id: str,
    request: Request,
    cursor: Cursor,
) -> Response:
    return await _transactions(request, member_id, program_id, cursor)


async def _balance(request: Request, member_id: str, program_id: str | None) -> Response:
    ctx = await context(request)
    body = await parse_body(request, LoyaltyBalanceBody)
    card = await service.get_member(storage(request), ctx, member_id, program_id)
    update = await balances.update_balance(
        storage(request),
        ctx,
        card.voucher.code,
        body.points,
        source_id=body.source_id,
        reason=body.reason,
        expiration=parse_expiration(body.expiration_type, body.expiration_date, ctx.now().date()),
    )
    return json_response(update.change.as_object(card.voucher.id, "points"))


async def _transactions(
    request: Request,
    member_id: str,
    program_id: str | None,
    cursor: CursorQuery,
) -> Response:
    ctx = await context(request)
    card = await service.get_member(storage(request), ctx, member_id, program_id)
    return await transactions_response(request, card.voucher.code, cursor)


@router.post(
    "/{program_id}/tiers",
    summary="Create tiers (a JSON array; the answer is one too)",
    openapi_extra=body_docs(TiersBody),
)
async def create_tiers(program_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, TiersBody)
    created = await service.create_tiers(storage(request), ctx, program_id, body.root)
    return json_response([loyalty_tier_object(t) for t in created])


@router.get("/{program_id}/tiers", summary="A program's tiers, lowest first")
async def list_tiers(program_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await service.list_tiers(storage(request), ctx, program_id)
    return all_response("data", found, loyalty_tier_object)


@router.get("/{program_id}/transactions", summary="Every point move of the program (cursor)")
async def program_transactions(
    program_id: str,
    request: Request,
    cursor: Cursor,
) -> Response:
    ctx = await context(request)
    query = transaction_query(cursor)
    found = await service.program_transactions(storage(request), ctx, program_id, query)
    return cursor_response(found, transaction_object)


@router.get(
    "/{program_id}/tiers/{tier_id}/earning-rules", summary="The earning rules a tier's members have"
)
async def tier_earning_rules(
    program_id: str, tier_id: str, request: Request, limit: Q = None, page: Q = None
) -> Response:
    ctx = await context(request)
    size, number = parse_limit(limit), parse_page(page)
    found = await service.tier_earning_rules(storage(request), ctx, program_id, tier_id)
    shown = found[(number - 1) * size : number * size]
    return json_response(
        list_envelope("data", (earning_rule_object(r) for r in shown), total=len(found))
    )


@router.get("/{program_id}/tiers/{tier_id}/rewards", summary="The rewards a tier's members can get")
async def tier_rewards(program_id: str, tier_id: str, request: Request) -> Response:
    ctx = await context(request)
    await service.get_tier(storage(request), ctx, program_id, tier_id)
    found = await rewards.program_rewards(storage(request), ctx, program_id)
    items = (
        {
            "reward": reward_object(reward),
            "assignment": assignment_object(assignment),
            "object": "loyalty_tier_reward",
        }
        for reward, assignment in found
    )
    return json_response(list_envelope("data", items, total=len(found)))


@router.get("/{program_id}/tiers/{tier_id}", summary="Get a tier")
async def get_tier(program_id: str, tier_id: str, request: Request) -> Response:
    ctx = await context(request)
    return json_response(
        loyalty_tier_object(await service.get_tier(storage(request), ctx, program_id, tier_id))
    )


@router.post(
    "/{program_id}/earning-rules",
    summary="Create earning rules (a JSON array; the answer is one too)",
    openapi_extra=body_docs(EarningRulesBody),
)
async def create_earning_rules(program_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, EarningRulesBody)
    created = await earning.create_rules(storage(request), ctx, program_id, body.root)
    return json_response([earning_rule_object(r) for r in created])


@router.get("/{program_id}/earning-rules", summary="A program's earning rules")
async def list_earning_rules(program_id: str, request: Request) -> Response:
    ctx = await context(request)
    found = await earning.list_rules(storage(request), ctx, program_id)
    return all_response("data", found, earning_rule_object)


@router.get("/{program_id}/earning-rules/{rule_id}", summary="Get an earning rule")
async def get_earning_rule(program_id: str, rule_id: str, request: Request) -> Response:
    ctx = await context(request)
    rule = await earning.get_rule(storage(request), ctx, program_id, rule_id)
    return json_response(earning_rule_object(rule))


@router.put(
    "/{program_id}/earning-rules/{rule_id}",
    summary="Update an earning rule",
    openapi_extra=body_docs(EarningRuleUpdateBody),
)
async def update_earning_rule(program_id: str, rule_id: str, request: Request) -> Response:
    ctx = await context(request)
    body = await parse_body(request, EarningRuleUpdateBody)
    rule = await earning.update_rule(storage(request), ctx, program_id, rule_id, body.root)
    return json_response(earning_rule_object(rule))


@router.delete(
    "/{program_id}/earning-rules/{rule_id}", status_code=204, summary="Delete an earning rule"
)
async def delete_earning_rule(program_id: str, rule_id: str, request: Request) -> Response:
    await earning.delete_rule(storage(request), await context(request), program_id, rule_id)
    return no_content()


@router.post("/{program_id}/earning-rules/{rule_id}/enable", summary="Enable an earning rule")
async def enable_earning_rule(program_id: str, rule_id: str, request: Request) -> Response:
    ctx = await context(request)
    rule = await earning.set_active(storage(request), ctx, program_id, rule_id, True)
    return json_response(earning_rule_object(rule))


@router.post("/{program_id}/earning-rules/{rule_id}/disable", summary="Disable an earning rule")
async def disable_earning_rule(program_id: str, rule_id: str, request: Request) -> Response:
    ctx = await context(request)
    rule = await earning.set_active(storage(request), ctx, program_id, rule_id, False)
    return json_response(earning_rule_object(rule))
