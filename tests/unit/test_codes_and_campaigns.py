from __future__ import annotations

import random
import re
from collections import Counter
from datetime import UTC, datetime, timedelta

import pytest

from sendout.domain.campaign_drafts import (
    build_template,
    build_tiers,
    validate_day_of_week,
    validate_discount,
)
from sendout.domain.campaigns import Campaign, CampaignType, VoucherTemplate, VoucherType
from sendout.domain.codes import CodeConfig, CodeGenerator, parse_code_config
from sendout.domain.errors import InvalidPayload
from sendout.domain.ids import SortableIds, new_sortable_ids, random_chars
from sendout.domain.vouchers import EffectiveVoucher, RedeemableStatus, Voucher, voucher_object

NOW = datetime(2026, 5, 6, 12, 0, tzinfo=UTC)  # a Wednesday


class TestCodeConfig:
    def test_the_default_is_eight_alphanumerics(self) -> None:
        config = parse_code_config(None)
        assert (config.pattern, len(config.charset)) == ("########", 62)

    def test_length_becomes_a_pattern_and_presets_become_charsets(self) -> None:
        config = parse_code_config({"length": 6, "charset": "Numbers", "prefix": "X-"})
        assert (config.pattern, config.charset, config.prefix) == ("######", "0123456789", "X-")

    def test_the_sdks_float_length_is_accepted_when_whole(self) -> None:
        assert parse_code_config({"length": 5.0}).pattern == "#####"

    @pytest.mark.parametrize(
        "raw",
        [
            {"pattern": "ABC"},
            {"charset": "aab"},
            {"charset": "a"},
            {"length": 0},
            {"length": 2.5},
            {"charset": "ąę"},
            {"pattern": "#" * 101},
        ],
    )
    def test_unusable_configs_are_refused(self, raw: dict[str, object]) -> None:
        with pytest.raises(InvalidPayload) as refused:
            parse_code_config(raw)
        assert refused.value.key == "invalid_code_config"

    def test_a_space_too_small_for_the_count_is_refused(self) -> None:
        config = parse_code_config({"pattern": "##", "charset": "0123456789"})
        assert config.space == 100
        config.check_capacity(50)
        with pytest.raises(InvalidPayload, match="100 distinct codes"):
            config.check_capacity(51)


