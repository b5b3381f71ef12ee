"""A loyalty member spends points on a reward (``POST /v1/loyalties/members/{id}/redemption``).

All in one transaction, with the card's row locked: the reward must be offered by the card's
program, in stock, and affordable; then the points are taken (a POINTS_REDEMPTION
transaction) and the reward given: a CAMPAIGN reward publishes a code of its campaign, or adds
its ``balance`` to the member's gift card or loyalty card of that campaign (publishing one
first when they hold none); a COIN reward pays part of the order; a MATERIAL reward records
its product. The redemption and the events ``customer.reward_redemptions.completed`` and
``customer.rewarded`` are recorded with it. Any refusal changes nothing.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from typing import Any

from sendout.domain.balances import TransactionType
from sendout.domain.campaigns import CampaignType, VoucherType, simple_campaign
from sendout.domain.clock import iso
from sendout.domain.customers import Customer, CustomerRef, simple_customer
from sendout.domain.errors import InvalidPayload, NotFound
from sendout.domain.events import EventType
from sendout.domain.ids import IdPrefix
from sendout.domain.orders import Order, order_object
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.publications import Publication
from sendout.domain.redemptions import (
    Redemption,
    RedemptionStatus,
    redemption_object,
)
from sendout.domain.rewards import (
    Reward,
    RewardAssignment,
    RewardType,
    assignment_object,
    reward_result,
)
from sendout.domain.vouchers import EffectiveVoucher, VoucherQuery, simple_voucher, voucher_object
from sendout.services.context import Context
from sendout.services.loyalty.balances import BalanceUpdate, change_balance_in
from sendout.services.loyalty.loyalties import get_member
from sendout.services.promotions.giving import give_from_campaign
from sendout.services.promotions.orders import OrderDraft, build_order, find_order, save_order
from sendout.services.promotions.voucher_lookup import effective, require_voucher
from sendout.services.recording import record_event
from sendout.services.retries import retry_on_conflict


@dataclass(frozen=True, slots=True, kw_only=True)
class RewardRedemptionRequest:
    #: the reward's id, or its assignment's
    reward_id: str
    #: COIN rewards: how many points to spend (default: as many as the order needs)
    points: int | None = None
    order: OrderDraft | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True, kw_only=True)
class RewardRedeemed:
    redemption: Redemption
    order: Order | None
    customer: Customer
    card: EffectiveVoucher

    def as_object(self) -> dict[str, Any]:
        return redemption_object(
            self.redemption,
            order=None if self.order is None else order_object(self.order),
            customer=simple_customer(self.customer),
            voucher=voucher_object(self.card),
        )


def _refused(message: str, key: str) -> InvalidPayload:
    return InvalidPayload(message, details=message, key=key)


async def redeem_reward(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    member_id: str,
    program_id: str | None,
    request: RewardRedemptionRequest,
) -> RewardRedeemed:
    card = await get_member(uow_factory, ctx, member_id, program_id)

    async def attempt() -> RewardRedeemed:
        async with uow_factory() as uow:
            done = await _redeem(uow, ctx, card.voucher.code, request)
            await uow.commit()
            return done

    return await retry_on_conflict(attempt)


async def _redeem(
    uow: UnitOfWork, ctx: Context, code: str, request: RewardRedemptionRequest
) -> RewardRedeemed:
    found = await require_voucher(uow, ctx, code)
    await uow.vouchers.lock(ctx.project_id, found.id)
    (card,) = await effective(uow, ctx, [await require_voucher(uow, ctx, code)])
    assert card.campaign is not None
    holder = (
        None
        if card.voucher.holder_id is None
        else await uow.customers.get(ctx.project_id, card.voucher.holder_id)
    )
    if holder is None:
        raise _refused(f"Loyalty card {code} has no holder", "invalid_voucher")
    if not card.active:
        raise _refused(f"Loyalty card {code} is disabled", "voucher_disabled")
    reward, assignment = await offered(uow, ctx, card.campaign.id, request.reward_id)
    order, current_order = await _order(uow, ctx, request, holder)
    balance = int((card.loyalty_card or {}).get("balance") or 0)
    points, paid = _price(reward, assignment, request, order, balance)
    if points > balance:
        raise _refused(
            f"Loyalty card {code} has {balance} points; the reward costs {points}",
            "loyalty_card_points_exceeded",
        )
    if not await uow.rewards.take_one(ctx.project_id, reward.id):
        raise _refused(f"Reward {reward.id} is out of stock", "quantity_exceeded")
    now = ctx.now()
    redemption_id = ctx.new_sortable_id(IdPrefix.REDEMPTION)
    spent = await change_balance_in(
        uow,
        ctx,
        code,
        -points,
        reason=f"reward {reward.id}",
        details={
            "reward": {"id": reward.id, "name": reward.name},
            "redemption": {"id": redemption_id},
        },
        transaction_type=TransactionType.POINTS_REDEMPTION,
    )
    if reward.type is RewardType.COIN:
        given, publication = await _credit_gift_card(uow, ctx, reward, holder, points, order)
    else:
        given, publication = await _give(uow, ctx, reward, holder)
    if order is not None and paid:
        order = replace(
            order,
            discount_amount=(order.discount_amount or 0) + paid,
            applied_discount_amount=order.applied_discount_amount + paid,
        )
        order.check()
    result = reward_result(
        reward,
        assignment,
        customer=simple_customer(holder),
        voucher=None if given is None else voucher_object(given),
    )
    redemption = Redemption(
        id=redemption_id,
        project_id=ctx.project_id,
        customer_id=holder.id,
        metadata=request.metadata,
        amount=paid,
        status=RedemptionStatus.SUCCEEDED,
        order_id=None if order is None else order.id,
        related_object_type="voucher",
        related_object_id=card.voucher.id,
        voucher_id=card.voucher.id,
        voucher_code=card.voucher.code,
        campaign_id=card.campaign.id,
        reward=result,
        points=points,
        created_at=now,
    )
    await uow.redemptions.add_many([redemption])
    if order is not None:
        order = replace(
            order,
            redemptions={
                **order.redemptions,
                redemption.id: {
                    "date": iso(now),
                    "related_object_type": "voucher",
                    "related_object_id": card.voucher.id,
                    "related_object_parent_id": card.campaign.id,
                    "stacked": False,
                },
            },
        )
        await save_order(uow, ctx, order, current_order)
    await _record(uow, ctx, holder, spent, redemption, reward, assignment, result, publication)
    return RewardRedeemed(redemption=redemption, order=order, customer=holder, card=spent.voucher)


async def _order(
    uow: UnitOfWork, ctx: Context, request: RewardRedemptionRequest, holder: Customer
) -> tuple[Order | None, Order | None]:
    if request.order is None:
        return None, None
    draft = request.order
    if draft.customer is None:
        draft = replace(draft, customer=CustomerRef(id=holder.id))
    current = await find_order(uow, ctx, draft)
    order, _, _ = await build_order(uow, ctx, current, draft)
    return order, current


def _price(
    reward: Reward,
    assignment: RewardAssignment,
    request: RewardRedemptionRequest,
    order: Order | None,
    balance: int,
) -> tuple[int, int]:
    """The points the reward costs, and what they pay of the order (COIN rewards)."""
    if reward.type is not RewardType.COIN:
        assert assignment.points is not None
        return assignment.points, 0
    points = request.points
    if order is None:
        # No order to pay: the points' value goes to the member's gift card (see _give).
        if points is None:
            raise _refused(
                "A pay-with-points reward pays an order, or turns reward.points into gift "
                "credits: give one or the other",
                "missing_order",
            )
        return points, 0
    if points is None:  # as many as the order needs, as far as the balance goes
        points = min(balance, reward.coin_points_for(order.total_amount))
    if points <= 0:
        raise _refused("reward.points: a whole number above 0", "invalid_payload")
    return points, min(reward.coin_value(points), order.total_amount)


async def _give(
    uow: UnitOfWork, ctx: Context, reward: Reward, holder: Customer
) -> tuple[EffectiveVoucher | None, Publication | None]:
    """The code, credits or points a CAMPAIGN reward gives (None for other rewards), and the
    publication it made, if any."""
    given = reward.parameters.get("campaign")
    if given is None:
        return None, None
    done = await give_from_campaign(
        uow,
        ctx,
        given["id"],
        CampaignType(given["type"]),
        given["balance"],
        holder,
        source={"source_type": "reward", "source_id": reward.id},
        reason=f"reward {reward.id}",
    )
    return done.voucher, done.publication


async def _credit_gift_card(
    uow: UnitOfWork,
    ctx: Context,
    reward: Reward,
    holder: Customer,
    points: int,
    order: Order | None,
) -> tuple[EffectiveVoucher | None, None]:
    """A COIN reward without an order credits the points' cash value to the member's gift
    card (their newest); with an order it pays part of it instead (nothing to give here)."""
    if order is not None:
        return None, None
    held = await uow.vouchers.list(ctx.project_id, VoucherQuery(holder_id=holder.id, limit=100))
    found = await effective(uow, ctx, held.items)
    cards = [v for v in found if v.type is VoucherType.GIFT_VOUCHER]
    if not cards:
        raise _refused(
            f"Customer {holder.id} has no gift card to credit: redeem on an order instead",
            "missing_order",
        )
    added = await change_balance_in(
        uow,
        ctx,
        cards[0].voucher.code,
        reward.coin_value(points),
        reason=f"reward {reward.id}",
        details={"source": {"source_type": "reward", "source_id": reward.id}},
    )
    return added.voucher, None


async def _record(
    uow: UnitOfWork,
    ctx: Context,
    holder: Customer,
    spent: BalanceUpdate,
    redemption: Redemption,
    reward: Reward,
    assignment: RewardAssignment,
    result: Mapping[str, Any],
    publication: Publication | None,
) -> None:
    campaign = spent.voucher.campaign
    common = {
        "customer": simple_customer(holder),
        "holder": simple_customer(holder),
        "voucher": simple_voucher(spent.voucher),
        "campaign": None if campaign is None else simple_campaign(campaign),
        "reward": dict(result),
        "balance": spent.change.as_object(spent.voucher.voucher.id, "points"),
    }
    now = iso(redemption.created_at)
    await record_event(
        uow,
        ctx,
        type=EventType.REWARD_REDEMPTION_COMPLETED.value,
        customer_id=holder.id,
        entity_id=redemption.id,
        data={
            **common,
            "reward_redemption": {
                "id": ctx.new_id(IdPrefix.REWARD_REDEMPTION),
                "state": "COMPLETED",
                "created_at": now,
                "updated_at": now,
                "voucher_id": spent.voucher.voucher.id,
                "campaign_id": None if campaign is None else campaign.id,
                "customer_id": holder.id,
                "reward_assignment_id": assignment.id,
                "source_id": redemption.id,
                "source_type": "redemption",
            },
            "reward_assignment": assignment_object(assignment),
            "source": None,
            "publication": None if publication is None else {"id": publication.id},
        },
    )
    await record_event(
        uow,
        ctx,
        type=EventType.REWARDED.value,
        customer_id=holder.id,
        entity_id=redemption.id,
        data={
            **common,
            "redemption": {
                "id": redemption.id,
                "object": "redemption",
                "created_at": now,
                "customer_id": holder.id,
                "result": redemption.result,
                "status": redemption.status.value,
                "amount": redemption.amount,
                "related_object_type": redemption.related_object_type,
                "related_object_id": redemption.related_object_id,
                "reward": dict(result),
                "metadata": dict(redemption.metadata),
            },
            "referral_tier": None,
            "custom_event": None,
            "customer_event": None,
        },
    )


async def offered(
    uow: UnitOfWork, ctx: Context, program_id: str, reward_or_assignment_id: str
) -> tuple[Reward, RewardAssignment]:
    """The reward a member of the program asks for, by the reward's id or its assignment's."""
    assignment = await uow.rewards.get_assignment(ctx.project_id, reward_or_assignment_id)
    if assignment is None:
        assignment = await uow.rewards.offer(ctx.project_id, program_id, reward_or_assignment_id)
    reward = (
        None
        if assignment is None or assignment.campaign_id != program_id
        else await uow.rewards.get(ctx.project_id, assignment.reward_id)
    )
    if reward is None or assignment is None:
        raise NotFound.of("reward", reward_or_assignment_id)
    return reward, assignment
