"""What else happens when X: every reaction to every fact, in one table.

Read ``REACTIONS`` to answer "what happens when loyalty points are added?" without reading
the use cases: a use case changes its own state, records its events and publishes a fact
(``domain/facts.py``); the handlers listed here for that fact's type run, in this order, in
the same transaction, before the use case goes on (``services/bus.py``). A handler may
publish facts of its own, which is how one change travels:

- a customer created or changed (``CustomerChanged``: their fields, their orders or
  redemptions summary) is re-evaluated against the rule segments;
- entering an auto-update segment (``SegmentEntered``), an order paid (``OrderPaid``) and a
  custom event tracked (``CustomEventTracked``) earn the points of the earning rules
  listening to them;
- a loyalty card's balance moving (``BalanceChanged``) may move its holder's tier, and a tier
  move (``TierMoved``) earns the points of the tier's earning rules, which moves the balance;
- a referral code used by someone else (``ReferralCodeUsed``: redeemed, or named by a custom
  event) converts them, when its program converts on that, and rewards the referrer;
- a deleted customer (``CustomerRemoved``) leaves every segment.

Adding a reaction is adding a line here; ``install`` puts the table in the bus at start-up
(``sendout.bootstrap``, and ``sendout.testing`` for the fakes).
"""

from __future__ import annotations

from sendout.domain.facts import (
    BalanceChanged,
    CustomerChanged,
    CustomerRemoved,
    CustomEventTracked,
    OrderPaid,
    ReferralCodeUsed,
    SegmentEntered,
    TierMoved,
)
from sendout.services import bus
from sendout.services.customers import segments
from sendout.services.loyalty import earning, member_tiers
from sendout.services.promotions import referrals

REACTIONS: bus.Reactions = {
    CustomerChanged: [segments.reevaluate],
    CustomerRemoved: [segments.forget_member],
    SegmentEntered: [earning.on_segment_entered],
    OrderPaid: [earning.on_order_paid],
    CustomEventTracked: [earning.on_custom_event],
    BalanceChanged: [member_tiers.follow_balance],
    TierMoved: [earning.on_tier_moved],
    ReferralCodeUsed: [referrals.on_code_used],
}


def install() -> None:
    """The bus every use case publishes to runs these reactions (idempotent)."""
    bus.install(bus.Bus(REACTIONS))
