"""The ports of promotions: campaigns and their codes, publications, redemptions, balances,
orders, referrals and referral code holders."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol

from sendout.domain.balances import TransactionQuery, VoucherTransaction
from sendout.domain.campaign_summary import CampaignFigures, SummaryWindow
from sendout.domain.campaigns import Campaign, CampaignQuery, PromotionTier
from sendout.domain.orders import Order, OrderQuery, OrdersSummary
from sendout.domain.ports.common import Page
from sendout.domain.promotion_tiers import PromotionTierQuery
from sendout.domain.publications import Publication, PublicationQuery
from sendout.domain.redemptions import Redemption, RedemptionQuery
from sendout.domain.referral_holders import ReferralHolder
from sendout.domain.referrals import Referral
from sendout.domain.validation_sessions import SessionHold
from sendout.domain.vouchers import Voucher, VoucherQuery, WalletQuery


class CampaignStore(Protocol):
    async def add(self, campaign: Campaign) -> None: ...
    async def update(self, campaign: Campaign) -> None: ...
    async def get(self, project_id: str, id_or_name: str) -> Campaign | None:
        """A live campaign by id, else by name."""
        ...

    async def get_many(self, project_id: str, ids: Sequence[str]) -> dict[str, Campaign]: ...
    async def get_for_update(self, project_id: str, campaign_id: str) -> Campaign | None:
        """The campaign, locked until the transaction ends (serializes its publications)."""
        ...

    async def list(self, project_id: str, query: CampaignQuery) -> Page[Campaign]: ...
    async def add_vouchers_count(self, campaign_id: str, delta: int) -> None: ...
    async def add_tier(self, tier: PromotionTier) -> None: ...
    async def update_tier(self, tier: PromotionTier) -> None: ...
    async def remove_tier(self, project_id: str, tier_id: str) -> None: ...
    async def get_tier(self, project_id: str, tier_id: str) -> PromotionTier | None:
        """The tier, whatever its campaign's state (the caller checks the campaign)."""
        ...

    async def tiers(
        self, project_id: str, campaign_ids: Sequence[str]
    ) -> Sequence[PromotionTier]: ...
    async def list_tiers(self, project_id: str, query: PromotionTierQuery) -> Page[PromotionTier]:
        """The tiers of the project's live promotion campaigns, a page of them."""
        ...

    async def live_promotions(self, project_id: str) -> Sequence[Campaign]: ...


class VoucherStore(Protocol):
    async def add(self, voucher: Voucher) -> None: ...
    async def add_codes(
        self,
        project_id: str,
        campaign_id: str,
        codes: Sequence[tuple[str, str]],
        created_at: datetime,
    ) -> int:
        """Insert bare codes (id, code) of a campaign, which inherit the rest from it. Codes
        already taken are skipped; answers how many went in."""
        ...

    async def existing_codes(self, project_id: str, codes: Sequence[str]) -> set[str]: ...
    async def count_free(self, project_id: str, campaign_ids: Sequence[str]) -> dict[str, int]:
        """Per campaign: how many of its codes no customer holds yet."""
        ...

    async def lock(self, project_id: str, voucher_id: str) -> None:
        """Hold the voucher's row until the transaction ends (serializes balance changes)."""
        ...

    async def update(self, voucher: Voucher) -> None: ...
    async def get_by_code(self, project_id: str, code: str) -> Voucher | None: ...
    async def get_many(self, project_id: str, ids: Sequence[str]) -> Sequence[Voucher]: ...
    async def remove(self, project_id: str, voucher_id: str) -> None: ...
    async def remove_some_of_campaign(
        self, project_id: str, campaign_id: str, limit: int
    ) -> int: ...
    async def list(self, project_id: str, query: VoucherQuery) -> Page[Voucher]: ...
    async def held_by(
        self, project_id: str, holder_id: str, query: WalletQuery
    ) -> Page[Voucher]: ...
    async def claim_free(
        self, project_id: str, campaign_id: str, holder_id: str, count: int, now: datetime
    ) -> Sequence[Voucher]:
        """Give up to ``count`` unpublished codes of the campaign to ``holder_id``, atomically."""
        ...

    async def claim(self, project_id: str, voucher_id: str, holder_id: str, now: datetime) -> bool:
        """Give one code to ``holder_id`` if it has no holder yet."""
        ...

    async def claim_free_for(
        self, project_id: str, campaign_id: str, holder_ids: Sequence[str], now: datetime
    ) -> Sequence[Voucher]:
        """Give one unpublished code of the campaign to each of ``holder_ids``, in one
        statement, as ``claim_free`` gives one: never a code that has a holder, nor one another
        transaction holds locked. Fewer come back when the campaign runs short."""
        ...


