"""What the service tests of promotions and loyalty start from: the in-memory unit of work,
a context on a fake clock, and builders of customers, campaigns with codes, loyalty programs
and their members, referral programs and their referrers' codes, all made through the
services themselves; redemption requests on an order."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Any

from sendout.domain.campaign_drafts import CampaignDraft, TierDraft, build_template
from sendout.domain.campaigns import Campaign, CampaignKind, CampaignType, PromotionTier
from sendout.domain.codes import CodeConfig
from sendout.domain.customers import Customer, CustomerRef
from sendout.domain.earning_rules import EarningEvent, EarningRule
from sendout.domain.events import Event
from sendout.domain.orders import OrderStatus
from sendout.domain.referrals import parse_referral_program
from sendout.domain.vouchers import EffectiveVoucher, VoucherQuery
from sendout.services.context import Context
from sendout.services.customers.customers import upsert_customer
from sendout.services.loyalty import loyalties
from sendout.services.promotions import campaign_vouchers, campaigns, orders, publications, vouchers
from sendout.services.promotions.orders import OrderDraft
from sendout.services.promotions.publications import PublishRequest
from sendout.services.promotions.redemption_checks import RedemptionRequest
from sendout.services.promotions.redemption_records import RedeemableRef
from sendout.testing import (
    FakeClock,
    InMemoryUnitOfWorkFactory,
    make_context,
)

#: the code template of each kind of campaign a test makes by default
TEMPLATES: dict[CampaignType, dict[str, Any] | None] = {
    CampaignType.DISCOUNT_COUPONS: {"discount": {"type": "AMOUNT", "amount_off": 500}},
    CampaignType.GIFT_VOUCHERS: {"gift": {"amount": 10_000}},
    CampaignType.LOYALTY_PROGRAM: {"loyalty_card": {"points": 0}},
    CampaignType.REFERRAL_PROGRAM: {"discount": {"type": "PERCENT", "percent_off": 10}},
    CampaignType.PROMOTION: None,
}


def _ticking() -> FakeClock:
    """A clock a millisecond later at each read: what is made one after another has ids
    (time-ordered) and times in that order, as on a real clock."""
    return FakeClock(step=timedelta(milliseconds=1))


@dataclass
class Shop:
    clock: FakeClock = field(default_factory=_ticking)
    factory: InMemoryUnitOfWorkFactory = field(default_factory=InMemoryUnitOfWorkFactory)

    def __post_init__(self) -> None:
        self.ctx: Context = make_context(clock=self.clock)

    @property
    def events(self) -> Sequence[Event]:
        """The events committed, oldest first."""
        return self.factory.data.events

    def event_types(self) -> list[str]:
        return [e.type for e in self.events]

    def events_of(self, type: str) -> list[Event]:
        return [e for e in self.events if e.type == type]

    async def customer(self, source_id: str = "ann", **fields: Any) -> Customer:
        return await upsert_customer(
            self.factory, self.ctx, CustomerRef(source_id=source_id, fields=fields)
        )

    async def campaign(
        self,
        name: str = "Spring",
        campaign_type: CampaignType = CampaignType.DISCOUNT_COUPONS,
        *,
        kind: CampaignKind = CampaignKind.STATIC,
        voucher: Mapping[str, Any] | None = None,
        **fields: Any,
    ) -> Campaign:
        """A campaign without codes yet (``codes`` adds them); ``voucher``: its template."""
        raw = TEMPLATES[campaign_type] if voucher is None else voucher
        draft = CampaignDraft(
            name=name,
            campaign_type=campaign_type,
            kind=kind,
            template=build_template(campaign_type, raw, CodeConfig(pattern="####")),
            **fields,
        )
        made, _ = await campaigns.create_campaign(self.factory, self.ctx, draft)
        return made

    async def promotion(
        self, *tiers: TierDraft, name: str = "Sale"
    ) -> tuple[Campaign, Sequence[PromotionTier]]:
        """A promotion campaign with ``tiers``, and its tiers as made."""
        draft = CampaignDraft(
            name=name, campaign_type=CampaignType.PROMOTION, kind=CampaignKind.STATIC, tiers=tiers
        )
        return await campaigns.create_campaign(self.factory, self.ctx, draft)

    async def codes(self, campaign: Campaign, *codes: str, **body: Any) -> None:
        for code in codes:
            await campaign_vouchers.add_voucher_with_code(
                self.factory, self.ctx, campaign.id, code, body
            )

    async def voucher(self, code: str) -> EffectiveVoucher:
        return await vouchers.get_voucher(self.factory, self.ctx, code)

    async def program(self, name: str = "Club", **fields: Any) -> Campaign:
        """A loyalty program whose cards start at 0 points, made on demand."""
        return await self.campaign(
            name, CampaignType.LOYALTY_PROGRAM, kind=CampaignKind.AUTO_UPDATE, **fields
        )

    async def member(self, program: Campaign, source_id: str = "ann") -> str:
        """The code of a new member's card."""
        card = await loyalties.add_member(
            self.factory, self.ctx, program.id, CustomerRef(source_id=source_id)
        )
        return card.voucher.code

    async def pay(self, source_id: str, amount: int = 1000) -> None:
        """A new order of the customer, paid (what earning rules on ``order.paid`` hear)."""
        await orders.upsert_order(
            self.factory,
            self.ctx,
            OrderDraft(
                amount=amount,
                status=OrderStatus.PAID,
                customer=CustomerRef(source_id=source_id),
                sent=frozenset({"amount", "status"}),
            ),
        )


