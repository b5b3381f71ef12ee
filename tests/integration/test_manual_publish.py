"""A manual PUBLISH distribution's batches publish and write send-outs where they are
recorded (``services/pipeline/manual_sends.py``),
on real SQLite and real PostgreSQL: every recipient
one code, no code twice (also against single publications racing for the same codes), the
dispatcher's events and send-outs, and the dispatcher's path for whoever the batch cannot
serve."""

from __future__ import annotations

import asyncio
import random
from collections import Counter
from typing import Any

import orjson

from sendout.bootstrap import Container, bootstrap
from sendout.config import Settings
from sendout.domain.campaigns import CampaignKind
from sendout.domain.customers import Customer, CustomerRef
from sendout.domain.distributions import (
    ActionSpec,
    Distribution,
    DistributionStatus,
    ManualPlan,
    Trigger,
)
from sendout.domain.event_catalogue import MANUAL, Action
from sendout.domain.events import EventType
from sendout.domain.publications import PublicationQuery
from sendout.domain.sendouts import SendoutQuery
from sendout.domain.webhook_channels import WebhookChannel
from sendout.domain.webhooks import ProjectWebhook
from sendout.services.context import Context
from sendout.services.pipeline.dispatch import Dispatcher
from sendout.services.pipeline.manual import MANUAL_BATCH, ManualScheduler
from sendout.services.promotions.publications import OUT_OF_CODES, PublishRequest, publish
from sendout.testing import FakeClock
from tests.factories.projects import campaign_of, new_project

CITY = "Bergen"
ANNOUNCED = EventType.PUBLICATION_SUCCEEDED.value


async def customers_in(container: Container, ctx: Context, count: int) -> list[str]:
    ids = [f"cust_bulk{n:04d}" for n in range(count)]
    async with container.uow_factory() as uow:
        for customer_id in ids:
            await uow.customers.add(
                Customer(
                    id=customer_id,
                    project_id=ctx.project_id,
                    created_at=ctx.now(),
                    email=f"{customer_id}@example.com",
                    address={"city": CITY},
                )
            )
        await uow.commit()
    return ids


async def manual_publish(container: Container, ctx: Context, campaign_id: str) -> str:
    distribution = Distribution(
        id="distr_bulk",
        project_id=ctx.project_id,
        name="Bulk",
        status=DistributionStatus.TO_SEND,
        trigger=Trigger(event=MANUAL, parameters={}),
        action=ActionSpec(type=Action.PUBLISH, campaign_id=campaign_id),
        channels=(
            WebhookChannel(
                id="distch_bulk",
                event_name="bulk",
                url="https://hooks.example.com/bulk",
                payload='{"code": "{{voucher.code}}", "to": "{{customer.id}}"}',
                secret="whsec_test",
            ),
        ),
        created_at=ctx.now(),
        manual=ManualPlan(customer_filter={"city": CITY}),
    )
    async with container.uow_factory() as uow:
        await uow.distributions.add(distribution)
        await uow.commit()
    return distribution.id


async def drain(scheduler: ManualScheduler) -> int:
    batches = 0
    while await scheduler.run_next():
        batches += 1
    return batches


async def state(container: Container, ctx: Context, campaign_id: str) -> dict[str, Any]:
    async with container.uow_factory() as uow:
        publications = await uow.publications.list(
            ctx.project_id, PublicationQuery(campaign_id=campaign_id, limit=10_000)
        )
        sendouts = await uow.sendouts.list(ctx.project_id, SendoutQuery(limit=10_000))
        manual = await uow.events.recent(ctx.project_id, MANUAL, 10_000)
        announced = await uow.events.recent(ctx.project_id, ANNOUNCED, 10_000)
        undispatched = await uow.events.claim_undispatched(10_000)
        distribution = await uow.distributions.get(ctx.project_id, "distr_bulk")
    return {
        "publications": list(publications.items),
        "sendouts": list(sendouts.items),
        "manual": manual,
        "announced": announced,
        "undispatched": undispatched,
        "distribution": distribution,
    }


def codes_of(publications: list[Any]) -> list[str]:
    return [code for p in publications for code in p.codes]


async def test_a_manual_publish_gives_each_recipient_one_code_and_sends_it_without_dispatch(
    isolated_container: Container,
) -> None:
    container, clock = isolated_container, FakeClock()
    ctx = await new_project(container, clock)
    recipients = await customers_in(container, ctx, MANUAL_BATCH + 3)  # two batches
    campaign_id = await campaign_of(
        container, ctx, "Bulk", len(recipients) + 5, CampaignKind.STATIC
    )
    await manual_publish(container, ctx, campaign_id)

    scheduler = ManualScheduler(container.uow_factory, clock, random.Random(1))
    assert await drain(scheduler) == 2
    found = await state(container, ctx, campaign_id)

    publications = found["publications"]
    assert sorted(p.customer_id for p in publications) == recipients
    codes = codes_of(publications)
    assert len(codes) == len(set(codes)) == len(recipients)
    events_by_id = {e.id: e for e in found["manual"]}
    assert len(events_by_id) == len(recipients)
    for publication in publications:
        assert publication.channel == "Automation"
        assert publication.metadata == {
            "distribution_id": "distr_bulk",
            "source_type": "distribution",
            "source_id": "distr_bulk",
        }
        event_id = publication.source_id.removeprefix("distr_bulk-")
        assert events_by_id[event_id].customer_id == publication.customer_id
    # The code each customer holds is the one published to them, and the one sent to them.
    async with container.uow_factory() as uow:
        held = {
            v.code: v.holder_id
            for v in await uow.vouchers.get_many(
                ctx.project_id, [i for p in publications for i in p.voucher_ids]
            )
        }
    assert held == {p.codes[0]: p.customer_id for p in publications}
    sent = {}
    for sendout in found["sendouts"]:
        body = orjson.loads(sendout.body)["data"]
        sent[body["to"]] = body["code"]
        assert sendout.event_id in events_by_id
    assert sent == {p.customer_id: p.codes[0] for p in publications}
    # One publication event per code; nothing listens to them, so nothing is left to dispatch.
    assert Counter(e.customer_id for e in found["announced"]) == Counter(recipients)
    assert found["undispatched"] == []
    dispatcher = Dispatcher(container.uow_factory, clock, random.Random(2))
    assert await dispatcher.run_batch() == 0
    distribution = found["distribution"]
    assert distribution.status is DistributionStatus.DONE
    assert (distribution.manual.done, distribution.manual.total) == (len(recipients),) * 2


