"""Publications: giving codes to customers, exactly once.

- A published code is never published again: a code is taken by an UPDATE that requires it
  to have no holder (and, on PostgreSQL, skips rows other publishers hold locked).
- ``source_id`` makes a publication idempotent: a unique key on (project, source_id) lets one
  of several concurrent requests win; the others retry and return the winner's publication.
- ``join_once`` gives one code per customer per campaign: the customer's row is locked for the
  transaction, so two concurrent publications for one customer take turns.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime
from typing import Any

from sendout.domain.campaigns import Campaign, CampaignKind, simple_campaign
from sendout.domain.customers import Customer, CustomerRef, simple_customer
from sendout.domain.distributions import Distribution
from sendout.domain.errors import InvalidPayload
from sendout.domain.events import Event, EventType
from sendout.domain.ids import IdPrefix
from sendout.domain.ports import Page, UnitOfWork, UnitOfWorkFactory
from sendout.domain.publications import (
    API_CHANNEL,
    MAX_COUNT_PER_REQUEST,
    Publication,
    PublicationQuery,
    publication_object,
)
from sendout.domain.vouchers import EffectiveVoucher, Voucher, simple_voucher, voucher_object
from sendout.services.context import Context
from sendout.services.customers.customers import find_customer, resolve_customer
from sendout.services.promotions.campaign_codes import generate_one
from sendout.services.promotions.campaigns import require_campaign
from sendout.services.promotions.voucher_lookup import effective, require_voucher
from sendout.services.recording import new_event
from sendout.services.retries import retry_on_conflict

#: The error key of a campaign with no code left to publish.
OUT_OF_CODES = "no_voucher_suitable_for_publication"


def no_voucher(details: str) -> InvalidPayload:
    return InvalidPayload(
        "Couldn't find any voucher suitable for publication.",
        details=details,
        key=OUT_OF_CODES,
    )


@dataclass(frozen=True, slots=True, kw_only=True)
class PublishRequest:
    customer: CustomerRef
    voucher_code: str | None = None
    campaign: str | None = None
    count: int = 1
    source_id: str | None = None
    metadata: Mapping[str, Any] = field(default_factory=dict)
    channel: str = API_CHANNEL
    join_once: bool = False


@dataclass(frozen=True, slots=True, kw_only=True)
class Published:
    publication: Publication
    customer: Customer
    vouchers: list[EffectiveVoucher]


def check_request(request: PublishRequest) -> None:
    if (request.voucher_code is None) == (request.campaign is None):
        raise InvalidPayload(
            details="Publish either a voucher (code) or from a campaign (name)",
            key="invalid_publish_params",
        )
    if not 1 <= request.count <= MAX_COUNT_PER_REQUEST:
        raise InvalidPayload(
            details=f"campaign.count must be between 1 and {MAX_COUNT_PER_REQUEST}",
            key="invalid_publish_params",
        )
    if request.source_id is not None and request.count > 1:
        raise InvalidPayload(
            details="A publication with a source_id publishes one code",
            key="invalid_publish_params",
        )


async def publish(
    uow_factory: UnitOfWorkFactory, ctx: Context, request: PublishRequest
) -> Published:
    check_request(request)

    async def attempt() -> Published:
        async with uow_factory() as uow:
            published = await publish_in(uow, ctx, request)
            await uow.commit()
            return published

    return await retry_on_conflict(attempt)


async def publish_in(uow: UnitOfWork, ctx: Context, request: PublishRequest) -> Published:
    """Publish inside the caller's transaction (distributions publish with their own writes)."""
    if request.source_id is not None:
        existing = await uow.publications.get_by_source_id(ctx.project_id, request.source_id)
        if existing is not None:
            return await _load(uow, ctx, existing)
    customer = await resolve_customer(uow, ctx, request.customer)
    now = ctx.now()
    if request.voucher_code is not None:
        campaign, vouchers = await _take_code(uow, ctx, request.voucher_code, customer)
    else:
        assert request.campaign is not None
        campaign = await require_campaign(uow, ctx, request.campaign)
        if campaign.join_once or request.join_once:
            await uow.customers.lock(ctx.project_id, customer.id)
            earlier = await uow.publications.first_for(ctx.project_id, customer.id, campaign.id)
            if earlier is not None:
                return await _load(uow, ctx, earlier, customer)
        vouchers = await _take_from_campaign(uow, ctx, campaign, customer, request.count)
    publication = Publication(
        id=ctx.new_id(IdPrefix.PUBLICATION),
        project_id=ctx.project_id,
        customer_id=customer.id,
        campaign_id=campaign.id if campaign else None,
        voucher_ids=[v.id for v in vouchers],
        codes=[v.code for v in vouchers],
        source_id=request.source_id,
        channel=request.channel,
        metadata=request.metadata,
        created_at=now,
    )
    await uow.publications.add(publication)
    effective_vouchers = [EffectiveVoucher(voucher=v, campaign=campaign) for v in vouchers]
    for item in effective_vouchers:
        await _record(uow, ctx, publication, customer, campaign, item)
    return Published(publication=publication, customer=customer, vouchers=effective_vouchers)


