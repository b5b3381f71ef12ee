"""The narrow interfaces services need from storage. Adapters implement them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from types import TracebackType
from typing import Generic, Protocol, Self, TypeVar

from sendout.domain.activity import ActivityQuery
from sendout.domain.custom_events import CustomEventSchema
from sendout.domain.customers import Customer, CustomerQuery
from sendout.domain.events import Event
from sendout.domain.projects import ApiKey, Project

T = TypeVar("T")


@dataclass(frozen=True, slots=True, kw_only=True)
class Page(Generic[T]):
    items: Sequence[T]
    total: int | None  # None for cursor-paged lists, which report no total
    has_more: bool


class ProjectStore(Protocol):
    async def add(self, project: Project) -> None: ...
    async def get(self, project_id: str) -> Project | None: ...
    async def count(self) -> int: ...
    async def add_key(self, key: ApiKey) -> None: ...
    async def get_key(self, app_id: str) -> ApiKey | None: ...


class CustomerStore(Protocol):
    async def add(self, customer: Customer) -> None: ...
    async def update(self, customer: Customer) -> None: ...
    async def get(self, project_id: str, customer_id: str) -> Customer | None: ...
    async def get_by_source_id(self, project_id: str, source_id: str) -> Customer | None: ...
    async def list(self, project_id: str, query: CustomerQuery) -> Page[Customer]: ...
    async def remove(self, project_id: str, customer_id: str) -> None: ...


class EventStore(Protocol):
    async def add(self, event: Event) -> None: ...
    async def list_for_customer(
        self, project_id: str, customer_id: str, types: frozenset[str], query: ActivityQuery
    ) -> Page[Event]: ...
    async def get(self, project_id: str, event_id: str) -> Event | None: ...
    async def remove_for_customer(self, project_id: str, customer_id: str) -> int: ...


class CustomEventSchemaStore(Protocol):
    async def get_by_name(self, project_id: str, name: str) -> CustomEventSchema | None: ...
    async def add(self, schema: CustomEventSchema) -> None: ...


class UnitOfWork(Protocol):
    """One transaction over every store. Leaving the block without ``commit`` rolls back."""

    projects: ProjectStore
    customers: CustomerStore
    events: EventStore
    event_schemas: CustomEventSchemaStore

    async def __aenter__(self) -> Self: ...
    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None: ...
    async def commit(self) -> None: ...


class UnitOfWorkFactory(Protocol):
    def __call__(self) -> UnitOfWork: ...
