"""The official SDK (voucherify 6.1.1) through every campaigns, vouchers, publications, async
actions, redeemables and qualifications method we serve."""

from __future__ import annotations

import datetime as dt
import re
import time
from typing import Any

import pytest
import voucherify
from voucherify import (
    AsyncActionsApi,
    CampaignsApi,
    CustomersApi,
    PublicationsApi,
    QualificationsApi,
    VouchersApi,
)
from voucherify.exceptions import BadRequestException, NotFoundException

from tests.e2e.sdk_builders import (
    POLL_SECONDS,
    SPRING_CONFIG,
    WAIT_SECONDS,
    discount_campaign,
    from_campaign,
    percent_off,
    publish,
    wait_for_campaign,
)

SPRING_CODE = re.compile(r"^SPR-[ABCDEF0123]{4}-Z$")


# --- helpers -------------------------------------------------------------------------------


def amount_off(amount: int) -> voucherify.Discount:
    return voucherify.Discount(type="AMOUNT", amount_off=amount)


def promotion_campaign(client: voucherify.ApiClient, name: str, *tiers: dict[str, Any]) -> Any:
    return CampaignsApi(client).create_campaign(
        voucherify.CampaignsCreateRequestBody(
            name=name,
            campaign_type="PROMOTION",
            promotion=voucherify.CampaignsCreateRequestBodyPromotion(
                tiers=[voucherify.PromotionTierCreateParams(**tier) for tier in tiers]
            ),
        )
    )


def tier(name: str, amount: int, **fields: Any) -> dict[str, Any]:
    return {
        "name": name,
        "banner": f"{name} banner",
        "action": voucherify.PromotionTierCreateParamsAction(discount=amount_off(amount)),
        **fields,
    }


def wait_for_action(client: voucherify.ApiClient, action_id: str) -> Any:
    """The async action once it has finished; it must have succeeded."""
    api = AsyncActionsApi(client)
    deadline = time.monotonic() + WAIT_SECONDS
    while True:
        action = api.get_async_action(action_id)
        assert action.status != "FAILED", action
        if action.status == "DONE":
            return action
        assert action.status in ("ENQUEUED", "IN_PROGRESS")
        assert 0 <= action.progress < 100
        assert time.monotonic() < deadline, f"async action {action_id} still {action}"
        time.sleep(POLL_SECONDS)


def codes_of(client: voucherify.ApiClient, **filters: Any) -> list[str]:
    listing = VouchersApi(client).list_vouchers(limit=100, **filters)
    assert listing.total == len(listing.vouchers)
    return sorted(v.code for v in listing.vouchers)


def tick() -> None:
    """Let the clock move past the current millisecond (lists order by created_at)."""
    time.sleep(0.002)


def new_customer(client: voucherify.ApiClient, source_id: str) -> Any:
    return CustomersApi(client).create_customer(
        voucherify.CustomersCreateRequestBody(source_id=source_id)
    )


# --- campaigns -----------------------------------------------------------------------------


def test_a_discount_campaign_makes_its_codes_from_the_code_config(
    sdk: voucherify.ApiClient,
) -> None:
    created = CampaignsApi(sdk).create_campaign(
        voucherify.CampaignsCreateRequestBody(
            name="Spring",
            description="Spring sale",
            campaign_type="DISCOUNT_COUPONS",
            type="AUTO_UPDATE",
            vouchers_count=5,
            metadata={"season": "spring"},
            voucher=voucherify.CampaignsCreateRequestBodyVoucher(
                type="DISCOUNT_VOUCHER",
                discount=percent_off(15, amount_limit=500),
                code_config=voucherify.CodeConfig(**SPRING_CONFIG),
                redemption=voucherify.CampaignsCreateRequestBodyVoucherRedemption(quantity=2),
            ),
        )
    )
    assert created.id.startswith("camp_")
    assert created.object == "campaign"
    assert (created.name, created.campaign_type, created.type) == (
        "Spring",
        "DISCOUNT_COUPONS",
        "AUTO_UPDATE",
    )
    assert created.creation_status == "IN_PROGRESS"
    assert created.vouchers_count == 0
    assert created.voucher.type == "DISCOUNT_VOUCHER"
    assert (created.voucher.discount.type, created.voucher.discount.percent_off) == ("PERCENT", 15)
    assert created.voucher.discount.amount_limit == 500
    config = created.voucher.code_config
    assert (config.pattern, config.charset, config.postfix, config.length) == (
        "SPR-####",
        "ABCDEF0123",
        "-Z",
        4,
    )
    assert created.voucher.redemption.quantity == 2

    done = wait_for_campaign(sdk, created.id)
    assert done.vouchers_count == 5
    assert done.vouchers_generation_status == "DONE"
    assert done.metadata == {"season": "spring"}
    vouchers = VouchersApi(sdk).list_vouchers(campaign="Spring", limit=100).vouchers
    assert len(vouchers) == len({v.code for v in vouchers}) == 5
    for voucher in vouchers:
        assert SPRING_CODE.match(voucher.code), voucher.code
        assert (voucher.campaign, voucher.campaign_id) == ("Spring", created.id)
        assert voucher.type == "DISCOUNT_VOUCHER"
        assert voucher.discount.percent_off == 15
        assert voucher.redemption.quantity == 2
        assert voucher.holder_id is None
        assert voucher.active is True


