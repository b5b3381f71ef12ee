"""Customer use cases: upsert, read, update, delete, list, activity."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sendout.domain.activity import ActivityQuery
from sendout.domain.customers import (
    Customer,
    CustomerQuery,
    CustomerRef,
    apply_changes,
    customer_object,
)
from sendout.domain.errors import Duplicate, InvalidPayload, NotFound
from sendout.domain.events import ACTIVITY_TYPES, Event, EventType
from sendout.domain.facts import CustomerChanged, CustomerRemoved
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.services.bus import publish
from sendout.services.context import Context
from sendout.services.recording import record_event
from sendout.services.retries import retry_on_conflict


async def find_customer(uow: UnitOfWork, ctx: Context, id_or_source_id: str) -> Customer | None:
    """A customer of the caller's project by ``id``, else by ``source_id`` (as Voucherify reads)."""
    customer = await uow.customers.get(ctx.project_id, id_or_source_id)
    if customer is None:
        customer = await uow.customers.get_by_source_id(ctx.project_id, id_or_source_id)
    return customer


async def require_customer(uow: UnitOfWork, ctx: Context, id_or_source_id: str) -> Customer:
    customer = await find_customer(uow, ctx, id_or_source_id)
    if customer is None:
        raise NotFound.of("customer", id_or_source_id)
    return customer


async def resolve_customer(uow: UnitOfWork, ctx: Context, ref: CustomerRef) -> Customer:
    """The customer a request names inline, created or updated from its fields.

    Runs inside the caller's transaction and records ``customer.created`` or
    ``customer.updated`` there. ``id`` must name an existing customer; ``source_id`` alone
    creates one when unknown.
    """
    if ref.id is not None:
        customer = await uow.customers.get(ctx.project_id, ref.id)
        if customer is None:
            raise NotFound.of("customer", ref.id)
        changes: dict[str, Any] = dict(ref.fields)
        if ref.source_id is not None and ref.source_id != customer.source_id:
            if await uow.customers.get_by_source_id(ctx.project_id, ref.source_id):
                raise Duplicate(
                    details=f"Another customer has source_id {ref.source_id}",
                    resource_id=ref.source_id,
                    resource_type="customer",
                )
            changes["source_id"] = ref.source_id
        return await _save_changes(uow, ctx, customer, changes)
    if ref.source_id is None:
        raise InvalidPayload(
            details="A customer must be identified by id or source_id", key="invalid_customer"
        )
    customer = await uow.customers.get_by_source_id(ctx.project_id, ref.source_id)
    if customer is not None:
        return await _save_changes(uow, ctx, customer, ref.fields)
    now = ctx.now()
    customer = Customer(
        id=ctx.new_id(IdPrefix.CUSTOMER),
        project_id=ctx.project_id,
        source_id=ref.source_id,
        created_at=now,
        **{"metadata": {}, **ref.fields},
    )
    await uow.customers.add(customer)
    await _record(uow, ctx, EventType.CUSTOMER_CREATED, customer)
    await publish(uow, ctx, CustomerChanged(customer=customer))
    return customer


async def _save_changes(
    uow: UnitOfWork, ctx: Context, customer: Customer, changes: Mapping[str, Any]
) -> Customer:
    updated = apply_changes(customer, changes, ctx.now())
    if updated is not customer:
        await uow.customers.update(updated)
        await _record(uow, ctx, EventType.CUSTOMER_UPDATED, updated)
        await publish(uow, ctx, CustomerChanged(customer=updated))
    return updated


async def _record(uow: UnitOfWork, ctx: Context, type: EventType, customer: Customer) -> Event:
    return await record_event(
        uow,
        ctx,
        type=type,
        customer_id=customer.id,
        entity_id=customer.id,
        data={"customer": customer_object(customer)},
    )


