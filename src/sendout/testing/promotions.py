"""In-memory promotion stores: campaigns and codes, as the SQL stores of
``adapters/db/promotion_stores.py`` keep them (publications: ``testing/publications.py``;
orders, redemptions and referrals: ``testing/orders.py``; referral code holders:
``testing/referral_holders.py``).

Each store matches its port in ``domain/ports.py``: the same filters, the same order (NULLs
first, as SQLite sorts them), the same pages, and a broken unique key raises ``Conflict``
as the SQL stores do. A claim is atomic here as it is there, since one unit of work runs at
a time; locks have nothing to hold. ``PromotionsData`` is what a unit of work copies on
entering and writes back on commit.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any, TypeVar

from sendout.domain.campaigns import Campaign, CampaignQuery, CampaignType, PromotionTier
from sendout.domain.errors import Conflict
from sendout.domain.orders import Order
from sendout.domain.ports import Page
from sendout.domain.promotion_tiers import PromotionTierQuery, TierOrder
from sendout.domain.publications import Publication
from sendout.domain.redemptions import Redemption
from sendout.domain.referral_holders import ReferralHolder
from sendout.domain.referrals import Referral
from sendout.domain.validation_sessions import SessionHold
from sendout.domain.vouchers import Voucher, VoucherQuery, WalletQuery

T = TypeVar("T")


@dataclass
class PromotionsData:
    campaigns: dict[str, Campaign] = field(default_factory=dict)
    #: promotion tiers, in the order they were added
    tiers: list[PromotionTier] = field(default_factory=list)
    vouchers: dict[str, Voucher] = field(default_factory=dict)
    #: in the order they were added (the SQL table's ``seq``)
    publications: list[Publication] = field(default_factory=list)
    orders: dict[str, Order] = field(default_factory=dict)
    redemptions: dict[str, Redemption] = field(default_factory=dict)
    referrals: dict[str, Referral] = field(default_factory=dict)
    referral_holders: dict[str, ReferralHolder] = field(default_factory=dict)
    #: by (project, session key, code's id)
    validation_sessions: dict[tuple[str, str, str], SessionHold] = field(default_factory=dict)

    def copy(self) -> PromotionsData:
        # Rows are frozen values: copying the containers copies the tables.
        return PromotionsData(
            dict(self.campaigns),
            list(self.tiers),
            dict(self.vouchers),
            list(self.publications),
            dict(self.orders),
            dict(self.redemptions),
            dict(self.referrals),
            dict(self.referral_holders),
            dict(self.validation_sessions),
        )


def nulls_first(value: Any) -> tuple[bool, Any]:
    """A sort key that puts None before every value, as SQLite orders NULLs."""
    return (value is not None, value)


def paged(found: Sequence[T], limit: int, page: int) -> Page[T]:
    """One page of rows already filtered and ordered, counted as the SQL stores count."""
    offset = (page - 1) * limit
    items = list(found[offset : offset + limit])
    return Page(items=items, total=len(found), has_more=offset + len(items) < len(found))


def by_cursor(
    rows: Iterable[T], id_of: Callable[[T], str], after: str | None, limit: int, descending: bool
) -> Page[T]:
    """Rows in id order after the cursor ``after`` (ids sort by creation), without a total."""
    ordered = sorted(rows, key=id_of, reverse=descending)
    if after is not None:
        ordered = [r for r in ordered if (id_of(r) < after if descending else id_of(r) > after)]
    return Page(items=ordered[:limit], total=None, has_more=len(ordered) > limit)


def duplicate(table: str) -> Conflict:
    return Conflict(details=f"Duplicate key in {table}")


class FakeCampaignStore:
    def __init__(self, data: PromotionsData) -> None:
        self.data = data

    def _check_name(self, campaign: Campaign) -> None:
        """Names are unique among a project's live campaigns."""
        if campaign.deleted_at is not None:
            return
        for other in self.data.campaigns.values():
            if (
                other.id != campaign.id
                and other.project_id == campaign.project_id
                and other.name == campaign.name
                and other.deleted_at is None
            ):
                raise duplicate("campaigns")

    async def add(self, campaign: Campaign) -> None:
        if campaign.id in self.data.campaigns:
            raise duplicate("campaigns")
        self._check_name(campaign)
        self.data.campaigns[campaign.id] = campaign

    async def update(self, campaign: Campaign) -> None:
        current = self.data.campaigns.get(campaign.id)
        if current is None or current.project_id != campaign.project_id:
            return
        # The counter moves only through add_vouchers_count, as in SQL.
        kept = replace(
            campaign, vouchers_count=current.vouchers_count, created_at=current.created_at
        )
        self._check_name(kept)
        self.data.campaigns[campaign.id] = kept

    def _live(self, project_id: str) -> list[Campaign]:
        return [
            c
            for c in self.data.campaigns.values()
            if c.project_id == project_id and c.deleted_at is None
        ]

    def _by_id(self, project_id: str, key: str) -> Campaign | None:
        return next((c for c in self._live(project_id) if c.id == key), None)

    def _by_name(self, project_id: str, key: str) -> Campaign | None:
        return next((c for c in self._live(project_id) if c.name == key), None)

    async def get(self, project_id: str, id_or_name: str) -> Campaign | None:
        first, second = (
            (self._by_id, self._by_name)
            if id_or_name.startswith("camp_")
            else (self._by_name, self._by_id)
        )
        return first(project_id, id_or_name) or second(project_id, id_or_name)

    async def get_many(self, project_id: str, ids: Sequence[str]) -> dict[str, Campaign]:
        # Deleted campaigns too: their codes still show what they were.
        return {
            c.id: c
            for c in self.data.campaigns.values()
            if c.project_id == project_id and c.id in set(ids)
        }

    async def get_for_update(self, project_id: str, campaign_id: str) -> Campaign | None:
        return self._by_id(project_id, campaign_id)

    async def list(self, project_id: str, query: CampaignQuery) -> Page[Campaign]:
        def keep(c: Campaign) -> bool:
            referral = c.campaign_type is CampaignType.REFERRAL_PROGRAM
            return (
                (query.campaign_type is None or c.campaign_type is query.campaign_type)
                and (query.creation_status is None or c.creation_status is query.creation_status)
                and (query.is_referral_code is None or referral == query.is_referral_code)
            )

        def order(c: Campaign) -> tuple[tuple[bool, Any], str]:
            return nulls_first(c.updated_at if query.order_by_updated else c.created_at), c.id

        found = sorted(filter(keep, self._live(project_id)), key=order, reverse=query.descending)
        return paged(found, query.limit, query.page)

    async def add_vouchers_count(self, campaign_id: str, delta: int) -> None:
        current = self.data.campaigns.get(campaign_id)
        if current is not None:
            self.data.campaigns[campaign_id] = replace(
                current, vouchers_count=current.vouchers_count + delta
            )

    async def add_tier(self, tier: PromotionTier) -> None:
        if any(t.id == tier.id for t in self.data.tiers):
            raise duplicate("promotion_tiers")
        self.data.tiers.append(tier)

    async def update_tier(self, tier: PromotionTier) -> None:
        self.data.tiers = [
            tier if (t.project_id, t.id) == (tier.project_id, tier.id) else t
            for t in self.data.tiers
        ]

    async def remove_tier(self, project_id: str, tier_id: str) -> None:
        self.data.tiers = [
            t for t in self.data.tiers if (t.project_id, t.id) != (project_id, tier_id)
        ]

    async def get_tier(self, project_id: str, tier_id: str) -> PromotionTier | None:
        return next(
            (t for t in self.data.tiers if (t.project_id, t.id) == (project_id, tier_id)), None
        )

    async def tiers(self, project_id: str, campaign_ids: Sequence[str]) -> Sequence[PromotionTier]:
        wanted = set(campaign_ids)
        found = [
            t for t in self.data.tiers if t.project_id == project_id and t.campaign_id in wanted
        ]
        return sorted(found, key=lambda t: (t.campaign_id, t.hierarchy, t.created_at))

    async def list_tiers(self, project_id: str, query: PromotionTierQuery) -> Page[PromotionTier]:
        now = query.available_at
        live = {
            c.id
            for c in await self.live_promotions(project_id)
            if now is None or c.is_active_at(now)
        }
        found = [t for t in await self.tiers(project_id, sorted(live)) if now is None or t.active]

        def order(t: PromotionTier) -> tuple[datetime, str]:
            return (
                t.updated_at or t.created_at
            ) if query.order is TierOrder.UPDATED_AT else t.created_at, t.id

        found.sort(key=order, reverse=query.descending)
        return paged(found, query.limit, query.page)

    async def live_promotions(self, project_id: str) -> Sequence[Campaign]:
        return [c for c in self._live(project_id) if c.campaign_type is CampaignType.PROMOTION]


