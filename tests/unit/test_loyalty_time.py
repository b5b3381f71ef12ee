"""Loyalty rules that depend on dates: expiring tiers (held, prolonged, expired), point
expiry dates, and point buckets spent soonest-to-expire first."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest

from sendout.domain.errors import InvalidPayload
from sendout.domain.events import EventType
from sendout.domain.loyalty_tiers import (
    LoyaltyTier,
    MemberTier,
    decide_tier,
    parse_tiers_expiration,
)
from sendout.domain.points import (
    BucketStatus,
    PointsBucket,
    expiry_date,
    next_expiration,
    parse_expiration_rules,
    take_from,
)

NOW = datetime(2026, 1, 15, 12, tzinfo=UTC)
SILVER = LoyaltyTier(
    id="ltr_s",
    project_id="p",
    campaign_id="c",
    name="Silver",
    points_from=0,
    points_to=99,
    created_at=NOW,
)
GOLD = LoyaltyTier(
    id="ltr_g", project_id="p", campaign_id="c", name="Gold", points_from=100, created_at=NOW
)
TIERS = [SILVER, GOLD]
MONTHLY = parse_tiers_expiration(
    {"qualification_period": "MONTH", "expiration_date": {"type": "END_OF_PERIOD"}}
)
GRACE = parse_tiers_expiration({"expiration_date": {"type": "CUSTOM", "extend": "P10D"}})


def holding(tier: LoyaltyTier, until: date | None) -> MemberTier:
    return MemberTier(
        project_id="p",
        voucher_id="v",
        campaign_id="c",
        customer_id="cust",
        tier_id=tier.id,
        start_date=date(2026, 1, 1),
        expiration_date=until,
        created_at=NOW,
    )


def kind(decision: Any) -> EventType | None:
    return None if decision.event is None else decision.event[0]


class TestExpiringTiers:
    def test_reaching_a_tier_holds_it_to_the_end_of_the_period(self) -> None:
        assert MONTHLY is not None
        decision = decide_tier(TIERS, None, 150, MONTHLY, date(2026, 1, 15))
        assert (kind(decision), decision.tier, decision.expiration_date) == (
            EventType.TIER_JOINED,
            GOLD,
            date(2026, 1, 31),
        )

    def test_a_balance_drop_keeps_the_tier_until_it_expires(self) -> None:
        assert MONTHLY is not None
        held = holding(GOLD, date(2026, 1, 31))
        decision = decide_tier(TIERS, held, 20, MONTHLY, date(2026, 1, 20))
        assert (kind(decision), decision.tier) == (None, GOLD)
        expired = decide_tier(TIERS, held, 20, MONTHLY, date(2026, 2, 1))
        assert (kind(expired), expired.tier) == (EventType.TIER_DOWNGRADED, SILVER)

    def test_qualifying_again_in_a_later_period_prolongs_the_tier(self) -> None:
        assert MONTHLY is not None
        held = holding(GOLD, date(2026, 1, 31))
        same_month = decide_tier(TIERS, held, 150, MONTHLY, date(2026, 1, 25))
        assert kind(same_month) is None
        next_month = decide_tier(TIERS, held, 150, MONTHLY, date(2026, 2, 1))
        assert (kind(next_month), next_month.expiration_date) == (
            EventType.TIER_PROLONGED,
            date(2026, 2, 28),
        )

    def test_a_custom_grace_period_starts_at_the_drop_and_ends_on_recovery(self) -> None:
        assert GRACE is not None
        held = holding(GOLD, None)
        dropped = decide_tier(TIERS, held, 50, GRACE, date(2026, 1, 15))
        assert (kind(dropped), dropped.tier, dropped.expiration_date) == (
            None,
            GOLD,
            date(2026, 1, 25),
        )
        in_grace = holding(GOLD, date(2026, 1, 25))
        recovered = decide_tier(TIERS, in_grace, 120, GRACE, date(2026, 1, 20))
        assert (kind(recovered), recovered.expiration_date) == (EventType.TIER_PROLONGED, None)
        lapsed = decide_tier(TIERS, in_grace, 50, GRACE, date(2026, 1, 26))
        assert (kind(lapsed), lapsed.tier) == (EventType.TIER_DOWNGRADED, SILVER)

    def test_an_upgrade_is_immediate(self) -> None:
        assert MONTHLY is not None
        decision = decide_tier(TIERS, holding(SILVER, date(2026, 1, 31)), 300, MONTHLY, NOW.date())
        assert (kind(decision), decision.tier, decision.moved) == (
            EventType.TIER_UPGRADED,
            GOLD,
            True,
        )

    @pytest.mark.parametrize(
        "raw",
        [
            {"qualification_type": "POINTS_IN_PERIOD"},
            {"start_date": {"type": "NEXT_PERIOD"}},
            {"expiration_date": {"type": "END_OF_PERIOD"}},
            {"expiration_date": {"type": "CUSTOM"}},
            {"expiration_date": {"type": "CUSTOM", "extend": "3 months"}},
            {"expiration_date": {"type": "SOMEDAY"}},
        ],
    )
    def test_bad_rules_are_refused(self, raw: dict[str, Any]) -> None:
        with pytest.raises(InvalidPayload):
            parse_tiers_expiration(raw)


class TestPointExpiry:
    @pytest.mark.parametrize(
        ("rules", "earned", "last_day"),
        [
            ({"period_type": "DAY", "period_value": 30}, date(2026, 1, 15), date(2026, 2, 14)),
            ({"period_type": "MONTH", "period_value": 1}, date(2026, 1, 31), date(2026, 2, 28)),
            (
                {"period_type": "MONTH", "period_value": 2, "rounding_type": "END_OF_QUARTER"},
                date(2026, 1, 15),
                date(2026, 3, 31),
            ),
            (
                {"period_type": "MONTH", "period_value": 12, "rounding_type": "END_OF_YEAR"},
                date(2026, 5, 1),
                date(2027, 12, 31),
            ),
        ],
    )
    def test_last_days(self, rules: dict[str, Any], earned: date, last_day: date) -> None:
        assert expiry_date(parse_expiration_rules(rules), earned) == last_day

    def test_points_leave_the_buckets_that_expire_first(self) -> None:
        def bucket(name: str, left: int, day: int) -> PointsBucket:
            return PointsBucket(
                id=name,
                project_id="p",
                voucher_id="v",
                campaign_id="c",
                total_points=left,
                points_left=left,
                expires_at=date(2026, 2, day),
                created_at=NOW,
            )

        later, sooner = bucket("later", 50, 20), bucket("sooner", 30, 10)
        changed = take_from([later, sooner], 40, NOW)
        assert [(b.id, b.points_left, b.status) for b in changed] == [
            ("sooner", 0, BucketStatus.USED),
            ("later", 40, BucketStatus.ACTIVE),
        ]
        assert next_expiration(changed) == {
            "next_expiration_date": "2026-02-20",
            "next_expiration_points": 40,
        }