def test_a_gift_card_campaign_gives_its_codes_the_gift(sdk: voucherify.ApiClient) -> None:
    created = CampaignsApi(sdk).create_campaign(
        voucherify.CampaignsCreateRequestBody(
            name="Gift cards",
            campaign_type="GIFT_VOUCHERS",
            vouchers_count=2,
            voucher=voucherify.CampaignsCreateRequestBodyVoucher(
                type="GIFT_VOUCHER",
                gift=voucherify.Gift(amount=5000, effect="APPLY_TO_ORDER"),
                code_config=voucherify.CodeConfig(length=10, charset="numbers", prefix="GC-"),
            ),
        )
    )
    assert created.voucher.type == "GIFT_VOUCHER"
    assert (created.voucher.gift.amount, created.voucher.gift.balance) == (5000, 5000)
    assert created.voucher.code_config.charset == "0123456789"
    wait_for_campaign(sdk, created.id)
    vouchers = VouchersApi(sdk).list_vouchers(campaign_id=created.id).vouchers
    assert len(vouchers) == 2
    for voucher in vouchers:
        assert re.fullmatch(r"GC-\d{10}", voucher.code), voucher.code
        assert voucher.type == "GIFT_VOUCHER"
        assert (voucher.gift.amount, voucher.gift.balance) == (5000, 5000)
        assert voucher.discount is None


def test_a_promotion_campaign_has_tiers_and_no_codes(sdk: voucherify.ApiClient) -> None:
    created = promotion_campaign(
        sdk,
        "Weekend",
        tier("Ten off", 1000, metadata={"level": 1}),
        tier("Twenty off", 2000, active=False),
    )
    assert created.campaign_type == "PROMOTION"
    assert created.voucher is None
    assert created.creation_status == "DONE"
    tiers = created.promotion.tiers
    assert created.promotion.total == 2
    assert [(t.name, t.hierarchy, t.active) for t in tiers] == [
        ("Ten off", 1, True),
        ("Twenty off", 2, False),
    ]
    assert all(t.id.startswith("promo_") and t.campaign.id == created.id for t in tiers)
    assert tiers[0].banner == "Ten off banner"
    assert tiers[0].metadata == {"level": 1}
    assert tiers[0].action.discount.amount_off == 1000
    again = CampaignsApi(sdk).get_campaign("Weekend")
    assert [t.id for t in again.promotion.tiers] == [t.id for t in tiers]


def test_get_a_campaign_by_id_or_name_and_update_it(sdk: voucherify.ApiClient) -> None:
    api = CampaignsApi(sdk)
    created = discount_campaign(sdk, "Summer", metadata={"a": 1})
    by_id, by_name = api.get_campaign(created.id), api.get_campaign("Summer")
    assert by_id.to_dict() == by_name.to_dict()
    assert by_id.id == created.id
    assert by_id.updated_at is None

    expires = dt.datetime(2030, 1, 1, tzinfo=dt.UTC)
    updated = api.update_campaign(
        "Summer",
        voucherify.CampaignsUpdateRequestBody(
            description="Hot deals",
            metadata={"b": 2},
            join_once=True,
            type="STATIC",
            expiration_date=expires,
            validity_day_of_week=[6, 0],
            discount=amount_off(700),
        ),
    )
    assert updated.id == created.id
    assert (updated.description, updated.metadata, updated.join_once) == (
        "Hot deals",
        {"b": 2},
        True,
    )
    assert updated.type == "STATIC"
    assert updated.expiration_date == expires
    assert updated.validity_day_of_week == [0, 6]
    assert (updated.voucher.discount.type, updated.voucher.discount.amount_off) == ("AMOUNT", 700)
    assert updated.updated_at is not None
    # What the update left out stays as it was.
    assert (updated.name, updated.campaign_type, updated.auto_join) == (
        "Summer",
        "DISCOUNT_COUPONS",
        False,
    )
    assert updated.voucher.code_config.pattern == "SPR-####"
    assert api.get_campaign(created.id).to_dict() == updated.to_dict()


