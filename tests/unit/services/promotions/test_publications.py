"""Publications on the in-memory stores: codes given to customers exactly once, idempotent by
source id, one per customer when the campaign says so, and a pool that runs out."""

from __future__ import annotations

import pytest

from sendout.domain.campaigns import CampaignKind
from sendout.domain.customers import CustomerRef
from sendout.domain.errors import InvalidPayload
from sendout.domain.events import EventType
from sendout.domain.list_filters import Condition, ListFilter, Op
from sendout.domain.publications import PublicationQuery
from sendout.services.promotions import campaigns, publications
from sendout.services.promotions.publications import OUT_OF_CODES, PublishRequest
from tests.unit.services.shop import Shop


def request(who: str, **fields: object) -> PublishRequest:
    return PublishRequest(customer=CustomerRef(source_id=who), **fields)  # type: ignore[arg-type]


async def test_a_publication_takes_a_free_code_and_records_it(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1", "S2")
    done = await publications.publish(
        shop.factory, shop.ctx, request("ann", campaign="Spring", metadata={"why": "hi"})
    )
    (given,) = done.vouchers
    assert given.voucher.code == "S1"
    assert given.voucher.holder_id == done.customer.id
    assert (done.publication.codes, done.publication.metadata) == (["S1"], {"why": "hi"})
    assert (await shop.voucher("S1")).voucher.holder_id == done.customer.id
    (event,) = shop.events_of(EventType.PUBLICATION_SUCCEEDED)
    assert (event.customer_id, event.entity_id) == (done.customer.id, done.publication.id)
    assert event.data["voucher"]["code"] == "S1"


async def test_a_source_id_publishes_once(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1", "S2")
    first = await publications.publish(
        shop.factory, shop.ctx, request("ann", campaign="Spring", source_id="welcome")
    )
    again = await publications.publish(
        shop.factory, shop.ctx, request("ann", campaign="Spring", source_id="welcome")
    )
    assert again.publication == first.publication
    assert [v.voucher.code for v in again.vouchers] == ["S1"]
    assert (await shop.voucher("S2")).voucher.holder_id is None
    with pytest.raises(InvalidPayload):
        await publications.publish(
            shop.factory, shop.ctx, request("ann", campaign="Spring", source_id="x", count=2)
        )


async def test_join_once_gives_a_customer_one_code(shop: Shop) -> None:
    club = await shop.campaign("Once", join_once=True)
    await shop.codes(club, "J1", "J2")
    first = await publications.publish(shop.factory, shop.ctx, request("ann", campaign="Once"))
    second = await publications.publish(shop.factory, shop.ctx, request("ann", campaign="Once"))
    assert second.publication.id == first.publication.id
    assert len(shop.events_of(EventType.PUBLICATION_SUCCEEDED)) == 1


async def test_a_static_pool_runs_out_and_nothing_is_kept(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1")
    await publications.publish(shop.factory, shop.ctx, request("ann", campaign="Spring"))
    with pytest.raises(InvalidPayload) as refused:
        await publications.publish(shop.factory, shop.ctx, request("bob", campaign="Spring"))
    assert refused.value.key == OUT_OF_CODES
    # The customer the failed request named inline was rolled back with it.
    async with shop.factory() as uow:
        assert await uow.customers.get_by_source_id(shop.ctx.project_id, "bob") is None


async def test_an_auto_update_campaign_makes_the_codes_it_lacks(shop: Shop) -> None:
    auto = await shop.campaign("Auto", kind=CampaignKind.AUTO_UPDATE)
    await shop.codes(auto, "A1")
    done = await publications.publish(
        shop.factory, shop.ctx, request("ann", campaign="Auto", count=3)
    )
    codes = [v.voucher.code for v in done.vouchers]
    assert codes[0] == "A1"
    assert len(set(codes)) == 3
    async with shop.factory() as uow:
        counted = await uow.campaigns.get(shop.ctx.project_id, auto.id)
        free = await uow.vouchers.count_free(shop.ctx.project_id, [auto.id])
    assert counted is not None
    assert counted.vouchers_count == 3
    assert free == {auto.id: 0}


async def test_a_disabled_campaign_or_a_taken_code_publishes_nothing(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1")
    await campaigns.set_campaign_active(shop.factory, shop.ctx, "Spring", False)
    with pytest.raises(InvalidPayload) as disabled:
        await publications.publish(shop.factory, shop.ctx, request("ann", campaign="Spring"))
    assert disabled.value.key == OUT_OF_CODES
    other = await shop.campaign("Other")
    await shop.codes(other, "O1")
    await publications.publish(shop.factory, shop.ctx, request("ann", voucher_code="O1"))
    with pytest.raises(InvalidPayload):
        await publications.publish(shop.factory, shop.ctx, request("bob", voucher_code="O1"))
    with pytest.raises(InvalidPayload):
        await publications.publish(shop.factory, shop.ctx, request("bob"))  # neither


async def test_claims_give_one_code_each_until_the_pool_is_short(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1", "S2")
    people = [await shop.customer(who) for who in ("ann", "bob", "cid")]
    async with shop.factory() as uow:
        claimed = await publications.claim_codes(uow, shop.ctx, spring, people)
        assert sorted(v.code for v in claimed.values()) == ["S1", "S2"]
        done = await publications.publish_claimed(
            uow,
            shop.ctx,
            spring,
            [(c, claimed[c.id], f"src-{c.source_id}") for c in people if c.id in claimed],
            channel="automation",
            metadata={},
            announced_at=None,
        )
        await uow.commit()
        with pytest.raises(ValueError, match="twice"):
            await publications.claim_codes(uow, shop.ctx, spring, [people[0], people[0]])
    assert [p.publication.source_id for p in done] == ["src-ann", "src-bob"]
    assert len(shop.events_of(EventType.PUBLICATION_SUCCEEDED)) == 2


async def test_publications_are_listed_by_campaign_customer_code_and_filters(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "S1", "S2")
    other = await shop.campaign("Other")
    await shop.codes(other, "O1")
    ann = await publications.publish(shop.factory, shop.ctx, request("ann", campaign="Spring"))
    await publications.publish(shop.factory, shop.ctx, request("bob", campaign="Spring"))
    await publications.publish(shop.factory, shop.ctx, request("ann", campaign="Other"))

    async def codes(query: PublicationQuery | None = None, **by: str) -> list[str]:
        page = await publications.list_publications(
            shop.factory, shop.ctx, query or PublicationQuery(), **by
        )
        return [c for p in page.items for c in p.publication.codes]

    assert await codes() == ["O1", "S2", "S1"]
    assert await codes(campaign="Spring") == ["S2", "S1"]
    assert await codes(customer="ann") == ["O1", "S1"]
    assert await codes(voucher_code="S1") == ["S1"]
    assert await codes(campaign="Nope") == []
    named = ListFilter((Condition("campaign_name", Op.IS, ("Other",)),))
    assert await codes(PublicationQuery(filters=named)) == ["O1"]
    either = ListFilter(
        (
            Condition("customer_id", Op.IS, (ann.customer.id,)),
            Condition("related_object_id", Op.STARTS_WITH, ("v_",)),
        ),
        any_of=True,
    )
    assert len(await codes(PublicationQuery(filters=either))) == 3
    assert await codes(PublicationQuery(voucher_type="DISCOUNT_VOUCHER", limit=1)) == ["O1"]
