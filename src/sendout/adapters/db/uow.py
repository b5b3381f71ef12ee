"""The unit of work: one transaction, every store bound to it."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Self

from sendout.adapters.db.crypto import PLAIN, SecretBox
from sendout.adapters.db.customer_stores import SqlCustomerStore
from sendout.adapters.db.distribution_stores import SqlDistributionStore
from sendout.adapters.db.earning_stores import SqlEarningRuleStore
from sendout.adapters.db.endpoint_reset_stores import SqlEndpointResetStore
from sendout.adapters.db.engine import Database, Transaction
from sendout.adapters.db.integration_stores import SqlIntegrationStore
from sendout.adapters.db.loyalty_stores import SqlLoyaltyTierStore
from sendout.adapters.db.notification_stores import SqlNotificationStore
from sendout.adapters.db.order_stores import SqlOrderStore
from sendout.adapters.db.points_stores import SqlPointsStore
from sendout.adapters.db.promotion_stores import (
    SqlAsyncActionStore,
    SqlCampaignStore,
    SqlPublicationStore,
    SqlVoucherStore,
)
from sendout.adapters.db.redemption_stores import SqlRedemptionStore
from sendout.adapters.db.referral_stores import SqlReferralStore
from sendout.adapters.db.reward_stores import SqlRewardStore
from sendout.adapters.db.segment_stores import SqlSegmentStore
from sendout.adapters.db.sendout_stores import SqlDeliveryStore, SqlSendoutStore
from sendout.adapters.db.session_stores import SqlSessionStore
from sendout.adapters.db.stores import (
    Observed,
    SchemaCache,
    SqlCustomEventSchemaStore,
    SqlEventStore,
    SqlProjectStore,
)
from sendout.adapters.db.transaction_stores import SqlVoucherTransactionStore
from sendout.adapters.db.webhook_stores import SqlWebhookStore
from sendout.domain.observations import Facts, Observer
from sendout.domain.ports import (
    AsyncActionStore,
    CampaignStore,
    CustomerStore,
    CustomEventSchemaStore,
    DeliveryStore,
    DistributionStore,
    EarningRuleStore,
    EndpointResetStore,
    EventStore,
    IntegrationStore,
    LoyaltyTierStore,
    NotificationStore,
    OrderStore,
    PointsStore,
    ProjectStore,
    PublicationStore,
    RedemptionStore,
    ReferralStore,
    RewardStore,
    SegmentStore,
    SendoutStore,
    SessionStore,
    VoucherStore,
    VoucherTransactionStore,
    WebhookStore,
)


class SqlUnitOfWork:
    projects: ProjectStore
    customers: CustomerStore
    events: EventStore
    event_schemas: CustomEventSchemaStore
    campaigns: CampaignStore
    vouchers: VoucherStore
    publications: PublicationStore
    async_actions: AsyncActionStore
    distributions: DistributionStore
    sendouts: SendoutStore
    deliveries: DeliveryStore
    endpoint_resets: EndpointResetStore
    notifications: NotificationStore
    webhooks: WebhookStore
    orders: OrderStore
    transactions: VoucherTransactionStore
    segments: SegmentStore
    redemptions: RedemptionStore
    loyalty_tiers: LoyaltyTierStore
    earning_rules: EarningRuleStore
    rewards: RewardStore
    points: PointsStore
    referrals: ReferralStore
    integrations: IntegrationStore
    sessions: SessionStore

    def __init__(
        self,
        database: Database,
        schema_cache: SchemaCache,
        read_only: bool = False,
        box: SecretBox = PLAIN,
        observer: Observer | None = None,
    ) -> None:
        self._database = database
        self._observer = observer
        #: what this transaction wrote, for the metrics once it commits (None: not observed)
        self._facts = None if observer is None or read_only else Facts()
        self._box = box
        self._schema_cache = schema_cache
        self._read_only = read_only
        self._transaction: Transaction | None = None
        self._after_commit: list[Callable[[], None]] = []

    async def __aenter__(self) -> Self:
        tx = self._transaction = await self._database.begin(self._read_only)
        self.projects = SqlProjectStore(tx)
        self.customers = SqlCustomerStore(tx)
        self.events = SqlEventStore(tx, self._facts)
        self.event_schemas = SqlCustomEventSchemaStore(
            tx, self._schema_cache, self._after_commit.append
        )
        self.campaigns = SqlCampaignStore(tx)
        self.vouchers = SqlVoucherStore(tx)
        self.publications = SqlPublicationStore(tx)
        self.async_actions = SqlAsyncActionStore(tx)
        self.distributions = SqlDistributionStore(tx, self._box)
        self.sendouts = SqlSendoutStore(tx, self._facts)
        self.deliveries = SqlDeliveryStore(tx, self._facts)
        self.endpoint_resets = SqlEndpointResetStore(tx)
        self.notifications = SqlNotificationStore(tx)
        self.webhooks = SqlWebhookStore(tx, self._box)
        self.orders = SqlOrderStore(tx)
        self.transactions = SqlVoucherTransactionStore(tx)
        self.segments = SqlSegmentStore(tx)
        self.redemptions = SqlRedemptionStore(tx)
        self.loyalty_tiers = SqlLoyaltyTierStore(tx)
        self.earning_rules = SqlEarningRuleStore(tx)
        self.rewards = SqlRewardStore(tx)
        self.points = SqlPointsStore(tx)
        self.referrals = SqlReferralStore(tx)
        self.integrations = SqlIntegrationStore(tx, self._box)
        self.sessions = SqlSessionStore(tx)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._transaction is not None
        try:
            await self._transaction.close(exc)
        finally:
            self._transaction = None

    async def commit(self) -> None:
        assert self._transaction is not None
        await self._transaction.commit()
        for remember in self._after_commit:
            remember()
        self._after_commit.clear()
        facts = self._facts
        if facts and self._observer is not None:
            self._facts = Facts()
            self._rebind(self._facts)
            self._observer.committed(facts)

    def _rebind(self, facts: Facts) -> None:
        """The stores note what follows a commit in ``facts`` (a unit of work that commits
        twice reports each commit's writes once)."""
        for store in (self.events, self.sendouts, self.deliveries):
            if isinstance(store, Observed):
                store.facts = facts


class SqlUnitOfWorkFactory:
    def __init__(
        self, database: Database, box: SecretBox = PLAIN, observer: Observer | None = None
    ) -> None:
        self.database = database
        #: told what each transaction wrote once it commits (the metrics)
        self.observer = observer
        #: seals secrets as stores write them, opens them as they read (``crypto.py``)
        self.box = box
        self._schema_cache: SchemaCache = {}

    def __call__(self, *, read_only: bool = False) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.database, self._schema_cache, read_only, self.box, self.observer)
