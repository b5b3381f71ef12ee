"""Publishing under concurrency, on real SQLite and real PostgreSQL."""

from __future__ import annotations

import asyncio
import time
from collections import Counter
from dataclasses import replace

import pytest

from sendout.bootstrap import Container
from sendout.domain.activity import ActivityQuery
from sendout.domain.campaign_drafts import CampaignDraft
from sendout.domain.campaigns import (
    CampaignKind,
    CampaignType,
    GenerationStatus,
    VoucherTemplate,
    VoucherType,
)
from sendout.domain.codes import parse_code_config
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import DomainError
from sendout.domain.projects import IssuedKey
from sendout.domain.vouchers import WalletQuery
from sendout.services.async_jobs import AsyncActionRunner
from sendout.services.context import Context
from sendout.services.promotions.campaigns import create_campaign
from sendout.services.promotions.publications import PublishRequest, publish
from sendout.testing import make_context

GENERATION_TIMEOUT = 30.0  # seconds


def context_for(project: IssuedKey, container: Container) -> Context:
    return make_context(project.project.id, clock=container.clock, rng=container.rng)


async def campaign_of(
    container: Container, ctx: Context, name: str, count: int, kind: CampaignKind
) -> str:
    """A campaign with ``count`` codes, generated before returning.

    The test server of the e2e suite shares this database and runs a worker too: whichever
    worker takes the action, we wait for the campaign to be complete.
    """
    campaign, _ = await create_campaign(
        container.uow_factory,
        ctx,
        CampaignDraft(
            name=name,
            campaign_type=CampaignType.DISCOUNT_COUPONS,
            kind=kind,
            template=VoucherTemplate(
                type=VoucherType.DISCOUNT_VOUCHER,
                discount={"type": "AMOUNT", "amount_off": 500, "effect": "APPLY_TO_ORDER"},
                code_config=parse_code_config({"length": 12}),
            ),
            vouchers_count=count,
        ),
    )
    runner = AsyncActionRunner(container.uow_factory, container.clock, container.rng)
    deadline = time.monotonic() + GENERATION_TIMEOUT
    while time.monotonic() < deadline:
        async with container.uow_factory() as uow:
            current = await uow.campaigns.get(ctx.project_id, campaign.id)
        assert current is not None
        if current.creation_status is GenerationStatus.DONE:
            assert current.vouchers_count == count
            return campaign.id
        if await runner.run_next() == 0:
            await asyncio.sleep(0.05)
    raise AssertionError("codes were not generated in time")


async def attempt(container: Container, ctx: Context, request: PublishRequest) -> str | DomainError:
    try:
        published = await publish(container.uow_factory, ctx, request)
    except DomainError as error:
        return error
    (voucher,) = published.vouchers
    return voucher.voucher.code


def from_campaign(name: str, customer: str, source_id: str | None = None) -> PublishRequest:
    return PublishRequest(
        customer=CustomerRef(source_id=customer), campaign=name, source_id=source_id
    )


async def test_50_concurrent_publications_of_100_codes_publish_50_distinct_codes(
    container: Container, project: IssuedKey
) -> None:
    ctx = context_for(project, container)
    await campaign_of(container, ctx, "Fifty", 100, CampaignKind.STATIC)
    results = await asyncio.gather(
        *(attempt(container, ctx, from_campaign("Fifty", f"c{n}")) for n in range(50))
    )
    codes = [r for r in results if isinstance(r, str)]
    assert len(codes) == 50
    assert len(set(codes)) == 50


async def test_200_concurrent_publications_of_100_codes_publish_exactly_100(
    container: Container, project: IssuedKey
) -> None:
    ctx = context_for(project, container)
    await campaign_of(container, ctx, "Hundred", 100, CampaignKind.STATIC)
    results = await asyncio.gather(
        *(attempt(container, ctx, from_campaign("Hundred", f"c{n % 37}")) for n in range(200))
    )
    codes = [r for r in results if isinstance(r, str)]
    refusals = Counter(r.key for r in results if isinstance(r, DomainError))
    assert len(codes) == 100
    assert len(set(codes)) == 100
    assert refusals == {"no_voucher_suitable_for_publication": 100}


async def test_20_concurrent_requests_with_one_source_id_make_one_publication(
    container: Container, project: IssuedKey
) -> None:
    ctx = context_for(project, container)
    await campaign_of(container, ctx, "Once", 30, CampaignKind.STATIC)
    results = await asyncio.gather(
        *(
            attempt(container, ctx, from_campaign("Once", "same", source_id="order-42"))
            for _ in range(20)
        )
    )
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1
    async with container.uow_factory() as uow:
        customer = await uow.customers.get_by_source_id(ctx.project_id, "same")
        assert customer is not None
        found = await uow.vouchers.held_by(ctx.project_id, customer.id, WalletQuery(limit=50))
    assert len(found.items) == 1


async def test_join_once_gives_one_code_per_customer_even_when_racing(
    container: Container, project: IssuedKey
) -> None:
    ctx = context_for(project, container)
    campaign_id = await campaign_of(container, ctx, "Joined", 30, CampaignKind.STATIC)
    async with container.uow_factory() as uow:
        campaign = await uow.campaigns.get(ctx.project_id, campaign_id)
        assert campaign is not None
        await uow.campaigns.update(replace(campaign, join_once=True))
        await uow.commit()
    results = await asyncio.gather(
        *(attempt(container, ctx, from_campaign("Joined", "loyal")) for _ in range(10))
    )
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 1


async def test_auto_update_campaigns_make_a_fresh_code_when_none_is_left(
    container: Container, project: IssuedKey
) -> None:
    ctx = context_for(project, container)
    await campaign_of(container, ctx, "Grows", 2, CampaignKind.AUTO_UPDATE)
    results = await asyncio.gather(
        *(attempt(container, ctx, from_campaign("Grows", f"g{n}")) for n in range(5))
    )
    assert all(isinstance(r, str) for r in results), results
    assert len(set(results)) == 5


@pytest.mark.parametrize("count", [1, 3])
async def test_a_publication_records_one_event_per_code(
    container: Container, project: IssuedKey, count: int
) -> None:
    ctx = context_for(project, container)
    await campaign_of(container, ctx, f"Events{count}", 5, CampaignKind.STATIC)
    published = await publish(
        container.uow_factory,
        ctx,
        PublishRequest(
            customer=CustomerRef(source_id="ev"), campaign=f"Events{count}", count=count
        ),
    )
    async with container.uow_factory() as uow:
        page = await uow.events.list_for_customer(
            ctx.project_id,
            published.customer.id,
            frozenset({"customer.publication.succeeded"}),
            ActivityQuery(limit=10),
        )
    assert len(page.items) == count
    data = page.items[0].data
    assert set(data) == {"customer", "campaign", "publication", "voucher"}
    assert data["publication"]["id"] == published.publication.id
    assert {e.data["voucher"]["code"] for e in page.items} == {
        v.voucher.code for v in published.vouchers
    }
