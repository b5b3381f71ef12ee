"""The campaigns store: campaigns and their promotion tiers."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.promotion_rows import (
    template_of,
    template_value,
    validity_of,
    validity_value,
)
from sendout.adapters.db.store_helpers import (
    SqlStore,
    param,
    update_by_id,
)
from sendout.domain.campaigns import (
    Campaign,
    CampaignKind,
    CampaignQuery,
    CampaignType,
    GenerationStatus,
    PromotionTier,
    Validity,
)
from sendout.domain.ports import Page
from sendout.domain.promotion_tiers import PromotionTierQuery, TierOrder


def _campaign_values(c: Campaign) -> dict[str, Any]:
    return {
        "id": c.id,
        "project_id": c.project_id,
        "name": c.name,
        "campaign_type": c.campaign_type.value,
        "kind": c.kind.value,
        "description": c.description,
        "join_once": c.join_once,
        "auto_join": c.auto_join,
        "active": c.active,
        "start_date": c.start_date,
        "expiration_date": c.expiration_date,
        "validity": validity_value(c.validity),
        "activity_duration_after_publishing": c.activity_duration_after_publishing,
        "category": c.category,
        "metadata": dict(c.metadata),
        "template": template_value(c.template),
        "referral_program": None if c.referral_program is None else dict(c.referral_program),
        "loyalty_tiers_expiration": (
            None if c.loyalty_tiers_expiration is None else dict(c.loyalty_tiers_expiration)
        ),
        "creation_status": c.creation_status.value,
        "vouchers_generation_status": c.vouchers_generation_status.value,
        "vouchers_count": c.vouchers_count,
        "created_at": c.created_at,
        "updated_at": c.updated_at,
        "deleted_at": c.deleted_at,
    }


def _campaign(row: sa.Row[Any]) -> Campaign:
    """A campaign from its row: the columns are the campaign's fields, the enums and nested
    values stored as their plain forms."""
    m = dict(row._mapping)
    m["campaign_type"] = CampaignType(m["campaign_type"])
    m["kind"] = CampaignKind(m["kind"])
    m["validity"] = validity_of(m["validity"]) or Validity()
    m["template"] = template_of(m["template"])
    m["creation_status"] = GenerationStatus(m["creation_status"])
    m["vouchers_generation_status"] = GenerationStatus(m["vouchers_generation_status"])
    return Campaign(**m)


_c = t.campaigns.c
_LIVE = _c.deleted_at.is_(None)
_CAMPAIGN_BY_ID = sa.select(t.campaigns).where(
    _c.project_id == param("project_id"), _c.id == param("key"), _LIVE
)
_CAMPAIGN_BY_NAME = sa.select(t.campaigns).where(
    _c.project_id == param("project_id"), _c.name == param("key"), _LIVE
)
_CAMPAIGN_UPDATE = update_by_id(t.campaigns)
_CAMPAIGN_COUNT_ADD = (
    t.campaigns.update()
    .where(_c.id == param("where_id"))
    .values(vouchers_count=_c.vouchers_count + param("delta"))
)


_p = t.promotion_tiers.c


def _tier_values(tier: PromotionTier) -> dict[str, Any]:
    return {
        "id": tier.id,
        "project_id": tier.project_id,
        "campaign_id": tier.campaign_id,
        "name": tier.name,
        "banner": tier.banner,
        "action": dict(tier.action),
        "metadata": dict(tier.metadata),
        "active": tier.active,
        "hierarchy": tier.hierarchy,
        "created_at": tier.created_at,
        "updated_at": tier.updated_at,
    }


class SqlCampaignStore(SqlStore):
    async def add(self, campaign: Campaign) -> None:
        await self._insert(t.campaigns, _campaign_values(campaign))

    async def update(self, campaign: Campaign) -> None:
        values = _campaign_values(campaign)
        # The counter moves only through add_vouchers_count, so concurrent jobs never lose counts.
        del values["vouchers_count"]
        await self._update(_CAMPAIGN_UPDATE, values, "campaigns")

    async def get(self, project_id: str, id_or_name: str) -> Campaign | None:
        # Try the likelier reading first: ids have the camp_ prefix, names usually not.
        first, second = (
            (_CAMPAIGN_BY_ID, _CAMPAIGN_BY_NAME)
            if id_or_name.startswith("camp_")
            else (_CAMPAIGN_BY_NAME, _CAMPAIGN_BY_ID)
        )
        row = await self._one(first, project_id=project_id, key=id_or_name)
        if row is None:
            row = await self._one(second, project_id=project_id, key=id_or_name)
        return None if row is None else _campaign(row)

    async def get_for_update(self, project_id: str, campaign_id: str) -> Campaign | None:
        row = await self._one(
            _CAMPAIGN_BY_ID.with_for_update(), project_id=project_id, key=campaign_id
        )
        return None if row is None else _campaign(row)

    async def get_many(self, project_id: str, ids: Sequence[str]) -> dict[str, Campaign]:
        if not ids:
            return {}
        rows = await self._tx.execute(
            sa.select(t.campaigns).where(_c.project_id == project_id, _c.id.in_(set(ids)))
        )
        return {row.id: _campaign(row) for row in rows}

    async def list(self, project_id: str, query: CampaignQuery) -> Page[Campaign]:
        conditions = [_c.project_id == project_id, _LIVE]
        if query.campaign_type is not None:
            conditions.append(_c.campaign_type == query.campaign_type.value)
        if query.creation_status is not None:
            conditions.append(_c.creation_status == query.creation_status.value)
        if query.is_referral_code is not None:
            referral = _c.campaign_type == CampaignType.REFERRAL_PROGRAM.value
            conditions.append(referral if query.is_referral_code else ~referral)
        column = _c.updated_at if query.order_by_updated else _c.created_at
        order = (column.desc(), _c.id.desc()) if query.descending else (column, _c.id)
        return await self._paged(t.campaigns, conditions, order, query.limit, query.page, _campaign)

    async def add_vouchers_count(self, campaign_id: str, delta: int) -> None:
        await self._tx.execute(_CAMPAIGN_COUNT_ADD, {"where_id": campaign_id, "delta": delta})

    async def add_tier(self, tier: PromotionTier) -> None:
        await self._insert(t.promotion_tiers, _tier_values(tier))

    async def update_tier(self, tier: PromotionTier) -> None:
        values = _tier_values(tier)
        del values["id"], values["project_id"], values["campaign_id"], values["created_at"]
        await self._tx.execute(
            t.promotion_tiers.update()
            .where(_p.project_id == tier.project_id, _p.id == tier.id)
            .values(**values)
        )

    async def remove_tier(self, project_id: str, tier_id: str) -> None:
        await self._tx.execute(
            t.promotion_tiers.delete().where(_p.project_id == project_id, _p.id == tier_id)
        )

    async def get_tier(self, project_id: str, tier_id: str) -> PromotionTier | None:
        rows = await self._tx.execute(
            sa.select(t.promotion_tiers).where(_p.project_id == project_id, _p.id == tier_id)
        )
        row = rows.first()
        return None if row is None else PromotionTier(**row._mapping)

    async def tiers(self, project_id: str, campaign_ids: Sequence[str]) -> Sequence[PromotionTier]:
        if not campaign_ids:
            return []
        rows = await self._tx.execute(
            sa.select(t.promotion_tiers)
            .where(_p.project_id == project_id, _p.campaign_id.in_(set(campaign_ids)))
            .order_by(_p.campaign_id, _p.hierarchy, _p.created_at)
        )
        return [PromotionTier(**row._mapping) for row in rows]

    async def list_tiers(self, project_id: str, query: PromotionTierQuery) -> Page[PromotionTier]:
        campaigns = [_c.project_id == project_id, _LIVE]
        campaigns.append(_c.campaign_type == CampaignType.PROMOTION.value)
        conditions = [_p.project_id == project_id]
        now = query.available_at
        if now is not None:
            campaigns += [
                _c.active.is_(True),
                sa.or_(_c.start_date.is_(None), _c.start_date <= now),
                sa.or_(_c.expiration_date.is_(None), _c.expiration_date >= now),
            ]
            conditions.append(_p.active.is_(True))
        conditions.append(_p.campaign_id.in_(sa.select(_c.id).where(*campaigns)))
        # Never updated counts as updated when made: both databases then sort alike (they
        # disagree on where NULLs go).
        column = (
            sa.func.coalesce(_p.updated_at, _p.created_at)
            if query.order is TierOrder.UPDATED_AT
            else _p.created_at
        )
        order = (column.desc(), _p.id.desc()) if query.descending else (column, _p.id)
        return await self._paged(
            t.promotion_tiers,
            conditions,
            order,
            query.limit,
            query.page,
            lambda row: PromotionTier(**row._mapping),
        )

    async def live_promotions(self, project_id: str) -> Sequence[Campaign]:
        rows = await self._tx.execute(
            sa.select(t.campaigns).where(
                _c.project_id == project_id,
                _LIVE,
                _c.campaign_type == CampaignType.PROMOTION.value,
            )
        )
        return [_campaign(row) for row in rows]