def _held(voucher: Voucher, holder_id: str, now: datetime) -> Voucher:
    return replace(voucher, holder_id=holder_id, published_at=now, updated_at=now)


class FakeVoucherStore:
    def __init__(self, data: PromotionsData) -> None:
        self.data = data

    def _of(self, project_id: str) -> list[Voucher]:
        return [v for v in self.data.vouchers.values() if v.project_id == project_id]

    def _taken(self, voucher: Voucher) -> bool:
        """Whether another code of the project has this one's code (a unique key)."""
        return any(
            v.code == voucher.code and v.id != voucher.id for v in self._of(voucher.project_id)
        )

    async def lock(self, project_id: str, voucher_id: str) -> None:
        return None  # one unit of work at a time: nothing to wait for

    async def add(self, voucher: Voucher) -> None:
        if voucher.id in self.data.vouchers or self._taken(voucher):
            raise duplicate("vouchers")
        self.data.vouchers[voucher.id] = voucher

    async def add_codes(
        self,
        project_id: str,
        campaign_id: str,
        codes: Sequence[tuple[str, str]],
        created_at: datetime,
    ) -> int:
        added = 0
        for voucher_id, code in codes:
            voucher = Voucher(
                id=voucher_id,
                project_id=project_id,
                code=code,
                campaign_id=campaign_id,
                created_at=created_at,
            )
            if voucher_id not in self.data.vouchers and not self._taken(voucher):
                self.data.vouchers[voucher_id] = voucher
                added += 1
        return added

    async def existing_codes(self, project_id: str, codes: Sequence[str]) -> set[str]:
        return {v.code for v in self._of(project_id)} & set(codes)

    async def count_free(self, project_id: str, campaign_ids: Sequence[str]) -> dict[str, int]:
        found = dict.fromkeys(campaign_ids, 0)
        for v in self._of(project_id):
            if v.campaign_id in found and v.holder_id is None:
                found[v.campaign_id] += 1
        return found

    async def update(self, voucher: Voucher) -> None:
        current = self.data.vouchers.get(voucher.id)
        if current is None or current.project_id != voucher.project_id:
            return
        if self._taken(voucher):
            raise duplicate("vouchers")
        self.data.vouchers[voucher.id] = replace(voucher, created_at=current.created_at)

    async def get_by_code(self, project_id: str, code: str) -> Voucher | None:
        return next((v for v in self._of(project_id) if v.code == code), None)

    async def get_many(self, project_id: str, ids: Sequence[str]) -> Sequence[Voucher]:
        by_id = {v.id: v for v in self._of(project_id)}
        return [by_id[i] for i in ids if i in by_id]

    async def remove(self, project_id: str, voucher_id: str) -> None:
        current = self.data.vouchers.get(voucher_id)
        if current is not None and current.project_id == project_id:
            del self.data.vouchers[voucher_id]

    async def remove_some_of_campaign(self, project_id: str, campaign_id: str, limit: int) -> int:
        some = sorted(v.id for v in self._of(project_id) if v.campaign_id == campaign_id)[:limit]
        for voucher_id in some:
            del self.data.vouchers[voucher_id]
        return len(some)

    async def list(self, project_id: str, query: VoucherQuery) -> Page[Voucher]:
        def keep(v: Voucher) -> bool:
            return (
                (query.campaign_id is None or v.campaign_id == query.campaign_id)
                and (query.holder_id is None or v.holder_id == query.holder_id)
                and (query.code is None or v.code == query.code)
                and (query.ids is None or v.id in query.ids)
                and (query.category is None or v.category == query.category)
                and _within(v.created_at, query.created_after, query.created_before)
                and _within(v.updated_at, query.updated_after, query.updated_before)
            )

        def order(v: Voucher) -> tuple[tuple[bool, Any], str]:
            # Voucher ids are time-ordered: ordering by id is ordering by creation.
            column = {"created_at": v.id, "updated_at": v.updated_at, "code": v.code}[query.order]
            return nulls_first(column), v.id

        found = sorted(filter(keep, self._of(project_id)), key=order, reverse=query.descending)
        return paged(found, query.limit, query.page)

    async def held_by(self, project_id: str, holder_id: str, query: WalletQuery) -> Page[Voucher]:
        mine = [v for v in self._of(project_id) if v.holder_id == holder_id]
        return by_cursor(
            mine, lambda v: v.id, query.starting_after_id, query.limit, query.descending
        )

    def _free(self, project_id: str, campaign_id: str) -> Sequence[Voucher]:
        return sorted(
            (
                v
                for v in self._of(project_id)
                if v.campaign_id == campaign_id and v.holder_id is None and v.active is not False
            ),
            key=lambda v: v.id,
        )

    async def claim_free(
        self, project_id: str, campaign_id: str, holder_id: str, count: int, now: datetime
    ) -> Sequence[Voucher]:
        taken = [_held(v, holder_id, now) for v in self._free(project_id, campaign_id)[:count]]
        self.data.vouchers.update((v.id, v) for v in taken)
        return taken

    async def claim(self, project_id: str, voucher_id: str, holder_id: str, now: datetime) -> bool:
        current = self.data.vouchers.get(voucher_id)
        if current is None or current.project_id != project_id or current.holder_id is not None:
            return False
        self.data.vouchers[voucher_id] = _held(current, holder_id, now)
        return True

    async def claim_free_for(
        self, project_id: str, campaign_id: str, holder_ids: Sequence[str], now: datetime
    ) -> Sequence[Voucher]:
        free = self._free(project_id, campaign_id)
        taken = [_held(v, h, now) for v, h in zip(free, holder_ids, strict=False)]
        self.data.vouchers.update((v.id, v) for v in taken)
        return taken


def _within(value: datetime | None, after: datetime | None, before: datetime | None) -> bool:
    """Strictly between the bounds given; a row without the value matches no bound (NULL)."""
    if after is None and before is None:
        return True
    return (
        value is not None
        and (after is None or value > after)
        and (before is None or value < before)
    )