def test_list_campaigns_by_type_and_by_page(sdk: voucherify.ApiClient) -> None:
    api = CampaignsApi(sdk)
    for n in range(3):
        discount_campaign(sdk, f"Discount {n}")
        tick()
    promotion_campaign(sdk, "Promo", tier("Tier", 100))

    everything = api.list_campaigns(limit=100)
    assert everything.data_ref == "campaigns"
    assert everything.total == 4
    assert [c.name for c in everything.campaigns] == [
        "Promo",
        "Discount 2",
        "Discount 1",
        "Discount 0",
    ]

    discounts = api.list_campaigns(campaign_type=voucherify.ParameterCampaignType.DISCOUNT_COUPONS)
    assert discounts.total == 3
    assert {c.campaign_type for c in discounts.campaigns} == {"DISCOUNT_COUPONS"}
    promotions = api.list_campaigns(campaign_type=voucherify.ParameterCampaignType.PROMOTION)
    assert [c.name for c in promotions.campaigns] == ["Promo"]
    assert (
        api.list_campaigns(campaign_type=voucherify.ParameterCampaignType.GIFT_VOUCHERS).total == 0
    )

    first = api.list_campaigns(limit=3, page=1)
    second = api.list_campaigns(limit=3, page=2)
    assert [c.name for c in first.campaigns] == ["Promo", "Discount 2", "Discount 1"]
    assert [c.name for c in second.campaigns] == ["Discount 0"]
    assert first.total == second.total == 4
    oldest_first = api.list_campaigns(order=voucherify.ParameterOrderListCampaigns.CREATED_AT)
    assert oldest_first.campaigns[0].name == "Discount 0"


def test_disable_and_enable_a_campaign(sdk: voucherify.ApiClient) -> None:
    api = CampaignsApi(sdk)
    campaign = discount_campaign(sdk, "Switch", vouchers_count=1)
    (code,) = codes_of(sdk, campaign_id=campaign.id)

    disabled = api.disable_campaign("Switch")
    assert (disabled["id"], disabled["active"]) == (campaign.id, False)
    assert api.get_campaign(campaign.id).active is False
    assert VouchersApi(sdk).get_voucher(code).active is False
    with pytest.raises(BadRequestException) as caught:
        publish(sdk, "ann", campaign=from_campaign("Switch"))
    assert "no_voucher_suitable_for_publication" in caught.value.body

    enabled = api.enable_campaign(campaign.id)
    assert enabled["active"] is True
    assert VouchersApi(sdk).get_voucher(code).active is True
    assert publish(sdk, "ann", campaign=from_campaign("Switch")).voucher.code == code


def test_deleting_a_campaign_hides_it_now_and_removes_its_codes_in_the_background(
    sdk: voucherify.ApiClient,
) -> None:
    api = CampaignsApi(sdk)
    campaign = discount_campaign(sdk, "Doomed", vouchers_count=3)
    codes = codes_of(sdk, campaign_id=campaign.id)
    assert len(codes) == 3

    deleted = api.delete_campaign(campaign.id)
    assert deleted.async_action_id.startswith("aa_")
    with pytest.raises(NotFoundException):
        api.get_campaign(campaign.id)
    with pytest.raises(NotFoundException):
        api.get_campaign("Doomed")
    assert api.list_campaigns().total == 0

    action = wait_for_action(sdk, deleted.async_action_id)
    assert (action.type, action.status, action.progress) == ("CAMPAIGN.DELETE", "DONE", 100)
    for code in codes:
        with pytest.raises(NotFoundException):
            VouchersApi(sdk).get_voucher(code)
    assert VouchersApi(sdk).list_vouchers().total == 0
    # The name is free again.
    assert discount_campaign(sdk, "Doomed").id != campaign.id


def test_adding_one_code_answers_the_voucher_and_many_an_async_action(
    sdk: voucherify.ApiClient,
) -> None:
    api = CampaignsApi(sdk)
    campaign = discount_campaign(sdk, "Grow")

    one = api.add_vouchers_to_campaign(campaign.id, vouchers_count=1)
    assert SPRING_CODE.match(one.code), one.code
    assert (one.object, one.campaign, one.campaign_id) == ("voucher", "Grow", campaign.id)
    assert one.discount.percent_off == 15
    assert one.async_action_id is None
    assert api.get_campaign(campaign.id).vouchers_count == 1

    overrides = voucherify.CampaignsVouchersCreateInBulkRequestBody(
        category="bulk",
        metadata={"batch": 2},
        code_config=voucherify.CodeConfig(pattern="BLK-#####", charset="XYZ"),
    )
    many = api.add_vouchers_to_campaign(
        "Grow", vouchers_count=4, campaigns_vouchers_create_in_bulk_request_body=overrides
    )
    assert many.async_action_id.startswith("aa_")
    assert many.code is None
    action = wait_for_action(sdk, many.async_action_id)
    assert (action.type, action.status, action.operation_status, action.progress) == (
        "CAMPAIGN.VOUCHERS_GENERATE",
        "DONE",
        "SUCCESS",
        100,
    )
    assert action.result["count"] == 4
    assert api.get_campaign(campaign.id).vouchers_count == 5

    bulk = VouchersApi(sdk).list_vouchers(campaign_id=campaign.id, category="bulk").vouchers
    assert len(bulk) == 4
    for voucher in bulk:
        assert re.fullmatch(r"BLK-[XYZ]{5}", voucher.code), voucher.code
        assert voucher.metadata == {"batch": 2}
        assert voucher.discount.percent_off == 15
    assert len(codes_of(sdk, campaign="Grow")) == 5


