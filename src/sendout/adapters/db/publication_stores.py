"""The publications store: which codes went to which customer, and how they are listed."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson
import sqlalchemy as sa

from sendout.adapters.db import tables as t
from sendout.adapters.db.store_helpers import (
    SqlStore,
    filter_clause,
    matching,
    param,
)
from sendout.domain.campaigns import (
    CampaignType,
)
from sendout.domain.list_filters import ListFilter
from sendout.domain.ports import Page
from sendout.domain.publications import Publication, PublicationQuery

_c = t.campaigns.c
_p = t.publications.c
_PUBLICATION_BY_SOURCE = sa.select(t.publications).where(
    _p.project_id == param("project_id"), _p.source_id == param("source_id")
)
_PUBLICATION_FIRST_FOR = (
    sa.select(t.publications)
    .where(
        _p.project_id == param("project_id"),
        _p.customer_id == param("customer_id"),
        _p.campaign_id == param("campaign_id"),
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


class SqlPublicationStore(SqlStore):
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
        conditions = [
            _p.project_id == project_id,
            *matching(
                (_p.campaign_id, query.campaign_id),
                (_p.customer_id, query.customer_id),
                (_p.source_id, query.source_id),
            ),
        ]
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