class TestGenerator:
    def test_codes_follow_the_pattern(self) -> None:
        config = parse_code_config(
            {"pattern": "##-##", "charset": "ABC", "prefix": "P", "postfix": "!"}
        )
        codes = CodeGenerator(config, random.Random(1)).batch(200)
        assert all(re.fullmatch(r"P[ABC]{2}-[ABC]{2}!", c) for c in codes)

    def test_the_same_seed_draws_the_same_codes(self) -> None:
        config = CodeConfig()
        assert CodeGenerator(config, random.Random(5)).batch(3) == CodeGenerator(
            config, random.Random(5)
        ).batch(3)

    def test_characters_are_drawn_without_bias(self) -> None:
        # 62 does not divide 256: naive modulo would favour the first 8 characters by 25%.
        counts = Counter(random_chars(random.Random(9), CodeConfig().charset, 620_000))
        assert max(counts.values()) / min(counts.values()) < 1.06

    def test_sortable_ids_sort_by_time(self) -> None:
        rng = random.Random(2)
        earlier = new_sortable_ids("v", rng, 3, NOW)
        later = new_sortable_ids("v", rng, 3, NOW + timedelta(milliseconds=1))
        assert max(earlier) < min(later)
        assert all(re.fullmatch(r"v_[0-9A-Za-z]{24}", i) for i in earlier + later)

    def test_sortable_ids_one_at_a_time_draw_the_random_source_once_per_chunk(self) -> None:
        class Counting(random.Random):
            draws = 0

            def randbytes(self, n: int) -> bytes:
                Counting.draws += 1
                return super().randbytes(n)

        ids = SortableIds("whs", Counting(3), chunk=4)
        times = [NOW + timedelta(milliseconds=n // 3) for n in range(10)]
        made = [ids.next(at) for at in times]
        assert Counting.draws == 3  # 10 ids, 4 per draw
        assert len(set(made)) == 10
        assert all(re.fullmatch(r"whs_[0-9A-Za-z]{24}", i) for i in made)
        assert [i[:12] for i in made] == [
            new_sortable_ids("whs", random.Random(), 1, at)[0][:12] for at in times
        ]
        assert max(made[:3]) < min(made[3:6]) <= max(made[3:6]) < min(made[6:])  # by time
        assert SortableIds("whs", random.Random(3), chunk=4).next(NOW) == made[0]


class TestCampaignRules:
    @pytest.mark.parametrize(
        "discount",
        [
            {"type": "AMOUNT", "amount_off": 10.5},
            {"type": "AMOUNT"},
            {"type": "PERCENT", "percent_off": 120},
            {"type": "FIXED", "fixed_amount": "10"},
            {"type": "UNIT", "unit_off": 1},
            {"type": "BOGUS"},
            {"type": "AMOUNT", "amount_off": 1, "effect": "SOMEWHERE"},
        ],
    )
    def test_bad_discounts_are_refused(self, discount: dict[str, object]) -> None:
        with pytest.raises(InvalidPayload):
            validate_discount(discount)

    def test_a_good_discount_gets_its_default_effect(self) -> None:
        assert validate_discount({"type": "PERCENT", "percent_off": 10})["effect"] == (
            "APPLY_TO_ORDER"
        )

    def test_the_template_type_follows_the_campaign_type(self) -> None:
        gift = build_template(CampaignType.GIFT_VOUCHERS, {"gift": {"amount": 1000}}, CodeConfig())
        assert gift is not None
        assert gift.type is VoucherType.GIFT_VOUCHER
        assert gift.gift == {"amount": 1000, "balance": 1000, "effect": "APPLY_TO_ORDER"}
        with pytest.raises(InvalidPayload, match="LOYALTY_CARD"):
            build_template(CampaignType.LOYALTY_PROGRAM, {"type": "GIFT_VOUCHER"}, CodeConfig())
        assert build_template(CampaignType.PROMOTION, None, CodeConfig()) is None

    def test_days_of_week_run_from_sunday_0_to_saturday_6(self) -> None:
        assert validate_day_of_week([3, 0, 3]) == [0, 3]
        assert validate_day_of_week((6, 1)) == [1, 6]  # as a stored rule comes back
        for bad in ([7], "03", b"\x00", {0: 1}, 3):
            with pytest.raises(InvalidPayload):
                validate_day_of_week(bad)

    def test_tiers_need_names(self) -> None:
        assert build_tiers({"tiers": [{"name": "Gold"}]})[0].name == "Gold"
        with pytest.raises(InvalidPayload):
            build_tiers({"tiers": [{"banner": "x"}]})


def campaign(**changes: object) -> Campaign:
    values: dict[str, object] = {
        "id": "camp_1",
        "project_id": "p",
        "name": "C",
        "campaign_type": CampaignType.GIFT_VOUCHERS,
        "template": VoucherTemplate(
            type=VoucherType.GIFT_VOUCHER,
            gift={"amount": 1000, "balance": 1000, "effect": "APPLY_TO_ORDER"},
            redemption_quantity=2,
        ),
        "created_at": NOW,
    }
    values.update(changes)
    return Campaign(**values)  # type: ignore[arg-type]


def code(**changes: object) -> Voucher:
    values: dict[str, object] = {
        "id": "v_1",
        "project_id": "p",
        "code": "ABC",
        "campaign_id": "camp_1",
        "created_at": NOW,
    }
    values.update(changes)
    return Voucher(**values)  # type: ignore[arg-type]


class TestVoucherStatus:
    @pytest.mark.parametrize(
        ("voucher", "owner", "status"),
        [
            (code(), campaign(), RedeemableStatus.ACTIVE),
            (code(active=False), campaign(), RedeemableStatus.DISABLED),
            (code(), campaign(active=False), RedeemableStatus.DISABLED),
            (code(start_date=NOW + timedelta(days=1)), campaign(), RedeemableStatus.NOT_ACTIVE_YET),
            (code(), campaign(expiration_date=NOW - timedelta(days=1)), RedeemableStatus.EXPIRED),
            (code(redeemed_quantity=2), campaign(), RedeemableStatus.USED),
            (
                code(gift={"amount": 1000, "balance": 0, "effect": "APPLY_TO_ORDER"}),
                campaign(),
                RedeemableStatus.NO_BALANCE,
            ),
        ],
    )
    def test_status_now(self, voucher: Voucher, owner: Campaign, status: RedeemableStatus) -> None:
        assert EffectiveVoucher(voucher=voucher, campaign=owner).status(NOW) is status

    def test_a_bare_code_shows_its_campaigns_template(self) -> None:
        body = voucher_object(EffectiveVoucher(voucher=code(), campaign=campaign()))
        assert body["gift"] == {"amount": 1000, "balance": 1000, "effect": "APPLY_TO_ORDER"}
        assert body["discount"] is None
        assert body["redemption"]["quantity"] == 2
        assert body["campaign"] == "C"
        assert body["type"] == "GIFT_VOUCHER"

    def test_the_day_of_week_rule_uses_sunday_as_0(self) -> None:
        from sendout.domain.campaigns import Validity

        wednesday_only = campaign(validity=Validity(day_of_week=(3,)))
        effective = EffectiveVoucher(voucher=code(), campaign=wednesday_only)
        assert effective.usable_at(NOW)
        assert not effective.usable_at(NOW + timedelta(days=1))