def test_add_a_code_of_your_choice_to_a_campaign(sdk: voucherify.ApiClient) -> None:
    campaign = discount_campaign(sdk, "Chosen")
    voucher = CampaignsApi(sdk).add_voucher_with_specific_code_to_campaign(
        campaign.id,
        "MY-CODE-1",
        voucherify.CampaignsVouchersCreateRequestBody(
            category="vip",
            metadata={"by": "hand"},
            additional_info="for the launch",
            redemption=voucherify.CampaignsVouchersCreateRequestBodyRedemption(quantity=3),
        ),
    )
    assert (voucher.code, voucher.campaign_id, voucher.campaign) == (
        "MY-CODE-1",
        campaign.id,
        "Chosen",
    )
    assert (voucher.category, voucher.metadata, voucher.additional_info) == (
        "vip",
        {"by": "hand"},
        "for the launch",
    )
    assert voucher.redemption.quantity == 3
    assert voucher.discount.percent_off == 15
    assert VouchersApi(sdk).get_voucher("MY-CODE-1").id == voucher.id
    assert CampaignsApi(sdk).get_campaign(campaign.id).vouchers_count == 1


def test_import_chosen_codes_to_a_campaign(sdk: voucherify.ApiClient) -> None:
    campaign = discount_campaign(sdk, "Imported")
    answer = CampaignsApi(sdk).import_vouchers_to_campaign(
        "Imported",
        [
            voucherify.CampaignsImportVoucherItem(code="IMP-1", metadata={"row": 1}),
            voucherify.CampaignsImportVoucherItem(
                code="IMP-2",
                category="late",
                redemption=voucherify.CampaignsImportVoucherItemRedemption(quantity=5),
            ),
        ],
    )
    action = wait_for_action(sdk, answer.async_action_id)
    assert (action.type, action.progress) == ("CAMPAIGN.VOUCHERS_IMPORT", 100)
    first, second = VouchersApi(sdk).get_voucher("IMP-1"), VouchersApi(sdk).get_voucher("IMP-2")
    assert first.campaign_id == second.campaign_id == campaign.id
    assert first.metadata == {"row": 1}
    assert (second.category, second.redemption.quantity) == ("late", 5)
    assert second.discount.percent_off == 15
    assert CampaignsApi(sdk).get_campaign(campaign.id).vouchers_count == 2


def test_an_imported_code_keeps_its_own_active_flag_and_discount(
    sdk: voucherify.ApiClient,
) -> None:
    campaign = discount_campaign(sdk, "Imported own values")
    answer = CampaignsApi(sdk).import_vouchers_to_campaign(
        campaign.id,
        [
            voucherify.CampaignsImportVoucherItem(
                code="IMP-OFF", active=False, discount=amount_off(99)
            )
        ],
    )
    wait_for_action(sdk, answer.async_action_id)
    imported = VouchersApi(sdk).get_voucher("IMP-OFF")
    assert imported.active is False
    assert (imported.discount.type, imported.discount.amount_off) == ("AMOUNT", 99)


def test_campaign_fields_given_as_none_count_as_not_given(sdk: voucherify.ApiClient) -> None:
    created = CampaignsApi(sdk).create_campaign(
        voucherify.CampaignsCreateRequestBody(
            name="Nulls",
            campaign_type="DISCOUNT_COUPONS",
            type=None,
            join_once=None,
            auto_join=None,
            vouchers_count=None,
            voucher=voucherify.CampaignsCreateRequestBodyVoucher(
                type="DISCOUNT_VOUCHER", discount=amount_off(100)
            ),
        )
    )
    assert (created.type, created.join_once, created.auto_join) == ("AUTO_UPDATE", False, False)
    assert created.creation_status == "DONE"


# --- async actions -------------------------------------------------------------------------


def test_async_actions_are_listed_newest_first(sdk: voucherify.ApiClient) -> None:
    campaign = discount_campaign(sdk, "Actions", vouchers_count=2)
    added = CampaignsApi(sdk).add_vouchers_to_campaign(campaign.id, vouchers_count=2)
    wait_for_action(sdk, added.async_action_id)

    listing = AsyncActionsApi(sdk).list_async_actions(limit=10)
    assert (listing.object, listing.data_ref) == ("list", "async_actions")
    actions = listing.async_actions
    assert len(actions) == 2
    assert actions[0].id == added.async_action_id
    assert [a.type for a in actions] == ["CAMPAIGN.VOUCHERS_GENERATE"] * 2
    assert {(a.status, a.progress) for a in actions} == {("DONE", 100)}
    assert actions[0].created_at >= actions[1].created_at
    assert [a.id for a in AsyncActionsApi(sdk).list_async_actions(limit=1).async_actions] == [
        added.async_action_id
    ]
    before_all = actions[1].created_at - dt.timedelta(seconds=1)
    assert AsyncActionsApi(sdk).list_async_actions(end_date=before_all).async_actions == []