class PublicationStore(Protocol):
    async def add(self, publication: Publication) -> None: ...
    async def add_many(self, publications: Sequence[Publication]) -> None: ...
    async def get_by_source_id(self, project_id: str, source_id: str) -> Publication | None: ...
    async def first_for(
        self, project_id: str, customer_id: str, campaign_id: str
    ) -> Publication | None: ...
    async def list(self, project_id: str, query: PublicationQuery) -> Page[Publication]: ...


class VoucherTransactionStore(Protocol):
    async def add(self, transaction: VoucherTransaction) -> None: ...
    async def list_for_voucher(
        self, project_id: str, voucher_id: str, query: TransactionQuery
    ) -> Page[VoucherTransaction]: ...
    async def list_for_campaign(
        self, project_id: str, campaign_id: str, query: TransactionQuery
    ) -> Page[VoucherTransaction]: ...


class CampaignFiguresStore(Protocol):
    async def figures(
        self, project_id: str, campaign_id: str, window: SummaryWindow
    ) -> CampaignFigures:
        """The campaign's tallies over the rows created in ``window``."""
        ...


class RedemptionStore(Protocol):
    async def add_many(self, redemptions: Sequence[Redemption]) -> None: ...
    async def mark_rolled_back(self, redemption_id: str, rollback_id: str) -> None: ...
    async def get(self, project_id: str, redemption_id: str) -> Redemption | None: ...
    async def children(self, project_id: str, parent_id: str) -> Sequence[Redemption]: ...
    async def of_voucher(self, project_id: str, voucher_id: str) -> Sequence[Redemption]: ...
    async def list(self, project_id: str, query: RedemptionQuery) -> Page[Redemption]: ...
    async def totals_of(self, project_id: str, customer_id: str) -> dict[str, tuple[int, int]]:
        """Per status: how many of the customer's redemptions, and their gift credits."""
        ...


class OrderStore(Protocol):
    async def add(self, order: Order) -> None: ...
    async def update(self, order: Order) -> None: ...
    async def get(self, project_id: str, order_id: str) -> Order | None: ...
    async def get_by_source_id(self, project_id: str, source_id: str) -> Order | None: ...
    async def list(self, project_id: str, query: OrderQuery) -> Page[Order]: ...
    async def summary_of(self, project_id: str, customer_id: str) -> OrdersSummary:
        """The customer's order count, total and last order, from their orders."""
        ...


class ReferralStore(Protocol):
    async def add(self, referral: Referral) -> None: ...
    async def of_referee(
        self, project_id: str, campaign_id: str, referee_id: str
    ) -> Referral | None: ...
    async def of_referrer(self, project_id: str, referrer_id: str) -> Sequence[Referral]: ...


class ReferralHolderStore(Protocol):
    async def add(self, holder: ReferralHolder) -> None:
        """Refused with ``Conflict`` when the customer already holds the code."""
        ...

    async def of_code(self, project_id: str, voucher_id: str) -> Sequence[ReferralHolder]:
        """Every holder of the code, oldest first (a code has few: ``MAX_HOLDERS_PER_CODE``)."""
        ...

    async def list(
        self,
        project_id: str,
        voucher_id: str,
        *,
        limit: int,
        descending: bool,
        starting_after_id: str | None,
    ) -> Page[ReferralHolder]:
        """A cursor page of the code's holders in id order, with their ``total``."""
        ...

    async def remove(self, project_id: str, voucher_id: str, holder_id: str) -> bool:
        """False when the code has no such holder."""
        ...


class ValidationSessionStore(Protocol):
    """What validation sessions hold back of codes (``domain/validation_sessions.py``)."""

    async def holding(
        self, project_id: str, voucher_id: str, now: datetime
    ) -> Sequence[SessionHold]:
        """The holds on a code that last beyond ``now``."""
        ...

    async def put(self, hold: SessionHold) -> None:
        """Keep ``hold``, replacing what its session held of that code (and forgetting the
        code's holds that ended by ``hold.created_at``)."""
        ...

    async def release(self, project_id: str, key: str, voucher_id: str) -> bool:
        """End the session's hold on a code; whether it held one."""
        ...
