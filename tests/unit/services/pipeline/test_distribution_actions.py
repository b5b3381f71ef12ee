"""What a distribution's action adds to an event's data: nothing for PLAIN; the campaign and
its promotion tier for NOTIFY; for PUBLISH, a code of the campaign's pool published to the
event's customer, one per distribution and event. The campaigns are made with the
promotions' fakes (``tests/unit/services/shop.py``) in the pipeline's database."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import replace
from typing import Any

import pytest

from sendout.domain.campaign_drafts import TierDraft
from sendout.domain.distributions import ActionSpec
from sendout.domain.event_catalogue import Action
from sendout.domain.events import Event
from sendout.services.pipeline.distribution_actions import ActionFailed, run_action
from sendout.services.promotions.publications import OUT_OF_CODES, publication_source_id
from sendout.testing import seeded_rng
from tests.factories.pipeline import Pipeline
from tests.unit.services.shop import Shop

URL = "https://hooks.example.com/a"


async def test_a_plain_action_passes_the_events_data_through(pipe: Pipeline) -> None:
    made = await pipe.distribution("https://hooks.example.com/a")
    await pipe.record()
    (event,) = pipe.db.data.events
    async with pipe.db() as uow:
        data = await run_action(uow, made, event, pipe.clock, seeded_rng())
    assert data == dict(event.data)
    assert data is not event.data  # a copy the caller may extend


async def test_a_publications_source_id_is_the_distributions_and_the_events(
    pipe: Pipeline,
) -> None:
    made = await pipe.distribution("https://hooks.example.com/a")
    await pipe.record(2)
    first, second = pipe.db.data.events
    assert publication_source_id(made, first) == f"{made.id}-{first.id}"
    assert publication_source_id(made, first) != publication_source_id(made, second)


async def act(
    pipe: Pipeline, action: ActionSpec, *, customer_id: str | None = "cust_1", nth: int = 0
) -> Mapping[str, Any]:
    """Run ``action`` of a distribution for the ``nth`` event recorded (a new one if there is
    none yet), made by ``customer_id``, in a committed unit of work."""
    made = replace(await pipe.distribution(URL), action=action)
    if len(pipe.db.data.events) <= nth:
        await pipe.record()
    event: Event = replace(pipe.db.data.events[nth], customer_id=customer_id)
    async with pipe.db() as uow:
        # A seed per event: the ids it makes differ from the other events' on a still clock.
        data = await run_action(uow, made, event, pipe.clock, seeded_rng(100 + nth))
        await uow.commit()
    return data


def shop_of(pipe: Pipeline) -> Shop:
    """The promotions' builders over the pipeline's database and clock."""
    return Shop(clock=pipe.clock, factory=pipe.db)


async def test_notify_adds_the_campaign_and_its_promotion_tier(pipe: Pipeline) -> None:
    sale, (gold,) = await shop_of(pipe).promotion(TierDraft(name="Gold"))
    data = await act(
        pipe, ActionSpec(type=Action.NOTIFY, campaign_id=sale.id, promotion_tier_id=gold.id)
    )
    assert data["campaign"]["id"] == sale.id
    assert (data["promotion_tier"]["id"], data["promotion_tier"]["name"]) == (gold.id, "Gold")
    assert data["event"] == {"type": "signed_up"}  # the event's own data stays
    with pytest.raises(ActionFailed) as no_tier:
        await act(
            pipe, ActionSpec(type=Action.NOTIFY, campaign_id=sale.id, promotion_tier_id="promo_x")
        )
    assert no_tier.value.reason == "promotion_tier_not_found"
    with pytest.raises(ActionFailed) as no_campaign:
        await act(
            pipe, ActionSpec(type=Action.NOTIFY, campaign_id="camp_x", promotion_tier_id=gold.id)
        )
    assert no_campaign.value.reason == "campaign_not_found"


async def test_publish_gives_each_customer_one_code_of_the_pool_and_fails_when_it_is_empty(
    pipe: Pipeline,
) -> None:
    shop = shop_of(pipe)
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "P1", "P2")
    ann, bob = (await shop.customer("ann")).id, (await shop.customer("bob")).id
    publish = ActionSpec(type=Action.PUBLISH, campaign_id=spring.id)
    for_ann = await act(pipe, publish, customer_id=ann)
    for_bob = await act(pipe, publish, customer_id=bob, nth=1)
    assert {for_ann["voucher"]["code"], for_bob["voucher"]["code"]} == {"P1", "P2"}
    assert for_ann["campaign"]["id"] == spring.id
    assert for_ann["publication"]["customer"]["id"] == ann
    assert for_ann["publication"]["metadata"]["source_type"] == "distribution"
    assert (await shop.voucher(for_ann["voucher"]["code"])).voucher.holder_id == ann
    with pytest.raises(ActionFailed) as empty:
        await act(pipe, publish, customer_id=ann, nth=2)
    assert empty.value.reason == OUT_OF_CODES
    assert empty.value.details == "Campaign Spring has no unpublished codes left"


async def test_publish_needs_the_event_s_customer(pipe: Pipeline) -> None:
    spring = await shop_of(pipe).campaign("Spring")
    with pytest.raises(ActionFailed) as refused:
        await act(pipe, ActionSpec(type=Action.PUBLISH, campaign_id=spring.id), customer_id=None)
    assert refused.value.reason == "missing_customer"
