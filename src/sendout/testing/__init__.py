"""Fakes for tests of the domain and the services (and for users' own tests).

Nothing here touches a database or a socket: ``InMemoryUnitOfWork`` keeps rows in dicts and
copies them on commit, so a unit of work that is not committed leaves no trace, as with SQL.
Its stores (one module per area) keep the SQL stores' semantics: their ordering, paging,
``Conflict`` on a taken unique key, fencing tokens on claims. One task at a time uses them,
so a lock or ``SKIP LOCKED`` has nothing to do.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Self

from sendout.domain.clock import Clock, truncate_ms
from sendout.domain.distributions import ActionSpec, DistributionStatus, Trigger
from sendout.domain.event_catalogue import Action
from sendout.domain.events import EventChannel, EventSource
from sendout.domain.ports import (
    AsyncActionStore,
    CampaignFiguresStore,
    CampaignStore,
    CustomerStore,
    CustomEventSchemaStore,
    DeliveryStore,
    DistributionStore,
    EarningRuleStore,
    EndpointResetStore,
    EventStore,
    ExportRowStore,
    IntegrationStore,
    LoyaltyTierStore,
    NotificationStore,
    OrderStore,
    PointsStore,
    ProjectStore,
    PublicationStore,
    RedemptionStore,
    ReferralHolderStore,
    ReferralStore,
    RewardStore,
    SegmentStore,
    SendoutStore,
    SessionStore,
    ValidationSessionStore,
    VoucherStore,
    VoucherTransactionStore,
    WebhookStore,
    WriteRefused,
)
from sendout.domain.retry import RetryPolicy
from sendout.domain.sendouts import Sendout
from sendout.services import reactions
from sendout.services.context import Context
from sendout.services.pipeline.distributions import ChannelDraft, DistributionDraft
from sendout.testing.accounts import (
    AccountTables,
    InMemoryNotificationStore,
    InMemoryProjectStore,
    InMemorySessionStore,
)
from sendout.testing.campaign_figures import FakeCampaignFiguresStore
from sendout.testing.customers import (
    CustomerTables,
    InMemoryCustomerStore,
    InMemoryEventSchemaStore,
    InMemoryEventStore,
    InMemorySegmentStore,
)
from sendout.testing.exports import ExportTables, InMemoryExportRowStore
from sendout.testing.loyalty import (
    FakeEarningRuleStore,
    FakeLoyaltyTierStore,
    FakePointsStore,
    FakeRewardStore,
    FakeVoucherTransactionStore,
    LoyaltyData,
)
from sendout.testing.orders import (
    FakeOrderStore,
    FakeRedemptionStore,
    FakeReferralStore,
    FakeValidationSessionStore,
)
from sendout.testing.pipeline import (
    InMemoryAsyncActionStore,
    InMemoryDistributionStore,
    InMemoryIntegrationStore,
    InMemoryWebhookStore,
    PipelineTables,
)
from sendout.testing.promotions import FakeCampaignStore, FakeVoucherStore, PromotionsData
from sendout.testing.publications import FakePublicationStore
from sendout.testing.referral_holders import FakeReferralHolderStore
from sendout.testing.rows import copy_tables, same_tables
from sendout.testing.sendouts import (
    InMemoryDeliveryStore,
    InMemoryEndpointResetStore,
    InMemorySendoutStore,
    SendoutTables,
)

FIXED_START = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


class FakeClock:
    """A clock that moves only when told to (and by ``step`` on every read, if set)."""

    def __init__(self, start: datetime = FIXED_START, step: timedelta = timedelta(0)) -> None:
        self._now = start
        self.step = step

    def now(self) -> datetime:
        current = self._now
        self._now += self.step
        return truncate_ms(current)

    def advance(self, delta: timedelta) -> None:
        self._now += delta


def seeded_rng(seed: int = 1234) -> random.Random:
    return random.Random(seed)


@dataclass
class InMemoryData(AccountTables, CustomerTables, PipelineTables, SendoutTables, ExportTables):
    """Every table of the in-memory database, by area (``testing/accounts.py``,
    ``customers.py``, ``pipeline.py``, ``sendouts.py``; promotions and loyalty keep theirs in
    one value each, ``testing/promotions.py`` and ``testing/loyalty.py``): the committed rows,
    which a test may read (and arrange) directly."""

    promotions: PromotionsData = field(default_factory=PromotionsData)
    loyalty: LoyaltyData = field(default_factory=LoyaltyData)


class InMemoryUnitOfWork:
    """One "transaction" over every store: it works on a copy of the committed rows, which
    ``commit`` hands back, so leaving without committing leaves no trace, as with SQL.

    A read-only one refuses to write, as the SQL one does, with ``WriteRefused``: found when
    it commits or ends, by comparing its copy with what it read (a write is not stopped as
    it happens, but it never lands)."""

    def __init__(self, owner: InMemoryUnitOfWorkFactory, *, read_only: bool = False) -> None:
        self._owner = owner
        self.read_only = read_only

    async def __aenter__(self) -> Self:
        self._read = self._owner.data
        w = self._working = copy_tables(self._read)
        # Annotated with their ports: mypy checks each fake against the protocol.
        self.projects: ProjectStore = InMemoryProjectStore(w)
        self.notifications: NotificationStore = InMemoryNotificationStore(w)
        self.sessions: SessionStore = InMemorySessionStore(w)
        self.customers: CustomerStore = InMemoryCustomerStore(w)
        self.events: EventStore = InMemoryEventStore(w)
        self.event_schemas: CustomEventSchemaStore = InMemoryEventSchemaStore(w)
        self.segments: SegmentStore = InMemorySegmentStore(w)
        self.distributions: DistributionStore = InMemoryDistributionStore(w)
        self.webhooks: WebhookStore = InMemoryWebhookStore(w)
        self.integrations: IntegrationStore = InMemoryIntegrationStore(w)
        self.async_actions: AsyncActionStore = InMemoryAsyncActionStore(w)
        self.export_rows: ExportRowStore = InMemoryExportRowStore(w)
        self.sendouts: SendoutStore = InMemorySendoutStore(w)
        self.deliveries: DeliveryStore = InMemoryDeliveryStore(w)
        self.endpoint_resets: EndpointResetStore = InMemoryEndpointResetStore(w)
        promotions, loyalty = w.promotions, w.loyalty
        self.campaigns: CampaignStore = FakeCampaignStore(promotions)
        self.vouchers: VoucherStore = FakeVoucherStore(promotions)
        self.publications: PublicationStore = FakePublicationStore(promotions)
        self.orders: OrderStore = FakeOrderStore(promotions)
        self.redemptions: RedemptionStore = FakeRedemptionStore(promotions)
        self.referrals: ReferralStore = FakeReferralStore(promotions)
        self.referral_holders: ReferralHolderStore = FakeReferralHolderStore(promotions)
        self.validation_sessions: ValidationSessionStore = FakeValidationSessionStore(promotions)
        self.transactions: VoucherTransactionStore = FakeVoucherTransactionStore(loyalty)
        self.campaign_figures: CampaignFiguresStore = FakeCampaignFiguresStore(promotions, loyalty)
        self.loyalty_tiers: LoyaltyTierStore = FakeLoyaltyTierStore(loyalty)
        self.earning_rules: EarningRuleStore = FakeEarningRuleStore(loyalty)
        self.rewards: RewardStore = FakeRewardStore(loyalty)
        self.points: PointsStore = FakePointsStore(loyalty)
        return self

    def _refuse_writes(self) -> None:
        if self.read_only and not same_tables(self._working, self._read):
            raise WriteRefused("a write in a read-only unit of work")

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if exc_type is None:
            self._refuse_writes()

    async def commit(self) -> None:
        self._refuse_writes()
        # A copy: what this unit of work writes after committing waits for its next commit.
        self._owner.data = self._read = copy_tables(self._working)
        self._owner.commits += 1


class InMemoryUnitOfWorkFactory:
    """Hands out units of work over one shared in-memory database (``data``: its committed
    rows; ``commits``: how many units of work committed)."""

    def __init__(self) -> None:
        self.data = InMemoryData()
        self.commits = 0
        # The use cases publish facts: wire their reactions, as ``bootstrap`` does.
        reactions.install()

    def __call__(self, *, read_only: bool = False) -> InMemoryUnitOfWork:
        return InMemoryUnitOfWork(self, read_only=read_only)

    def sendouts(self) -> list[Sendout]:
        """The committed send-outs, oldest first."""
        return sorted(self.data.sendouts.values(), key=lambda s: (s.created_at, s.id))


def make_context(
    project_id: str = "proj_test",
    *,
    clock: Clock | None = None,
    rng: random.Random | None = None,
    request_id: str = "v-000000000000000001",
) -> Context:
    return Context(
        project_id=project_id,
        request_id=request_id,
        source=EventSource(channel=EventChannel.API, api_key_name="test", app_id="app_test"),
        clock=clock or FakeClock(),
        rng=rng or seeded_rng(),
    )


def webhook_distribution_draft(
    custom_event: str,
    url: str,
    *,
    action: ActionSpec | None = None,
    payload: str | None = None,
    headers: dict[str, str] | None = None,
    retry: RetryPolicy | None = None,
) -> DistributionDraft:
    """An active distribution fired by the custom event ``custom_event``, with one webhook
    channel to ``url`` (named after the event, on ``retry``'s ladder if given); a PLAIN action
    unless ``action`` says."""
    return DistributionDraft(
        name=f"On {custom_event}",
        status=DistributionStatus.ACTIVE,
        trigger=Trigger(event="customer.custom_event", parameters={"custom_event": custom_event}),
        action=action or ActionSpec(type=Action.PLAIN),
        channels=(
            ChannelDraft(
                event_name=custom_event,
                url=url,
                headers=headers or {},
                payload=payload,
                attributes=(),
                raw_payload=False,
                retry=retry,
            ),
        ),
    )