# --- vouchers ------------------------------------------------------------------------------


def test_generate_a_random_code_and_create_a_chosen_one(sdk: voucherify.ApiClient) -> None:
    api = VouchersApi(sdk)
    random_code = api.generate_random_code(
        voucherify.VouchersCreateRequestBody(
            type="DISCOUNT_VOUCHER",
            discount=amount_off(1000),
            code_config=voucherify.CodeConfig(length=6, charset="0123456789", prefix="R-"),
            metadata={"kind": "random"},
        )
    )
    assert re.fullmatch(r"R-\d{6}", random_code.code), random_code.code
    assert random_code.id.startswith("v_")
    assert (random_code.campaign, random_code.campaign_id) == (None, None)
    assert (random_code.discount.type, random_code.discount.amount_off) == ("AMOUNT", 1000)
    assert random_code.metadata == {"kind": "random"}

    discount_campaign(sdk, "Random in campaign")
    in_campaign = api.generate_random_code(
        voucherify.VouchersCreateRequestBody(campaign="Random in campaign")
    )
    assert SPRING_CODE.match(in_campaign.code), in_campaign.code
    assert in_campaign.discount.percent_off == 15

    chosen = api.create_voucher(
        "GIFT-100",
        voucherify.VouchersCreateWithSpecificCodeRequestBody(
            type="GIFT_VOUCHER",
            gift=voucherify.Gift(amount=10000),
            start_date=dt.datetime(2024, 1, 1, tzinfo=dt.UTC),
            redemption=voucherify.VouchersCreateWithSpecificCodeRequestBodyRedemption(quantity=1),
        ),
    )
    assert (chosen.code, chosen.type) == ("GIFT-100", "GIFT_VOUCHER")
    assert (chosen.gift.amount, chosen.gift.balance) == (10000, 10000)
    assert chosen.start_date == dt.datetime(2024, 1, 1, tzinfo=dt.UTC)
    assert chosen.redemption.quantity == 1
    fetched = api.get_voucher("GIFT-100")
    assert (fetched.id, fetched.gift.amount, fetched.active) == (chosen.id, 10000, True)
    assert fetched.publish.count == 0


def test_update_disable_enable_and_delete_a_voucher(sdk: voucherify.ApiClient) -> None:
    api = VouchersApi(sdk)
    api.create_voucher(
        "EDIT-ME",
        voucherify.VouchersCreateWithSpecificCodeRequestBody(
            type="DISCOUNT_VOUCHER", discount=amount_off(300), category="old"
        ),
    )
    expires = dt.datetime(2031, 5, 1, 12, tzinfo=dt.UTC)
    updated = api.update_voucher(
        "EDIT-ME",
        voucherify.VouchersUpdateRequestBody(
            category="new",
            metadata={"edited": True},
            additional_info="see notes",
            expiration_date=expires,
            discount=percent_off(30),
        ),
    )
    assert (updated.category, updated.metadata, updated.additional_info) == (
        "new",
        {"edited": True},
        "see notes",
    )
    assert updated.expiration_date == expires
    assert (updated.discount.type, updated.discount.percent_off) == ("PERCENT", 30)
    assert updated.updated_at is not None
    assert api.get_voucher("EDIT-ME").category == "new"

    assert api.disable_voucher("EDIT-ME").active is False
    assert api.get_voucher("EDIT-ME").active is False
    assert api.enable_voucher("EDIT-ME").active is True
    assert api.get_voucher("EDIT-ME").active is True

    assert api.delete_voucher("EDIT-ME") is None
    with pytest.raises(NotFoundException):
        api.get_voucher("EDIT-ME")
    assert api.list_vouchers().total == 0


def test_updating_one_validity_field_keeps_the_days_of_week(sdk: voucherify.ApiClient) -> None:
    api = VouchersApi(sdk)
    api.create_voucher(
        "WEEKDAYS",
        voucherify.VouchersCreateWithSpecificCodeRequestBody(
            type="DISCOUNT_VOUCHER", discount=amount_off(300), validity_day_of_week=[5, 1]
        ),
    )
    updated = api.update_voucher(
        "WEEKDAYS",
        voucherify.VouchersUpdateRequestBody(
            validity_timeframe=voucherify.ValidityTimeframe(duration="PT1H", interval="P1D")
        ),
    )
    assert updated.validity_day_of_week == [1, 5]
    assert (updated.validity_timeframe.duration, updated.validity_timeframe.interval) == (
        "PT1H",
        "P1D",
    )
    assert api.get_voucher("WEEKDAYS").validity_day_of_week == [1, 5]


