"""Bodies of ``/v1/promotions``: a promotion tier added to a campaign, a tier's changes."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field, model_validator

from sendout.domain.campaign_drafts import TierDraft, tier_action
from sendout.domain.promotion_tiers import MAX_BANNER, MAX_HIERARCHY, MAX_NAME
from sendout.entrypoints.api.bounds import Int64
from sendout.entrypoints.api.schemas.common import Body, NullMeansUnset

#: what Voucherify's tiers also take and Sendout's do not: a tier follows its campaign's dates
#: and validity, and Sendout keeps no rule objects nor categories. Setting one is refused
#: rather than dropped, so that nobody believes a tier expires when it does not.
UNSUPPORTED = (
    "start_date",
    "expiration_date",
    "validity_timeframe",
    "validity_day_of_week",
    "validity_hours",
    "validation_rule_assignments",
    "category",
    "category_id",
)

Hierarchy = Annotated[Int64, Field(ge=1, le=MAX_HIERARCHY)]


class _TierFields(Body):
    @model_validator(mode="before")
    @classmethod
    def _refuse_unsupported(cls, data: Any) -> Any:
        if isinstance(data, dict):
            sent = sorted(key for key in UNSUPPORTED if data.get(key) is not None)
            if sent:
                raise ValueError(
                    f"{', '.join(sent)}: a promotion tier follows its campaign's dates and "
                    "validity, and has no rules or category of its own"
                )
        return data


class PromotionTierBody(NullMeansUnset, _TierFields):
    """``POST /v1/promotions/{campaign id}/tiers``: a new tier of a promotion."""

    name: str = Field(min_length=1, max_length=MAX_NAME)
    banner: str | None = Field(default=None, max_length=MAX_BANNER)
    action: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    hierarchy: Hierarchy | None = None
    active: bool = True

    def to_draft(self) -> TierDraft:
        return TierDraft(
            name=self.name,
            banner=self.banner,
            action=tier_action(self.action),
            metadata=self.metadata or {},
            active=self.active,
        )


class PromotionTierUpdateBody(_TierFields):
    """``PUT /v1/promotions/tiers/{id}``: the fields sent change (``null`` clears the banner,
    the action and the metadata, and leaves the name and the hierarchy as they are)."""

    name: str | None = Field(default=None, min_length=1, max_length=MAX_NAME)
    banner: str | None = Field(default=None, max_length=MAX_BANNER)
    action: dict[str, Any] | None = None
    metadata: dict[str, Any] | None = None
    hierarchy: Hierarchy | None = None

    def sent(self) -> dict[str, Any]:
        return {name: getattr(self, name) for name in self.model_fields_set}