def _held(voucher: Voucher, customer: Customer, now: datetime) -> Voucher:
    """The code as its claim left it in storage."""
    return replace(voucher, holder_id=customer.id, published_at=now, updated_at=now)


async def _take_code(
    uow: UnitOfWork, ctx: Context, code: str, customer: Customer
) -> tuple[Campaign | None, list[Voucher]]:
    voucher = await require_voucher(uow, ctx, code)
    (current,) = await effective(uow, ctx, [voucher])
    if voucher.holder_id is not None:
        raise no_voucher(f"Voucher {code} is published already")
    if not current.active:
        raise no_voucher(f"Voucher {code} is disabled")
    now = ctx.now()
    if not await uow.vouchers.claim(ctx.project_id, voucher.id, customer.id, now):
        raise no_voucher(f"Voucher {code} is published already")
    return current.campaign, [_held(voucher, customer, now)]


async def _take_from_campaign(
    uow: UnitOfWork, ctx: Context, campaign: Campaign, customer: Customer, count: int
) -> list[Voucher]:
    if campaign.template is None:
        raise no_voucher(f"Campaign {campaign.name} has no codes")
    if not campaign.active:
        raise no_voucher(f"Campaign {campaign.name} is disabled")
    now = ctx.now()
    taken = list(
        await uow.vouchers.claim_free(ctx.project_id, campaign.id, customer.id, count, now)
    )
    if len(taken) < count and campaign.kind is CampaignKind.AUTO_UPDATE:
        for _ in range(count - len(taken)):
            fresh = await generate_one(uow, ctx, campaign, campaign.template.code_config, {})
            if not await uow.vouchers.claim(ctx.project_id, fresh.id, customer.id, now):
                raise no_voucher("A fresh code was taken concurrently")
            taken.append(_held(fresh, customer, now))
    if len(taken) < count:
        raise no_voucher(f"Campaign {campaign.name} has no unpublished codes left")
    return taken


async def _record(
    uow: UnitOfWork,
    ctx: Context,
    publication: Publication,
    customer: Customer,
    campaign: Campaign | None,
    voucher: EffectiveVoucher,
) -> None:
    await uow.events.add(_announcement(ctx, publication, customer, campaign, voucher))


def _announcement(
    ctx: Context,
    publication: Publication,
    customer: Customer,
    campaign: Campaign | None,
    voucher: EffectiveVoucher,
) -> Event:
    """The ``customer.publication.succeeded`` event of one code published."""
    publication_data = publication_object(
        publication,
        customer=simple_customer(customer),
        vouchers=[voucher_object(voucher)],
        for_create=False,
    )
    publication_data.pop("voucher", None)
    publication_data.pop("vouchers", None)
    return new_event(
        ctx,
        type=EventType.PUBLICATION_SUCCEEDED.value,
        customer_id=customer.id,
        entity_id=publication.id,
        data={
            "customer": simple_customer(customer),
            "campaign": None if campaign is None else simple_campaign(campaign),
            "publication": publication_data,
            "voucher": simple_voucher(voucher),
        },
    )


async def claim_codes(
    uow: UnitOfWork, ctx: Context, campaign: Campaign, customers: Sequence[Customer]
) -> dict[str, Voucher]:
    """One free code of ``campaign`` for each of ``customers`` (all different), by customer
    id, claimed in one statement (``publish_claimed`` then publishes them). Customers left
    out (the campaign ran short; it makes its codes one by one, gives one code per customer,
    or cannot publish) are for ``publish_in``, which handles each case."""
    holders = [customer.id for customer in customers]
    if len(set(holders)) != len(holders):
        raise ValueError("a customer twice in one batch of claims")
    if campaign.template is None or not campaign.active or campaign.join_once:
        return {}
    claimed = await uow.vouchers.claim_free_for(ctx.project_id, campaign.id, holders, ctx.now())
    return {voucher.holder_id: voucher for voucher in claimed if voucher.holder_id is not None}


