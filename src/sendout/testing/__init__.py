"""Fakes for tests of the domain and the services (and for users' own tests).

Nothing here touches a database or a socket: ``InMemoryUnitOfWork`` keeps rows in dicts and
copies them on commit, so a unit of work that is not committed leaves no trace, as with SQL.
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

from sendout.domain.activity import ActivityQuery
from sendout.domain.clock import Clock, truncate_ms
from sendout.domain.custom_events import CustomEventSchema
from sendout.domain.customers import Customer, CustomerOrder, CustomerQuery
from sendout.domain.distributions import ActionSpec, DistributionStatus, Trigger
from sendout.domain.errors import Conflict
from sendout.domain.event_catalogue import Action
from sendout.domain.events import Event, EventChannel, EventSource
from sendout.domain.ports import Page
from sendout.domain.projects import ApiKey, Project
from sendout.domain.retry import RetryPolicy
from sendout.services.context import Context
from sendout.services.pipeline.distributions import ChannelDraft, DistributionDraft

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
class InMemoryData:
    projects: dict[str, Project] = field(default_factory=dict)
    keys: dict[str, ApiKey] = field(default_factory=dict)
    customers: dict[str, Customer] = field(default_factory=dict)
    events: list[Event] = field(default_factory=list)
    schemas: dict[str, CustomEventSchema] = field(default_factory=dict)

    def copy(self) -> InMemoryData:
        return InMemoryData(
            dict(self.projects),
            dict(self.keys),
            dict(self.customers),
            list(self.events),
            dict(self.schemas),
        )


class _ProjectStore:
    def __init__(self, data: InMemoryData) -> None:
        self.data = data

    async def add(self, project: Project) -> None:
        self.data.projects[project.id] = project

    async def get(self, project_id: str) -> Project | None:
        return self.data.projects.get(project_id)

    async def count(self) -> int:
        return len(self.data.projects)

    async def add_key(self, key: ApiKey) -> None:
        if key.app_id in self.data.keys:
            raise Conflict(details="Duplicate app id")
        self.data.keys[key.app_id] = key

    async def get_key(self, app_id: str) -> ApiKey | None:
        return self.data.keys.get(app_id)


class _CustomerStore:
    def __init__(self, data: InMemoryData) -> None:
        self.data = data

    def _check_unique(self, customer: Customer) -> None:
        for other in self.data.customers.values():
            if (
                other.id != customer.id
                and other.project_id == customer.project_id
                and customer.source_id is not None
                and other.source_id == customer.source_id
            ):
                raise Conflict(details="Duplicate customer source_id")

    async def add(self, customer: Customer) -> None:
        self._check_unique(customer)
        self.data.customers[customer.id] = customer

    async def update(self, customer: Customer) -> None:
        self._check_unique(customer)
        self.data.customers[customer.id] = customer

    async def get(self, project_id: str, customer_id: str) -> Customer | None:
        customer = self.data.customers.get(customer_id)
        return customer if customer is not None and customer.project_id == project_id else None

    async def get_by_source_id(self, project_id: str, source_id: str) -> Customer | None:
        for customer in self.data.customers.values():
            if customer.project_id == project_id and customer.source_id == source_id:
                return customer
        return None

    async def list(self, project_id: str, query: CustomerQuery) -> Page[Customer]:
        def keep(c: Customer) -> bool:
            checks = [
                c.project_id == project_id,
                query.email is None or c.email == query.email,
                query.name is None or c.name == query.name,
                query.city is None or (c.address or {}).get("city") == query.city,
                query.created_before is None or c.created_at < query.created_before,
                query.created_after is None or c.created_at > query.created_after,
            ]
            return all(checks)

        def sort_key(c: Customer) -> tuple[str, str]:
            value = {
                CustomerOrder.CREATED_AT: c.created_at.isoformat(),
                CustomerOrder.UPDATED_AT: c.updated_at.isoformat() if c.updated_at else "",
                CustomerOrder.SOURCE_ID: c.source_id or "",
            }[query.order]
            return value, c.id

        found = sorted(filter(keep, self.data.customers.values()), key=sort_key)
        if query.descending:
            found.reverse()
        offset = (query.page - 1) * query.limit
        items = found[offset : offset + query.limit]
        return Page(items=items, total=len(found), has_more=offset + len(items) < len(found))

    async def matching_after(
        self, project_id: str, query: CustomerQuery, after: tuple[datetime, str] | None
    ) -> Sequence[Customer]:
        everyone = await self.list(project_id, replace(query, limit=len(self.data.customers) + 1))
        ordered = sorted(everyone.items, key=lambda c: (c.created_at, c.id))
        later = [c for c in ordered if after is None or (c.created_at, c.id) > after]
        return later[: query.limit]

    async def remove(self, project_id: str, customer_id: str) -> None:
        if await self.get(project_id, customer_id) is not None:
            del self.data.customers[customer_id]

    async def lock(self, project_id: str, customer_id: str) -> None:
        return None  # one unit of work at a time: nothing to lock


class _EventStore:
    def __init__(self, data: InMemoryData) -> None:
        self.data = data

    async def add(self, event: Event) -> None:
        self.data.events.append(event)

    async def add_many(self, events: Sequence[Event], dispatched_at: datetime | None) -> None:
        self.data.events.extend(events)  # no dispatcher reads these events

    async def get(self, project_id: str, event_id: str) -> Event | None:
        for event in self.data.events:
            if event.id == event_id and event.project_id == project_id:
                return event
        return None

    async def list_for_customer(
        self, project_id: str, customer_id: str, types: frozenset[str], query: ActivityQuery
    ) -> Page[Event]:
        found = [
            e
            for e in self.data.events
            if e.project_id == project_id
            and e.customer_id == customer_id
            and e.type in types
            and (query.type is None or e.type == query.type)
        ]
        if query.descending:
            found.reverse()
        if query.starting_after_id is not None:
            ids = [e.id for e in found]
            found = found[ids.index(query.starting_after_id) + 1 :]
        return Page(items=found[: query.limit], total=None, has_more=len(found) > query.limit)

    async def remove_for_customer(self, project_id: str, customer_id: str) -> int:
        before = len(self.data.events)
        self.data.events = [
            e
            for e in self.data.events
            if not (e.project_id == project_id and e.customer_id == customer_id)
        ]
        return before - len(self.data.events)


class _SchemaStore:
    def __init__(self, data: InMemoryData) -> None:
        self.data = data

    async def get_by_name(self, project_id: str, name: str) -> CustomEventSchema | None:
        return self.data.schemas.get(f"{project_id}/{name}")

    async def add(self, schema: CustomEventSchema) -> None:
        self.data.schemas[f"{schema.project_id}/{schema.name}"] = schema


class _NoSegments:
    """The segment lookups customer changes make, for a project without segments (segments
    themselves are tested against real databases)."""

    async def by_rules(self, project_id: str) -> list[Any]:
        return []

    async def memberships(self, project_id: str, customer_id: str) -> set[str]:
        return set()


class _NoEarningRules:
    """The earning-rule lookup a tracked event makes, for a project without loyalty rules."""

    async def active_for(self, project_id: str, event: Any) -> list[Any]:
        return []


class InMemoryUnitOfWork:
    def __init__(self, committed: InMemoryData) -> None:
        self.committed = committed
        self.commits = 0

    async def __aenter__(self) -> Self:
        self._working = self.committed.copy()
        self.projects = _ProjectStore(self._working)
        self.customers = _CustomerStore(self._working)
        self.events = _EventStore(self._working)
        self.event_schemas = _SchemaStore(self._working)
        self.segments = _NoSegments()
        self.earning_rules = _NoEarningRules()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        return None

    async def commit(self) -> None:
        w = self._working
        c = self.committed
        c.projects, c.keys, c.customers = dict(w.projects), dict(w.keys), dict(w.customers)
        c.events, c.schemas = list(w.events), dict(w.schemas)
        self.commits += 1


class InMemoryUnitOfWorkFactory:
    """Hands out units of work over one shared in-memory database."""

    def __init__(self) -> None:
        self.data = InMemoryData()

    def __call__(self, *, read_only: bool = False) -> InMemoryUnitOfWork:
        # ``read_only`` is a promise about locks, which an in-memory database has none of.
        return InMemoryUnitOfWork(self.data)


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
