"""In-memory publications, as ``adapters/db/promotion_stores.py`` keeps them: in the order
they were added, a source id used once per project, the advanced list filters of
``GET /v1/publications`` read from each row and its campaign."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sendout.domain.campaigns import Campaign, CampaignType
from sendout.domain.list_filters import ListFilter, holds_constant
from sendout.domain.ports import Page
from sendout.domain.publications import Publication, PublicationQuery
from sendout.testing.promotions import PromotionsData, duplicate, nulls_first, paged


class FakePublicationStore:
    def __init__(self, data: PromotionsData) -> None:
        self.data = data

    def _check(self, publications: Sequence[Publication]) -> None:
        ids = [p.id for p in [*self.data.publications, *publications]]
        keys = [
            (p.project_id, p.source_id)
            for p in [*self.data.publications, *publications]
            if p.source_id is not None
        ]
        if len(set(ids)) != len(ids) or len(set(keys)) != len(keys):
            raise duplicate("publications")

    async def add(self, publication: Publication) -> None:
        await self.add_many([publication])

    async def add_many(self, publications: Sequence[Publication]) -> None:
        self._check(publications)  # all or none, as one statement
        self.data.publications.extend(publications)

    def _of(self, project_id: str) -> list[Publication]:
        return [p for p in self.data.publications if p.project_id == project_id]

    async def get_by_source_id(self, project_id: str, source_id: str) -> Publication | None:
        return next((p for p in self._of(project_id) if p.source_id == source_id), None)

    async def first_for(
        self, project_id: str, customer_id: str, campaign_id: str
    ) -> Publication | None:
        return next(
            (
                p
                for p in self._of(project_id)
                if p.customer_id == customer_id and p.campaign_id == campaign_id
            ),
            None,
        )

    def _campaign(self, project_id: str, campaign_id: str | None) -> Campaign | None:
        found = self.data.campaigns.get(campaign_id or "")
        return found if found is not None and found.project_id == project_id else None

    def _fields(self, p: Publication) -> dict[str, str | None]:
        """The values the advanced filters read (``_publication_filter`` in SQL)."""
        campaign = self._campaign(p.project_id, p.campaign_id)
        kind = None if campaign is None or campaign.template is None else campaign.template.type
        return {
            "customer_id": p.customer_id,
            "source_id": p.source_id,
            "parent_object_id": p.campaign_id,
            "related_object_id": p.voucher_ids[0] if p.voucher_ids else None,
            "campaign_name": None if campaign is None else campaign.name,
            "voucher_type": None if kind is None else _KIND_WORDS.get(kind.value),
            "is_referral_code": (
                None
                if campaign is None
                else str(campaign.campaign_type is CampaignType.REFERRAL_PROGRAM).lower()
            ),
            # Only successful publications are stored.
            "result": "SUCCESS",
            "failure_code": None,
        }

    def _matches(self, p: Publication, wanted: ListFilter) -> bool:
        values = self._fields(p)
        held = [holds_constant(c, values[c.field]) for c in wanted.conditions]
        return any(held) if wanted.any_of else all(held)

    def _kind_matches(self, p: Publication, query: PublicationQuery) -> bool:
        if query.voucher_type is None and query.is_referral_code is None:
            return True
        campaign = self._campaign(p.project_id, p.campaign_id)
        if campaign is None:
            return False
        kind = None if campaign.template is None else campaign.template.type.value
        referral = campaign.campaign_type is CampaignType.REFERRAL_PROGRAM
        return (query.voucher_type is None or kind == query.voucher_type) and (
            query.is_referral_code is None or referral == query.is_referral_code
        )

    async def list(self, project_id: str, query: PublicationQuery) -> Page[Publication]:
        def keep(p: Publication) -> bool:
            return (
                (query.campaign_id is None or p.campaign_id == query.campaign_id)
                and (query.customer_id is None or p.customer_id == query.customer_id)
                and (query.source_id is None or p.source_id == query.source_id)
                and self._kind_matches(p, query)
                and (not query.filters or self._matches(p, query.filters))
            )

        seq = {p.id: n for n, p in enumerate(self.data.publications)}

        def order(p: Publication) -> tuple[tuple[bool, Any], int]:
            column = {
                "customer_id": p.customer_id,
                "channel": p.channel,
                "source_id": p.source_id,
            }.get(query.order, seq[p.id])
            return nulls_first(column), seq[p.id]

        found = sorted(filter(keep, self._of(project_id)), key=order, reverse=query.descending)
        return paged(found, query.limit, query.page)


#: the words the ``voucher_type`` filter uses for a campaign's code type
_KIND_WORDS = {"DISCOUNT_VOUCHER": "discount", "LOYALTY_CARD": "loyalty", "GIFT_VOUCHER": "gift"}