def on_order(*refs: RedeemableRef, amount: int = 2000) -> RedemptionRequest:
    """A request to use ``refs`` on a new order of ``amount`` by the customer "ann"."""
    return RedemptionRequest(
        redeemables=refs,
        customer=CustomerRef(source_id="ann"),
        order=OrderDraft(amount=amount, sent=frozenset({"amount"})),
    )


def code(id: str, credits: int | None = None) -> RedeemableRef:
    """The code ``id`` as a redeemable (``credits``: of a gift card)."""
    return RedeemableRef(object="voucher", id=id, credits=credits)


def held_rule(shop: Shop, program: Campaign, *, points: int = 25, days: int = 5) -> EarningRule:
    """An earning rule of ``program`` whose points wait ``days`` (not stored: for the tests
    that hold points themselves)."""
    return EarningRule(
        id="ern_1",
        project_id=shop.ctx.project_id,
        campaign_id=program.id,
        event=EarningEvent.ORDER_PAID,
        loyalty={"type": "FIXED", "points": points},
        pending_points={"period_type": "DAY", "period_value": days},
        created_at=shop.clock.now(),
    )


def pending_rule(points: int, days: int) -> dict[str, Any]:
    """An earning rule granting ``points`` per paid order, pending for ``days``."""
    return {
        "event": "order.paid",
        "loyalty": {"type": "FIXED", "points": points},
        "pending_points": {"period_type": "DAY", "period_value": days},
    }


async def referral_program(shop: Shop, **program: object) -> tuple[Campaign, Campaign]:
    club = await shop.program("Club")
    raw = {
        "referee_reward": {
            "related_object_parent": {"id": club.id},
            "type": "LOYALTY_CARD",
            "amount": 50,
        },
        "referrer_reward": {
            "related_object_parent": {"id": club.id},
            "type": "LOYALTY_CARD",
            "amount": 100,
        },
        **program,
    }
    friends = await shop.campaign(
        "Friends",
        CampaignType.REFERRAL_PROGRAM,
        kind=CampaignKind.AUTO_UPDATE,
        referral_program=parse_referral_program(raw),
    )
    return friends, club


async def referrer_code(shop: Shop) -> str:
    done = await publications.publish(
        shop.factory,
        shop.ctx,
        PublishRequest(customer=CustomerRef(source_id="ref"), campaign="Friends"),
    )
    return done.vouchers[0].voucher.code


def redeem_by(who: str, code: str) -> RedemptionRequest:
    return RedemptionRequest(
        redeemables=[RedeemableRef(object="voucher", id=code)],
        customer=CustomerRef(source_id=who),
        order=OrderDraft(amount=1000, sent=frozenset({"amount"})),
    )


async def points_of(shop: Shop, club: Campaign, who: str) -> int:
    found = await vouchers.list_vouchers(
        shop.factory, shop.ctx, VoucherQuery(campaign_id=club.id), customer=who
    )
    return sum(int((v.loyalty_card or {}).get("balance") or 0) for v in found.items)