def test_list_vouchers_by_campaign_holder_and_code(sdk: voucherify.ApiClient) -> None:
    api = VouchersApi(sdk)
    first = discount_campaign(sdk, "First", vouchers_count=3)
    discount_campaign(sdk, "Second", vouchers_count=2)
    api.create_voucher(
        "LONE",
        voucherify.VouchersCreateWithSpecificCodeRequestBody(
            type="DISCOUNT_VOUCHER", discount=amount_off(1)
        ),
    )
    assert api.list_vouchers(limit=100).total == 6
    assert len(codes_of(sdk, campaign="First")) == 3
    assert codes_of(sdk, campaign_id=first.id) == codes_of(sdk, campaign="First")
    assert len(codes_of(sdk, campaign="Second")) == 2
    assert codes_of(sdk, campaign="Nope") == []
    assert codes_of(sdk, code="LONE") == ["LONE"]

    held = publish(sdk, "holder", campaign=from_campaign("First", 2))
    assert codes_of(sdk, customer="holder") == sorted(held.vouchers)
    assert codes_of(sdk, customer=held.customer_id) == sorted(held.vouchers)
    assert codes_of(sdk, customer="nobody") == []

    page_one = api.list_vouchers(limit=4, page=1, order=voucherify.ParameterOrderVouchers.CODE)
    page_two = api.list_vouchers(limit=4, page=2, order=voucherify.ParameterOrderVouchers.CODE)
    listed = [v.code for v in page_one.vouchers + page_two.vouchers]
    assert listed == sorted(listed)
    assert len(set(listed)) == 6


# --- publications --------------------------------------------------------------------------


def test_publish_one_code_from_a_campaign(sdk: voucherify.ApiClient) -> None:
    campaign = discount_campaign(sdk, "Welcome", vouchers_count=2)
    published = publish(
        sdk, "ann", campaign=from_campaign("Welcome"), metadata={"reason": "signup"}
    )
    assert published.id.startswith("pub_")
    assert (published.object, published.result, published.channel) == (
        "publication",
        "SUCCESS",
        "API",
    )
    assert published.metadata == {"reason": "signup"}
    assert published.customer.source_id == "ann"
    assert published.customer_id == published.customer.id
    voucher = published.voucher
    assert voucher.code in codes_of(sdk, campaign_id=campaign.id)
    assert voucher.holder_id == published.customer_id
    assert published.vouchers_id == [voucher.id]
    assert published.vouchers is None
    assert VouchersApi(sdk).get_voucher(voucher.code).holder_id == published.customer_id
    assert VouchersApi(sdk).get_voucher(voucher.code).publish.count == 1


def test_publish_several_codes_at_once_generating_more_when_the_pool_runs_dry(
    sdk: voucherify.ApiClient,
) -> None:
    campaign = discount_campaign(sdk, "Bundle", vouchers_count=2)
    published = publish(sdk, "bob", campaign=from_campaign("Bundle", 3))
    assert published.voucher is None
    assert len(published.vouchers) == len(set(published.vouchers)) == 3
    assert len(published.vouchers_id) == 3
    assert all(SPRING_CODE.match(code) for code in published.vouchers)
    # Two came from the pool; AUTO_UPDATE made the third on the spot.
    assert CampaignsApi(sdk).get_campaign(campaign.id).vouchers_count == 3
    assert codes_of(sdk, customer="bob") == sorted(published.vouchers)


def test_publish_a_specific_code(sdk: voucherify.ApiClient) -> None:
    discount_campaign(sdk, "Specific")
    CampaignsApi(sdk).add_voucher_with_specific_code_to_campaign("Specific", "FOR-CAROL")
    published = publish(sdk, "carol", voucher="FOR-CAROL")
    assert published.voucher.code == "FOR-CAROL"
    assert published.voucher.campaign == "Specific"
    assert VouchersApi(sdk).get_voucher("FOR-CAROL").holder_id == published.customer_id
    with pytest.raises(BadRequestException) as caught:
        publish(sdk, "dave", voucher="FOR-CAROL")
    assert "no_voucher_suitable_for_publication" in caught.value.body


def test_a_source_id_returns_the_same_publication_and_code(sdk: voucherify.ApiClient) -> None:
    discount_campaign(sdk, "Once", vouchers_count=3)
    first = publish(sdk, "erin", campaign=from_campaign("Once"), source_id="crm-42")
    again = publish(sdk, "erin", campaign=from_campaign("Once"), source_id="crm-42")
    assert again.id == first.id
    assert again.voucher.code == first.voucher.code
    assert again.source_id == "crm-42"
    other = publish(sdk, "erin", campaign=from_campaign("Once"), source_id="crm-43")
    assert other.voucher.code != first.voucher.code
    assert PublicationsApi(sdk).list_publications(customer=first.customer_id).total == 2
    assert [
        p.id for p in PublicationsApi(sdk).list_publications(source_id="crm-42").publications
    ] == [first.id]


