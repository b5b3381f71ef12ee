"""Custom events: ``POST /v1/events``."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from sendout.domain.custom_events import (
    CustomEventSchema,
    LoyaltyRef,
    ReferralRef,
    custom_event_data,
    custom_event_object,
)
from sendout.domain.customers import Customer, CustomerRef
from sendout.domain.events import Event, EventType
from sendout.domain.facts import CustomEventTracked, ReferralCodeUsed
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import UnitOfWork, UnitOfWorkFactory
from sendout.domain.referrals import ConversionEvent
from sendout.services.bus import publish
from sendout.services.context import Context
from sendout.services.customers.customers import find_customer, resolve_customer
from sendout.services.promotions.voucher_lookup import effective
from sendout.services.recording import (
    record_event,
)
from sendout.services.retries import retry_on_conflict


@dataclass(frozen=True, slots=True, kw_only=True)
class TrackedEvent:
    event: Event
    customer: Customer
    name: str
    metadata: Mapping[str, Any]
    referral: ReferralRef | None
    loyalty: LoyaltyRef | None


async def track_custom_event(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    *,
    name: str,
    customer: CustomerRef,
    metadata: Mapping[str, Any],
    referral: ReferralRef | None = None,
    loyalty: LoyaltyRef | None = None,
) -> TrackedEvent:
    """Upsert the customer and record ``customer.custom_event``, in one transaction."""

    async def attempt() -> TrackedEvent:
        async with uow_factory() as uow:
            tracked = await _track(uow, ctx, name, customer, metadata, referral, loyalty)
            await uow.commit()
            return tracked

    return await retry_on_conflict(attempt)


async def _track(
    uow: UnitOfWork,
    ctx: Context,
    name: str,
    ref: CustomerRef,
    metadata: Mapping[str, Any],
    referral: ReferralRef | None,
    loyalty: LoyaltyRef | None,
) -> TrackedEvent:
    customer = await resolve_customer(uow, ctx, ref)
    schema = await _schema_for(uow, ctx, name)
    referrer = None
    if referral is not None and referral.referrer_id is not None:
        referrer = await find_customer(uow, ctx, referral.referrer_id)
    event_id = ctx.new_sortable_id(IdPrefix.EVENT)
    now = ctx.now()
    event_object = custom_event_object(
        event_id=event_id,
        name=name,
        customer=customer,
        metadata=metadata,
        referral=referral,
        loyalty=loyalty,
        created_at=now,
    )
    event = await record_event(
        uow,
        ctx,
        type=EventType.CUSTOMER_CUSTOM_EVENT,
        customer_id=customer.id,
        entity_id=event_id,
        event_id=event_id,
        created_at=now,
        data=custom_event_data(
            event=event_object,
            schema=schema,
            customer=customer,
            referrer=referrer,
            referral=referral,
            loyalty=loyalty,
        ),
    )
    await publish(uow, ctx, CustomEventTracked(customer=customer, names=(name, schema.id)))
    if referral is not None and referral.code is not None:
        await _convert_referee(uow, ctx, customer, referral.code, (name, schema.id), event_object)
    return TrackedEvent(
        event=event,
        customer=customer,
        name=name,
        metadata=metadata,
        referral=referral,
        loyalty=loyalty,
    )


async def _schema_for(uow: UnitOfWork, ctx: Context, name: str) -> CustomEventSchema:
    schema = await uow.event_schemas.get_by_name(ctx.project_id, name)
    if schema is None:
        schema = CustomEventSchema(
            id=ctx.new_id(IdPrefix.EVENT_SCHEMA),
            project_id=ctx.project_id,
            name=name,
            created_at=ctx.now(),
        )
        await uow.event_schemas.add(schema)
    return schema


async def _convert_referee(
    uow: UnitOfWork,
    ctx: Context,
    customer: Customer,
    code: str,
    names: tuple[str, str],
    event_object: Mapping[str, Any],
) -> None:
    """A custom event naming a referral code converts the customer, if the code's program
    converts on that event."""
    found = await uow.vouchers.get_by_code(ctx.project_id, code)
    if found is None:
        return
    (voucher,) = await effective(uow, ctx, [found])
    await publish(
        uow,
        ctx,
        ReferralCodeUsed(
            code=voucher,
            customer=customer,
            how=ConversionEvent.CUSTOM_EVENT,
            source_id=str(event_object["id"]),
            names=names,
            evidence={"custom_event": dict(event_object)},
        ),
    )
