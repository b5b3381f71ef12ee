"""The narrow interfaces services need from storage, one module per area; adapters implement
them. This package is the one import point: ``from sendout.domain.ports import X`` for every
port (re-exported here from its area's module), and the unit of work over all of them, defined
here."""

from __future__ import annotations

from types import TracebackType
from typing import Protocol, Self

from sendout.domain.ports.accounts import (
    NotificationStore,
    ProjectStore,
    SessionStore,
)
from sendout.domain.ports.async_actions import (
    AsyncActionStore,
)
from sendout.domain.ports.common import Page
from sendout.domain.ports.customers import (
    CustomerStore,
    SegmentStore,
)
from sendout.domain.ports.exports import (
    ExportCursor,
    ExportFiles,
    ExportRowStore,
)
from sendout.domain.ports.loyalty import (
    EarningRuleStore,
    LoyaltyTierStore,
    PointsStore,
    RewardStore,
)
from sendout.domain.ports.pipeline import (
    Attempt,
    CustomEventSchemaStore,
    DeliveryStore,
    DistributionStore,
    EndpointResetStore,
    EventStore,
    IntegrationStore,
    Requeue,
    SendoutStore,
    TargetProbe,
    WebhookStore,
)
from sendout.domain.ports.promotions import (
    CampaignFiguresStore,
    CampaignStore,
    OrderStore,
    PublicationStore,
    RedemptionStore,
    ReferralHolderStore,
    ReferralStore,
    ValidationSessionStore,
    VoucherStore,
    VoucherTransactionStore,
)

__all__ = [
    "AsyncActionStore",
    "Attempt",
    "CampaignFiguresStore",
    "CampaignStore",
    "CustomEventSchemaStore",
    "CustomerStore",
    "DeliveryStore",
    "DistributionStore",
    "EarningRuleStore",
    "EndpointResetStore",
    "EventStore",
    "ExportCursor",
    "ExportFiles",
    "ExportRowStore",
    "IntegrationStore",
    "LoyaltyTierStore",
    "NotificationStore",
    "OrderStore",
    "Page",
    "PointsStore",
    "ProjectStore",
    "PublicationStore",
    "RedemptionStore",
    "ReferralHolderStore",
    "ReferralStore",
    "Requeue",
    "RewardStore",
    "SegmentStore",
    "SendoutStore",
    "SessionStore",
    "TargetProbe",
    "UnitOfWork",
    "UnitOfWorkFactory",
    "ValidationSessionStore",
    "VoucherStore",
    "VoucherTransactionStore",
    "WebhookStore",
    "WriteRefused",
]


class UnitOfWork(Protocol):
    """One transaction over every store. Leaving the block without ``commit`` rolls back."""

    projects: ProjectStore
    customers: CustomerStore
    events: EventStore
    event_schemas: CustomEventSchemaStore
    campaigns: CampaignStore
    vouchers: VoucherStore
    publications: PublicationStore
    async_actions: AsyncActionStore
    export_rows: ExportRowStore
    distributions: DistributionStore
    sendouts: SendoutStore
    deliveries: DeliveryStore
    endpoint_resets: EndpointResetStore
    notifications: NotificationStore
    webhooks: WebhookStore
    orders: OrderStore
    transactions: VoucherTransactionStore
    campaign_figures: CampaignFiguresStore
    segments: SegmentStore
    redemptions: RedemptionStore
    validation_sessions: ValidationSessionStore
    loyalty_tiers: LoyaltyTierStore
    earning_rules: EarningRuleStore
    rewards: RewardStore
    points: PointsStore
    referrals: ReferralStore
    referral_holders: ReferralHolderStore
    integrations: IntegrationStore
    sessions: SessionStore

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self, *, read_only: bool = False) -> UnitOfWork:
        """``read_only``: a unit of work that reads without taking the database's write lock
        (SQLite has one writer at a time) and refuses every write with ``WriteRefused``."""
        ...


class WriteRefused(Exception):
    """A write in a read-only unit of work: the work must be done again in a writing one.
    Not a ``DomainError``: nothing may take it for a business rule and carry on."""