async def upsert_customer(
    uow_factory: UnitOfWorkFactory, ctx: Context, ref: CustomerRef
) -> Customer:
    """``POST /v1/customers``: create, or update the customer with that id or source_id."""

    async def attempt() -> Customer:
        async with uow_factory() as uow:
            customer = await resolve_customer(uow, ctx, ref)
            await uow.commit()
            return customer

    return await retry_on_conflict(attempt)


async def get_customer(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_source_id: str
) -> Customer:
    async with uow_factory() as uow:
        return await require_customer(uow, ctx, id_or_source_id)


async def update_customer(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_source_id: str, changes: Mapping[str, Any]
) -> Customer:
    """``PUT /v1/customers/{id}``: a partial update; omitted fields stay unchanged."""
    async with uow_factory() as uow:
        customer = await require_customer(uow, ctx, id_or_source_id)
        customer = await _save_changes(uow, ctx, customer, changes)
        await uow.commit()
        return customer


async def delete_customer(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_source_id: str
) -> None:
    """``DELETE /v1/customers/{id}``: the customer goes; their recorded events stay."""
    async with uow_factory() as uow:
        customer = await require_customer(uow, ctx, id_or_source_id)
        await uow.customers.remove(ctx.project_id, customer.id)
        await publish(uow, ctx, CustomerRemoved(customer_id=customer.id))
        await _record(uow, ctx, EventType.CUSTOMER_DELETED, customer)
        await uow.commit()


@dataclass(frozen=True, slots=True, kw_only=True)
class PermanentDeletion:
    id: str
    customer_id: str
    events_deleted: int
    created_at: datetime


async def permanently_delete_customer(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_source_id: str
) -> PermanentDeletion:
    """``POST /v1/customers/{id}/permanent-deletion``: the customer and every event about them.

    Nothing about the person is kept, not even a ``customer.deleted`` event (it would carry
    their data again).
    """
    async with uow_factory() as uow:
        customer = await require_customer(uow, ctx, id_or_source_id)
        events_deleted = await uow.events.remove_for_customer(ctx.project_id, customer.id)
        await uow.customers.remove(ctx.project_id, customer.id)
        await publish(uow, ctx, CustomerRemoved(customer_id=customer.id))
        await uow.commit()
    return PermanentDeletion(
        id=ctx.new_id(IdPrefix.PERMANENT_DELETION),
        customer_id=customer.id,
        events_deleted=events_deleted,
        created_at=ctx.now(),
    )


async def list_customers(
    uow_factory: UnitOfWorkFactory, ctx: Context, query: CustomerQuery
) -> Page[Customer]:
    async with uow_factory() as uow:
        return await uow.customers.list(ctx.project_id, query)


async def list_activity(
    uow_factory: UnitOfWorkFactory, ctx: Context, id_or_source_id: str, query: ActivityQuery
) -> Page[Event]:
    """A customer's events, newest first by default, limited to the documented activity types."""
    if query.type is not None and query.type not in ACTIVITY_TYPES:
        raise InvalidPayload(
            details=f"type must be one of the customer activity types, not {query.type!r}",
            key="invalid_query_params",
        )
    async with uow_factory() as uow:
        customer = await require_customer(uow, ctx, id_or_source_id)
        if query.starting_after_id is not None:
            cursor = await uow.events.get(ctx.project_id, query.starting_after_id)
            if cursor is None or cursor.customer_id != customer.id:
                raise NotFound.of("event", query.starting_after_id)
        return await uow.events.list_for_customer(
            ctx.project_id, customer.id, ACTIVITY_TYPES, query
        )


async def with_full_customer(
    uow: UnitOfWork, project_id: str, customer_id: str | None, data: Mapping[str, Any]
) -> dict[str, Any]:
    """An event's data as message channels read it: the customer whole (an SMS needs the phone
    number an event's ``SimpleCustomer`` does not carry)."""
    customer = await uow.customers.get(project_id, customer_id) if customer_id else None
    if customer is None:
        return dict(data)
    return {**data, "customer": {**(data.get("customer") or {}), **customer_object(customer)}}
