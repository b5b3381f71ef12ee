"""Builders over a real container: projects, distributions, campaigns, loyalty programs
and their members, and the events they record."""

from __future__ import annotations

import asyncio
import random
import time
from typing import Any

from sendout.bootstrap import Container
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
from sendout.domain.loyalty_tiers import parse_tiers_expiration
from sendout.services.accounts.projects import create_project
from sendout.services.async_jobs import AsyncActionRunner
from sendout.services.context import Context
from sendout.services.customers.events import track_custom_event
from sendout.services.loyalty import loyalties, program_notifications
from sendout.services.pipeline.distributions import create_distribution
from sendout.services.promotions.campaigns import create_campaign
from sendout.testing import FakeClock, make_context, webhook_distribution_draft


async def program_with(
    container: Container,
    clock: FakeClock,
    expiration_rules: dict[str, Any] | None = None,
    tiers_expiration: dict[str, Any] | None = None,
) -> tuple[Context, str]:
    issued = await create_project(container.uow_factory, clock, random.Random(1), "points")
    ctx = make_context(issued.project.id, clock=clock)
    card: dict[str, Any] = {"points": 0, "balance": 0}
    if expiration_rules is not None:
        card["expiration_rules"] = expiration_rules
    created = await program_notifications.create_campaign(
        container.uow_factory,
        ctx,
        CampaignDraft(
            name="Club",
            campaign_type=CampaignType.LOYALTY_PROGRAM,
            kind=CampaignKind.AUTO_UPDATE,
            template=VoucherTemplate(
                type=VoucherType.LOYALTY_CARD,
                loyalty_card=card,
                code_config=parse_code_config({"length": 8}),
            ),
            loyalty_tiers_expiration=parse_tiers_expiration(tiers_expiration),
        ),
        (),
        container.channels,
        only=CampaignType.LOYALTY_PROGRAM,
    )
    return ctx, created.campaign.id


async def member(container: Container, ctx: Context, program_id: str, who: str) -> str:
    card = await loyalties.add_member(
        container.uow_factory, ctx, program_id, CustomerRef(source_id=who)
    )
    return card.voucher.code


async def card_state(container: Container, ctx: Context, code: str) -> dict[str, Any]:
    card = await loyalties.get_member(container.uow_factory, ctx, code)
    return dict(card.loyalty_card or {})


async def recorded(container: Container) -> list[Any]:
    """The events recorded (nothing dispatches in an isolated database)."""
    async with container.uow_factory() as uow:
        return list(await uow.events.claim_undispatched(10_000))


async def event_types(container: Container, ctx: Context) -> list[str]:
    return [e.type for e in await recorded(container) if e.project_id == ctx.project_id]


GENERATION_TIMEOUT = 30.0  # seconds


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
    runner = AsyncActionRunner(
        container.uow_factory, container.clock, container.rng, container.export_files
    )
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


async def new_project(container: Container, clock: FakeClock) -> Context:
    issued = await create_project(container.uow_factory, clock, container.rng, "claims")
    return make_context(issued.project.id, clock=clock, rng=container.rng)


async def webhook_project(container: Container, payload: str | None = None) -> tuple[Context, str]:
    """A fresh project with one active distribution sending "joined" events to a webhook."""
    issued = await create_project(container.uow_factory, container.clock, container.rng, "w")
    ctx = make_context(issued.project.id, clock=container.clock, rng=container.rng)
    distribution = await create_distribution(
        container.uow_factory,
        ctx,
        webhook_distribution_draft("joined", "https://hooks.example.com/a", payload=payload),
        catalog=container.channels,
    )
    return ctx, distribution.id


async def record_joined(
    container: Container, ctx: Context, count: int, *, customers: int = 1
) -> None:
    """``count`` "joined" events, round-robin over ``customers`` customers (the first event of
    each also records its customer.created), with ``metadata.n`` = the event's number."""
    for n in range(count):
        await track_custom_event(
            container.uow_factory,
            ctx,
            name="joined",
            customer=CustomerRef(source_id=f"c{n % customers}"),
            metadata={"n": n},
        )
