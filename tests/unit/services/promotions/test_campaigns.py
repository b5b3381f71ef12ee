"""Campaign use cases on the in-memory stores: create, read, list, change, delete, add and
import codes."""

from __future__ import annotations

from datetime import timedelta

import pytest

from sendout.domain.async_actions import AsyncActionType
from sendout.domain.campaign_drafts import CampaignDraft, TierDraft
from sendout.domain.campaigns import CampaignKind, CampaignQuery, CampaignType, GenerationStatus
from sendout.domain.errors import Duplicate, InvalidPayload, NotFound
from sendout.domain.vouchers import Voucher
from sendout.services.promotions import campaign_vouchers, campaigns
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


async def test_one_code_is_made_now_and_many_by_the_worker(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    one = await campaign_vouchers.add_vouchers(
        shop.factory, shop.ctx, "Spring", 1, {"category": "new", "redemption": {"quantity": 2}}
    )
    assert isinstance(one, Voucher)
    assert (one.campaign_id, one.category, one.redemption_quantity) == (spring.id, "new", 2)
    assert len(one.code) == 4
    many = await campaign_vouchers.add_vouchers(shop.factory, shop.ctx, "Spring", 5, {})
    assert not isinstance(many, Voucher)
    assert many.request == {"campaign_id": spring.id, "count": 5}
    read, _ = await campaigns.get_campaign(shop.factory, shop.ctx, spring.id)
    assert read.vouchers_count == 1
    assert read.vouchers_generation_status is GenerationStatus.IN_PROGRESS


async def test_codes_cannot_outgrow_their_config_or_a_standalone_campaign(shop: Shop) -> None:
    await shop.campaign("Solo", kind=CampaignKind.STANDALONE)
    await campaign_vouchers.add_vouchers(shop.factory, shop.ctx, "Solo", 1, {})
    with pytest.raises(InvalidPayload):
        await campaign_vouchers.add_vouchers(shop.factory, shop.ctx, "Solo", 1, {})
    await shop.campaign("Tiny")
    with pytest.raises(InvalidPayload):
        await campaign_vouchers.add_vouchers(
            shop.factory, shop.ctx, "Tiny", 3, {"code_config": {"pattern": "#", "charset": "AB"}}
        )


async def test_a_drawn_code_avoids_the_project_s_codes_and_gives_up_when_none_is_free(
    shop: Shop,
) -> None:
    taken = await shop.campaign("Taken")
    await shop.codes(taken, "A")
    await shop.campaign("Pair")
    config = {"code_config": {"pattern": "#", "charset": "AB"}}
    drawn = await campaign_vouchers.add_vouchers(shop.factory, shop.ctx, "Pair", 1, config)
    assert isinstance(drawn, Voucher)
    assert drawn.code == "B"
    await shop.campaign("Other")
    with pytest.raises(InvalidPayload) as refused:
        await campaign_vouchers.add_vouchers(shop.factory, shop.ctx, "Other", 1, config)
    assert refused.value.key == "invalid_code_config"


async def test_a_chosen_code_is_unique_in_the_project(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "SPRING-1")
    with pytest.raises(Duplicate):
        await shop.codes(spring, "SPRING-1")
    with pytest.raises(InvalidPayload):
        await shop.codes(spring, " padded ")
    promo = await shop.campaign("Sale", CampaignType.PROMOTION)
    with pytest.raises(InvalidPayload):
        await shop.codes(promo, "NOCODES")


async def test_an_override_of_another_code_type_is_refused(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    with pytest.raises(InvalidPayload) as refused:
        await shop.codes(spring, "GIFT-1", gift={"amount": 100})
    assert refused.value.key == "invalid_voucher"


async def test_an_import_checks_its_codes_before_the_worker_adds_them(shop: Shop) -> None:
    spring = await shop.campaign("Spring")
    await shop.codes(spring, "TAKEN")
    with pytest.raises(Duplicate):
        await campaign_vouchers.import_vouchers(
            shop.factory, shop.ctx, "Spring", [{"code": "TAKEN"}]
        )
    with pytest.raises(InvalidPayload):
        await campaign_vouchers.import_vouchers(
            shop.factory, shop.ctx, "Spring", [{"code": "X"}, {"code": "X"}]
        )
    with pytest.raises(InvalidPayload):
        await campaign_vouchers.import_vouchers(shop.factory, shop.ctx, "Spring", [{"nocode": 1}])
    action = await campaign_vouchers.import_vouchers(
        shop.factory, shop.ctx, "Spring", [{"code": "NEW1", "category": "vip"}]
    )
    assert action.type is AsyncActionType.VOUCHERS_IMPORT
    assert action.request["items"] == [{"code": "NEW1", "category": "vip"}]