async def publish_claimed(
    uow: UnitOfWork,
    ctx: Context,
    campaign: Campaign,
    claims: Sequence[tuple[Customer, Voucher, str]],
    *,
    channel: str,
    metadata: Mapping[str, Any],
    announced_at: datetime | None,
) -> list[Published]:
    """Publish codes ``claim_codes`` claimed, each (customer, code, source_id) as
    ``publish_in`` would, in a few statements for all: the publications, and their
    ``customer.publication.succeeded`` events (``announced_at``: written dispatched, when
    nothing listens to them)."""
    now = ctx.now()
    published: list[Published] = []
    for customer, voucher, source_id in claims:
        publication = Publication(
            id=ctx.new_id(IdPrefix.PUBLICATION),
            project_id=ctx.project_id,
            customer_id=customer.id,
            campaign_id=campaign.id,
            voucher_ids=[voucher.id],
            codes=[voucher.code],
            source_id=source_id,
            channel=channel,
            metadata=metadata,
            created_at=now,
        )
        item = EffectiveVoucher(voucher=voucher, campaign=campaign)
        published.append(Published(publication=publication, customer=customer, vouchers=[item]))
    await uow.publications.add_many([p.publication for p in published])
    await uow.events.add_many(
        [_announcement(ctx, p.publication, p.customer, campaign, p.vouchers[0]) for p in published],
        announced_at,
    )
    return published


async def _load(
    uow: UnitOfWork, ctx: Context, publication: Publication, customer: Customer | None = None
) -> Published:
    if customer is None:
        customer = await uow.customers.get(ctx.project_id, publication.customer_id)
    if customer is None:
        # The customer was deleted since: the publication still names them by id.
        customer = Customer(
            id=publication.customer_id, project_id=ctx.project_id, created_at=publication.created_at
        )
    vouchers = await effective(
        uow, ctx, await uow.vouchers.get_many(ctx.project_id, publication.voucher_ids)
    )
    return Published(publication=publication, customer=customer, vouchers=vouchers)


async def list_publications(
    uow_factory: UnitOfWorkFactory,
    ctx: Context,
    query: PublicationQuery,
    *,
    campaign: str | None = None,
    customer: str | None = None,
    voucher_code: str | None = None,
) -> Page[Published]:
    async with uow_factory() as uow:
        empty: Page[Published] = Page(items=[], total=0, has_more=False)
        if campaign is not None:
            found = await uow.campaigns.get(ctx.project_id, campaign)
            if found is None:
                return empty
            query = replace(query, campaign_id=found.id)
        if customer is not None:
            holder = await find_customer(uow, ctx, customer)
            if holder is None:
                return empty
            query = replace(query, customer_id=holder.id)
        if voucher_code is not None:
            voucher = await uow.vouchers.get_by_code(ctx.project_id, voucher_code)
            if voucher is None or voucher.holder_id is None:
                return empty
            query = replace(query, customer_id=voucher.holder_id, limit=100, page=1)
        page = await uow.publications.list(ctx.project_id, query)
        items: Sequence[Publication] = page.items
        if voucher_code is not None:
            items = [p for p in items if voucher_code in p.codes]
        loaded = [await _load(uow, ctx, p) for p in items]
        total = len(loaded) if voucher_code is not None else page.total
        has_more = False if voucher_code is not None else page.has_more
        return Page(items=loaded, total=total, has_more=has_more)


def with_publication(
    data: Mapping[str, Any], campaign: Campaign, published: Published
) -> dict[str, Any]:
    """An event's data with what PUBLISH adds: the campaign, the code and its publication."""
    (voucher,) = published.vouchers
    publication = publication_object(
        published.publication,
        customer={"id": published.customer.id, "object": "customer"},
        vouchers=[voucher_object(voucher)],
        for_create=False,
    )
    publication.pop("voucher", None)
    return {
        **data,
        "campaign": simple_campaign(campaign),
        "voucher": simple_voucher(voucher),
        "publication": publication,
    }


def publication_source_id(distribution: Distribution, event: Event) -> str:
    """The publication's source_id: one per distribution and event, so that not even a re-run
    of the event could publish a second code."""
    return f"{distribution.id}-{event.id}"
