"""In-memory stores of the customers area: customers, the events (the outbox the dispatcher
reads and the activity the API lists), custom event schemas, segments and their members.
Each matches its port in ``domain/ports.py`` and its SQL store in ``adapters/db/``."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime

from sendout.domain.activity import ActivityQuery
from sendout.domain.custom_events import CustomEventSchema
from sendout.domain.customers import Customer, CustomerOrder, CustomerQuery
from sendout.domain.errors import Conflict
from sendout.domain.events import Event
from sendout.domain.ports import Page
from sendout.domain.segments import Segment, SegmentType, SyncStatus
from sendout.testing.rows import insert_new, owned_by, paged


@dataclass
class CustomerTables:
    customers: dict[str, Customer] = field(default_factory=dict)
    #: in ``seq`` order (the outbox's)
    events: list[Event] = field(default_factory=list)
    #: the seqs of dispatched events
    dispatched: set[int] = field(default_factory=set)
    #: the last ``seq`` given (never reused, as a database sequence)
    event_seq: int = 0
    #: (project id, name) -> schema
    schemas: dict[tuple[str, str], CustomEventSchema] = field(default_factory=dict)
    segments: dict[str, Segment] = field(default_factory=dict)
    #: (project id, segment id, customer id) -> when the customer joined
    members: dict[tuple[str, str, str], datetime] = field(default_factory=dict)


class InMemoryCustomerStore:
    def __init__(self, data: CustomerTables) -> None:
        self.data = data

    def _check_unique(self, customer: Customer) -> None:
        if customer.source_id is None:
            return
        for other in self.data.customers.values():
            if (
                other.id != customer.id
                and other.project_id == customer.project_id
                and other.source_id == customer.source_id
            ):
                raise Conflict(details="Duplicate key in customers")

    async def add(self, customer: Customer) -> None:
        self._check_unique(customer)
        insert_new(self.data.customers, customer.id, customer, "customers")

    async def update(self, customer: Customer) -> None:
        if await self.get(customer.project_id, customer.id) is None:
            return  # an UPDATE that matches no row
        self._check_unique(customer)
        self.data.customers[customer.id] = customer

    async def get(self, project_id: str, customer_id: str) -> Customer | None:
        return owned_by(self.data.customers, project_id, customer_id)

    async def get_by_source_id(self, project_id: str, source_id: str) -> Customer | None:
        for customer in self.data.customers.values():
            if customer.project_id == project_id and customer.source_id == source_id:
                return customer
        return None

    def _matching(self, project_id: str, query: CustomerQuery) -> list[Customer]:
        """The customers ``query``'s filters keep (its ordering and paging aside)."""
        members = {c for p, s, c in self.data.members if (p, s) == (project_id, query.segment_id)}

        def keep(c: Customer) -> bool:
            updated = c.updated_at
            return all(
                (
                    c.project_id == project_id,
                    query.segment_id is None or c.id in members,
                    query.email is None or c.email == query.email,
                    query.name is None or c.name == query.name,
                    query.city is None or (c.address or {}).get("city") == query.city,
                    query.created_before is None or c.created_at < query.created_before,
                    query.created_after is None or c.created_at > query.created_after,
                    query.updated_before is None
                    or (updated is not None and updated < query.updated_before),
                    query.updated_after is None
                    or (updated is not None and updated > query.updated_after),
                    query.starting_after is None
                    or (
                        c.created_at < query.starting_after
                        if query.descending
                        else c.created_at > query.starting_after
                    ),
                )
            )

        return [c for c in self.data.customers.values() if keep(c)]

    async def list(self, project_id: str, query: CustomerQuery) -> Page[Customer]:
        def sort_key(c: Customer) -> tuple[str, str]:
            value = {
                CustomerOrder.CREATED_AT: c.created_at.isoformat(),
                CustomerOrder.UPDATED_AT: c.updated_at.isoformat() if c.updated_at else "",
                CustomerOrder.SOURCE_ID: c.source_id or "",
            }[query.order]
            return value, c.id

        found = sorted(self._matching(project_id, query), key=sort_key, reverse=query.descending)
        return paged(found, query.limit, query.page)

    async def matching_after(
        self, project_id: str, query: CustomerQuery, after: tuple[datetime, str] | None
    ) -> Sequence[Customer]:
        ordered = sorted(self._matching(project_id, query), key=lambda c: (c.created_at, c.id))
        later = [c for c in ordered if after is None or (c.created_at, c.id) > after]
        return later[: query.limit]

    async def remove(self, project_id: str, customer_id: str) -> None:
        if await self.get(project_id, customer_id) is not None:
            del self.data.customers[customer_id]

    async def after(self, project_id: str, after_id: str | None, limit: int) -> Sequence[Customer]:
        ordered = sorted(
            (c for c in self.data.customers.values() if c.project_id == project_id),
            key=lambda c: c.id,
        )
        return [c for c in ordered if after_id is None or c.id > after_id][:limit]

    async def lock(self, project_id: str, customer_id: str) -> None:
        return None  # one unit of work at a time: nothing to lock