async def test_recipients_the_campaign_has_no_code_for_take_the_dispatchers_path(
    isolated_container: Container,
) -> None:
    """Two codes short: the batch publishes what there is; the two left over fail the way the
    dispatcher fails them (out of codes), and no code goes twice."""
    container, clock = isolated_container, FakeClock()
    ctx = await new_project(container, clock)
    recipients = await customers_in(container, ctx, 12)
    campaign_id = await campaign_of(container, ctx, "Short", 10, CampaignKind.STATIC)
    await manual_publish(container, ctx, campaign_id)

    await drain(ManualScheduler(container.uow_factory, clock, random.Random(1)))
    assert len((await state(container, ctx, campaign_id))["undispatched"]) == 2
    dispatcher = Dispatcher(container.uow_factory, clock, random.Random(2))
    while await dispatcher.run_batch():
        pass
    found = await state(container, ctx, campaign_id)

    codes = codes_of(found["publications"])
    assert len(codes) == len(set(codes)) == 10
    failed = [s for s in found["sendouts"] if s.reason == OUT_OF_CODES]
    assert len(failed) == 2
    assert len(found["sendouts"]) == len(recipients)


async def test_publication_events_something_listens_to_are_left_to_the_dispatcher(
    isolated_container: Container,
) -> None:
    container, clock = isolated_container, FakeClock()
    ctx = await new_project(container, clock)
    recipients = await customers_in(container, ctx, 5)
    campaign_id = await campaign_of(container, ctx, "Heard", 5, CampaignKind.STATIC)
    await manual_publish(container, ctx, campaign_id)
    async with container.uow_factory() as uow:
        await uow.webhooks.add(
            ProjectWebhook(
                id="whs_heard",
                project_id=ctx.project_id,
                target_url="https://hooks.example.com/project",
                events=("publication.succeeded",),
                active=True,
                secret="whsec_project",
                created_at=ctx.now(),
            )
        )
        await uow.commit()

    await drain(ManualScheduler(container.uow_factory, clock, random.Random(1)))
    waiting = (await state(container, ctx, campaign_id))["undispatched"]
    assert sorted(e.type for e in waiting) == [ANNOUNCED] * len(recipients)
    dispatcher = Dispatcher(container.uow_factory, clock, random.Random(2))
    while await dispatcher.run_batch():
        pass
    found = await state(container, ctx, campaign_id)
    to_project = [s for s in found["sendouts"] if s.source.id == "whs_heard"]
    assert len(to_project) == len(recipients)


async def test_a_manual_batch_and_single_publications_racing_never_share_a_code(
    isolated_container: Container,
) -> None:
    """The batch claims its codes in one statement (SKIP LOCKED on PostgreSQL), single
    publications one at a time from another process's engine: each code goes to one of
    them, and every publication holds the code it names."""
    container, clock = isolated_container, FakeClock()
    ctx = await new_project(container, clock)
    recipients = await customers_in(container, ctx, 2 * MANUAL_BATCH)
    singles = 60
    campaign_id = await campaign_of(
        container, ctx, "Raced", len(recipients) + singles, CampaignKind.STATIC
    )
    await manual_publish(container, ctx, campaign_id)
    other = bootstrap(Settings(database_url=container.settings.database_url))
    try:

        async def single(n: int) -> None:
            await publish(
                other.uow_factory,
                ctx,
                PublishRequest(customer=CustomerRef(id=recipients[n]), campaign=campaign_id),
            )

        async def singles_one_by_one() -> None:
            for n in range(singles):
                await single(n)
                await asyncio.sleep(0)

        await asyncio.gather(
            drain(ManualScheduler(container.uow_factory, clock, random.Random(1))),
            singles_one_by_one(),
        )
    finally:
        await other.close()
    found = await state(container, ctx, campaign_id)
    publications = found["publications"]
    codes = codes_of(publications)
    assert len(publications) == len(recipients) + singles
    assert len(codes) == len(set(codes))
    async with container.uow_factory() as uow:
        vouchers = await uow.vouchers.get_many(
            ctx.project_id, [i for p in publications for i in p.voucher_ids]
        )
    holder_of = {v.code: v.holder_id for v in vouchers}
    assert all(holder_of[p.codes[0]] == p.customer_id for p in publications)