def test_a_join_once_campaign_gives_each_customer_one_code(sdk: voucherify.ApiClient) -> None:
    discount_campaign(sdk, "Only one", vouchers_count=3, join_once=True)
    first = publish(sdk, "fay", campaign=from_campaign("Only one"))
    again = publish(sdk, "fay", campaign=from_campaign("Only one"))
    assert (again.id, again.voucher.code) == (first.id, first.voucher.code)
    someone_else = publish(sdk, "gus", campaign=from_campaign("Only one"))
    assert someone_else.voucher.code != first.voucher.code
    assert codes_of(sdk, customer="fay") == [first.voucher.code]


def test_the_join_once_query_gives_each_customer_one_code(sdk: voucherify.ApiClient) -> None:
    discount_campaign(sdk, "Many allowed", vouchers_count=3)
    api = PublicationsApi(sdk)

    def body(customer: str) -> voucherify.PublicationsCreateRequestBody:
        return voucherify.PublicationsCreateRequestBody(
            customer=voucherify.Customer(source_id=customer), campaign=from_campaign("Many allowed")
        )

    first = api.create_publication(join_once=True, publications_create_request_body=body("hal"))
    again = api.create_publication(join_once=True, publications_create_request_body=body("hal"))
    assert (again.id, again.voucher.code) == (first.id, first.voucher.code)
    by_get = api.create_publication1(
        customer=voucherify.Customer(source_id="hal"),
        campaign=from_campaign("Many allowed"),
        join_once=True,
    )
    assert by_get.voucher.code == first.voucher.code
    assert codes_of(sdk, customer="hal") == [first.voucher.code]

    other = api.create_publication(join_once=True, publications_create_request_body=body("ida"))
    assert other.voucher.code != first.voucher.code
    # Without the flag the campaign (join_once false) gives the same customer another code.
    extra = api.create_publication(join_once=False, publications_create_request_body=body("hal"))
    assert extra.voucher.code != first.voucher.code
    assert len(codes_of(sdk, customer="hal")) == 2


def test_publish_through_the_get_variant(sdk: voucherify.ApiClient) -> None:
    api = PublicationsApi(sdk)
    discount_campaign(sdk, "Linked", vouchers_count=3)
    published = api.create_publication1(
        customer=voucherify.Customer(source_id="ivy", email="ivy@example.com"),
        campaign=from_campaign("Linked"),
        source_id="link-1",
        metadata={"utm": {"source": "newsletter"}},
    )
    assert published.customer.source_id == "ivy"
    assert published.customer.email == "ivy@example.com"
    assert published.source_id == "link-1"
    assert published.metadata == {"utm": {"source": "newsletter"}}
    assert SPRING_CODE.match(published.voucher.code)
    again = api.create_publication1(
        customer=voucherify.Customer(source_id="ivy"),
        campaign=from_campaign("Linked"),
        source_id="link-1",
    )
    assert (again.id, again.voucher.code) == (published.id, published.voucher.code)

    several = api.create_publication1(
        customer=voucherify.Customer(source_id="ivy"), campaign=from_campaign("Linked", 2)
    )
    assert len(several.vouchers) == 2
    CampaignsApi(sdk).add_voucher_with_specific_code_to_campaign("Linked", "BY-LINK")
    chosen = api.create_publication1(
        customer=voucherify.Customer(source_id="jo"), voucher="BY-LINK"
    )
    assert (chosen.voucher.code, chosen.customer.source_id) == ("BY-LINK", "jo")
    assert len(codes_of(sdk, customer="ivy")) == 3


def test_list_publications_by_customer_and_campaign(sdk: voucherify.ApiClient) -> None:
    api = PublicationsApi(sdk)
    discount_campaign(sdk, "Alpha", vouchers_count=2)
    discount_campaign(sdk, "Beta", vouchers_count=2)
    a1 = publish(sdk, "kim", campaign=from_campaign("Alpha"))
    tick()
    b1 = publish(sdk, "kim", campaign=from_campaign("Beta"))
    tick()
    a2 = publish(sdk, "lou", campaign=from_campaign("Alpha"))

    everything = api.list_publications(limit=100)
    assert everything.data_ref == "publications"
    assert everything.total == 3
    assert [p.id for p in everything.publications] == [a2.id, b1.id, a1.id]
    kim = api.list_publications(customer=a1.customer_id)
    assert [p.id for p in kim.publications] == [b1.id, a1.id]
    assert kim.publications[0].voucher.code == b1.voucher.code
    assert kim.publications[0].customer.source_id == "kim"
    assert api.list_publications(customer="kim").total == 2
    alpha = api.list_publications(campaign="Alpha")
    assert [p.id for p in alpha.publications] == [a2.id, a1.id]
    assert [p.id for p in api.list_publications(voucher=a2.voucher.code).publications] == [a2.id]
    assert api.list_publications(campaign="Gamma").total == 0
    oldest = api.list_publications(order=voucherify.ParameterOrderListPublications.CREATED_AT)
    assert [p.id for p in oldest.publications] == [a1.id, b1.id, a2.id]
    paged = api.list_publications(limit=2, page=2)
    assert [p.id for p in paged.publications] == [a1.id]


