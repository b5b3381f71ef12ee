"""In-memory loyalty stores: voucher transactions, loyalty tiers and the tiers members hold,
earning rules, rewards and their assignments, pending points and point buckets, as the SQL
stores of ``adapters/db/`` keep them (``transaction_stores.py``, ``loyalty_stores.py``,
``earning_stores.py``, ``reward_stores.py``, ``points_stores.py``).

The same filters, order and pages as there; a broken unique key (a program offering a reward
twice, an id used twice) raises ``Conflict``; a reward's stock is taken atomically, as one
unit of work runs at a time. ``LoyaltyData`` is what a unit of work copies on entering and
writes back on commit.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import date

from sendout.domain.balances import TransactionQuery, VoucherTransaction
from sendout.domain.earning_rules import EarningEvent, EarningRule
from sendout.domain.list_filters import ListFilter, holds_constant
from sendout.domain.loyalty_tiers import LoyaltyTier, MemberTier
from sendout.domain.points import BucketStatus, PendingPoints, PointsBucket
from sendout.domain.ports import Page
from sendout.domain.rewards import Reward, RewardAssignment
from sendout.testing.promotions import by_cursor, duplicate, paged


@dataclass
class LoyaltyData:
    transactions: dict[str, VoucherTransaction] = field(default_factory=dict)
    #: in the order they were added
    tiers: list[LoyaltyTier] = field(default_factory=list)
    #: by loyalty card id
    member_tiers: dict[str, MemberTier] = field(default_factory=dict)
    earning_rules: dict[str, EarningRule] = field(default_factory=dict)
    rewards: dict[str, Reward] = field(default_factory=dict)
    assignments: dict[str, RewardAssignment] = field(default_factory=dict)
    pending: dict[str, PendingPoints] = field(default_factory=dict)
    buckets: dict[str, PointsBucket] = field(default_factory=dict)

    def copy(self) -> LoyaltyData:
        # Rows are frozen values: copying the containers copies the tables.
        return LoyaltyData(
            dict(self.transactions),
            list(self.tiers),
            dict(self.member_tiers),
            dict(self.earning_rules),
            dict(self.rewards),
            dict(self.assignments),
            dict(self.pending),
            dict(self.buckets),
        )


def _matches(transaction: VoucherTransaction, wanted: ListFilter) -> bool:
    values = {"id": transaction.id, "voucher_id": transaction.voucher_id}
    held = [holds_constant(c, values[c.field]) for c in wanted.conditions]
    return any(held) if wanted.any_of else all(held)


class FakeVoucherTransactionStore:
    def __init__(self, data: LoyaltyData) -> None:
        self.data = data

    async def add(self, transaction: VoucherTransaction) -> None:
        if transaction.id in self.data.transactions:
            raise duplicate("voucher_transactions")
        self.data.transactions[transaction.id] = transaction

    async def list_for_voucher(
        self, project_id: str, voucher_id: str, query: TransactionQuery
    ) -> Page[VoucherTransaction]:
        return self._list(project_id, query, voucher_id=voucher_id)

    async def list_for_campaign(
        self, project_id: str, campaign_id: str, query: TransactionQuery
    ) -> Page[VoucherTransaction]:
        return self._list(project_id, query, campaign_id=campaign_id)

    def _list(
        self,
        project_id: str,
        query: TransactionQuery,
        *,
        voucher_id: str | None = None,
        campaign_id: str | None = None,
    ) -> Page[VoucherTransaction]:
        found = [
            t
            for t in self.data.transactions.values()
            if t.project_id == project_id
            and (voucher_id is None or t.voucher_id == voucher_id)
            and (campaign_id is None or t.campaign_id == campaign_id)
            and (not query.filters or _matches(t, query.filters))
        ]
        return by_cursor(
            found, lambda t: t.id, query.starting_after_id, query.limit, query.descending
        )


class FakeLoyaltyTierStore:
    def __init__(self, data: LoyaltyData) -> None:
        self.data = data

    async def add_many(self, tiers: Sequence[LoyaltyTier]) -> None:
        ids = [t.id for t in [*self.data.tiers, *tiers]]
        if len(set(ids)) != len(ids):
            raise duplicate("loyalty_tiers")
        self.data.tiers.extend(tiers)

    async def of_campaign(self, project_id: str, campaign_id: str) -> Sequence[LoyaltyTier]:
        found = [
            t
            for t in self.data.tiers
            if t.project_id == project_id and t.campaign_id == campaign_id
        ]
        return sorted(found, key=lambda t: t.points_from)

    async def held(self, project_id: str, voucher_id: str) -> MemberTier | None:
        found = self.data.member_tiers.get(voucher_id)
        return found if found is not None and found.project_id == project_id else None

    async def hold(self, held: MemberTier) -> None:
        current = await self.held(held.project_id, held.voucher_id)
        # An update keeps the row's creation; an insert takes the one given.
        created_at = held.created_at if current is None else current.created_at
        self.data.member_tiers[held.voucher_id] = replace(held, created_at=created_at)

    async def release(self, project_id: str, voucher_id: str) -> None:
        if await self.held(project_id, voucher_id) is not None:
            del self.data.member_tiers[voucher_id]

    async def expired(self, today: date, limit: int) -> Sequence[tuple[str, str]]:
        due = [
            m
            for m in self.data.member_tiers.values()
            if m.expiration_date is not None and m.expiration_date < today
        ]
        due.sort(key=lambda m: m.expiration_date or today)
        return [(m.project_id, m.voucher_id) for m in due[:limit]]


class FakeEarningRuleStore:
    def __init__(self, data: LoyaltyData) -> None:
        self.data = data

    async def add_many(self, rules: Sequence[EarningRule]) -> None:
        ids = [r.id for r in rules]
        if len(set(ids)) != len(ids) or any(i in self.data.earning_rules for i in ids):
            raise duplicate("earning_rules")
        self.data.earning_rules.update((r.id, r) for r in rules)

    async def update(self, rule: EarningRule) -> None:
        current = self.data.earning_rules.get(rule.id)
        if current is not None:
            self.data.earning_rules[rule.id] = replace(
                rule, project_id=current.project_id, created_at=current.created_at
            )

    async def remove(self, project_id: str, rule_id: str) -> None:
        current = self.data.earning_rules.get(rule_id)
        if current is not None and current.project_id == project_id:
            del self.data.earning_rules[rule_id]

    async def of_campaign(self, project_id: str, campaign_id: str) -> Sequence[EarningRule]:
        found = [
            r
            for r in self.data.earning_rules.values()
            if r.project_id == project_id and r.campaign_id == campaign_id
        ]
        return sorted(found, key=lambda r: (r.created_at, r.id))

    async def active_for(self, project_id: str, event: EarningEvent) -> Sequence[EarningRule]:
        return [
            r
            for r in self.data.earning_rules.values()
            if r.project_id == project_id and r.event is event and r.active
        ]


class FakeRewardStore:
    def __init__(self, data: LoyaltyData) -> None:
        self.data = data

    async def add(self, reward: Reward) -> None:
        if reward.id in self.data.rewards:
            raise duplicate("rewards")
        self.data.rewards[reward.id] = reward

    async def update(self, reward: Reward) -> None:
        current = self.data.rewards.get(reward.id)
        if current is not None:
            # The count given moves only through take_one, as in SQL.
            self.data.rewards[reward.id] = replace(
                reward,
                project_id=current.project_id,
                created_at=current.created_at,
                redeemed=current.redeemed,
            )

    async def remove(self, project_id: str, reward_id: str) -> None:
        for assignment in list(self.data.assignments.values()):
            if assignment.project_id == project_id and assignment.reward_id == reward_id:
                del self.data.assignments[assignment.id]
        if await self.get(project_id, reward_id) is not None:
            del self.data.rewards[reward_id]

    async def get(self, project_id: str, reward_id: str) -> Reward | None:
        found = self.data.rewards.get(reward_id)
        return found if found is not None and found.project_id == project_id else None

    async def list(self, project_id: str, limit: int, page: int) -> Page[Reward]:
        found = [r for r in self.data.rewards.values() if r.project_id == project_id]
        return paged(sorted(found, key=lambda r: (r.created_at, r.id)), limit, page)

    async def take_one(self, project_id: str, reward_id: str) -> bool:
        reward = await self.get(project_id, reward_id)
        if reward is None or (reward.stock is not None and reward.redeemed >= reward.stock):
            return False
        self.data.rewards[reward_id] = replace(reward, redeemed=reward.redeemed + 1)
        return True

    async def add_assignment(self, assignment: RewardAssignment) -> None:
        taken = any(
            (a.reward_id, a.campaign_id) == (assignment.reward_id, assignment.campaign_id)
            for a in self.data.assignments.values()
        )
        if taken or assignment.id in self.data.assignments:
            raise duplicate("reward_assignments")  # a program offers a reward once
        self.data.assignments[assignment.id] = assignment

    async def update_assignment(self, assignment: RewardAssignment) -> None:
        current = self.data.assignments.get(assignment.id)
        if current is not None:
            self.data.assignments[assignment.id] = replace(
                current, points=assignment.points, updated_at=assignment.updated_at
            )

    async def remove_assignment(self, project_id: str, assignment_id: str) -> None:
        if await self.get_assignment(project_id, assignment_id) is not None:
            del self.data.assignments[assignment_id]

    async def get_assignment(self, project_id: str, assignment_id: str) -> RewardAssignment | None:
        found = self.data.assignments.get(assignment_id)
        return found if found is not None and found.project_id == project_id else None

    async def offer(
        self, project_id: str, campaign_id: str, reward_id: str
    ) -> RewardAssignment | None:
        return next(
            (
                a
                for a in self.data.assignments.values()
                if a.project_id == project_id
                and (a.campaign_id, a.reward_id) == (campaign_id, reward_id)
            ),
            None,
        )

    async def assignments(
        self,
        project_id: str,
        *,
        reward_id: str | None = None,
        campaign_id: str | None = None,
        limit: int = 100,
        page: int = 1,
    ) -> Page[RewardAssignment]:
        found = [
            a
            for a in self.data.assignments.values()
            if a.project_id == project_id
            and (reward_id is None or a.reward_id == reward_id)
            and (campaign_id is None or a.campaign_id == campaign_id)
        ]
        return paged(sorted(found, key=lambda a: (a.created_at, a.id)), limit, page)


class FakePointsStore:
    def __init__(self, data: LoyaltyData) -> None:
        self.data = data

    async def add_pending(self, pending: PendingPoints) -> None:
        if pending.id in self.data.pending:
            raise duplicate("pending_points")
        self.data.pending[pending.id] = pending

    async def update_pending(self, pending: PendingPoints) -> None:
        current = self.data.pending.get(pending.id)
        if current is not None:
            self.data.pending[pending.id] = replace(
                current, points=pending.points, updated_at=pending.updated_at
            )

    async def remove_pending(self, project_id: str, pending_id: str) -> None:
        if await self.get_pending(project_id, pending_id) is not None:
            del self.data.pending[pending_id]

    async def get_pending(self, project_id: str, pending_id: str) -> PendingPoints | None:
        found = self.data.pending.get(pending_id)
        return found if found is not None and found.project_id == project_id else None

    async def list_pending(
        self,
        project_id: str,
        *,
        voucher_id: str | None = None,
        campaign_id: str | None = None,
        limit: int = 10,
        descending: bool = True,
        starting_after_id: str | None = None,
    ) -> Page[PendingPoints]:
        found = [
            p
            for p in self.data.pending.values()
            if p.project_id == project_id
            and (voucher_id is None or p.voucher_id == voucher_id)
            and (campaign_id is None or p.campaign_id == campaign_id)
        ]
        return by_cursor(found, lambda p: p.id, starting_after_id, limit, descending)

    async def pending_total(self, project_id: str, voucher_id: str) -> int:
        return sum(
            p.points
            for p in self.data.pending.values()
            if p.project_id == project_id and p.voucher_id == voucher_id
        )

    async def due_pending(self, today: date, limit: int) -> Sequence[PendingPoints]:
        due = [p for p in self.data.pending.values() if p.activates_at <= today]
        return sorted(due, key=lambda p: (p.activates_at, p.id))[:limit]

    async def add_bucket(self, bucket: PointsBucket) -> None:
        if bucket.id in self.data.buckets:
            raise duplicate("points_buckets")
        self.data.buckets[bucket.id] = bucket

    async def update_buckets(self, buckets: Sequence[PointsBucket]) -> None:
        for bucket in buckets:
            current = self.data.buckets.get(bucket.id)
            if current is not None:
                self.data.buckets[bucket.id] = replace(
                    current,
                    points_left=bucket.points_left,
                    status=bucket.status,
                    updated_at=bucket.updated_at,
                )

    def _of_card(self, project_id: str, voucher_id: str) -> list[PointsBucket]:
        found = [
            b
            for b in self.data.buckets.values()
            if b.project_id == project_id and b.voucher_id == voucher_id
        ]
        return sorted(found, key=lambda b: (b.expires_at, b.created_at, b.id))

    async def active_buckets(self, project_id: str, voucher_id: str) -> Sequence[PointsBucket]:
        return [b for b in self._of_card(project_id, voucher_id) if b.status is BucketStatus.ACTIVE]

    async def cards_to_expire(self, today: date, limit: int) -> Sequence[tuple[str, str]]:
        soonest: dict[tuple[str, str], date] = {}
        for b in self.data.buckets.values():
            if b.status is BucketStatus.ACTIVE and b.expires_at < today:
                card = (b.project_id, b.voucher_id)
                soonest[card] = min(soonest.get(card, b.expires_at), b.expires_at)
        return sorted(soonest, key=lambda card: soonest[card])[:limit]

    async def buckets(
        self, project_id: str, voucher_id: str, limit: int, page: int
    ) -> Page[PointsBucket]:
        return paged(self._of_card(project_id, voucher_id), limit, page)
