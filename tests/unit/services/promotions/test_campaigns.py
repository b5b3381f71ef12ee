"""Campaign use cases on the in-memory stores: create, read, list, change, disable, delete
(adding codes to a campaign: ``test_campaign_vouchers.py``)."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.async_actions import AsyncActionType
from sendout.domain.campaign_drafts import CampaignDraft, TierDraft
from sendout.domain.campaigns import CampaignKind, CampaignQuery, CampaignType, GenerationStatus
from sendout.domain.errors import Duplicate, InvalidPayload, NotFound
from sendout.services.promotions import campaigns
from tests.unit.services.shop import Shop


async def test_a_campaign_is_found_by_id_or_by_name(shop: Shop) -> None:
    made = await shop.campaign("Spring")
    by_id, _ = await campaigns.get_campaign(shop.factory, shop.ctx, made.id)
    by_name, _ = await campaigns.get_campaign(shop.factory, shop.ctx, "Spring")
    assert by_id == by_name == made
    assert made.creation_status is GenerationStatus.DONE
    with pytest.raises(NotFound):
        await campaigns.get_campaign(shop.factory, shop.ctx, "Autumn")


async def test_a_live_campaign_name_is_taken_until_it_is_deleted(shop: Shop) -> None:
    first = await shop.campaign("Spring")
    with pytest.raises(Duplicate) as refused:
        await shop.campaign("Spring")
    assert refused.value.key == "duplicate_found"
    action = await campaigns.delete_campaign(shop.factory, shop.ctx, "Spring")
    assert action.type is AsyncActionType.CAMPAIGN_DELETE
    assert action.request == {"campaign_id": first.id}
    with pytest.raises(NotFound):
        await campaigns.get_campaign(shop.factory, shop.ctx, first.id)
    again = await shop.campaign("Spring")
    assert again.id != first.id


async def test_codes_asked_at_creation_are_left_to_the_worker(shop: Shop) -> None:
    draft = CampaignDraft(
        name="Bulk",
        campaign_type=CampaignType.DISCOUNT_COUPONS,
        kind=CampaignKind.STATIC,
        template=(await shop.campaign("Model")).template,
        vouchers_count=3,
    )
    made, _ = await campaigns.create_campaign(shop.factory, shop.ctx, draft)
    assert made.creation_status is GenerationStatus.IN_PROGRESS
    async with shop.factory() as uow:
        (action,) = [
            a
            for a in shop.factory.data.async_actions.values()
            if a.request.get("campaign_id") == made.id
        ]
        assert await uow.async_actions.get(shop.ctx.project_id, action.id) == action
    assert (action.type, action.total) == (AsyncActionType.VOUCHERS_GENERATE, 3)


@pytest.mark.parametrize(
    ("count", "kind", "template"),
    [(0, CampaignKind.STATIC, True), (2, CampaignKind.STANDALONE, True), (1, None, False)],
)
async def test_creation_refuses_impossible_code_counts(
    shop: Shop, count: int, kind: CampaignKind | None, template: bool
) -> None:
    model = await shop.campaign("Model")
    draft = CampaignDraft(
        name="Bad",
        campaign_type=CampaignType.DISCOUNT_COUPONS,
        kind=kind or CampaignKind.STATIC,
        template=model.template if template else None,
        vouchers_count=count or 6_000_000,
    )
    with pytest.raises(InvalidPayload):
        await campaigns.create_campaign(shop.factory, shop.ctx, draft)


async def test_a_promotion_keeps_its_tiers_in_order(shop: Shop) -> None:
    draft = CampaignDraft(
        name="Sale",
        campaign_type=CampaignType.PROMOTION,
        kind=CampaignKind.STATIC,
        tiers=(TierDraft(name="Gold"), TierDraft(name="Silver", active=False)),
    )
    made, tiers = await campaigns.create_campaign(shop.factory, shop.ctx, draft)
    _, read = await campaigns.get_campaign(shop.factory, shop.ctx, made.id)
    assert [(t.name, t.hierarchy, t.active) for t in read] == [
        ("Gold", 1, True),
        ("Silver", 2, False),
    ]
    assert read == tiers
    page, listed = await campaigns.list_campaigns(shop.factory, shop.ctx, CampaignQuery())
    assert [c.id for c in page.items] == [made.id]
    assert listed == {made.id: tiers}


async def test_campaigns_are_listed_newest_first_a_page_at_a_time(shop: Shop) -> None:
    made = []
    for name in ("A", "B", "C"):
        made.append(await shop.campaign(name))
        shop.clock.advance(timedelta(seconds=1))
    await shop.program("Club")
    first, _ = await campaigns.list_campaigns(
        shop.factory,
        shop.ctx,
        CampaignQuery(limit=2, campaign_type=CampaignType.DISCOUNT_COUPONS),
    )
    second, _ = await campaigns.list_campaigns(
        shop.factory,
        shop.ctx,
        CampaignQuery(limit=2, page=2, campaign_type=CampaignType.DISCOUNT_COUPONS),
    )
    assert [c.name for c in first.items] == ["C", "B"]
    assert (first.total, first.has_more) == (3, True)
    assert [c.name for c in second.items] == ["A"]
    assert second.has_more is False


async def test_an_update_changes_what_is_sent_and_refuses_the_rest(shop: Shop) -> None:
    await shop.campaign("Spring")
    updated, _ = await campaigns.update_campaign(
        shop.factory,
        shop.ctx,
        "Spring",
        {"description": "new", "discount": {"type": "PERCENT", "percent_off": 20}},
    )
    assert updated.description == "new"
    assert updated.template is not None
    assert updated.template.discount is not None
    assert updated.template.discount["percent_off"] == 20
    assert updated.updated_at is not None
    with pytest.raises(InvalidPayload):
        await campaigns.update_campaign(shop.factory, shop.ctx, "Spring", {"name": "Other"})
    with pytest.raises(InvalidPayload):
        await campaigns.update_campaign(shop.factory, shop.ctx, "Spring", {"type": "STANDALONE"})


async def test_disabling_a_campaign_keeps_its_code_count(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "AAA1", "AAA2")
    off = await campaigns.set_campaign_active(shop.factory, shop.ctx, "Spring", False)
    assert off.active is False
    read, _ = await campaigns.get_campaign(shop.factory, shop.ctx, spring.id)
    assert (read.active, read.vouchers_count) == (False, 2)
