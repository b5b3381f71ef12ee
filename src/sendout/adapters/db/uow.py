"""The unit of work: one transaction, every store bound to it."""

from __future__ import annotations

from collections.abc import Callable
from types import TracebackType
from typing import Any, Self

from sendout.adapters.db.async_action_stores import SqlAsyncActionStore
from sendout.adapters.db.campaign_figure_stores import SqlCampaignFiguresStore
from sendout.adapters.db.campaign_stores import SqlCampaignStore
from sendout.adapters.db.crypto import PLAIN, SecretBox
from sendout.adapters.db.customer_stores import SqlCustomerStore
from sendout.adapters.db.delivery_stores import SqlDeliveryStore
from sendout.adapters.db.distribution_stores import SqlDistributionStore
from sendout.adapters.db.earning_rule_stores import SqlEarningRuleStore
from sendout.adapters.db.endpoint_reset_stores import SqlEndpointResetStore
from sendout.adapters.db.engine import Database, Transaction
from sendout.adapters.db.event_schema_stores import SchemaCache, SqlCustomEventSchemaStore
from sendout.adapters.db.event_stores import SqlEventStore
from sendout.adapters.db.export_stores import SqlExportRowStore
from sendout.adapters.db.integration_stores import SqlIntegrationStore
from sendout.adapters.db.loyalty_tier_stores import SqlLoyaltyTierStore
from sendout.adapters.db.notification_stores import SqlNotificationStore
from sendout.adapters.db.order_stores import SqlOrderStore
from sendout.adapters.db.points_stores import SqlPointsStore
from sendout.adapters.db.project_stores import SqlProjectStore
from sendout.adapters.db.publication_stores import SqlPublicationStore
from sendout.adapters.db.redemption_stores import SqlRedemptionStore
from sendout.adapters.db.referral_holder_stores import SqlReferralHolderStore
from sendout.adapters.db.referral_stores import SqlReferralStore
from sendout.adapters.db.reward_stores import SqlRewardStore
from sendout.adapters.db.segment_stores import SqlSegmentStore
from sendout.adapters.db.sendout_stores import SqlSendoutStore
from sendout.adapters.db.session_stores import SqlSessionStore
from sendout.adapters.db.store_helpers import Observed
from sendout.adapters.db.transaction_stores import SqlVoucherTransactionStore
from sendout.adapters.db.validation_session_stores import SqlValidationSessionStore
from sendout.adapters.db.voucher_stores import SqlVoucherStore
from sendout.adapters.db.webhook_stores import SqlWebhookStore
from sendout.domain.observations import Facts, Observer


class SqlUnitOfWork:
    """``UnitOfWork`` (``domain/ports``) over SQL: one transaction, and each of the port's
    stores made when first used (``__getattr__``, from ``_STORES``)."""

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
        self._made: list[str] = []

    async def __aenter__(self) -> Self:
        for name in self._made:  # a unit of work entered again: its stores bound anew
            del self.__dict__[name]
        self._made.clear()
        self._transaction = await self._database.begin(self._read_only)
        return self

    def __getattr__(self, name: str) -> Any:
        """A store is made when first used (most transactions use two or three of the
        twenty-five), bound to the transaction."""
        make = _STORES.get(name)
        transaction = self.__dict__.get("_transaction")
        if make is None or transaction is None:
            raise AttributeError(name)
        store = make(self, transaction)
        self.__dict__[name] = store
        self._made.append(name)
        return store

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
        for name in ("events", "sendouts", "deliveries"):
            store = self.__dict__.get(name)  # one not made yet takes the new facts when made
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


_Make = Callable[[SqlUnitOfWork, Transaction], Any]

#: how each store of a unit of work is made (``SqlUnitOfWork.__getattr__``)
_STORES: dict[str, _Make] = {
    "projects": lambda uow, tx: SqlProjectStore(tx),
    "customers": lambda uow, tx: SqlCustomerStore(tx),
    "events": lambda uow, tx: SqlEventStore(tx, uow._facts),
    "event_schemas": lambda uow, tx: SqlCustomEventSchemaStore(
        tx, uow._schema_cache, uow._after_commit.append
    ),
    "campaigns": lambda uow, tx: SqlCampaignStore(tx),
    "vouchers": lambda uow, tx: SqlVoucherStore(tx),
    "publications": lambda uow, tx: SqlPublicationStore(tx),
    "async_actions": lambda uow, tx: SqlAsyncActionStore(tx),
    "export_rows": lambda uow, tx: SqlExportRowStore(tx),
    "distributions": lambda uow, tx: SqlDistributionStore(tx, uow._box),
    "sendouts": lambda uow, tx: SqlSendoutStore(tx, uow._facts),
    "deliveries": lambda uow, tx: SqlDeliveryStore(tx, uow._facts),
    "endpoint_resets": lambda uow, tx: SqlEndpointResetStore(tx),
    "notifications": lambda uow, tx: SqlNotificationStore(tx),
    "webhooks": lambda uow, tx: SqlWebhookStore(tx, uow._box),
    "orders": lambda uow, tx: SqlOrderStore(tx),
    "transactions": lambda uow, tx: SqlVoucherTransactionStore(tx),
    "campaign_figures": lambda uow, tx: SqlCampaignFiguresStore(tx),
    "segments": lambda uow, tx: SqlSegmentStore(tx),
    "redemptions": lambda uow, tx: SqlRedemptionStore(tx),
    "validation_sessions": lambda uow, tx: SqlValidationSessionStore(tx),
    "loyalty_tiers": lambda uow, tx: SqlLoyaltyTierStore(tx),
    "earning_rules": lambda uow, tx: SqlEarningRuleStore(tx),
    "rewards": lambda uow, tx: SqlRewardStore(tx),
    "points": lambda uow, tx: SqlPointsStore(tx),
    "referrals": lambda uow, tx: SqlReferralStore(tx),
    "referral_holders": lambda uow, tx: SqlReferralHolderStore(tx),
    "integrations": lambda uow, tx: SqlIntegrationStore(tx, uow._box),
    "sessions": lambda uow, tx: SqlSessionStore(tx),
}