# --- redeemables and qualifications --------------------------------------------------------


def test_a_customers_redeemables_show_their_status_and_page_by_cursor(
    sdk: voucherify.ApiClient,
) -> None:
    api = CustomersApi(sdk)
    campaign = discount_campaign(sdk, "Wallet", vouchers_count=3)
    customer = new_customer(sdk, "max")
    published = publish(sdk, "max", campaign=from_campaign("Wallet", 3))

    wallet = api.list_customer_redeemables("max")
    assert (wallet.object, wallet.data_ref) == ("list", "data")
    assert wallet.has_more is False
    assert sorted(item.redeemable.voucher.code for item in wallet.data) == sorted(
        published.vouchers
    )
    for item in wallet.data:
        assert (item.customer_id, item.holder_role) == (customer.id, "OWNER")
        assert (item.campaign_id, item.campaign_type) == (campaign.id, "DISCOUNT_COUPONS")
        assert (item.redeemable_object, item.voucher_type) == ("voucher", "DISCOUNT_VOUCHER")
        assert item.redeemable_id == item.id == item.redeemable.voucher.id
        assert item.redeemable.status == "ACTIVE"

    disabled_code = published.vouchers[0]
    VouchersApi(sdk).disable_voucher(disabled_code)
    statuses = {
        item.redeemable.voucher.code: item.redeemable.status
        for item in api.list_customer_redeemables(customer.id).data
    }
    assert statuses == {code: "ACTIVE" for code in published.vouchers} | {disabled_code: "DISABLED"}

    first = api.list_customer_redeemables("max", limit=2)
    assert first.has_more is True
    assert first.more_starting_after == first.data[-1].id
    rest = api.list_customer_redeemables(
        "max", limit=2, starting_after_id=first.more_starting_after
    )
    assert rest.has_more is False
    ids = [item.id for item in first.data + rest.data]
    assert len(ids) == len(set(ids)) == 3
    assert ids == sorted(ids)
    newest_first = api.list_customer_redeemables(
        "max", order=voucherify.ParameterOrderListRedeemables.MINUS_ID
    )
    assert [item.id for item in newest_first.data] == sorted(ids, reverse=True)

    with pytest.raises(NotFoundException):
        api.list_customer_redeemables("nobody")


def test_eligibility_lists_usable_codes_and_for_all_the_live_promotion_tiers(
    sdk: voucherify.ApiClient,
) -> None:
    api = QualificationsApi(sdk)
    promotion = promotion_campaign(
        sdk, "Live", tier("Five off", 500), tier("Dormant", 900, active=False)
    )
    discount_campaign(sdk, "Held", vouchers_count=2)
    published = publish(sdk, "nat", campaign=from_campaign("Held", 2))
    usable, disabled = published.vouchers
    VouchersApi(sdk).disable_voucher(disabled)

    def check(scenario: str, customer: str | None = "nat") -> Any:
        return api.check_eligibility(
            voucherify.QualificationsCheckEligibilityRequestBody(
                customer=None if customer is None else voucherify.Customer(source_id=customer),
                scenario=scenario,
                options=voucherify.QualificationsOption(limit=10),
                tracking_id="track-1",
            )
        )

    wallet = check("CUSTOMER_WALLET")
    assert wallet.tracking_id == "track-1"
    assert wallet.stacking_rules.redeemables_limit == 30
    assert (wallet.redeemables.total, wallet.redeemables.has_more) == (1, False)
    (only,) = wallet.redeemables.data
    assert (only.object, only.id, only.campaign_name) == ("voucher", usable, "Held")
    assert only.result.discount.percent_off == 15

    everything = check("ALL")
    assert everything.redeemables.total == 2
    by_object = {item.object: item for item in everything.redeemables.data}
    assert set(by_object) == {"voucher", "promotion_tier"}
    assert by_object["voucher"].id == usable
    live_tier = by_object["promotion_tier"]
    assert live_tier.id == promotion.promotion.tiers[0].id
    assert (live_tier.name, live_tier.banner) == ("Five off", "Five off banner")
    assert (live_tier.campaign_id, live_tier.campaign_name) == (promotion.id, "Live")
    assert live_tier.result.discount.amount_off == 500

    anonymous = check("ALL", customer=None)
    assert [item.id for item in anonymous.redeemables.data] == [live_tier.id]
    CampaignsApi(sdk).disable_campaign("Live")
    assert check("ALL").redeemables.total == 1
