"""The unit of work: one connection, one transaction, every store bound to it."""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy.ext.asyncio import AsyncConnection, AsyncEngine, AsyncTransaction

from sendout.adapters.db.stores import (
    SqlCustomerStore,
    SqlCustomEventSchemaStore,
    SqlEventStore,
    SqlProjectStore,
)
from sendout.domain.ports import CustomerStore, CustomEventSchemaStore, EventStore, ProjectStore


class SqlUnitOfWork:
    projects: ProjectStore
    customers: CustomerStore
    events: EventStore
    event_schemas: CustomEventSchemaStore

    def __init__(self, engine: AsyncEngine) -> None:
        self._engine = engine
        self._conn: AsyncConnection | None = None
        self._transaction: AsyncTransaction | None = None

    async def __aenter__(self) -> Self:
        conn = await self._engine.connect()
        try:
            self._transaction = await conn.begin()
        except BaseException:
            await conn.close()
            raise
        self._conn = conn
        self.projects = SqlProjectStore(conn)
        self.customers = SqlCustomerStore(conn)
        self.events = SqlEventStore(conn)
        self.event_schemas = SqlCustomEventSchemaStore(conn)
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        assert self._conn is not None
        assert self._transaction is not None
        try:
            if self._transaction.is_active:
                await self._transaction.rollback()
        finally:
            await self._conn.close()
            self._conn = self._transaction = None

    async def commit(self) -> None:
        assert self._transaction is not None
        await self._transaction.commit()


class SqlUnitOfWorkFactory:
    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