class InMemoryEventStore:
    def __init__(self, data: CustomerTables) -> None:
        self.data = data

    async def add(self, event: Event) -> None:
        if any(e.id == event.id for e in self.data.events):
            raise Conflict(details="Duplicate key in events")
        self.data.event_seq += 1
        self.data.events.append(replace(event, seq=self.data.event_seq))

    async def add_many(self, events: Sequence[Event], dispatched_at: datetime | None) -> None:
        for event in events:
            await self.add(event)
            if dispatched_at is not None:
                self.data.dispatched.add(self.data.event_seq)

    async def get(self, project_id: str, event_id: str) -> Event | None:
        for event in self.data.events:
            if event.id == event_id and event.project_id == project_id:
                return event
        return None

    async def recent(self, project_id: str, event_type: str, limit: int) -> Sequence[Event]:
        found = [e for e in self.data.events if e.project_id == project_id and e.type == event_type]
        found.sort(key=lambda e: (e.created_at, e.id), reverse=True)
        return found[:limit]

    async def list_for_customer(
        self, project_id: str, customer_id: str, types: frozenset[str], query: ActivityQuery
    ) -> Page[Event]:
        wanted = types if query.type is None else {query.type}
        return self._activity(
            query,
            [
                e
                for e in self.data.events
                if e.project_id == project_id and e.customer_id == customer_id and e.type in wanted
            ],
        )

    async def list_for_card(
        self,
        project_id: str,
        holder_id: str,
        card_id: str,
        types: frozenset[str],
        query: ActivityQuery,
    ) -> Page[Event]:
        return self._activity(
            query,
            [
                e
                for e in self.data.events
                if e.project_id == project_id
                and e.customer_id == holder_id
                and e.type in types
                and (e.entity_id == card_id or (e.data.get("voucher") or {}).get("id") == card_id)
            ],
        )

    def _activity(self, query: ActivityQuery, found: list[Event]) -> Page[Event]:
        found = [
            e
            for e in found
            if (query.start_date is None or e.created_at >= query.start_date)
            and (query.end_date is None or e.created_at <= query.end_date)
        ]
        if query.starting_after_id is not None:
            cursor = next(
                (e.seq for e in self.data.events if e.id == query.starting_after_id), None
            )
            found = [
                e
                for e in found
                if cursor is not None
                and e.seq is not None
                and (e.seq < cursor if query.descending else e.seq > cursor)
            ]
        if query.descending:
            found.reverse()
        return Page(items=found[: query.limit], total=None, has_more=len(found) > query.limit)

    async def remove_for_customer(self, project_id: str, customer_id: str) -> int:
        before = len(self.data.events)
        self.data.events = [
            e
            for e in self.data.events
            if not (e.project_id == project_id and e.customer_id == customer_id)
        ]
        return before - len(self.data.events)

    def _waiting(self) -> list[Event]:
        return [e for e in self.data.events if e.seq not in self.data.dispatched]

    async def claim_undispatched(self, limit: int) -> Sequence[Event]:
        return self._waiting()[:limit]

    async def backlog(self, cap: int) -> tuple[int | None, int]:
        waiting = self._waiting()[:cap]
        return (waiting[0].seq if waiting else None), len(waiting)

    async def mark_dispatched(self, seqs: Sequence[int], now: datetime) -> int:
        stored = {e.seq for e in self.data.events}
        fresh = (set(seqs) & stored) - self.data.dispatched
        self.data.dispatched |= fresh
        return len(fresh)


class InMemoryEventSchemaStore:
    def __init__(self, data: CustomerTables) -> None:
        self.data = data

    async def get_by_name(self, project_id: str, name: str) -> CustomEventSchema | None:
        return self.data.schemas.get((project_id, name))

    async def add(self, schema: CustomEventSchema) -> None:
        key = (schema.project_id, schema.name)
        insert_new(self.data.schemas, key, schema, "custom_event_schemas")


class InMemorySegmentStore:
    def __init__(self, data: CustomerTables) -> None:
        self.data = data

    def _of(self, project_id: str) -> list[Segment]:
        return [s for s in self.data.segments.values() if s.project_id == project_id]

    async def add(self, segment: Segment) -> None:
        insert_new(self.data.segments, segment.id, segment, "segments")

    async def set_synced(self, segment_id: str, now: datetime) -> None:
        segment = self.data.segments.get(segment_id)
        if segment is not None:
            self.data.segments[segment_id] = replace(
                segment, initial_sync_status=SyncStatus.DONE, updated_at=now
            )

    async def get(self, project_id: str, segment_id: str) -> Segment | None:
        return owned_by(self.data.segments, project_id, segment_id)

    async def get_many(self, project_id: str, segment_ids: Collection[str]) -> Sequence[Segment]:
        found = [s for s in self._of(project_id) if s.id in segment_ids]
        return sorted(found, key=lambda s: s.created_at)

    async def remove(self, project_id: str, segment_id: str) -> None:
        self.data.members = {
            k: v for k, v in self.data.members.items() if k[:2] != (project_id, segment_id)
        }
        if await self.get(project_id, segment_id) is not None:
            del self.data.segments[segment_id]

    async def list(self, project_id: str, limit: int, page: int) -> Page[Segment]:
        ordered = sorted(self._of(project_id), key=lambda s: (s.created_at, s.id), reverse=True)
        return paged(ordered, limit, page)

    async def by_rules(self, project_id: str) -> Sequence[Segment]:
        return [s for s in self._of(project_id) if s.type is not SegmentType.STATIC]

    async def count_by_rules(self, project_id: str) -> int:
        return len(await self.by_rules(project_id))

    async def memberships(self, project_id: str, customer_id: str) -> set[str]:
        return {s for p, s, c in self.data.members if p == project_id and c == customer_id}

    async def members_among(
        self, project_id: str, segment_id: str, customer_ids: Collection[str]
    ) -> set[str]:
        wanted = set(customer_ids)
        return {
            c for p, s, c in self.data.members if (p, s) == (project_id, segment_id) and c in wanted
        }

    async def add_members(
        self, project_id: str, segment_id: str, customer_ids: Collection[str], now: datetime
    ) -> None:
        for customer_id in sorted(customer_ids):
            key = (project_id, segment_id, customer_id)
            insert_new(self.data.members, key, now, "segment_members")

    async def remove_member(self, project_id: str, segment_id: str, customer_id: str) -> None:
        self.data.members.pop((project_id, segment_id, customer_id), None)
