"""Program notifications: checked before the program exists (their distributions themselves
are the pipeline's, tested there)."""

from __future__ import annotations

import pytest

from sendout.domain.campaigns import CampaignType
from sendout.domain.channels import ChannelCatalog
from sendout.domain.errors import DomainError
from sendout.services.loyalty import program_notifications
from sendout.services.loyalty.program_notifications import NotificationRequest
from sendout.services.pipeline.distributions import ChannelDraft
from tests.unit.services.shop import Shop

HOOK = ChannelDraft(
    event_name="points",
    url="https://example.com/hook",
    headers={},
    payload=None,
    attributes=(),
    raw_payload=False,
)


def asked(on: str) -> list[NotificationRequest]:
    return [NotificationRequest(on=on, name=None, channels=(HOOK,))]


async def test_each_program_kind_has_its_moments(shop: Shop) -> None:
    catalog = ChannelCatalog()
    for kind, moment in (
        (CampaignType.LOYALTY_PROGRAM, "points_gained"),
        (CampaignType.REFERRAL_PROGRAM, "customer_referred"),
    ):
        program_notifications.check(shop.ctx, kind, asked(moment), catalog)
    with pytest.raises(DomainError):
        program_notifications.check(
            shop.ctx, CampaignType.LOYALTY_PROGRAM, asked("customer_referred"), catalog
        )
    with pytest.raises(DomainError):
        program_notifications.check(
            shop.ctx, CampaignType.DISCOUNT_COUPONS, asked("points_gained"), catalog
        )
    program_notifications.check(shop.ctx, CampaignType.DISCOUNT_COUPONS, [], catalog)
