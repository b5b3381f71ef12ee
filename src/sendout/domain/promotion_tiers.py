"""Promotion tiers on their own (``/v1/promotions/tiers``): what a request may change in a
tier, and the filters of their listing. A tier itself (``PromotionTier``) belongs to its
campaign (``domain/campaigns.py``)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from datetime import datetime
from enum import StrEnum
from typing import Any

from sendout.domain.campaign_drafts import tier_action
from sendout.domain.campaigns import PromotionTier

#: tiers one promotion may hold: qualifications read every tier of every live promotion
MAX_TIERS_PER_PROMOTION = 100
#: ``hierarchy``: the order tiers apply in; kept well inside the column's 32 bits
MAX_HIERARCHY = 1_000_000
MAX_NAME = 255
MAX_BANNER = 1000


class TierOrder(StrEnum):
    CREATED_AT = "created_at"
    UPDATED_AT = "updated_at"


def changed_tier(tier: PromotionTier, changes: Mapping[str, Any], now: datetime) -> PromotionTier:
    """``PUT /v1/promotions/tiers/{id}``: the fields sent change, the others stay (their
    types and bounds checked by the request's model)."""
    # A tier always has a name and a place: null for either means "unchanged" (the SDK's
    # from_dict sends every field it knows, null when not given).
    simple = {k: changes[k] for k in ("name", "hierarchy") if changes.get(k) is not None}
    if "banner" in changes:
        simple["banner"] = changes["banner"]
    if "action" in changes:
        simple["action"] = tier_action(changes["action"])
    if "metadata" in changes:
        simple["metadata"] = dict(changes["metadata"] or {})
    return replace(tier, **simple, updated_at=now)


@dataclass(frozen=True, slots=True, kw_only=True)
class PromotionTierQuery:
    """Filters of ``GET /v1/promotions/tiers``."""

    limit: int = 10
    page: int = 1
    #: only the tiers that apply at this moment: on, in a campaign that is on and in its dates
    available_at: datetime | None = None
    order: TierOrder = TierOrder.CREATED_AT
    descending: bool = True
