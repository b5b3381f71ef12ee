"""Stores for campaigns, codes, publications and async actions."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import orjson
import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.engine import DriverStatement, columns_sql
from sendout.adapters.db.stores import _param, _Store, filter_clause
from sendout.domain.async_actions import AsyncAction, AsyncActionType, AsyncStatus
from sendout.domain.campaigns import (
    Campaign,
    CampaignKind,
    CampaignQuery,
    CampaignType,
    GenerationStatus,
    PromotionTier,
    Validity,
    VoucherTemplate,
    VoucherType,
)
from sendout.domain.codes import CodeConfig
from sendout.domain.list_filters import ListFilter
from sendout.domain.ports import Page
from sendout.domain.publications import Publication, PublicationQuery
from sendout.domain.vouchers import Voucher, VoucherQuery, WalletQuery

# --- value <-> row -------------------------------------------------------------------------


def _validity_value(validity: Validity | None) -> dict[str, Any] | None:
    if validity is None:
        return None
    return {
        "timeframe": None if validity.timeframe is None else dict(validity.timeframe),
        "day_of_week": None if validity.day_of_week is None else list(validity.day_of_week),
        "hours": None if validity.hours is None else dict(validity.hours),
    }


def _validity(raw: Mapping[str, Any] | None) -> Validity | None:
    if raw is None:
        return None
    days = raw.get("day_of_week")
    return Validity(
        timeframe=raw.get("timeframe"),
        day_of_week=None if days is None else tuple(days),
        hours=raw.get("hours"),
    )


def _template_value(template: VoucherTemplate | None) -> dict[str, Any] | None:
    if template is None:
        return None
    config = template.code_config
    return {
        "type": template.type.value,
        "discount": None if template.discount is None else dict(template.discount),
        "gift": None if template.gift is None else dict(template.gift),
        "loyalty_card": None if template.loyalty_card is None else dict(template.loyalty_card),
        "redemption_quantity": template.redemption_quantity,
        "code_config": {
            "pattern": config.pattern,
            "charset": config.charset,
            "prefix": config.prefix,
            "postfix": config.postfix,
        },
        "is_referral_code": template.is_referral_code,
    }


def _template(raw: Mapping[str, Any] | None) -> VoucherTemplate | None:
    if raw is None:
        return None
    return VoucherTemplate(
        type=VoucherType(raw["type"]),
        discount=raw.get("discount"),
        gift=raw.get("gift"),
        loyalty_card=raw.get("loyalty_card"),
        redemption_quantity=raw.get("redemption_quantity"),
        code_config=CodeConfig(**raw["code_config"]),
        is_referral_code=bool(raw.get("is_referral_code")),
    )


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
        "validity": _validity_value(c.validity),
        "activity_duration_after_publishing": c.activity_duration_after_publishing,
        "category": c.category,
        "metadata": dict(c.metadata),
        "template": _template_value(c.template),
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
    m = row._mapping
    return Campaign(
        id=m["id"],
        project_id=m["project_id"],
        name=m["name"],
        campaign_type=CampaignType(m["campaign_type"]),
        kind=CampaignKind(m["kind"]),
        description=m["description"],
        join_once=m["join_once"],
        auto_join=m["auto_join"],
        active=m["active"],
        start_date=m["start_date"],
        expiration_date=m["expiration_date"],
        validity=_validity(m["validity"]) or Validity(),
        activity_duration_after_publishing=m["activity_duration_after_publishing"],
        category=m["category"],
        metadata=m["metadata"],
        template=_template(m["template"]),
        referral_program=m["referral_program"],
        loyalty_tiers_expiration=m["loyalty_tiers_expiration"],
        creation_status=GenerationStatus(m["creation_status"]),
        vouchers_generation_status=GenerationStatus(m["vouchers_generation_status"]),
        vouchers_count=m["vouchers_count"],
        created_at=m["created_at"],
        updated_at=m["updated_at"],
        deleted_at=m["deleted_at"],
    )


def _voucher_values(v: Voucher) -> dict[str, Any]:
    return {
        "id": v.id,
        "project_id": v.project_id,
        "code": v.code,
        "campaign_id": v.campaign_id,
        "type": None if v.type is None else v.type.value,
        "discount": None if v.discount is None else dict(v.discount),
        "gift": None if v.gift is None else dict(v.gift),
        "loyalty_card": None if v.loyalty_card is None else dict(v.loyalty_card),
        "redemption_quantity": v.redemption_quantity,
        "redeemed_quantity": v.redeemed_quantity,
        "active": v.active,
        "start_date": v.start_date,
        "expiration_date": v.expiration_date,
        "validity": _validity_value(v.validity),
        "additional_info": v.additional_info,
        "metadata": None if v.metadata is None else dict(v.metadata),
        "category": v.category,
        "is_referral_code": v.is_referral_code,
        "holder_id": v.holder_id,
        "published_at": v.published_at,
        "created_at": v.created_at,
        "updated_at": v.updated_at,
    }


def _voucher(row: sa.Row[Any]) -> Voucher:
    return _voucher_of(dict(row._mapping))


def _voucher_of(m: dict[str, Any]) -> Voucher:
    m["type"] = None if m["type"] is None else VoucherType(m["type"])
    m["validity"] = _validity(m["validity"])
    return Voucher(**m)


# --- campaigns -----------------------------------------------------------------------------

_c = t.campaigns.c
_LIVE = _c.deleted_at.is_(None)
_CAMPAIGN_BY_ID = sa.select(t.campaigns).where(
    _c.project_id == _param("project_id"), _c.id == _param("key"), _LIVE
)
_CAMPAIGN_BY_NAME = sa.select(t.campaigns).where(
    _c.project_id == _param("project_id"), _c.name == _param("key"), _LIVE
)
_CAMPAIGN_UPDATE = t.campaigns.update().where(
    _c.project_id == _param("where_project_id"), _c.id == _param("where_id")
)
_CAMPAIGN_COUNT_ADD = (
    t.campaigns.update()
    .where(_c.id == _param("where_id"))
    .values(vouchers_count=_c.vouchers_count + _param("delta"))
)


class SqlCampaignStore(_Store):
    async def add(self, campaign: Campaign) -> None:
        await self._insert(t.campaigns, _campaign_values(campaign))

    async def update(self, campaign: Campaign) -> None:
        values = _campaign_values(campaign)
        # The counter moves only through add_vouchers_count, so concurrent jobs never lose counts.
        del values["id"], values["project_id"], values["created_at"], values["vouchers_count"]
        values.update(where_project_id=campaign.project_id, where_id=campaign.id)
        await self._write(_CAMPAIGN_UPDATE, values, "campaigns")

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
        await self._insert(
            t.promotion_tiers,
            {
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
            },
        )

    async def tiers(self, project_id: str, campaign_ids: Sequence[str]) -> Sequence[PromotionTier]:
        if not campaign_ids:
            return []
        p = t.promotion_tiers.c
        rows = await self._tx.execute(
            sa.select(t.promotion_tiers)
            .where(p.project_id == project_id, p.campaign_id.in_(set(campaign_ids)))
            .order_by(p.campaign_id, p.hierarchy, p.created_at)
        )
        return [PromotionTier(**row._mapping) for row in rows]

    async def live_promotions(self, project_id: str) -> Sequence[Campaign]:
        rows = await self._tx.execute(
            sa.select(t.campaigns).where(
                _c.project_id == project_id,
                _LIVE,
                _c.campaign_type == CampaignType.PROMOTION.value,
            )
        )
        return [_campaign(row) for row in rows]


# --- vouchers ------------------------------------------------------------------------------

_v = t.vouchers.c
_VOUCHER_BY_CODE = sa.select(t.vouchers).where(
    _v.project_id == _param("project_id"), _v.code == _param("code")
)
_VOUCHER_UPDATE = t.vouchers.update().where(
    _v.project_id == _param("where_project_id"), _v.id == _param("where_id")
)
_VOUCHER_DELETE = t.vouchers.delete().where(
    _v.project_id == _param("project_id"), _v.id == _param("id")
)
_VOUCHER_CLAIM = (
    t.vouchers.update()
    .where(
        _v.project_id == _param("where_project_id"),
        _v.id == _param("where_id"),
        _v.holder_id.is_(None),
    )
    .values(holder_id=_param("holder_id"), published_at=_param("now"), updated_at=_param("now"))
)


_FREE_CODES = (
    sa.select(_v.id)
    .where(
        _v.project_id == _param("in_project"),
        _v.campaign_id == _param("in_campaign"),
        _v.holder_id.is_(None),
        sa.or_(_v.active.is_(None), _v.active.is_(True)),
    )
    .limit(_param("count"))
    # PostgreSQL: concurrent publishers take different codes instead of queueing on one;
    # SQLite ignores the clause (its transactions never overlap).
    .with_for_update(skip_locked=True)
    # A CTE is evaluated once. As an IN (subquery), PostgreSQL may run the locking subquery
    # again for the UPDATE and hand out more codes than asked for.
    .cte("picked")
    .prefix_with("MATERIALIZED", dialect="postgresql")
)
_VOUCHERS_CLAIM_FREE = (
    t.vouchers.update()
    .where(_v.id == _FREE_CODES.c.id, _v.holder_id.is_(None))
    .values(holder_id=_param("new_holder"), published_at=_param("now"), updated_at=_param("now"))
    .returning(*t.vouchers.c)
)


_VOUCHER_COLUMNS = columns_sql(t.vouchers)
_VOUCHER_FIELDS = tuple(t.vouchers.columns.keys())
_FREE_CODE = (
    "holder_id IS NULL AND (active IS NULL OR active) AND project_id = {project} "
    "AND campaign_id = {campaign}"
)
# The i-th code picked goes to the i-th holder, in one statement. As in _VOUCHERS_CLAIM_FREE,
# only codes with no holder are taken and, on PostgreSQL, none another transaction holds
# locked (SKIP LOCKED, in a CTE evaluated once); SQLite's writers never overlap.
_VOUCHERS_CLAIM_FOR = DriverStatement(
    "WITH picked AS (SELECT id, row_number() OVER () AS n FROM "
    f"(SELECT id FROM vouchers WHERE {_FREE_CODE.format(project='?1', campaign='?2')} "
    "LIMIT ?3)), "
    "wanted AS (SELECT key + 1 AS n, value AS holder FROM json_each(?4)) "
    "UPDATE vouchers SET holder_id = wanted.holder, published_at = ?5, updated_at = ?5 "
    "FROM picked JOIN wanted ON wanted.n = picked.n "
    f"WHERE vouchers.id = picked.id AND vouchers.holder_id IS NULL RETURNING {_VOUCHER_COLUMNS}",
    "WITH picked AS MATERIALIZED ("
    f"SELECT id FROM vouchers WHERE {_FREE_CODE.format(project='$1', campaign='$2')} "
    "LIMIT $3 FOR UPDATE SKIP LOCKED), "
    "numbered AS (SELECT id, row_number() OVER () AS n FROM picked), "
    "wanted AS (SELECT holder, n FROM unnest($4::text[]) WITH ORDINALITY AS w(holder, n)) "
    "UPDATE vouchers AS v SET holder_id = wanted.holder, published_at = $5, updated_at = $5 "
    "FROM numbered JOIN wanted ON wanted.n = numbered.n "
    "WHERE v.id = numbered.id AND v.holder_id IS NULL "
    f"RETURNING {', '.join(f'v.{name}' for name in _VOUCHER_FIELDS)}",
    returns=list(t.vouchers.columns),
)


_VOUCHER_LOCK = (
    sa.select(_v.id)
    .where(_v.project_id == _param("project_id"), _v.id == _param("id"))
    .with_for_update()
)


class SqlVoucherStore(_Store):
    async def lock(self, project_id: str, voucher_id: str) -> None:
        await self._tx.execute(_VOUCHER_LOCK, {"project_id": project_id, "id": voucher_id})

    async def add(self, voucher: Voucher) -> None:
        await self._insert(t.vouchers, _voucher_values(voucher))

    async def add_codes(
        self,
        project_id: str,
        campaign_id: str,
        codes: Sequence[tuple[str, str]],
        created_at: datetime,
    ) -> int:
        return await self._tx.insert_many(
            t.vouchers,
            ("id", "code"),
            codes,
            constants={
                "project_id": project_id,
                "campaign_id": campaign_id,
                "redeemed_quantity": 0,
                "created_at": created_at,
            },
            skip_duplicates=True,
        )

    async def count_free(self, project_id: str, campaign_ids: Sequence[str]) -> dict[str, int]:
        found = dict.fromkeys(campaign_ids, 0)
        if not campaign_ids:
            return found
        rows = await self._tx.execute(
            sa.select(_v.campaign_id, sa.func.count())
            .where(
                _v.project_id == project_id,
                _v.campaign_id.in_(list(campaign_ids)),
                _v.holder_id.is_(None),  # the partial index of free codes
            )
            .group_by(_v.campaign_id)
        )
        for row in rows:
            campaign_id, count = tuple(row)
            found[str(campaign_id)] = int(count)
        return found

    async def existing_codes(self, project_id: str, codes: Sequence[str]) -> set[str]:
        found: set[str] = set()
        # Stay well under SQLite's limit of bound variables per statement.
        for start in range(0, len(codes), 5000):
            chunk = list(codes[start : start + 5000])
            rows = await self._tx.execute(
                sa.select(_v.code).where(_v.project_id == project_id, _v.code.in_(chunk))
            )
            found.update(row.code for row in rows)
        return found

    async def update(self, voucher: Voucher) -> None:
        values = _voucher_values(voucher)
        del values["id"], values["project_id"], values["created_at"]
        values.update(where_project_id=voucher.project_id, where_id=voucher.id)
        await self._write(_VOUCHER_UPDATE, values, "vouchers")

    async def get_by_code(self, project_id: str, code: str) -> Voucher | None:
        row = await self._one(_VOUCHER_BY_CODE, project_id=project_id, code=code)
        return None if row is None else _voucher(row)

    async def get_many(self, project_id: str, ids: Sequence[str]) -> Sequence[Voucher]:
        if not ids:
            return []
        rows = await self._tx.execute(
            sa.select(t.vouchers).where(_v.project_id == project_id, _v.id.in_(set(ids)))
        )
        by_id = {row.id: _voucher(row) for row in rows}
        return [by_id[i] for i in ids if i in by_id]

    async def remove(self, project_id: str, voucher_id: str) -> None:
        await self._tx.execute(_VOUCHER_DELETE, {"project_id": project_id, "id": voucher_id})

    async def remove_some_of_campaign(self, project_id: str, campaign_id: str, limit: int) -> int:
        some = (
            sa.select(_v.id)
            .where(_v.project_id == project_id, _v.campaign_id == campaign_id)
            .limit(limit)
            .scalar_subquery()
        )
        result = await self._tx.execute(t.vouchers.delete().where(_v.id.in_(some)))
        return int(result.rowcount)  # type: ignore[attr-defined]

    async def list(self, project_id: str, query: VoucherQuery) -> Page[Voucher]:
        conditions: list[sa.ColumnElement[bool]] = [_v.project_id == project_id]
        if query.campaign_id is not None:
            conditions.append(_v.campaign_id == query.campaign_id)
        if query.holder_id is not None:
            conditions.append(_v.holder_id == query.holder_id)
        if query.code is not None:
            conditions.append(_v.code == query.code)
        if query.ids is not None:
            conditions.append(_v.id.in_(query.ids))
        if query.category is not None:
            conditions.append(_v.category == query.category)
        for column, bound, later in (
            (_v.created_at, query.created_before, False),
            (_v.created_at, query.created_after, True),
            (_v.updated_at, query.updated_before, False),
            (_v.updated_at, query.updated_after, True),
        ):
            if bound is not None:
                conditions.append(column > bound if later else column < bound)
        # Voucher ids are time-ordered: ordering by id is ordering by creation, on an index.
        column = {"created_at": _v.id, "updated_at": _v.updated_at, "code": _v.code}[query.order]
        order = (column.desc(), _v.id.desc()) if query.descending else (column, _v.id)
        return await self._paged(t.vouchers, conditions, order, query.limit, query.page, _voucher)

    async def held_by(self, project_id: str, holder_id: str, query: WalletQuery) -> Page[Voucher]:
        conditions: list[sa.ColumnElement[bool]] = [
            _v.project_id == project_id,
            _v.holder_id == holder_id,
        ]
        if query.starting_after_id is not None:
            conditions.append(
                _v.id < query.starting_after_id
                if query.descending
                else _v.id > query.starting_after_id
            )
        rows = list(
            await self._tx.execute(
                sa.select(t.vouchers)
                .where(*conditions)
                .order_by(_v.id.desc() if query.descending else _v.id)
                .limit(query.limit + 1)
            )
        )
        items = [_voucher(row) for row in rows[: query.limit]]
        return Page(items=items, total=None, has_more=len(rows) > query.limit)

    async def claim_free(
        self, project_id: str, campaign_id: str, holder_id: str, count: int, now: datetime
    ) -> Sequence[Voucher]:
        rows = await self._tx.execute(
            _VOUCHERS_CLAIM_FREE,
            {
                "in_project": project_id,
                "in_campaign": campaign_id,
                "count": count,
                "new_holder": holder_id,
                "now": now,
            },
        )
        return [_voucher(row) for row in rows]

    async def claim(self, project_id: str, voucher_id: str, holder_id: str, now: datetime) -> bool:
        result = await self._tx.execute(
            _VOUCHER_CLAIM,
            {
                "where_project_id": project_id,
                "where_id": voucher_id,
                "holder_id": holder_id,
                "now": now,
            },
        )
        return int(result.rowcount) == 1  # type: ignore[attr-defined]

    async def claim_free_for(
        self, project_id: str, campaign_id: str, holder_ids: Sequence[str], now: datetime
    ) -> Sequence[Voucher]:
        if not holder_ids:
            return []
        rows = await self._tx.fetch(
            _VOUCHERS_CLAIM_FOR, project_id, campaign_id, len(holder_ids), list(holder_ids), now
        )
        return [_voucher_of(dict(zip(_VOUCHER_FIELDS, row, strict=True))) for row in rows]


# --- publications --------------------------------------------------------------------------

_p = t.publications.c
_PUBLICATION_BY_SOURCE = sa.select(t.publications).where(
    _p.project_id == _param("project_id"), _p.source_id == _param("source_id")
)
_PUBLICATION_FIRST_FOR = (
    sa.select(t.publications)
    .where(
        _p.project_id == _param("project_id"),
        _p.customer_id == _param("customer_id"),
        _p.campaign_id == _param("campaign_id"),
    )
    .order_by(_p.seq)
    .limit(1)
)


#: the columns ``SqlPublicationStore.add_many`` fills, in its order (JSON documents as text)
_PUBLICATION_ROW_FIELDS = (
    "id",
    "project_id",
    "customer_id",
    "campaign_id",
    "voucher_ids",
    "codes",
    "source_id",
    "channel",
    "metadata",
    "created_at",
)


def _publication(row: sa.Row[Any]) -> Publication:
    m = dict(row._mapping)
    del m["seq"]
    return Publication(**m)


def _publication_order(query: PublicationQuery) -> tuple[sa.ColumnElement[Any], ...]:
    column = {
        "customer_id": _p.customer_id,
        "channel": _p.channel,
        "source_id": _p.source_id,
    }.get(query.order, _p.seq)
    if query.descending:
        return (column.desc(), _p.seq.desc())
    return (column, _p.seq)


class SqlPublicationStore(_Store):
    async def add(self, publication: Publication) -> None:
        await self._insert(
            t.publications,
            {
                "id": publication.id,
                "project_id": publication.project_id,
                "customer_id": publication.customer_id,
                "campaign_id": publication.campaign_id,
                "voucher_ids": list(publication.voucher_ids),
                "codes": list(publication.codes),
                "source_id": publication.source_id,
                "channel": publication.channel,
                "metadata": dict(publication.metadata),
                "created_at": publication.created_at,
            },
        )

    async def add_many(self, publications: Sequence[Publication]) -> None:
        await self._tx.insert_many(
            t.publications,
            _PUBLICATION_ROW_FIELDS,
            [
                (
                    p.id,
                    p.project_id,
                    p.customer_id,
                    p.campaign_id,
                    orjson.dumps(list(p.voucher_ids)).decode(),
                    orjson.dumps(list(p.codes)).decode(),
                    p.source_id,
                    p.channel,
                    orjson.dumps(dict(p.metadata)).decode(),
                    p.created_at,
                )
                for p in publications
            ],
        )

    async def get_by_source_id(self, project_id: str, source_id: str) -> Publication | None:
        row = await self._one(_PUBLICATION_BY_SOURCE, project_id=project_id, source_id=source_id)
        return None if row is None else _publication(row)

    async def first_for(
        self, project_id: str, customer_id: str, campaign_id: str
    ) -> Publication | None:
        row = await self._one(
            _PUBLICATION_FIRST_FOR,
            project_id=project_id,
            customer_id=customer_id,
            campaign_id=campaign_id,
        )
        return None if row is None else _publication(row)

    async def list(self, project_id: str, query: PublicationQuery) -> Page[Publication]:
        conditions: list[sa.ColumnElement[bool]] = [_p.project_id == project_id]
        if query.campaign_id is not None:
            conditions.append(_p.campaign_id == query.campaign_id)
        if query.customer_id is not None:
            conditions.append(_p.customer_id == query.customer_id)
        if query.source_id is not None:
            conditions.append(_p.source_id == query.source_id)
        if query.voucher_type is not None or query.is_referral_code is not None:
            kinds = [_c.project_id == project_id]
            if query.voucher_type is not None:
                kinds.append(_c.template["type"].as_string() == query.voucher_type)
            if query.is_referral_code is not None:
                referral = _c.campaign_type == CampaignType.REFERRAL_PROGRAM.value
                kinds.append(referral if query.is_referral_code else ~referral)
            conditions.append(_p.campaign_id.in_(sa.select(_c.id).where(*kinds)))
        if query.filters:
            conditions.append(_publication_filter(project_id, query.filters))
        return await self._paged(
            t.publications,
            conditions,
            _publication_order(query),
            query.limit,
            query.page,
            _publication,
        )


def _publication_filter(project_id: str, wanted: ListFilter) -> sa.ColumnElement[bool]:
    of_project = _c.project_id == project_id
    campaign = sa.select(_c.name).where(of_project, _c.id == _p.campaign_id)
    # The query's voucher_type words: discount, loyalty (and gift).
    kind = sa.case(
        (_c.template["type"].as_string() == "DISCOUNT_VOUCHER", "discount"),
        (_c.template["type"].as_string() == "LOYALTY_CARD", "loyalty"),
        (_c.template["type"].as_string() == "GIFT_VOUCHER", "gift"),
    )
    voucher_type = sa.select(kind).where(of_project, _c.id == _p.campaign_id)
    referral = sa.select(
        sa.case((_c.campaign_type == CampaignType.REFERRAL_PROGRAM.value, "true"), else_="false")
    ).where(of_project, _c.id == _p.campaign_id)
    # The first code of the publication (one per publication unless count > 1).
    first_voucher = _p.voucher_ids[0].as_string()
    return filter_clause(
        wanted,
        {
            "customer_id": _p.customer_id,
            "source_id": _p.source_id,
            "parent_object_id": _p.campaign_id,
            "related_object_id": first_voucher,
            "campaign_name": campaign.scalar_subquery(),
            "voucher_type": voucher_type.scalar_subquery(),
            "is_referral_code": referral.scalar_subquery(),
        },
        # Only successful publications are stored: a failed one is answered as an error.
        {"result": "SUCCESS", "failure_code": None},
    )


# --- async actions -------------------------------------------------------------------------

_a = t.async_actions.c
_ACTION_BY_ID = sa.select(t.async_actions).where(
    _a.project_id == _param("project_id"), _a.id == _param("id")
)
_ACTION_UPDATE = t.async_actions.update().where(_a.id == _param("where_id"))
_ACTION_UPDATE_HELD = t.async_actions.update().where(
    _a.id == _param("where_id"), _a.lease_token == _param("where_token")
)
_WAITING = (AsyncStatus.ENQUEUED.value, AsyncStatus.IN_PROGRESS.value)


def _action_values(a: AsyncAction) -> dict[str, Any]:
    return {
        "id": a.id,
        "project_id": a.project_id,
        "type": a.type.value,
        "status": a.status.value,
        "request": dict(a.request),
        "done": a.done,
        "total": a.total,
        "result": None if a.result is None else dict(a.result),
        "lease_until": a.lease_until,
        "created_at": a.created_at,
        "updated_at": a.updated_at,
        "lease_token": a.lease_token,
    }


_ACTION_FIELDS = tuple(t.async_actions.columns.keys())
_ACTION_COLUMNS = columns_sql(t.async_actions)
# Asked on every cycle of the worker's main lane, between dispatch batches.
_NEXT_ACTION = DriverStatement(
    f"SELECT {_ACTION_COLUMNS} FROM async_actions WHERE status IN (?, ?) "
    "AND (lease_until IS NULL OR lease_until < ?) ORDER BY created_at LIMIT 1",
    f"SELECT {_ACTION_COLUMNS} FROM async_actions WHERE status IN ($1, $2) "
    "AND (lease_until IS NULL OR lease_until < $3) ORDER BY created_at LIMIT 1 "
    "FOR UPDATE SKIP LOCKED",
    returns=list(t.async_actions.columns),
)


def _action(row: Sequence[Any]) -> AsyncAction:
    """An action from its row (the columns of ``select(t.async_actions)``, in order)."""
    m = dict(zip(_ACTION_FIELDS, row, strict=True))
    m["type"] = AsyncActionType(m["type"])
    m["status"] = AsyncStatus(m["status"])
    return AsyncAction(**m)


class SqlAsyncActionStore(_Store):
    async def add(self, action: AsyncAction) -> None:
        self._tx.signal_work()
        await self._insert(t.async_actions, _action_values(action))

    async def update(self, action: AsyncAction) -> None:
        values = _action_values(action)
        del values["id"], values["project_id"], values["created_at"]
        values["where_id"] = action.id
        await self._write(_ACTION_UPDATE, values, "async_actions")

    async def get(self, project_id: str, action_id: str) -> AsyncAction | None:
        row = await self._one(_ACTION_BY_ID, project_id=project_id, id=action_id)
        return None if row is None else _action(row)

    async def list(
        self, project_id: str, limit: int, end_date: datetime | None
    ) -> Sequence[AsyncAction]:
        conditions: list[sa.ColumnElement[bool]] = [_a.project_id == project_id]
        if end_date is not None:
            conditions.append(_a.created_at <= end_date)
        rows = await self._tx.execute(
            sa.select(t.async_actions)
            .where(*conditions)
            .order_by(_a.created_at.desc(), _a.id.desc())
            .limit(limit)
        )
        return [_action(row) for row in rows]

    async def update_if_held(self, action: AsyncAction) -> bool:
        values = _action_values(action)
        del values["id"], values["project_id"], values["created_at"]
        values.update(where_id=action.id, where_token=action.lease_token)
        result = await self._tx.execute(_ACTION_UPDATE_HELD, values)
        return bool(result.rowcount)  # type: ignore[attr-defined]

    async def claim_next(
        self, now: datetime, lease_until: datetime, token: str
    ) -> AsyncAction | None:
        rows = await self._tx.fetch(_NEXT_ACTION, *_WAITING, now)
        if not rows:
            return None
        claimed = replace(
            _action(rows[0]),
            status=AsyncStatus.IN_PROGRESS,
            lease_until=lease_until,
            updated_at=now,
            lease_token=token,
        )
        await self.update(claimed)
        return claimed
